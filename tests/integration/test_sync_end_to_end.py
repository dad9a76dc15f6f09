"""Issue 2's walking skeleton, end to end: real WordPress -> bridge CLI -> beem -> devnet -> back.

Every test runs the real ``wp-steem-bridge`` command in a subprocess against the real local
WordPress and a fresh devnet.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from deploy.devstack import localstack
from tests.conftest import CLI, REPO_ROOT, Bridge, make_bridge
from tests.support.wordpress import delete_all_posts, ensure_wordpress, wordpress_request

pytestmark = pytest.mark.integration


def wp_posts(site: dict[str, Any]) -> list[dict[str, Any]]:
    response = wordpress_request(site, "GET", "/wp/v2/posts",
                                 params={"context": "edit", "per_page": 100, "status": "publish"})
    response.raise_for_status()
    return response.json()


def chain_content(url: str, author: str, permlink: str) -> dict[str, Any]:
    return localstack.rpc(url, "condenser_api.get_content", [author, permlink])


def intents(state: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(state)
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM intents ORDER BY id").fetchall()
    except sqlite3.OperationalError:  # the daemon created the file but not its tables yet
        return []
    finally:
        db.close()


def chain_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")


def test_seed_posts_reach_the_chain_and_the_chain_reaches_wordpress(seed_bridge: Bridge) -> None:
    result = seed_bridge.cli("sync", "--once")
    # one author has two seed posts: the second waits for the 5-minute rule
    assert result.returncode == 0, result.stderr
    localstack.generate_blocks(seed_bridge.devnet_url, 101)
    result = seed_bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr

    site = seed_bridge.site
    users_by_id = {u["id"]: u for u in site["users"].values()}
    seeded = [p for p in wp_posts(site) if users_by_id.get(p["author"], {}).get("steem_account")]
    assert len(seeded) >= 3
    for post in seeded:
        meta = post["meta"]
        author, permlink = meta["steem_author"], meta["steem_permlink"]
        assert author == users_by_id[post["author"]]["steem_account"]
        assert re.fullmatch(r"[a-z0-9-]{1,255}", permlink)
        assert re.fullmatch(r"[0-9a-f]{40}", meta["steem_tx_id"]) and meta["steem_block"] > 0
        content = chain_content(seed_bridge.devnet_url, author, permlink)
        assert content["author"] == author
        assert content["title"] == _expected_title(post["title"]["raw"])
        metadata = json.loads(content["json_metadata"])
        assert metadata["canonical_url"] == post["link"]
        assert isinstance(metadata["tags"], list) and metadata["tags"]
        assert content["category"] == metadata["tags"][0] == content["parent_permlink"]
        assert metadata["app"].startswith("wp-steem-bridge/")
        assert "<!--" not in content["body"]

    # secrets never reach the state store or the output
    secrets = re.findall(r'"(5[1-9A-HJ-NP-Za-km-z]{50})"', seed_bridge.keys_file.read_text())
    secrets.append(site["app_password"])
    state_bytes = b"".join(p.read_bytes() for p in seed_bridge.state.parent.glob("state.db*"))
    for secret in secrets:
        assert secret.encode() not in state_bytes
        assert secret not in result.stdout + result.stderr


def _expected_title(raw: str) -> str:
    raw = " ".join(raw.split())
    encoded = raw.encode("utf-8")
    return raw if len(encoded) < 256 else encoded[:255].decode("utf-8", "ignore")


def test_second_sync_broadcasts_nothing_and_an_edit_is_one_edit(seed_bridge: Bridge) -> None:
    seed_bridge.cli("sync", "--once")
    localstack.generate_blocks(seed_bridge.devnet_url, 101)
    seed_bridge.cli("sync", "--once")
    before = intents(seed_bridge.state)
    again = seed_bridge.cli("sync", "--once")
    assert again.returncode == 0 and "0 enqueued" in again.stdout
    assert len(intents(seed_bridge.state)) == len(before)

    site = seed_bridge.site
    post = next(p for p in wp_posts(site) if p["meta"].get("steem_permlink"))
    permlink, author = post["meta"]["steem_permlink"], post["meta"]["steem_author"]
    category = chain_content(seed_bridge.devnet_url, author, permlink)["category"]
    new_title = f"Edited on the blog at {time.time():.0f}"
    wordpress_request(site, "POST", f"/wp/v2/posts/{post['id']}",
                      json={"title": new_title}).raise_for_status()
    time.sleep(1.1)  # WordPress's modified time has one-second resolution
    edited = seed_bridge.cli("sync", "--once")
    assert edited.returncode == 0, edited.stderr
    after = intents(seed_bridge.state)
    new = after[len(before):]
    assert [r["kind"] for r in new] == ["edit_post"] and new[0]["status"] == "confirmed"
    content = chain_content(seed_bridge.devnet_url, author, permlink)
    assert content["title"] == new_title and content["category"] == category
    ops = json.loads(new[0]["operations"])
    assert [name for name, _ in ops] == ["comment"]  # no comment_options on an edit


def test_three_posts_by_one_author_are_spread_over_ten_chain_minutes(tmp_path: Path,
                                                                     devnet: Any) -> None:
    site = ensure_wordpress("testrate")
    delete_all_posts(site)
    author = site["users"]["iguazi123"]
    try:
        for n in range(3):
            wordpress_request(site, "POST", "/wp/v2/posts", json={
                "title": f"Rate test {n}", "content": f"<p>post {n}</p>", "status": "publish",
                "author": author["id"]}).raise_for_status()
        bridge = make_bridge(tmp_path, site, devnet.url, ["iguazi123"])
        outputs = []
        for _ in range(3):
            result = bridge.cli("sync", "--once")
            outputs.append(result.stdout + result.stderr)
            assert result.returncode == 0, result.stderr
            localstack.generate_blocks(devnet.url, 101)
        rows = intents(bridge.state)
        assert [r["status"] for r in rows] == ["confirmed"] * 3
        created = sorted(chain_time(chain_content(devnet.url, r["author"], r["permlink"])["created"])
                         for r in rows)
        assert (created[-1] - created[0]).total_seconds() >= 600
        assert all((b - a).total_seconds() > 300 for a, b in zip(created, created[1:], strict=False))
        assert not any("You may only post once every 5 minutes" in o for o in outputs)
        assert not any("You may only post" in (r["reason"] or "") for r in rows)
    finally:
        delete_all_posts(site)


def test_sigkill_after_broadcast_before_the_state_commit_posts_once(seed_bridge: Bridge) -> None:
    crashed = subprocess.run(
        [sys.executable, "-m", "tests.support.crashing_cli", "after-broadcast",
         "--config", str(seed_bridge.config), "sync", "--once"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert crashed.returncode == -signal.SIGKILL
    (signed,) = [r for r in intents(seed_bridge.state) if r["status"] == "signed"]
    resumed = seed_bridge.cli("sync", "--once")
    assert resumed.returncode == 0, resumed.stderr
    row = next(r for r in intents(seed_bridge.state) if r["id"] == signed["id"])
    assert row["status"] == "confirmed" and row["tx_id"] == signed["tx_id"]
    history = localstack.rpc(seed_bridge.devnet_url, "condenser_api.get_account_history",
                             [row["author"], -1, 100])
    creates = [h for h in history if h[1]["op"][0] == "comment"
               and h[1]["op"][1]["permlink"] == row["permlink"]]
    assert len(creates) == 1


def test_wrong_posting_key_fails_that_author_only_and_status_shows_it(
        tmp_path: Path, seed_site: dict[str, Any], devnet: Any) -> None:
    from connectors.steem import new_key

    bridge = make_bridge(tmp_path, seed_site, devnet.url)
    text = bridge.keys_file.read_text()
    bridge.keys_file.write_text(re.sub(r'wenchao = "[^"]+"', f'wenchao = "{new_key().wif}"', text))
    check = bridge.cli("check")
    assert check.returncode == 1
    assert "@wenchao: the configured posting key is not in its posting authority" in check.stderr
    assert "@iguazi123" not in check.stderr
    result = bridge.cli("sync", "--once")
    assert result.returncode == 1, result.stderr
    assert "missing required posting authority" in result.stderr
    rows = intents(bridge.state)
    assert {r["status"] for r in rows if r["account"] == "wenchao"} == {"failed"}
    assert "confirmed" in {r["status"] for r in rows if r["account"] == "iguazi123"}
    status = bridge.cli("status")
    assert status.returncode == 0
    assert "missing required posting authority:Missing Posting Authority wenchao" in status.stdout
    post_id = int(next(r for r in rows if r["account"] == "wenchao")["source_ref"].rsplit(":")[-1])
    meta = wordpress_request(seed_site, "GET", f"/wp/v2/posts/{post_id}",
                             params={"context": "edit"}).json()["meta"]
    assert meta["steem_status"] == "failed"
    assert "WIF" not in status.stdout and "5K" not in result.stderr + status.stdout


def test_check_reaches_everything_and_accepts_good_keys(seed_bridge: Bridge) -> None:
    result = seed_bridge.cli("check")
    assert result.returncode == 0, result.stderr
    assert "wordpress: " in result.stdout and "head block" in result.stdout
    assert "match the chain" in result.stdout


def test_missing_config_names_every_missing_key_without_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "empty.toml"
    config.write_text("")
    result = subprocess.run([*CLI, "--config", str(config), "sync", "--once"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    for key in ("wordpress.url", "wordpress.user", "wordpress.app_password", "chain.nodes",
                "chain.chain_id", "keys"):
        assert key in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("error:") == 1


def test_overlapping_runs_never_both_broadcast(seed_bridge: Bridge) -> None:
    from bridge.store import StateStore

    holder = StateStore(seed_bridge.state)
    with holder.exclusive("test"):
        result = seed_bridge.cli("sync", "--once")
    holder.close()
    assert result.returncode == 75
    assert "another wp-steem-bridge run holds the lock" in result.stderr
    assert intents(seed_bridge.state) == []


def test_daemon_ticks_and_stops_cleanly_on_sigterm(seed_bridge: Bridge) -> None:
    proc = subprocess.Popen([*CLI, "--config", str(seed_bridge.config), "run", "--interval", "1"],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if seed_bridge.state.exists() and any(r["status"] == "confirmed"
                                                  for r in intents(seed_bridge.state)):
                break
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in err
    assert any(r["status"] == "confirmed" for r in intents(seed_bridge.state))
