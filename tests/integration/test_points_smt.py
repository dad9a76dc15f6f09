"""Points become a Smart Media Token on the real local WordPress (site "points") with the REAL
myCRED and GamiPress, and the devnet as an SMT build: the treasury (the SMT's control account)
creates, sets up and launches the SMT, its one emission funds the treasury; ``[points] output =
"smt"`` pays members by SMT transfers. After sync the chain's SMT balances equal the configured
conversion of the eligible points, caps respected, to the last unit; a second sync changes
nothing; the balance is mirrored into the profile beside the points; a treasury too low is a
visible problem (held and needed) retried later, never a failed broadcast; a kill -9 at each step
of a payout pays no entry twice and loses none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy.devstack import localstack
from tests.conftest import Bridge, make_bridge
from tests.devnet.conftest import Client
from tests.devnet.test_smt import launched_token
from tests.integration.test_points_tokens import (
    COUNTED,
    MEMBER_CAP,
    RATE,
    earn,
    expected_balances,
    fresh_points_site,
    sync_until_killed,
)
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
TREASURY = "points-issuer"
RESERVE = "smt-reserve"
SYMBOL = "BLOG"


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return fresh_points_site()


@pytest.fixture(scope="module")
def logged(site: dict[str, Any]) -> list[dict[str, Any]]:
    return earn(site)  # through mycred_add / gamipress_award_points_to_user


@pytest.fixture
def smt_devnet(devnet_tx_collector: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    from devnet.server import start_devnet

    handle = start_devnet(port=0, data_dir=None, block_interval=0.0, smt=True)
    try:
        yield handle
    finally:
        devnet_tx_collector.add(handle, request.node.nodeid)
        handle.stop()


def smt_balances(url: str, nai: str, accounts: list[str]) -> dict[str, Decimal]:
    """condenser ``get_smt_balances``: legacy asset strings "12.345 @@..."."""
    answer = requests.post(url, json={"jsonrpc": "2.0", "id": 1,
                                      "method": "condenser_api.get_smt_balances",
                                      "params": [[[a, nai] for a in accounts]]}, timeout=10).json()
    out = {}
    for row in answer["result"]:
        amount = Decimal(row["liquid"].split()[0])
        if amount:
            out[row["name"]] = amount
    return out


def transfers(url: str) -> int:
    history = localstack.rpc(url, "condenser_api.get_account_history", [TREASURY, -1, 1000])
    return len([h for h in history if h[1]["op"][0] == "transfer"
                and h[1]["op"][1]["from"] == TREASURY and h[1]["op"][1]["memo"].startswith("wpsb:")])


def send_smt(bridge: Bridge, keys: dict[str, str], sender: str, to: str, units: int,
             symbol: dict[str, Any]) -> None:
    from connectors.steem import SteemChain
    from devnet.genesis import CHAIN_ID

    chain = SteemChain([bridge.devnet_url], CHAIN_ID)
    chain.broadcast(chain.sign([("transfer", {
        "from": sender, "to": to, "memo": "",
        "amount": {"amount": str(units), "precision": symbol["precision"], "nai": symbol["nai"]}})],
        keys[sender]))


def setup_bridge(site: dict[str, Any], tmp_path: Path, handle: Any,
                 emission: int = 1_000_000) -> tuple[Bridge, dict[str, str], dict[str, Any]]:
    bridge = make_bridge(tmp_path, site, handle.url,
                         accounts=["iguazi123", "wenchao", "carol", TREASURY, RESERVE])
    keys = {k: str(v) for k, v in __import__("tomllib").loads(bridge.keys_file.read_text()).items()}
    client = Client(handle)
    client.keys[TREASURY] = {"active": keys[TREASURY]}
    symbol = launched_token(client, TREASURY, amount=emission)  # create, setup, launch, emission
    with bridge.config.open("a") as config:
        config.write(f"""
[mirror]
enabled = false

[points]
enabled = true
output = "smt"
nai = "{symbol['nai']}"
symbol = "{SYMBOL}"
precision = {symbol['precision']}
rate = "{RATE}"
mode = "transfer"
account = "{TREASURY}"
refs = {json.dumps(list(COUNTED))}
point_types = ["mycred_default", "coins", "score"]
member_daily_cap = "{MEMBER_CAP}"
""")
    return bridge, {"WPSB_ACTIVE_KEY_POINTS_ISSUER": keys[TREASURY]}, symbol


def sync(bridge: Bridge, env: dict[str, str], times: int = 2) -> None:
    for _ in range(times):
        result = bridge.cli("sync", env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        localstack.generate_blocks(bridge.devnet_url, 2)


def linked_members(site: dict[str, Any]) -> dict[int, str]:
    return {site["users"]["iguazi123"]["id"]: "iguazi123",
            site["users"]["wenchao"]["id"]: "wenchao"}


MEMBERS = ["iguazi123", "wenchao", "carol"]


def test_points_from_real_mycred_and_gamipress_become_smt_balances_exactly_once(
        site: dict[str, Any], logged: list[dict[str, Any]], tmp_path: Path,
        smt_devnet: Any) -> None:
    wp_php("points", f"delete_user_meta( {site['carol_id']}, 'steem_account' );")
    bridge, env, symbol = setup_bridge(site, tmp_path, smt_devnet)
    nai, url = symbol["nai"], smt_devnet.url
    sync(bridge, env)

    expected = expected_balances(logged, linked_members(site), symbol["precision"])
    assert smt_balances(url, nai, MEMBERS) == expected
    assert expected["wenchao"] == MEMBER_CAP  # the cap held the rest back
    treasury = smt_balances(url, nai, [TREASURY])[TREASURY]
    assert treasury == Decimal(1000) - sum(expected.values())  # to the last unit
    sent = transfers(url)
    assert sent == len(expected)  # one SMT transfer per member, in one batch

    sync(bridge, env)  # again: nothing changes
    assert smt_balances(url, nai, MEMBERS) == expected and transfers(url) == sent

    # the SMT balance mirrored into the profile, beside the points
    member = site["users"]["iguazi123"]["id"]
    meta = wp_php("points", f"echo wp_json_encode( get_user_meta( {member}, "
                            f"'wpsb_token_balances', true ) );")
    assert json.loads(meta) == {SYMBOL: f"{expected['iguazi123']:.3f}"}
    profile = wp_php("points", f"wpsb_points_profile( get_userdata( {member} ) );")
    assert "<th>Points (myCRED)</th>" in profile
    assert f"<th>Tokens ({SYMBOL})</th><td>{expected['iguazi123']:.3f}</td>" in profile


def test_a_treasury_too_low_is_visible_with_held_and_needed_and_paid_once_topped_up(
        site: dict[str, Any], logged: list[dict[str, Any]], tmp_path: Path,
        smt_devnet: Any) -> None:
    wp_php("points", f"delete_user_meta( {site['carol_id']}, 'steem_account' );")
    bridge, env, symbol = setup_bridge(site, tmp_path, smt_devnet)
    keys = {k: str(v) for k, v in __import__("tomllib").loads(bridge.keys_file.read_text()).items()}
    nai, url = symbol["nai"], smt_devnet.url
    send_smt(bridge, keys, TREASURY, RESERVE, 995_000, symbol)  # the treasury keeps 5.000
    localstack.generate_blocks(url, 1)
    sync(bridge, env)

    expected = expected_balances(logged, linked_members(site), symbol["precision"])
    assert smt_balances(url, nai, MEMBERS) == {} and transfers(url) == 0  # nothing signed
    status = bridge.cli("status", env=env)
    assert status.returncode == 0
    assert f"treasury @{TREASURY} holds 5.000 {SYMBOL} ({nai})" in status.stdout, status.stdout
    assert f"needs {sum(expected.values())}" in status.stdout, status.stdout

    send_smt(bridge, keys, RESERVE, TREASURY, 995_000, symbol)  # topped up
    localstack.generate_blocks(url, 210)  # past the 10 minutes' retry
    sync(bridge, env)
    assert smt_balances(url, nai, MEMBERS) == expected
    assert transfers(url) == len(expected)
    assert "holds 5.000" not in bridge.cli("status", env=env).stdout


@pytest.mark.parametrize("step", ["after-sign", "after-broadcast", "before-confirm"])
def test_a_kill_at_each_step_of_an_smt_payout_pays_no_entry_twice_and_loses_none(
        site: dict[str, Any], logged: list[dict[str, Any]], tmp_path: Path,
        smt_devnet: Any, step: str) -> None:
    wp_php("points", f"delete_user_meta( {site['carol_id']}, 'steem_account' );")
    bridge, env, symbol = setup_bridge(site, tmp_path, smt_devnet)
    sync_until_killed(bridge, env, step, smt_devnet.url)
    sync(bridge, env, 3)
    expected = expected_balances(logged, linked_members(site), symbol["precision"])
    assert smt_balances(smt_devnet.url, symbol["nai"], MEMBERS) == expected
    assert transfers(smt_devnet.url) == len(expected)  # each member's transfer once
