"""Moments: a bbPress topic (the real bbPress, as 微慕 Pro's 动态圈 stores them) reaches the
devnet as a root post in the configured Steem community, and WordPress shows its chain link.

The topic is created with bbPress's own ``bbp_insert_topic`` as a member; the companion plugin's
change feed and its bridge-only ``/wp/v2/topics`` read route carry it to the bridge.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from deploy.devstack import localstack
from tests.conftest import make_bridge
from tests.support.wordpress import (
    delete_all_posts,
    link_third_party_plugin,
    reset_wordpress,
    wordpress_request,
)
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
SITE = "moments"
COMMUNITY = "hive-123456"


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    site = reset_wordpress(SITE)
    link_third_party_plugin("bbpress")
    active = wordpress_request(site, "POST", "/wp/v2/plugins/bbpress/bbpress",
                               json={"status": "active"})
    assert active.status_code == 200, active.text
    return site


def delete_all_moments() -> None:
    """Forums, topics and replies of earlier tests (their chain meta names another devnet)."""
    wp_php(SITE, """
        foreach (get_posts(array('post_type' => array('forum', 'topic', 'reply'),
                                 'post_status' => 'any', 'numberposts' => -1,
                                 'fields' => 'ids')) as $id) {
            wp_delete_post($id, true);
        }
    """)


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def new_topic(site: dict[str, Any], login: str, title: str, content: str,
              forum_status: str = "publish") -> int:
    """A topic in a fresh forum (``forum_status``: publish, private or hidden), inserted by
    bbPress itself as the member."""
    user_id = site["users"][login]["id"]
    out = wp_php(SITE, f"""
        wp_set_current_user({user_id});
        $forum = bbp_insert_forum(array('post_title' => 'Moments',
                                        'post_status' => '{forum_status}'));
        $topic = bbp_insert_topic(
            array('post_parent' => $forum, 'post_title' => base64_decode('{b64(title)}'),
                  'post_content' => base64_decode('{b64(content)}'), 'post_author' => {user_id}),
            array('forum_id' => $forum));
        echo (int) $topic;
    """)
    return int(out.strip().splitlines()[-1])


def test_a_bbpress_topic_becomes_a_root_post_in_the_community(site: dict[str, Any],
                                                               tmp_path: Path,
                                                               devnet: Any) -> None:
    delete_all_posts(site)
    delete_all_moments()
    author = next(login for login, u in site["users"].items() if u.get("steem_account"))
    account = site["users"][author]["steem_account"]
    bridge = make_bridge(tmp_path, site, devnet.url, accounts=[account])
    with bridge.config.open("a") as config:
        config.write(f'\n[moments]\nenabled = true\ncommunity = "{COMMUNITY}"\n')
    topic_id = new_topic(site, author, "第一条动态 My first moment",
                         "Hello from the 动态圈: a moment written in the mini-program.")

    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr + result.stdout
    meta = wordpress_request(site, "GET", f"/wp/v2/topics/{topic_id}",
                             params={"context": "edit"}).json()["meta"]
    assert meta["steem_status"] == "published" and meta["steem_author"] == account, meta
    content = localstack.rpc(devnet.url, "condenser_api.get_content",
                             [account, meta["steem_permlink"]])
    assert content["author"] == account and content["parent_author"] == ""
    assert content["parent_permlink"] == content["category"] == COMMUNITY
    assert content["title"] == "第一条动态 My first moment"
    assert "Hello from the 动态圈" in content["body"]
    metadata = json.loads(content["json_metadata"])
    assert metadata["community"] == COMMUNITY and metadata["tags"][0] == COMMUNITY

    # the forum shows the chain link under the topic
    shown = wp_php(SITE, f"echo bbp_get_topic_content({topic_id});")
    assert f"/@{account}/{meta['steem_permlink']}" in shown and "wpsb-chain-link" in shown

    again = bridge.cli("sync", "--once")  # exactly once
    assert again.returncode == 0 and "0 enqueued" in again.stdout, again.stdout

    # closing the topic (no more replies) keeps it on chain; a hidden forum's topic never goes
    wp_php(SITE, f"bbp_close_topic({topic_id});")
    hidden = new_topic(site, author, "Members only", "Not for the public chain.", "hidden")
    closed = bridge.cli("sync", "--once")
    assert closed.returncode == 0 and "0 enqueued" in closed.stdout, closed.stdout
    assert localstack.rpc(devnet.url, "condenser_api.get_content",
                          [account, meta["steem_permlink"]])["body"] == content["body"]
    assert wordpress_request(site, "GET", f"/wp/v2/topics/{topic_id}",
                             params={"context": "edit"}).json()["meta"]["steem_status"] == \
        "published"
    hidden_meta = wordpress_request(site, "GET", f"/wp/v2/topics/{hidden}",
                                    params={"context": "edit"}).json()
    assert hidden_meta["status"] == "private" and not hidden_meta["meta"]["steem_permlink"]


def test_only_the_bridge_reads_topics_over_rest(site: dict[str, Any]) -> None:
    assert wordpress_request(site, "GET", "/wp/v2/topics", auth=None).status_code == 401
    member = next(login for login, u in site["users"].items() if u.get("app_password"))
    answer = wordpress_request(site, "GET", "/wp/v2/topics", as_user=member)
    assert answer.status_code in (401, 403), answer.text
    assert wordpress_request(site, "GET", "/wp/v2/topics").status_code == 200
    replies = "/wp-steem-bridge/v1/bbp-replies"
    assert wordpress_request(site, "GET", replies, auth=None).status_code == 401
    assert wordpress_request(site, "GET", replies, as_user=member).status_code in (401, 403)


def new_reply(site: dict[str, Any], login: str, topic_id: int, content: str,
              reply_to: int = 0) -> int:
    """A reply inserted by bbPress itself as the member (``reply_to``: the reply it answers)."""
    user_id = site["users"][login]["id"]
    out = wp_php(SITE, f"""
        wp_set_current_user({user_id});
        $topic = {topic_id};
        $reply = bbp_insert_reply(
            array('post_parent' => $topic, 'post_content' => base64_decode('{b64(content)}'),
                  'post_author' => {user_id}),
            array('forum_id' => bbp_get_topic_forum_id($topic), 'topic_id' => $topic,
                  'reply_to' => {reply_to}));
        echo (int) $reply;
    """)
    return int(out.strip().splitlines()[-1])


def sync_until(bridge: Any, done: Any, rounds: int = 8) -> None:
    """Ticks with a few blocks between (the 3-second reply rule is chain time)."""
    for _ in range(rounds):
        result = bridge.cli("sync", "--once")
        assert result.returncode in (0, 1), result.stderr
        if done():
            return
        localstack.generate_blocks(bridge.devnet_url, 2)
    raise AssertionError(f"not done after {rounds} ticks: {result.stdout}")


def reply_meta(site: dict[str, Any], reply_id: int) -> dict[str, Any]:
    out = wp_php(SITE, f"echo wp_json_encode(wpsb_read_chain_meta({reply_id}));")
    return json.loads(out.strip().splitlines()[-1])


def test_bbpress_replies_become_threaded_chain_replies_under_the_topic(
        site: dict[str, Any], tmp_path: Path, devnet: Any) -> None:
    delete_all_posts(site)
    delete_all_moments()
    accounts = sorted(u["steem_account"] for u in site["users"].values()
                      if u.get("steem_account"))
    bridge = make_bridge(tmp_path, site, devnet.url, accounts=accounts)
    with bridge.config.open("a") as config:
        config.write("\n[moments]\nenabled = true\n\n[comments]\nenabled = true\n")
    author, other = "iguazi123", "wenchao"
    topic = new_topic(site, author, "A moment with replies", "Who agrees?")
    sync_until(bridge, lambda: reply_meta(site, topic)["steem_status"] == "published")
    first = new_reply(site, other, topic, "I agree, from the mini-program.")
    second = new_reply(site, author, topic, "Thanks!", reply_to=first)
    sync_until(bridge, lambda: all(reply_meta(site, r)["steem_status"] == "published"
                                   for r in (first, second)))
    top, answer = reply_meta(site, topic), reply_meta(site, first)
    on_chain = localstack.rpc(devnet.url, "condenser_api.get_content",
                              [answer["steem_author"], answer["steem_permlink"]])
    assert on_chain["author"] == site["users"][other]["steem_account"]
    assert (on_chain["parent_author"], on_chain["parent_permlink"]) == (
        top["steem_author"], top["steem_permlink"])
    assert "I agree, from the mini-program." in on_chain["body"]
    thanks = reply_meta(site, second)
    nested = localstack.rpc(devnet.url, "condenser_api.get_content",
                            [thanks["steem_author"], thanks["steem_permlink"]])
    assert (nested["parent_author"], nested["parent_permlink"]) == (
        answer["steem_author"], answer["steem_permlink"])
    shown = wp_php(SITE, f"echo bbp_get_reply_content({first});")
    assert f"/@{answer['steem_author']}/{answer['steem_permlink']}" in shown
    again = bridge.cli("sync", "--once")  # each once
    assert again.returncode == 0 and "0 enqueued" in again.stdout, again.stdout
