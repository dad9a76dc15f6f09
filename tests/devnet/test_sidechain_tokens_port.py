"""The sidechain connector (connectors/sidechain.py) against the devnet's sidechain: one receipt
per Steem transaction with each action's own errors, in order (a refused action fails alone), and
the ``tokens`` tables the payouts read (``token``, ``balances``)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from connectors.sidechain import SteemEngineSidechain
from tests.devnet.conftest import Client
from tests.devnet.test_sidechain import _custom_json, _entry, _send, _settle


def test_each_action_of_a_batch_has_its_own_verdict_and_balances_are_read(
        client: Client) -> None:
    issuer, alice, bob = client.new_account("issuer"), client.new_account("alice"), \
        client.new_account("bob")
    _send(client, issuer, _custom_json(issuer, [
        _entry("create", name="Blog", symbol="BLOG", precision=3, maxSupply="1000")]))
    _settle(client)
    tx_id = _send(client, issuer, _custom_json(issuer, [
        _entry("issue", symbol="BLOG", to=alice, quantity="1.500", memo="wpsb:t:mycred:1"),
        _entry("issue", symbol="BLOG", to=bob, quantity="1.5001", memo="wpsb:t:mycred:2"),
        _entry("issue", symbol="BLOG", to=bob, quantity="2", memo="wpsb:t:mycred:3")]))
    sidechain = SteemEngineSidechain(f"{client.url}/rpc/")
    assert sidechain.find_sidechain_transaction(tx_id) is None  # the streamer's two-block lag
    _settle(client)

    receipt = sidechain.find_sidechain_transaction(tx_id)
    assert receipt is not None
    assert receipt.actions == ((), ("symbol precision mismatch",), ())
    assert receipt.errors == ("symbol precision mismatch",)
    token: dict[str, Any] | None = sidechain.token("BLOG")
    assert token is not None and token["issuer"] == issuer and Decimal(token["supply"]) == 3.5
    assert sidechain.token("NONE") is None
    found = sidechain.balances("BLOG", [alice, bob, "nobody"])
    assert {k: Decimal(v) for k, v in found.items()} == {alice: Decimal("1.5"), bob: Decimal(2)}
    assert json.dumps(found)  # plain strings
