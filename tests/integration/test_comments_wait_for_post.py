"""A comment on a post that is not on chain yet waits for it, end to end on the real local
WordPress (site "comments") and a fresh devnet: the post waits for ``[mapping]
publish_delay_minutes``, a linked member comments meanwhile, and once the post is on chain the
comment is one reply under it (it was skipped for good, "post N is not on chain", before)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_bridge
from tests.integration.test_comments_to_chain import (  # noqa: F401 - the module's site fixture
    comment_meta,
    comment_meta_post,
    core_comment,
    create_user,
    rpc,
    site,
    sync_until,
)
from tests.support.wordpress import delete_all_posts, wordpress_request

pytestmark = pytest.mark.integration
DELAY_LEFT = 8  # seconds of the one-minute publish delay still to run when the post is made


def test_a_comment_during_the_publish_delay_is_one_reply_once_the_post_is_on_chain(
        site: dict[str, Any], tmp_path: Path, devnet: Any) -> None:  # noqa: F811
    delete_all_posts(site)
    member = create_user(site, "early_member", "Early Member", "early-member")
    published = datetime.now(UTC) - timedelta(seconds=60 - DELAY_LEFT)
    post = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": "Comment early", "content": "<p>Soon on chain.</p>", "status": "publish",
        "author": site["users"]["iguazi123"]["id"],
        "date_gmt": published.strftime("%Y-%m-%dT%H:%M:%S")}).json()
    bridge = make_bridge(tmp_path, site, devnet.url, ["iguazi123", "early-member"])
    with bridge.config.open("a") as config:
        config.write("\n[comments]\nenabled = true\n\n[mapping]\npublish_delay_minutes = 1\n")
    comment = core_comment(site, post["id"], member, "First, before the chain.")

    assert bridge.cli("sync", "--once").returncode == 0
    assert f"waiting for post {post['id']} to reach the chain" in bridge.cli("status").stdout

    time.sleep(DELAY_LEFT + 1)
    sync_until(bridge, lambda: comment_meta(site, comment)["meta"].get("steem_status") ==
               "published")
    assert comment_meta_post(site, post["id"]) == "published"
    meta = wordpress_request(site, "GET", f"/wp/v2/posts/{post['id']}",
                             params={"context": "edit"}).json()["meta"]
    replies = rpc(bridge, "get_content_replies", meta["steem_author"], meta["steem_permlink"])
    assert [(r["author"], r["body"]) for r in replies] == [
        ("early-member", "First, before the chain.")]
    for _ in range(2):  # once: later ticks send nothing more
        assert bridge.cli("sync", "--once").returncode == 0
    again = rpc(bridge, "get_content_replies", meta["steem_author"], meta["steem_permlink"])
    assert len(again) == 1 and "waiting" not in bridge.cli("status").stdout
