"""Anchor-only mode on the real local WordPress (site "points") with the REAL myCRED and the
devnet: members earn points through ``mycred_add``; a sync posts one ``wpsb-anchor`` custom_json
whose root is the root of the points feed's entries; ``anchor export`` + ``verify-anchor`` exit 0;
a myCRED log row rewritten in WordPress afterwards (or the feed's record of it) makes
verify-anchor exit 1, naming the entry given the export made when it was anchored; a sync with no
new entries posts nothing; new entries are anchored next, chained to the previous root."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy.devstack import localstack
from mappings.anchor import ANCHOR_ID, ledger_root
from tests.conftest import Bridge, make_bridge
from tests.support.points_plugins import activate_mycred
from tests.support.wordpress import reset_wordpress
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
ANCHORER = "ledger-anchor"


def earn(site: dict[str, Any], times: int, base: int) -> None:
    ids = [user["id"] for user in site["users"].values()]
    wp_php("points", "\n".join(
        f"mycred_add( 'publishing_content', {ids[n % len(ids)]}, {n + 1}, 'Published', {base + n} );"
        for n in range(times)))


def sync(bridge: Bridge) -> None:
    for _ in range(2):
        result = bridge.cli("sync")
        assert result.returncode == 0, result.stdout + result.stderr
        localstack.generate_blocks(bridge.devnet_url, 1)


def anchors_on_chain(devnet_url: str) -> list[dict[str, Any]]:
    history = localstack.rpc(devnet_url, "condenser_api.get_account_history", [ANCHORER, -1, 1000])
    return [json.loads(h[1]["op"][1]["json"]) for h in history
            if h[1]["op"][0] == "custom_json" and h[1]["op"][1]["id"] == ANCHOR_ID]


def export(bridge: Bridge, anchor: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    result = bridge.cli("anchor", "export", "--from", anchor["from"], "--to", anchor["to"])
    assert result.returncode == 0, result.stderr
    path.write_text(result.stdout, encoding="utf-8")
    return [json.loads(line) for line in result.stdout.splitlines()]


def verify(bridge: Bridge, path: Path, tx_id: str, *extra: str) -> Any:
    from devnet.genesis import CHAIN_ID

    return bridge.cli("verify-anchor", str(path), "--tx", tx_id, "--node", bridge.devnet_url,
                      "--chain-id", CHAIN_ID, *extra)


def test_the_points_ledger_is_anchored_verified_and_chained(tmp_path: Path, devnet: Any) -> None:
    site = reset_wordpress("points")
    activate_mycred("points")
    earn(site, 5, 100)
    bridge = make_bridge(tmp_path, site, devnet.url, accounts=["iguazi123", "wenchao", ANCHORER])
    with bridge.config.open("a") as config:
        config.write(f'\n[mirror]\nenabled = false\n\n[anchor]\nenabled = true\n'
                     f'account = "{ANCHORER}"\nevery = 0\n')
    sync(bridge)

    anchors = anchors_on_chain(devnet.url)
    assert len(anchors) == 1 and anchors[0]["prev"] is None
    first = anchors[0]
    status = json.loads(bridge.cli("status", "--json").stdout)["anchor"]
    assert status["status"] == "confirmed" and status["block"] and status["root"] == first["root"]
    assert (status["from"], status["to"]) == (first["from"], first["to"])
    text = bridge.cli("status").stdout
    assert f"last anchor: entries {first['from']}..{first['to']} ({first['count']}) root {first['root']}, " \
           f"confirmed tx {status['tx_id']} block {status['block']} by @{ANCHORER}" in text
    anchored = tmp_path / "anchored.jsonl"
    entries = export(bridge, first, anchored)
    # myCRED's own rows are the feed's: the 5 points earned (and any the site set-up logged)
    assert len(entries) == first["count"] >= 5 and ledger_root(entries) == first["root"]
    assert len([e for e in entries if e["ref"] == "publishing_content"]) == 5
    assert all(e["entry"].startswith("mycred:") and e["event"] == "add" for e in entries)
    ok = verify(bridge, anchored, status["tx_id"])
    assert ok.returncode == 0, ok.stdout + ok.stderr

    sync(bridge)  # nothing new: no second anchor
    assert len(anchors_on_chain(devnet.url)) == 1

    # a myCRED log row rewritten in WordPress after it was anchored
    victim = entries[2]
    assert victim["row"]["id"] == victim["entry"].split(":")[1]
    wp_php("points", f"""
        global $wpdb;
        $table = mycred()->get_log_table();
        $wpdb->query( $wpdb->prepare( "UPDATE $table SET creds = %s WHERE id = %d", '999', {victim['row']['id']} ) );
    """)
    now = tmp_path / "now.jsonl"
    export(bridge, first, now)
    bad = verify(bridge, now, status["tx_id"], "--was", str(anchored))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"entry {victim['id']} changed" in bad.stderr and '"creds":"999' in bad.stderr
    assert bad.stderr.count(" changed: ") == 1
    # the feed's own record rewritten: found too
    wp_php("points", f"""
        global $wpdb;
        $wpdb->query( $wpdb->prepare( "UPDATE {{$wpdb->prefix}}wpsb_points_feed SET points = %s WHERE seq = %d", '7', {entries[0]['id']} ) );
    """)
    export(bridge, first, now)
    bad = verify(bridge, now, status["tx_id"])
    assert bad.returncode == 1 and "an entry was changed" in bad.stderr, bad.stderr

    earn(site, 3, 200)
    sync(bridge)
    anchors = anchors_on_chain(devnet.url)
    assert len(anchors) == 2 and anchors[1]["prev"] == first["root"]
    assert int(anchors[1]["from"]) > int(first["to"]) and anchors[1]["count"] == 3
    second = json.loads(bridge.cli("status", "--json").stdout)["anchor"]
    later = tmp_path / "later.jsonl"
    export(bridge, anchors[1], later)
    ok = verify(bridge, later, second["tx_id"], "--prev", first["root"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
