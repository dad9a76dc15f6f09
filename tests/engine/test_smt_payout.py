"""An SMT payout through the engine's outbox and dispatcher against the devnet (an SMT build):
the treasury's ACTIVE key signs a transfer of an NAI asset the bridge serializes itself, it is
confirmed by its block, the member's SMT balance moves once, and enqueueing it again does nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bridge.dispatch import Dispatcher
from bridge.kinds import Authority
from bridge.model import Intent, IntentStatus
from bridge.report import TickReport
from bridge.store import StateStore
from connectors.steem import SteemChain
from devnet.server import start_devnet
from mappings.smt_payout import SmtTransfer, smt_transfer_intent
from tests.devnet.conftest import Client
from tests.devnet.test_smt import launched_token


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def smt_client(devnet_tx_collector: Any, request: pytest.FixtureRequest) -> Iterator[Client]:
    handle = start_devnet(smt=True)
    try:
        yield Client(handle)
    finally:
        devnet_tx_collector.add(handle, request.node.nodeid)
        handle.stop()


def _balance(client: Client, account: str, symbol: dict[str, Any]) -> int:
    found = client.call("database_api.find_smt_token_balances", {"account_symbols": [[account, symbol]]})
    return int(found["balances"][0]["liquid"]["amount"]) if found["balances"] else 0


def test_smt_payout_goes_out_once_with_the_active_key_and_is_confirmed_in_a_block(
        smt_client: Client, tmp_path: Any) -> None:
    client = smt_client
    treasury, member = client.new_account("treasury"), client.new_account("member")
    symbol = launched_token(client, treasury, amount=5_000_000)
    intent = smt_transfer_intent(SmtTransfer("t", "myCRED:1-3", treasury, member, 12_345, symbol["nai"],
                                             symbol["precision"], "points 1-3"))
    assert isinstance(intent, Intent)
    asked: list[tuple[str, Authority]] = []

    def keys(account: str, authority: Authority) -> str | None:
        asked.append((account, authority))
        return client.keys[account]["active"] if authority is Authority.ACTIVE else None

    store = StateStore(str(tmp_path / "state.db"))
    chain = SteemChain([client.url], client.handle.chain.chain_id)
    dispatcher = Dispatcher(store, chain, keys, confirm_timeout=5)
    with store.transaction():
        store.outbox.enqueue(intent)
    report = TickReport()
    dispatcher.dispatch(report, lambda: False)
    dispatcher.reconcile(TickReport())
    assert asked == [(treasury, Authority.ACTIVE)] and report.broadcast == 1
    assert store.outbox.count_by_status() == {"confirmed": 1}
    (row,) = store.outbox.rows(IntentStatus.CONFIRMED)
    assert client.call("condenser_api.get_transaction", [row.tx_id])["operations"][0][1]["amount"] == (
        f"12.345 {symbol['nai']}")
    assert _balance(client, member, symbol) == 12_345
    assert _balance(client, treasury, symbol) == 5_000_000 - 12_345
    with store.transaction():
        store.outbox.enqueue(intent)  # the same payout again: same key, nothing new
    dispatcher.dispatch(TickReport(), lambda: False)
    assert store.outbox.count_by_status() == {"confirmed": 1} and _balance(client, member, symbol) == 12_345
    store.close()


def test_a_payout_of_nothing_or_to_the_treasury_is_skipped() -> None:
    base = SmtTransfer("t", "x", "treasury", "member", 0, "@@422838704", 3)
    assert smt_transfer_intent(base).reason == "nothing to pay (amount is not positive)"  # type: ignore[union-attr]
    self_pay = SmtTransfer("t", "x", "treasury", "treasury", 5, "@@422838704", 3)
    assert smt_transfer_intent(self_pay).reason == "the treasury does not pay itself"  # type: ignore[union-attr]


def test_smt_output_packs_payouts_as_transfers_in_one_transaction(smt_client: Client, tmp_path: Any) -> None:
    """``SmtOutput`` (the points payout's TokenOutput protocol): two members' payouts, one transaction
    of two SMT transfers, memos naming the ledger entries; amounts rounded down to the precision."""
    from dataclasses import dataclass
    from decimal import Decimal

    from bridge.model import IntentKind, SourceRef, intent_key
    from mappings.smt_payout import SmtOutput

    @dataclass(frozen=True)
    class Payout:
        account: str
        units: Decimal
        entries: tuple[str, ...]

    client = smt_client
    treasury, ann, ben = (client.new_account(n) for n in ("treasury", "ann", "ben"))
    symbol = launched_token(client, treasury, amount=5_000_000)
    output = SmtOutput("t", treasury, symbol["nai"], symbol["precision"], max_transfers=2)
    payouts = [Payout(ann, Decimal("1.2345"), ("mycred:1", "mycred:4")), Payout(ben, Decimal("2"), ("gamipress:9",))]
    assert output.fits(payouts) and not output.fits([*payouts, payouts[0]])
    source = SourceRef("wp", "t", "points", "batch-1")
    intent = Intent(key=intent_key(output.kind, source, "v1"), kind=output.kind, account=treasury, source=source,
                    operations=output.operations(payouts))
    assert intent.kind is IntentKind.TRANSFER
    store = StateStore(str(tmp_path / "state.db"))
    dispatcher = Dispatcher(store, SteemChain([client.url], client.handle.chain.chain_id),
                            lambda account, authority: client.keys[account]["active"], confirm_timeout=5)
    with store.transaction():
        store.outbox.enqueue(intent)
    dispatcher.dispatch(TickReport(), lambda: False)
    dispatcher.reconcile(TickReport())
    (row,) = store.outbox.rows(IntentStatus.CONFIRMED)
    ops = client.call("condenser_api.get_transaction", [row.tx_id])["operations"]
    assert [op[1]["memo"] for op in ops] == ["wpsb:t:mycred:1,mycred:4", "wpsb:t:gamipress:9"]
    assert _balance(client, ann, symbol) == 1_234 and _balance(client, ben, symbol) == 2_000
    store.close()
