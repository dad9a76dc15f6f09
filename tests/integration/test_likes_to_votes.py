"""Members' likes -> chain votes, end to end on the real local WordPress (site "likes") with the
REAL 丸子 (wp-mini-program) and 微慕 (rest-api-to-miniprogram) backends and a fresh devnet.

Mini-program members are created as those plugins create them (login = openid; 丸子 keeps the
session key its access token encodes), then like through each plugin's own route, as the
mini-program would; a site member likes through the companion plugin's button route. Every voter
granted the site's app account posting authority, and the bridge holds only the app account's
key ([keys] app_account) for them. The chain
then holds exactly one vote per like and one removal (percent 0) per unlike, read back with
``get_active_votes``; a second sync changes nothing; WordPress shows the count of likes voted."""

from __future__ import annotations

import base64
import json
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.steem import SteemChain
from deploy.devstack import localstack
from devnet.genesis import CHAIN_ID
from tests.conftest import make_bridge
from tests.support.wordpress import (
    delete_all_posts,
    link_third_party_plugin,
    reset_wordpress,
    wordpress_request,
)
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
THIRD_PARTY = ("wp-mini-program", "rest-api-to-miniprogram")
WANZI_OPENID, WANZI_SESSION = "oWanziMember0001", "wanzi-session-key-1"
MINAPPER_OPENID = "oMinapperMember02"
MEMBERS = {WANZI_OPENID: "wanzi-fan", MINAPPER_OPENID: "minapper-fan"}
APP = "likes-app"  # the site's app account: the members grant it their posting authority


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    found = reset_wordpress("likes")
    for slug in THIRD_PARTY:
        link_third_party_plugin(slug)
        response = wordpress_request(found, "POST", f"/wp/v2/plugins/{slug}/{slug}",
                                     json={"status": "active"})
        assert response.status_code == 200, response.text
    return found


def create_members(site: dict[str, Any]) -> dict[str, int]:
    """The openid users as the plugins' login routes make them (the WeChat code exchange itself
    needs Tencent's servers): login = openid; 丸子 stores the session key in user meta. Each is
    linked to a chain account (user meta ``steem_account``, as an administrator links it)."""
    ids = json.loads(wp_php(site["name"], f"""
        $ids = array();
        foreach ( array( '{WANZI_OPENID}', '{MINAPPER_OPENID}' ) as $openid ) {{
            $id = username_exists( $openid );
            if ( ! $id ) {{
                $id = wp_insert_user( array( 'user_login' => $openid, 'user_nicename' => $openid,
                    'user_pass' => wp_generate_password(), 'user_email' => $openid . '@weixin.com',
                    'display_name' => $openid, 'role' => 'subscriber' ) );
            }}
            $ids[ $openid ] = (int) $id;
        }}
        update_user_meta( $ids['{WANZI_OPENID}'], 'session_key', '{WANZI_SESSION}' );
        update_user_meta( $ids['{WANZI_OPENID}'], 'platform', 'wechat' );
        echo wp_json_encode( $ids );
    """).strip().splitlines()[-1])
    for openid, account in MEMBERS.items():
        response = wordpress_request(site, "POST", f"/wp/v2/users/{ids[openid]}",
                                     json={"meta": {"steem_account": account}})
        assert response.status_code == 200, response.text
    return ids


def wanzi_like(site: dict[str, Any], post_id: int) -> dict[str, Any]:
    """丸子's own route: the same call likes, and unlikes when the like is there."""
    response = requests.post(f"{site['url']}/wp-json/mp/v1/comments", timeout=30, data={
        "access_token": base64.b64encode(WANZI_SESSION.encode()).decode(), "id": post_id,
        "type": "like"})
    assert response.status_code == 200, response.text
    return response.json()


def minapper_like(site: dict[str, Any], post_id: int) -> dict[str, Any]:
    response = requests.post(f"{site['url']}/wp-json/watch-life-net/v1/post/like", timeout=30,
                             json={"postid": post_id, "openid": MINAPPER_OPENID})
    assert response.status_code == 200, response.text
    return response.json()


def sign_with_the_app_account(bridge: Any, voters: list[str]) -> None:
    """Each voter grants the app account posting authority on chain (account_auths), then the
    bridge keeps only the app account's key for them: every vote is signed by ``[keys]
    app_account``, never with a member's key."""
    keys = tomllib.loads(bridge.keys_file.read_text())
    chain = SteemChain([bridge.devnet_url], CHAIN_ID)
    for voter in voters:
        account = localstack.rpc(bridge.devnet_url, "condenser_api.get_accounts", [[voter]])[0]
        posting = dict(account["posting"], account_auths=[[APP, 1]])
        chain.broadcast(chain.sign([("account_update", {
            "account": voter, "posting": posting, "memo_key": account["memo_key"],
            "json_metadata": ""})], keys[voter]))
    kept = {name: wif for name, wif in keys.items() if name not in voters}
    bridge.keys_file.write_text("".join(f'{name} = "{wif}"\n' for name, wif in kept.items()))
    config = bridge.config.read_text().replace("[keys]\n", f'[keys]\napp_account = "{APP}"\n', 1)
    bridge.config.write_text(config + "\n[likes]\nenabled = true\nweight = 100\n")


def active_votes(url: str, author: str, permlink: str) -> dict[str, int]:
    votes = localstack.rpc(url, "condenser_api.get_active_votes", [author, permlink])
    voters = [v["voter"] for v in votes]
    assert len(voters) == len(set(voters))  # each voter once
    return {v["voter"]: int(v["percent"]) for v in votes}


def test_likes_through_the_real_backends_become_votes_and_an_unlike_a_removal(
        site: dict[str, Any], tmp_path: Path, devnet: Any) -> None:
    delete_all_posts(site)
    ids = create_members(site)
    response = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": f"Like me {time.time()}", "content": "<p>Press the heart.</p>",
        "status": "publish", "author": site["users"]["iguazi123"]["id"]})
    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    bridge = make_bridge(tmp_path, site, devnet.url)
    voters = [*MEMBERS.values(), "wenchao"]
    localstack.ensure_accounts(devnet.url, [*voters, APP], bridge.keys_file)
    sign_with_the_app_account(bridge, voters)
    assert bridge.cli("sync", "--once").returncode == 0
    meta = wordpress_request(site, "GET", f"/wp/v2/posts/{post_id}",
                             params={"context": "edit"}).json()["meta"]
    post = (meta["steem_author"], meta["steem_permlink"])
    assert meta["steem_status"] == "published", meta

    assert wanzi_like(site, post_id)["status"] == 200  # 丸子: a comment of type like
    assert minapper_like(site, post_id)["status"] == "200"  # 微慕: post meta _<openid> = like
    assert minapper_like(site, post_id)["status"] == "501"  # 已点赞: no second like
    button = wordpress_request(site, "POST", f"wp-steem-bridge/v1/posts/{post_id}/like",
                               as_user="wenchao", json={"action": "like"})
    assert button.status_code == 200 and button.json()["liked"], button.text
    anonymous = requests.post(f"{site['url']}/wp-json/wp-steem-bridge/v1/posts/{post_id}/like",
                              timeout=30)
    assert anonymous.status_code == 401
    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr + result.stdout
    assert active_votes(devnet.url, *post) == {"wanzi-fan": 10000, "minapper-fan": 10000,
                                               "wenchao": 10000}

    assert wanzi_like(site, post_id)["status"] == 202  # 取消点赞: the comment is deleted
    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr + result.stdout
    assert active_votes(devnet.url, *post) == {"wanzi-fan": 0, "minapper-fan": 10000,
                                               "wenchao": 10000}
    chain_meta = wordpress_request(site, "GET", f"/wp/v2/posts/{post_id}").json()["meta"]
    assert chain_meta.get("steem_liked_votes") == 2, (chain_meta, bridge.cli("status").stdout)

    events = wordpress_request(site, "GET", "wp-steem-bridge/v1/likes").json()["events"]
    assert [(e["user_id"], e["event"], e["source"]) for e in events] == [
        (ids[WANZI_OPENID], "like", "wanzi"), (ids[MINAPPER_OPENID], "like", "minapper"),
        (site["users"]["wenchao"]["id"], "like", "site"), (ids[WANZI_OPENID], "unlike", "wanzi")]
    stranger = wordpress_request(site, "GET", "wp-steem-bridge/v1/likes", as_user="wenchao")
    assert stranger.status_code == 403  # the feed is the bridge's alone

    # like and unlike again before the bridge looks: the unsent like is replaced, and the
    # unlike finds the vote already at 0 (the node's "identical" refusal: done, not a failure)
    assert wanzi_like(site, post_id)["status"] == 200
    assert wanzi_like(site, post_id)["status"] == 202
    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr + result.stdout
    status = json.loads(bridge.cli("status", "--json").stdout)
    queue = status["queue"]
    assert queue == {"confirmed": 6, "superseded": 1}, status  # 1 post, 5 votes
    assert active_votes(devnet.url, *post) == {"wanzi-fan": 0, "minapper-fan": 10000,
                                               "wenchao": 10000}
    result = bridge.cli("sync", "--once")  # a second sync changes nothing
    assert result.returncode == 0, result.stderr
    assert json.loads(bridge.cli("status", "--json").stdout)["queue"] == queue
    assert active_votes(devnet.url, *post) == {"wanzi-fan": 0, "minapper-fan": 10000,
                                               "wenchao": 10000}

    # an administrator trashing a member's like comment takes the like back; restoring it gives
    # it back (the hooks follow the comment's status)
    assert wanzi_like(site, post_id)["status"] == 200
    like = wordpress_request(site, "GET", "/wp/v2/comments", params={
        "post": post_id, "type": "like", "context": "edit"}).json()
    assert [c["author"] for c in like] == [ids[WANZI_OPENID]]
    assert bridge.cli("sync", "--once").returncode == 0
    assert active_votes(devnet.url, *post)["wanzi-fan"] == 10000
    trashed = wordpress_request(site, "DELETE", f"/wp/v2/comments/{like[0]['id']}")
    assert trashed.status_code == 200, trashed.text
    assert bridge.cli("sync", "--once").returncode == 0
    assert active_votes(devnet.url, *post) == {"wanzi-fan": 0, "minapper-fan": 10000,
                                               "wenchao": 10000}
