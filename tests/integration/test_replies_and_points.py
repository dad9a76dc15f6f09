"""The mirror's optional parts against the real WordPress (site "replies") and a fresh devnet:
chain replies become held, threaded, sanitized comments exactly once; votes award points
exactly once, into the real myCRED's and GamiPress's own ledgers; and the
plugin's webhook poke makes a running daemon publish at once."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bridge.mirror import Mirror
from bridge.mirror_points import PointsMirror
from bridge.store import StateStore
from bridge.writeback import WriteBack
from connectors.steem import SteemChain
from connectors.wordpress_rest import WordPressRest
from deploy.devstack import localstack
from devnet.genesis import CHAIN_ID
from tests.conftest import CLI, REPO_ROOT, Bridge, make_bridge
from tests.integration.test_plugin_security import a_bridged_post, mirror_comments, reply_item
from tests.support.points_plugins import (
    activate_gamipress,
    activate_mycred,
    deactivate,
    gamipress_logs,
    gamipress_points,
    mycred_balance,
    mycred_ledger,
)
from tests.support.wordpress import (
    delete_all_posts,
    reset_wordpress,
    run_wp_local,
    wordpress_request,
)
from tests.support.wp_php import php_warnings, server_log_size, wp_php

pytestmark = pytest.mark.integration
REPLIERS = ("voter-one", "voter-two")
SECRET = "test-webhook-secret-0123456789"


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return reset_wordpress("replies")


def publish(site: dict[str, Any], tmp_path: Path, devnet_url: str, mirror_config: str
            ) -> tuple[Bridge, int, tuple[str, str]]:
    """One post by iguazi123, published by the bridge; returns the bridge, wp id, chain key."""
    delete_all_posts(site)  # a fresh devnet per test: earlier tests' posts must not compete
    response = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": f"Replies {time.time()}", "content": "<p>Talk to me.</p>", "status": "publish",
        "author": site["users"]["iguazi123"]["id"]})
    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    bridge = make_bridge(tmp_path, site, devnet_url)
    with bridge.config.open("a") as config:
        config.write(f"\n[mirror]\n{mirror_config}\n")
    localstack.ensure_accounts(devnet_url, list(REPLIERS), bridge.keys_file)
    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr
    meta = wordpress_request(site, "GET", f"/wp/v2/posts/{post_id}",
                             params={"context": "edit"}).json()["meta"]
    assert meta["steem_status"] == "published", meta
    return bridge, post_id, (meta["steem_author"], meta["steem_permlink"])


def broadcast(bridge: Bridge, account: str, op: tuple[str, dict[str, Any]]) -> None:
    keys = tomllib.loads(bridge.keys_file.read_text())
    chain = SteemChain([bridge.devnet_url], CHAIN_ID)
    chain.broadcast(chain.sign([op], keys[account]))


def reply(bridge: Bridge, author: str, permlink: str, parent: tuple[str, str], body: str) -> None:
    broadcast(bridge, author, ("comment", {
        "parent_author": parent[0], "parent_permlink": parent[1], "author": author,
        "permlink": permlink, "title": "", "body": body, "json_metadata": "{}"}))


def comments(site: dict[str, Any], post_id: int) -> dict[str, dict[str, Any]]:
    """The post's comments of any status, by chain ``author/permlink``."""
    found = wordpress_request(site, "GET", "/wp/v2/comments", params={
        "post": post_id, "status": "all", "context": "edit", "per_page": 100}).json()
    held = wordpress_request(site, "GET", "/wp/v2/comments", params={
        "post": post_id, "status": "hold", "context": "edit", "per_page": 100}).json()
    by_id = {c["id"]: c for c in [*found, *held]}
    return {f"{c['meta']['steem_author']}/{c['meta']['steem_permlink']}": c
            for c in by_id.values()}


def test_chain_replies_become_held_threaded_clean_comments_once(
        site: dict[str, Any], tmp_path: Path, devnet: Any) -> None:
    bridge, post_id, post = publish(site, tmp_path, devnet.url, "replies_to_comments = true")
    reply(bridge, "voter-one", "re-one", post,
          "**Nice** post!<script>alert('x')</script> <a href=\"javascript:alert(1)\">me</a>")
    reply(bridge, "wenchao", "re-wenchao", post, "Agreed, see https://example.com")
    reply(bridge, "voter-two", "re-two", ("voter-one", "re-one"), "A reply to a *reply*.")
    localstack.generate_blocks(bridge.devnet_url, 2)  # the replies' blocks become irreversible

    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr
    found = comments(site, post_id)
    assert set(found) == {"voter-one/re-one", "wenchao/re-wenchao", "voter-two/re-two"}
    one, two = found["voter-one/re-one"], found["voter-two/re-two"]
    for key, comment in found.items():
        author, permlink = key.split("/")
        assert comment["status"] == "hold" and comment["author"] == 0
        assert comment["author_name"] == author and comment["author_email"] == ""
        assert comment["author_url"] == f"https://steemit.com/@{author}/{permlink}"
        assert comment["meta"]["steem_origin"] == "chain"
    assert two["parent"] == one["id"] and one["parent"] == 0
    assert found["wenchao/re-wenchao"]["parent"] == 0
    raw = one["content"]["raw"]
    assert "<strong>Nice</strong>" in raw and "<script" not in raw and "alert('x')" not in raw
    assert "javascript:" not in raw

    for again in (("sync", "--once"), ("mirror", "--full")):
        result = bridge.cli(*again)
        assert result.returncode == 0, result.stderr
    assert {k: c["id"] for k, c in comments(site, post_id).items()} == {
        k: c["id"] for k, c in found.items()}

    # an edit reaches a held comment, but not one a moderator already approved
    approved = wordpress_request(site, "POST", f"/wp/v2/comments/{two['id']}",
                                 json={"status": "approved"})
    assert approved.status_code == 200, approved.text
    reply(bridge, "voter-one", "re-one", post, "Edited: **better**.")
    reply(bridge, "voter-two", "re-two", ("voter-one", "re-one"), "Edited after approval.")
    localstack.generate_blocks(bridge.devnet_url, 2)
    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr
    after = comments(site, post_id)
    # (cleaned as WordPress cleans a visitor's comment: no <p>, which comment display adds back)
    assert after["voter-one/re-one"]["content"]["raw"] == "Edited: <strong>better</strong>."
    assert after["voter-one/re-one"]["status"] == "hold"
    # (approving re-saves the comment through WordPress's own comment filter: compare with that)
    assert after["voter-two/re-two"]["content"]["raw"] == approved.json()["content"]["raw"]
    assert "Edited" not in after["voter-two/re-two"]["content"]["raw"]
    assert len(after) == 3


def test_hostile_replies_at_protocol_maximums_mirror_and_the_step_goes_on(
        site: dict[str, Any], tmp_path: Path, devnet: Any) -> None:
    """255-character permlinks (a URL longer than comment_author_url holds), replies nested
    deeper than WordPress threads go (10 levels), ~64 KB bodies and json_metadata: each reply
    mirrors, fitted to what WordPress stores, and the next sync has nothing to redo."""
    bridge, post_id, post = publish(site, tmp_path, devnet.url, "replies_to_comments = true")
    longest = "re-" + "a" * 252  # STEEM_MAX_PERMLINK_LENGTH - 1
    reply(bridge, "voter-one", longest, post, "A reply with the longest permlink.")
    reply(bridge, "voter-two", "re-under-longest", ("voter-one", longest), "Under it.")
    parent = post
    for level in range(1, 13):
        author = REPLIERS[level % 2]
        reply(bridge, author, f"re-deep-{level}", parent, f"Level {level}.")
        parent = (author, f"re-deep-{level}")
    reply(bridge, "wenchao", "re-wide", post, "长" * 21000)  # 63 000 bytes of body
    broadcast(bridge, "voter-two", ("comment", {
        "parent_author": post[0], "parent_permlink": post[1], "author": "voter-two",
        "permlink": "re-json", "title": "", "body": "Big metadata.",
        "json_metadata": '{"x":"' + "y" * 63000 + '"}'}))
    localstack.generate_blocks(bridge.devnet_url, 2)

    first = bridge.cli("sync", "--once")
    found = comments(site, post_id)
    second = bridge.cli("sync", "--once")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert len(found) == 2 + 12 + 2
    long_one = found[f"voter-one/{longest}"]
    assert long_one["author_url"] == "https://steemit.com/@voter-one"  # fits varchar(200)
    assert found["voter-two/re-under-longest"]["parent"] == long_one["id"]
    for level in range(2, 13):
        child = found[f"{REPLIERS[level % 2]}/re-deep-{level}"]
        assert child["parent"] == found[f"{REPLIERS[(level - 1) % 2]}/re-deep-{level - 1}"]["id"]
    wide = found["wenchao/re-wide"]["content"]["raw"]
    assert 59000 < len(wide.encode("utf-8")) <= 60000 and wide.endswith("…")
    assert found["voter-two/re-json"]["content"]["raw"] == "Big metadata."
    assert {k: c["id"] for k, c in comments(site, post_id).items()} == {
        k: c["id"] for k, c in found.items()}


def test_the_plugin_marks_errors_that_a_retry_cannot_fix_as_permanent(
        site: dict[str, Any]) -> None:
    with a_bridged_post(site) as post:
        items = [reply_item(post, "re-huge", "x" * 70000),
                 {**reply_item(post, "re-bad"), "author": "Not-An-Account"},
                 reply_item(post, "re-orphan", parent_author="voter-two",
                            parent_permlink="never-mirrored"),
                 reply_item(post, "re-long-url", author_url="https://steemit.com/" + "u" * 300)]
        results = mirror_comments(site, items)

        assert [(r["status"], r.get("permanent")) for r in results] == [
            ("error", True), ("error", True), ("error", False), ("created", None)], results
        assert "longer than a WordPress comment holds" in results[0]["message"]
        stored = wordpress_request(site, "GET", f"/wp/v2/comments/{results[3]['comment_id']}",
                                   params={"context": "edit"}).json()
        assert stored["author_url"] == ""  # dropped: longer than comment_author_url holds
        assert stored["meta"]["steem_permlink"] == "re-long-url"


def points_mirror(bridge: Bridge, plugin: str = "mycred", points_type: str = ""
                  ) -> tuple[Mirror, StateStore]:
    site = bridge.site
    store = StateStore(bridge.state, site=site["name"])
    wordpress = WordPressRest(site["url"], site["admin_user"], site["app_password"])
    points = PointsMirror(store, wordpress, site["name"], points=5, plugin=plugin,
                          points_type=points_type, unavailable_retry=0)
    return Mirror(store, SteemChain([bridge.devnet_url], CHAIN_ID), wordpress,
                  WriteBack(store, wordpress), site["name"], points=points), store


def vote_on(bridge: Bridge, author: str, permlink: str) -> None:
    """Two upvotes and a downvote (which earns nothing)."""
    for voter, weight in (("voter-one", 10000), ("voter-two", 5000), ("wenchao", -2000)):
        broadcast(bridge, voter, ("vote", {"voter": voter, "author": author,
                                           "permlink": permlink, "weight": weight}))
    localstack.generate_blocks(bridge.devnet_url, 2)


def award_again(site: dict[str, Any], post_id: int, author: str, permlink: str, plugin: str,
                points_type: str = "") -> list[str]:
    """What the plugin answers a bridge that lost its state and asks to pay voter-one again."""
    results = WordPressRest(site["url"], site["admin_user"], site["app_password"]).award_vote_points(
        [{"post_id": post_id, "voter": "voter-one", "author": author, "permlink": permlink,
          "points": 5, "plugin": plugin, "points_type": points_type}])
    return [r["status"] for r in results]


def test_each_upvote_awards_mycred_points_once(site: dict[str, Any], tmp_path: Path,
                                               devnet: Any) -> None:
    deactivate(site["name"], "mycred")
    deactivate(site["name"], "gamipress")
    bridge, post_id, (author, permlink) = publish(site, tmp_path, devnet.url,
                                                  "points_per_vote = 5")
    vote_on(bridge, author, permlink)
    mirror, store = points_mirror(bridge)
    user_id = site["users"]["iguazi123"]["id"]

    missing = mirror.run()
    assert [text for _, text in missing.problems] == [
        "mirror points: myCRED is not active (mycred_add() is not defined)"]
    still = mirror.run()  # asked again (retry 0 s here), but not reported again
    assert still.problems == [] and still.points_awarded == 0
    assert [p["stage"] for p in store.problems()].count("mirror points") == 1

    activate_mycred(site["name"])
    before = mycred_balance(site["name"], user_id)
    log_start = server_log_size(site["name"])
    paid = mirror.run()
    assert paid.points_awarded == 2 and paid.problems == []
    # myCRED's own ledger: one steem_vote row per upvote, on the post, in the default type
    expected = sorted(("steem_vote", user_id, 5, post_id, "mycred_default",
                       f"steem_vote:{voter}/{author}/{permlink}", f"Steem vote by @{voter}")
                      for voter in REPLIERS)

    def ledger() -> list[tuple[Any, ...]]:
        return sorted((e["ref"], int(e["user_id"]), int(float(e["creds"])), int(e["ref_id"]),
                       e["ctype"], e["data"], e["entry"])
                      for e in mycred_ledger(site["name"]) if int(e["ref_id"]) == post_id)

    assert ledger() == expected
    after = mycred_balance(site["name"], user_id)
    assert float(after["balance"]) == float(before["balance"] or 0) + 10
    assert after["meta"] == after["balance"]  # the balance myCRED keeps in user meta
    assert mirror.run().points_awarded == 0 and mirror.run(full=True).points_awarded == 0
    result = bridge.cli("sync", "--once")  # the configured path, from the same state
    assert result.returncode == 0, result.stderr
    # a bridge that lost its state still cannot pay twice: the plugin answers "already"
    assert award_again(site, post_id, author, permlink, "mycred") == ["already"]
    # ... and neither can the plugin's own record lost: myCRED's has_entry answers
    wp_php(site["name"], f"delete_post_meta({post_id}, '_wpsb_vote_awards');")
    assert award_again(site, post_id, author, permlink, "mycred") == ["already"]
    assert ledger() == expected
    assert mycred_balance(site["name"], user_id) == after
    assert php_warnings(site["name"], log_start) == []
    store.close()
    deactivate(site["name"], "mycred")


def test_each_upvote_awards_gamipress_points_once(site: dict[str, Any], tmp_path: Path,
                                                  devnet: Any) -> None:
    deactivate(site["name"], "mycred")
    activate_gamipress(site["name"], "coins")
    bridge, post_id, (author, permlink) = publish(
        site, tmp_path, devnet.url,
        'points_per_vote = 5\npoints_plugin = "gamipress"\npoints_type = "coins"')
    vote_on(bridge, author, permlink)
    user_id = site["users"]["iguazi123"]["id"]
    before = gamipress_points(site["name"], user_id, "coins")
    logs_before = len(gamipress_logs(site["name"], user_id))
    log_start = server_log_size(site["name"])

    result = bridge.cli("sync", "--once")  # the configured path: [mirror] points_plugin
    assert result.returncode == 0, result.stderr
    # GamiPress's own log: one points_earn row per upvote, naming the vote it paid for
    logs = gamipress_logs(site["name"], user_id)[logs_before:]
    assert sorted((row["type"], row["trigger_type"], int(row["points"]), row["points_type"],
                   row["pattern"]) for row in logs) == sorted(
        ("points_earn", "gamipress_earn_points", 5, "coins",
         f"Steem vote by @{voter} (steem_vote:{voter}/{author}/{permlink})")
        for voter in REPLIERS)
    assert gamipress_points(site["name"], user_id, "coins") == before + 10
    mirror, store = points_mirror(bridge, "gamipress", "coins")
    assert mirror.run().points_awarded == 0 and mirror.run(full=True).points_awarded == 0
    store.close()
    assert award_again(site, post_id, author, permlink, "gamipress", "coins") == ["already"]
    assert gamipress_points(site["name"], user_id, "coins") == before + 10
    assert len(gamipress_logs(site["name"], user_id)) == logs_before + 2
    assert php_warnings(site["name"], log_start) == []
    deactivate(site["name"], "gamipress")


@pytest.fixture
def webhook_site(site: dict[str, Any]) -> Iterator[tuple[dict[str, Any], int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    os.environ["WPSB_WEBHOOK_SECRET"] = SECRET
    try:
        run_wp_local("webhook", "replies", f"http://127.0.0.1:{port}/poke")
    finally:
        del os.environ["WPSB_WEBHOOK_SECRET"]
    try:
        yield site, port
    finally:
        run_wp_local("webhook", "replies", "off")


def test_a_publish_pokes_the_running_daemon_which_publishes_at_once(
        webhook_site: tuple[dict[str, Any], int], tmp_path: Path, devnet: Any) -> None:
    site, port = webhook_site
    delete_all_posts(site)
    bridge = make_bridge(tmp_path, site, devnet.url)
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(
        [*CLI, "--config", str(bridge.config), "run", "--interval", "3600", "--webhook",
         f"127.0.0.1:{port}"], cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
        env=dict(os.environ, WPSB_WEBHOOK_SECRET=SECRET))
    try:
        health = wait_for(lambda: _health(port), 20)
        wait_for(lambda: _health(port) if _first_tick_done(tmp_path) else None, 20)
        # published by the author herself: nothing the bridge's own user does pokes
        response = wordpress_request(site, "POST", "/wp/v2/posts", as_user="wenchao", json={
            "title": f"Poked {time.time()}", "content": "<p>Straight to the chain.</p>",
            "status": "publish"})
        assert response.status_code == 201, response.text
        post_id = response.json()["id"]
        started = time.monotonic()
        meta = wait_for(lambda: _confirmed(site, post_id), 15)
        assert time.monotonic() - started < 15
        content = localstack.rpc(devnet.url, "condenser_api.get_content",
                                 [meta["steem_author"], meta["steem_permlink"]])
        assert content["author"] == "wenchao" and "Straight to the chain." in content["body"]
        assert _health(port)["pokes"] > health["pokes"]
    finally:
        daemon.terminate()
        daemon.wait(timeout=20)
        log.close()


def _health(port: int) -> dict[str, Any] | None:
    try:
        return requests.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
    except requests.RequestException:
        return None


def _first_tick_done(tmp_path: Path) -> bool:
    return "tick:" in (tmp_path / "daemon.log").read_text()


def _confirmed(site: dict[str, Any], post_id: int) -> dict[str, Any] | None:
    meta = wordpress_request(site, "GET", f"/wp/v2/posts/{post_id}",
                             params={"context": "edit"}).json()["meta"]
    return meta if meta["steem_status"] == "published" else None


def wait_for(probe: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up after {seconds} s waiting for {probe}")
