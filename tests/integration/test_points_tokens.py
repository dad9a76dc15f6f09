"""Points become Steem-Engine tokens on the real local WordPress (site "points") with the REAL
myCRED and GamiPress, and the devnet with its sidechain: members earn points through the plugins'
own APIs (``mycred_add``, ``gamipress_award_points_to_user``); after sync the sidechain balances
equal the configured conversion of the eligible points, caps respected, to the last unit; a second
sync changes nothing; a member who links later is paid then; a kill -9 at each step of a payout
pays no entry twice and loses none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy.devstack import localstack
from tests.conftest import REPO_ROOT, Bridge, make_bridge
from tests.support.points_plugins import activate_gamipress, activate_mycred
from tests.support.wordpress import reset_wordpress, wordpress_request
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
ISSUER = "points-issuer"
SYMBOL = "BLOG"
RATE = Decimal("0.5")
MEMBER_CAP = Decimal("40")
COUNTED = ("publishing_content", "approved_comment", "daily_checkin", "points_earn", "checkin")


def fresh_points_site() -> dict[str, Any]:
    """The site "points" afresh, with the real myCRED and GamiPress, and a member not linked."""
    site = reset_wordpress("points")
    activate_mycred("points")
    activate_gamipress("points", "coins")
    response = wordpress_request(site, "POST", "/wp/v2/users", json={
        "username": "carol", "email": "carol@example.com", "password": "carol-Pass-123456"})
    assert response.status_code == 201, response.text
    site["carol_id"] = response.json()["id"]
    return site


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return fresh_points_site()


@pytest.fixture(scope="module")
def logged(site: dict[str, Any]) -> list[dict[str, Any]]:
    return earn(site)


def earn(site: dict[str, Any]) -> list[dict[str, Any]]:
    """Points earned through the plugins' own functions; returns what the plugins logged."""
    ids = {login: user["id"] for login, user in site["users"].items()}
    ids["carol"] = site["carol_id"]
    out = wp_php("points", f"""
        $ids = json_decode( '{json.dumps(ids)}', true );
        // myCRED: publishing, comments, a mini-program's daily check-in (打卡), a login (not
        // counted), the bridge's own vote points (never counted), a deduction
        foreach ( array( 'iguazi123', 'carol' ) as $login ) {{
            $u = $ids[ $login ];
            mycred_add( 'publishing_content', $u, 10, 'Published a post', 100 + $u );
            mycred_add( 'approved_comment', $u, 3, 'Comment approved', 200 + $u );
            mycred_add( 'daily_checkin', $u, 1, '打卡', 300 + $u );
            mycred_add( 'logging_in', $u, 2, 'Logged in' );
            mycred_add( 'steem_vote', $u, 5, 'Steem vote', 400 + $u, 'steem_vote:x' );
        }}
        mycred_subtract( 'manual', $ids['wenchao'], 4, 'Spent in the shop' );
        // wenchao publishes a lot: more than the member cap allows in one day (every entry is
        // worth the same, so which ones wait does not change the sum)
        for ( $i = 0; $i < 12; $i++ ) {{
            mycred_add( 'publishing_content', $ids['wenchao'], 10, 'Published', 500 + $i );
        }}
        mycred_add( 'logging_in', $ids['wenchao'], 2, 'Logged in' );
        // GamiPress: earned coins (log type points_earn), and a deduction
        gamipress_award_points_to_user( $ids['iguazi123'], 20, 'coins' );
        gamipress_award_points_to_user( $ids['carol'], 3, 'coins' );
        gamipress_deduct_points_to_user( $ids['iguazi123'], 5, 'coins' );
        global $wpdb;
        $table = mycred()->get_log_table();
        $rows = $wpdb->get_results( "SELECT id, ref, user_id, creds, ctype FROM $table ORDER BY id", ARRAY_A );
        $logs = $wpdb->get_results( "SELECT l.log_id AS id, l.type AS ref, l.user_id, m.meta_value AS creds, t.meta_value AS ctype FROM {{$wpdb->prefix}}gamipress_logs l JOIN {{$wpdb->prefix}}gamipress_logs_meta m ON m.log_id = l.log_id AND m.meta_key = '_gamipress_points' JOIN {{$wpdb->prefix}}gamipress_logs_meta t ON t.log_id = l.log_id AND t.meta_key = '_gamipress_points_type' ORDER BY l.log_id", ARRAY_A );
        echo json_encode( array( 'mycred' => $rows, 'gamipress' => $logs ) );
    """)
    logged = json.loads(out[out.index("{"):])
    return [dict(r, source=s) for s in ("mycred", "gamipress") for r in logged[s]]


def expected_balances(logged: list[dict[str, Any]], accounts: dict[int, str],
                      precision: int = 3) -> dict[str, Decimal]:
    """The configured conversion of the eligible points: per entry points x rate, rounded down
    to the token's precision, oldest first within each member's daily cap."""
    unit = Decimal(1).scaleb(-precision)
    paid: dict[str, Decimal] = {}
    for row in logged:
        account = accounts.get(int(row["user_id"]))
        if not account or row["ref"] not in COUNTED or Decimal(row["creds"]) <= 0:
            continue
        worth = (Decimal(row["creds"]) * RATE).quantize(unit, rounding=ROUND_DOWN)
        if paid.get(account, Decimal(0)) + worth <= MEMBER_CAP:
            paid[account] = paid.get(account, Decimal(0)) + worth
    return paid


def balances(devnet_url: str) -> dict[str, Decimal]:
    answer = requests.post(f"{devnet_url}/rpc/contracts", json={
        "jsonrpc": "2.0", "id": 1, "method": "find", "params": {
            "contract": "tokens", "table": "balances", "query": {"symbol": SYMBOL}}},
        timeout=10).json()
    return {row["account"]: Decimal(row["balance"]) for row in answer["result"]
            if Decimal(row["balance"])}


def token_txs(devnet_url: str) -> int:
    history = localstack.rpc(devnet_url, "condenser_api.get_account_history", [ISSUER, -1, 1000])
    return len([h for h in history if h[1]["op"][0] == "custom_json"])


def setup_bridge(site: dict[str, Any], tmp_path: Path, devnet_url: str) -> tuple[Bridge, dict[str, str]]:
    bridge = make_bridge(tmp_path, site, devnet_url, accounts=["iguazi123", "wenchao", "carol",
                                                               ISSUER])
    keys = {k: str(v) for k, v in __import__("tomllib").loads(bridge.keys_file.read_text()).items()}
    with bridge.config.open("a") as config:
        config.write(f"""
[mirror]
enabled = false

[points]
enabled = true
symbol = "{SYMBOL}"
precision = 3
rate = "{RATE}"
account = "{ISSUER}"
refs = {json.dumps(list(COUNTED))}
point_types = ["mycred_default", "coins", "score"]
member_daily_cap = "{MEMBER_CAP}"
""")
    # the token, created by its issuer with its active key (devnet accounts: one key for all)
    from connectors.steem import SteemChain
    from devnet.genesis import CHAIN_ID

    chain = SteemChain([devnet_url], CHAIN_ID)
    chain.broadcast(chain.sign([("custom_json", {
        "required_auths": [ISSUER], "required_posting_auths": [], "id": "ssc-mainnet1",
        "json": json.dumps({"contractName": "tokens", "contractAction": "create",
                            "contractPayload": {"name": "Blog Points", "symbol": SYMBOL,
                                                "precision": 3, "maxSupply": "1000000"}})})],
        keys[ISSUER]))
    localstack.generate_blocks(devnet_url, 2)
    env = {"WPSB__CHAIN__SIDECHAIN_URL": f"{devnet_url}/rpc/",
           "WPSB_ACTIVE_KEY_POINTS_ISSUER": keys[ISSUER]}
    return bridge, env


def sync(bridge: Bridge, env: dict[str, str], times: int = 2) -> None:
    for _ in range(times):
        result = bridge.cli("sync", env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        localstack.generate_blocks(bridge.devnet_url, 2)  # the sidechain's two-block lag


def test_points_from_real_mycred_and_gamipress_become_tokens_exactly_once(
        site: dict[str, Any], logged: list[dict[str, Any]], tmp_path: Path, devnet: Any) -> None:
    wp_php("points", f"delete_user_meta( {site['carol_id']}, 'steem_account' );")
    bridge, env = setup_bridge(site, tmp_path, devnet.url)
    linked = {site["users"]["iguazi123"]["id"]: "iguazi123",
              site["users"]["wenchao"]["id"]: "wenchao"}
    sync(bridge, env)

    expected = expected_balances(logged, linked)
    assert balances(devnet.url) == expected
    assert expected["wenchao"] == MEMBER_CAP  # the cap held the rest back
    sent = token_txs(devnet.url)
    assert sent == 2  # create + one payout batch
    status = bridge.cli("status", env=env)
    assert status.returncode == 0

    sync(bridge, env)  # again: nothing changes
    assert balances(devnet.url) == expected and token_txs(devnet.url) == sent

    # carol links her account: her held points are paid on the next sync
    wp_php("points", f"update_user_meta( {site['carol_id']}, 'steem_account', 'carol' );")
    sync(bridge, env)
    linked[site["carol_id"]] = "carol"
    assert balances(devnet.url)["carol"] == expected_balances(logged, linked)["carol"] > 0
    # the balance is mirrored into the member's profile with the points
    meta = wp_php("points", f"echo wp_json_encode( get_user_meta( "
                            f"{site['users']['iguazi123']['id']}, 'wpsb_token_balances', true ) );")
    assert json.loads(meta) == {SYMBOL: f"{expected['iguazi123']:.3f}"}
    profile = wp_php("points", f"wpsb_points_profile( get_userdata( "
                               f"{site['users']['iguazi123']['id']} ) );")
    assert "<th>Points (myCRED)</th>" in profile
    assert f"<th>Tokens ({SYMBOL})</th><td>{expected['iguazi123']:.3f}</td>" in profile


@pytest.mark.parametrize("step", ["after-sign", "after-broadcast", "before-confirm"])
def test_a_kill_at_each_step_of_a_payout_pays_no_entry_twice_and_loses_none(
        site: dict[str, Any], logged: list[dict[str, Any]], tmp_path: Path, devnet: Any,
        step: str) -> None:
    wp_php("points", f"delete_user_meta( {site['carol_id']}, 'steem_account' );")
    bridge, env = setup_bridge(site, tmp_path, devnet.url)
    linked = {site["users"]["iguazi123"]["id"]: "iguazi123",
              site["users"]["wenchao"]["id"]: "wenchao"}
    sync_until_killed(bridge, env, step, devnet.url)
    sync(bridge, env, 3)
    # the whole ledger, each entry once (a fresh devnet and state store per test)
    assert balances(devnet.url) == expected_balances(logged, linked)


CUSTOM_LEDGER = """
    global $wpdb;
    $wpdb->query( "CREATE TABLE IF NOT EXISTS {$wpdb->prefix}zhuige_scoremall_score_bills (
        id bigint(20) unsigned NOT NULL AUTO_INCREMENT, action varchar(32) NOT NULL,
        extra varchar(255) NOT NULL DEFAULT '', user_id bigint(20) NOT NULL, score int NOT NULL,
        time int unsigned NOT NULL, PRIMARY KEY (id) )" );
    update_option( 'wpsb_points_custom_ledger', array( 'table' => 'zhuige_scoremall_score_bills',
        'points' => 'score', 'ref' => 'action', 'time' => 'time', 'time_format' => 'unix',
        'points_type' => 'score' ) );
"""


def test_a_mini_program_ledger_is_paid_and_a_row_deleted_after_payment_is_a_correction(
        site: dict[str, Any], logged: list[dict[str, Any]], tmp_path: Path, devnet: Any) -> None:
    """The 追格 score-mall pattern: a hand-rolled ledger table without hooks, rows deleted from
    its admin list; configured by the option wpsb_points_custom_ledger."""
    wp_php("points", f"delete_user_meta( {site['carol_id']}, 'steem_account' );")
    bridge, env = setup_bridge(site, tmp_path, devnet.url)
    iguazi = site["users"]["iguazi123"]["id"]
    out = wp_php("points", CUSTOM_LEDGER + f"""
        foreach ( array( array( 'checkin', 6 ), array( 'checkin', 2 ), array( 'exchange', -30 ) )
                  as $bill ) {{
            $wpdb->insert( "{{$wpdb->prefix}}zhuige_scoremall_score_bills", array(
                'action' => $bill[0], 'user_id' => {iguazi}, 'score' => $bill[1],
                'time' => time() ) );
        }}
        echo wp_json_encode( $wpdb->get_results( "SELECT id, action AS ref, user_id, score AS creds,
            'score' AS ctype FROM {{$wpdb->prefix}}zhuige_scoremall_score_bills", ARRAY_A ) );
    """)
    bills = json.loads(out[out.index("["):])
    linked = {iguazi: "iguazi123", site["users"]["wenchao"]["id"]: "wenchao"}
    sync(bridge, env)
    expected = expected_balances([*logged, *bills], linked)
    assert balances(devnet.url) == expected
    assert expected["iguazi123"] == expected_balances(logged, linked)["iguazi123"] + 4

    first = bills[0]["id"]  # deleted from the mini-program's admin list, after it was paid
    wp_php("points", f"global $wpdb; $wpdb->delete( \"{{$wpdb->prefix}}zhuige_scoremall_score_bills\", "
                     f"array( 'id' => {first} ) );")
    sync(bridge, env)
    assert balances(devnet.url) == expected  # never clawed back
    status = bridge.cli("status", env=env).stdout
    assert f"custom:{first}" in status and "after it was paid" in status


def sync_until_killed(bridge: Bridge, env: dict[str, str], step: str, devnet_url: str) -> None:
    """``sync`` through the crashing CLI until it is SIGKILLed at ``step`` (the step comes in
    the first or second tick), two blocks sealed after each run."""
    command = [sys.executable, "-m", "tests.support.crashing_cli", step, "--config",
               str(bridge.config), "sync"]
    for _ in range(3):
        killed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=120, env=dict(os.environ, **env))
        localstack.generate_blocks(devnet_url, 2)
        if killed.returncode == -9:
            break
    assert killed.returncode == -9, killed.stdout + killed.stderr
