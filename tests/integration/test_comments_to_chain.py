"""WordPress comments -> chain replies, end to end: the real local WordPress (site "comments")
with the real 微慕 free backend (rest-api-to-miniprogram, driven through its own
``watch-life-net/v1/comment/add`` route as the mini-program does, for an openid user created as its
login creates them), core REST comments, and a fresh devnet.

A member comments through 微慕 and through core, another replies to a comment (threaded), an
unlinked member's comment goes out from the app account with attribution, one comment is edited
and one trashed; the chain then holds exactly the expected replies, each once, the trashed one
deleted; WordPress holds each reply's chain link in comment meta and shows it under the comment.
The reply mirror runs too: it recognises the bridge's replies and writes nothing back, and a
reply written on chain that the mirror brings into WordPress never goes back to the chain.
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from connectors.steem import SteemChain
from deploy.devstack import localstack
from devnet.genesis import CHAIN_ID
from tests.conftest import Bridge, make_bridge
from tests.support.wordpress import (
    delete_all_posts,
    link_test_plugin,
    link_third_party_plugin,
    reset_wordpress,
    wordpress_request,
)
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
OPENID = "oWx9s5Pq-test-openid-01"
MEMBERS = {"mini-member": OPENID, "core-member": "core_member"}
APP = "wpsb-app"


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    site = reset_wordpress("comments")
    link_third_party_plugin("rest-api-to-miniprogram")
    # WeChat's own servers are out of reach here: a test plugin answers them as WeChat does
    link_test_plugin("wechat-api-double")
    for path in ("/wp/v2/plugins/rest-api-to-miniprogram/rest-api-to-miniprogram",
                 "/wp/v2/plugins/wechat-api-double/wechat-api-double"):
        response = wordpress_request(site, "POST", path, json={"status": "active"})
        assert response.status_code == 200, response.text
    # the mini-program's credentials, as its settings page stores them
    wp_php("comments", "update_option('wf_appid', 'wx0123456789abcdef'); "
                       "update_option('wf_secret', 'test-secret');")
    return site


def create_user(site: dict[str, Any], login: str, name: str, account: str = "") -> int:
    """A WordPress user; for the openid one, as 微慕's weixin/userlogin creates it
    (user_login = openid, email {openid}@weixin.com, display_name = nickname)."""
    body: dict[str, Any] = {"username": login, "email": f"{login.lower()}@weixin.com",
                            "password": f"pw-{time.time()}", "name": name, "nickname": name}
    if account:
        body["meta"] = {"steem_account": account}
    response = wordpress_request(site, "POST", "/wp/v2/users", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def miniprogram_comment(site: dict[str, Any], post_id: int, content: str,
                        parent: int = 0) -> int:
    """What the 微慕 mini-program sends (no WordPress login: the openid is the identity)."""
    response = wordpress_request(site, "POST", "/watch-life-net/v1/comment/add", auth=None,
                                 json={"post": post_id, "author_name": "小程序用户",
                                       "author_email": f"{OPENID.lower()}@weixin.com",
                                       "author_url": "https://thirdwx.qlogo.cn/avatar.png",
                                       "content": content, "openid": OPENID, "parent": parent})
    assert response.status_code == 200, response.text
    assert response.json()["comment_approved"] == "1", response.text
    found = wordpress_request(site, "GET", "/wp/v2/comments", params={
        "post": post_id, "search": content[:20], "context": "edit"}).json()
    return int(found[0]["id"])


def core_comment(site: dict[str, Any], post_id: int, author: int, content: str,
                 parent: int = 0, status: str = "approved") -> int:
    response = wordpress_request(site, "POST", "/wp/v2/comments", json={
        "post": post_id, "author": author, "content": content, "parent": parent,
        "status": status})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def sync_until(bridge: Bridge, done: Any, rounds: int = 8) -> None:
    """Ticks as the daemon would (each thread level waits for the one above to be on chain)."""
    for _ in range(rounds):
        result = bridge.cli("sync", "--once")
        assert result.returncode == 0, result.stdout + result.stderr
        if done():
            return
        localstack.generate_blocks(bridge.devnet_url, 2)
        time.sleep(3.1)
    raise AssertionError(f"not done after {rounds} ticks:\n{bridge.cli('status').stdout}")


def rpc(bridge: Bridge, method: str, *params: Any) -> Any:
    return localstack.rpc(bridge.devnet_url, f"condenser_api.{method}", list(params))


def comment_meta(site: dict[str, Any], comment_id: int) -> dict[str, Any]:
    return wordpress_request(site, "GET", f"/wp/v2/comments/{comment_id}",
                             params={"context": "edit"}).json()


def test_comments_from_the_mini_program_and_core_become_replies_once(
        site: dict[str, Any], tmp_path: Path, devnet: Any) -> None:
    delete_all_posts(site)
    mini = create_user(site, OPENID, "小程序用户", "mini-member")
    core = create_user(site, "core_member", "Core Member", "core-member")
    unlinked = create_user(site, "no_chain", "Nobody Linked")
    post = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": "Talk to us", "content": "<p>Comments welcome.</p>", "status": "publish",
        "author": site["users"]["iguazi123"]["id"]}).json()
    bridge = make_bridge(tmp_path, site, devnet.url, ["iguazi123", *MEMBERS, APP, "voter-one"])
    with bridge.config.open("a") as config:
        config.write('\n[comments]\nenabled = true\nunlinked = "app_account"\n'
                     '\n[mirror]\nreplies_to_comments = true\n')
    text = bridge.config.read_text().replace("[keys]\n", f'[keys]\napp_account = "{APP}"\n')
    bridge.config.write_text(text)
    # the mini-program member granted the app account posting authority: the bridge holds no
    # key of theirs and signs their replies with the app account's
    grant_posting(bridge, "mini-member", APP)
    sync_until(bridge, lambda: comment_meta_post(site, post["id"]) == "published")
    root = (post_meta := chain_address(site, post["id"]))

    first = miniprogram_comment(site, post["id"], "来自小程序的评论")
    second = core_comment(site, post["id"], core, "<p>A <strong>core</strong> comment.</p>")
    threaded = miniprogram_comment(site, post["id"], "回复 Core Member", parent=second)
    visitor = core_comment(site, post["id"], unlinked, "Not linked, still heard.")
    ours = {first: "mini-member", second: "core-member", threaded: "mini-member",
            visitor: APP}
    sync_until(bridge, lambda: all(comment_meta(site, c)["meta"].get("steem_status") ==
                                   "published" for c in ours))

    top = {(r["author"], r["permlink"]): r for r in rpc(bridge, "get_content_replies", *root)}
    assert sorted(a for a, _ in top) == sorted(["mini-member", "core-member", APP])
    links = {c: (comment_meta(site, c)["meta"]["steem_author"],
                 comment_meta(site, c)["meta"]["steem_permlink"]) for c in ours}
    assert {c: a for c, (a, _) in links.items()} == ours
    assert top[links[first]]["body"] == "来自小程序的评论"
    assert top[links[second]]["body"] == "A **core** comment."
    assert "— Nobody Linked on" in top[links[visitor]]["body"]
    assert json.loads(top[links[visitor]]["json_metadata"])["attribution"]["name"] == \
        "Nobody Linked"
    under = rpc(bridge, "get_content_replies", *links[second])
    assert [(r["author"], r["permlink"]) for r in under] == [links[threaded]]
    assert under[0]["body"] == "回复 Core Member"
    # WordPress shows the chain link under the comment, escaped
    rendered = comment_meta(site, second)["content"]["rendered"]
    assert f'href="https://steemit.com/@core-member/{links[second][1]}"' in rendered
    assert f"On Steem: @core-member/{links[second][1]}" in rendered

    # a reply to a comment held for moderation waits for it: skipped with the reason, then
    # replied under it once a moderator approves it and its reply is on chain
    held = core_comment(site, post["id"], core, "Held for moderation.", status="hold")
    answer = miniprogram_comment(site, post["id"], "回复一条待审核的评论", parent=held)
    assert bridge.cli("sync", "--once").returncode == 0
    assert f"its parent comment {held} is not on chain" in bridge.cli("status").stdout
    assert "steem_status" not in comment_meta(site, held)["meta"] or \
        comment_meta(site, held)["meta"]["steem_status"] == ""
    approved = wordpress_request(site, "POST", f"/wp/v2/comments/{held}",
                                 json={"status": "approved"})
    assert approved.status_code == 200, approved.text
    sync_until(bridge, lambda: comment_meta(site, answer)["meta"].get("steem_status") ==
               "published")
    held_link = (comment_meta(site, held)["meta"]["steem_author"],
                 comment_meta(site, held)["meta"]["steem_permlink"])
    assert [r["body"] for r in rpc(bridge, "get_content_replies", *held_link)] == [
        "回复一条待审核的评论"]

    # edited in WordPress: the same reply edited; trashed: deleted on chain
    edited = wordpress_request(site, "POST", f"/wp/v2/comments/{second}",
                               json={"content": "A core comment, edited."})
    assert edited.status_code == 200, edited.text
    trashed = wordpress_request(site, "DELETE", f"/wp/v2/comments/{visitor}")
    assert trashed.status_code == 200, trashed.text
    sync_until(bridge, lambda: comment_meta(site, visitor)["meta"].get("steem_status") ==
               "deleted" and "edited" in rpc(bridge, "get_content", *links[second])["body"])
    assert rpc(bridge, "get_content", *links[visitor])["author"] == ""
    assert rpc(bridge, "get_content", *links[second])["body"] == "A core comment, edited."

    # a reply written on chain comes into WordPress through the mirror, and never goes back
    keys = tomllib.loads(bridge.keys_file.read_text())
    chain = SteemChain([bridge.devnet_url], CHAIN_ID)
    chain.broadcast(chain.sign([("comment", {
        "parent_author": root[0], "parent_permlink": root[1], "author": "voter-one",
        "permlink": "re-from-chain", "title": "", "body": "Written on chain.",
        "json_metadata": "{}"})], keys["voter-one"]))
    localstack.generate_blocks(bridge.devnet_url, 3)
    sync_until(bridge, lambda: any(c["meta"].get("steem_origin") == "chain"
                                   for c in all_comments(site, post["id"])))
    mirrored = next(c for c in all_comments(site, post["id"])
                    if c["meta"].get("steem_origin") == "chain")
    approve = wordpress_request(site, "POST", f"/wp/v2/comments/{mirrored['id']}",
                                json={"status": "approved"})
    assert approve.status_code == 200, approve.text
    for _ in range(2):
        assert bridge.cli("sync", "--once").returncode == 0
        localstack.generate_blocks(bridge.devnet_url, 2)

    # exactly the expected replies, each once; WordPress has each comment once
    final = {(r["author"], r["permlink"]) for r in rpc(bridge, "get_content_replies", *root)}
    assert final == {links[first], links[second], held_link, ("voter-one", "re-from-chain")}
    assert [(r["author"], r["permlink"]) for r in rpc(
        bridge, "get_content_replies", *links[second])] == [links[threaded]]
    in_wordpress = all_comments(site, post["id"])
    assert len(in_wordpress) == 7  # 6 of ours (one in the trash) + the mirrored one
    assert "came from the chain" in bridge.cli("status").stdout
    del post_meta, mini


def grant_posting(bridge: Bridge, account: str, app: str) -> None:
    keys = tomllib.loads(bridge.keys_file.read_text())
    found = rpc(bridge, "get_accounts", [account])[0]
    posting = dict(found["posting"], account_auths=[[app, 1]])
    chain = SteemChain([bridge.devnet_url], CHAIN_ID)
    chain.broadcast(chain.sign([("account_update", {
        "account": account, "posting": posting, "memo_key": found["memo_key"],
        "json_metadata": found.get("json_metadata", "")})], keys[account]))
    del keys[account]
    bridge.keys_file.write_text("".join(f'{name} = "{wif}"\n' for name, wif in keys.items()))


def all_comments(site: dict[str, Any], post_id: int) -> list[dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for status in ("all", "hold", "trash"):
        for c in wordpress_request(site, "GET", "/wp/v2/comments", params={
                "post": post_id, "status": status, "context": "edit",
                "per_page": 100}).json():
            found[c["id"]] = c
    return list(found.values())


def comment_meta_post(site: dict[str, Any], post_id: int) -> str:
    meta = wordpress_request(site, "GET", f"/wp-steem-bridge/v1/posts/{post_id}/chain").json()
    return str(meta["meta"]["steem_status"])


def chain_address(site: dict[str, Any], post_id: int) -> tuple[str, str]:
    meta = wordpress_request(site, "GET", f"/wp-steem-bridge/v1/posts/{post_id}/chain").json()
    return meta["meta"]["steem_author"], meta["meta"]["steem_permlink"]


def test_only_the_bridge_reads_comments_and_writes_their_chain_state(
        site: dict[str, Any]) -> None:
    """The comment routes answer the bridge's user only; values are validated; the chain link
    under a comment is escaped; the XML-RPC connector reads the same records as REST."""
    from connectors.wordpress_rest import WordPressRest
    from connectors.wordpress_xmlrpc import WordPressXmlrpc

    post = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": "Routes", "content": "<p>x</p>", "status": "publish"}).json()
    comment_id = core_comment(site, post["id"], site["admin_id"], "Hello <em>there</em>")
    route = f"/wp-steem-bridge/v1/comments?include={comment_id}"
    assert wordpress_request(site, "GET", route, auth=None).status_code == 401
    assert wordpress_request(site, "GET", route, as_user="iguazi123").status_code == 403
    record = wordpress_request(site, "GET", route).json()[0]
    assert (record["id"], record["post_id"], record["status"], record["type"]) == (
        comment_id, post["id"], "approved", "comment")
    assert record["content"] == "Hello <em>there</em>" and record["origin"] == ""

    chain_route = f"/wp-steem-bridge/v1/comments/{comment_id}/chain"
    values = {"steem_author": "core-member", "steem_permlink": "re-routes-1-comments",
              "steem_status": "published"}
    assert wordpress_request(site, "POST", chain_route, as_user="iguazi123",
                             json=values).status_code == 403
    assert wordpress_request(site, "POST", chain_route, auth=None, json=values).status_code \
        == 401
    for bad in ({"steem_permlink": 'x"><script>alert(1)</script>'}, {"comment_karma": 5},
                {"steem_author": "Not An Account"}):
        assert wordpress_request(site, "POST", chain_route, json=bad).status_code == 400, bad
    assert wordpress_request(site, "POST", "/wp-steem-bridge/v1/comments/999999/chain",
                             json=values).json()["code"] == "rest_comment_invalid_id"
    stored = wordpress_request(site, "POST", chain_route, json=values)
    assert stored.status_code == 200, stored.text
    shown = wordpress_request(site, "GET", f"/wp/v2/comments/{comment_id}", auth=None).json()
    assert shown["content"]["rendered"].count('class="wpsb-comment-chain"') == 1
    assert 'href="https://steemit.com/@core-member/re-routes-1-comments"' in \
        shown["content"]["rendered"]
    assert "steem_error" not in shown["meta"]  # the error text is for editors only

    rest = WordPressRest(site["url"], site["admin_user"], site["app_password"])
    xmlrpc = WordPressXmlrpc(site["url"], site["admin_user"], site["app_password"])
    assert xmlrpc.comments_by_id([comment_id]) == rest.comments_by_id([comment_id])
    assert xmlrpc.changes(0, post_type="comment") == rest.changes(0, post_type="comment")
    assert any(c["object_id"] == comment_id for c in rest.changes(0, post_type="comment")[
        "changes"])


def test_a_comment_wakes_the_daemon_but_the_bridges_writes_do_not(
        site: dict[str, Any]) -> None:
    import os

    from tests.integration.test_plugin_webhook_and_cap import SECRET, PokeRecorder
    from tests.support.wordpress import run_wp_local

    recorder = PokeRecorder()
    os.environ["WPSB_WEBHOOK_SECRET"] = SECRET
    try:
        run_wp_local("webhook", "comments", f"http://127.0.0.1:{recorder.port}/poke")
    finally:
        del os.environ["WPSB_WEBHOOK_SECRET"]
    try:
        post = wordpress_request(site, "POST", "/wp/v2/posts", json={
            "title": "Poke", "content": "<p>x</p>", "status": "publish"}).json()
        time.sleep(1)
        recorder.bodies.clear()
        made = wordpress_request(site, "POST", "/wp/v2/comments", as_user="iguazi123", json={
            "post": post["id"], "content": "Wake up!"})
        assert made.status_code == 201, made.text
        recorder.wait_for(post["id"], "comment")
        seen = len(recorder.bodies)
        stored = wordpress_request(site, "POST", f"/wp-steem-bridge/v1/comments/"
                                   f"{made.json()['id']}/chain", json={"steem_status": "waiting"})
        assert stored.status_code == 200, stored.text
        time.sleep(1.5)
        assert recorder.bodies[seen:] == []
    finally:
        run_wp_local("webhook", "comments", "off")
        recorder.server.shutdown()
