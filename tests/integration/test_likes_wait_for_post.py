"""A like of a post that is not on chain yet waits for it, end to end on the real local WordPress
(site "likes") and a fresh devnet: the post waits for ``[mapping] publish_delay_minutes``, a
member likes it meanwhile, and once the post is on chain the like is one vote (never skipped for
good, never sent twice)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from deploy.devstack import localstack
from tests.conftest import make_bridge
from tests.integration.test_likes_to_votes import (  # noqa: F401 - the module's site fixture
    active_votes,
    sign_with_the_app_account,
    site,
)
from tests.support.wordpress import delete_all_posts, wordpress_request

pytestmark = pytest.mark.integration
DELAY_LEFT = 8  # seconds of the one-minute publish delay still to run when the post is made


def sync(bridge: Any) -> None:
    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr + result.stdout


def test_a_like_during_the_publish_delay_is_one_vote_once_the_post_is_on_chain(
        site: dict[str, Any], tmp_path: Path, devnet: Any) -> None:  # noqa: F811
    delete_all_posts(site)
    published = datetime.now(UTC) - timedelta(seconds=60 - DELAY_LEFT)
    response = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": f"Wait for me {time.time()}", "content": "<p>Liked early.</p>",
        "status": "publish", "author": site["users"]["iguazi123"]["id"],
        "date_gmt": published.strftime("%Y-%m-%dT%H:%M:%S")})
    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    bridge = make_bridge(tmp_path, site, devnet.url)
    localstack.ensure_accounts(devnet.url, ["wenchao", "likes-app"], bridge.keys_file)
    sign_with_the_app_account(bridge, ["wenchao"])
    bridge.config.write_text(bridge.config.read_text()
                             + "\n[mapping]\npublish_delay_minutes = 1\n")
    button = wordpress_request(site, "POST", f"wp-steem-bridge/v1/posts/{post_id}/like",
                               as_user="wenchao", json={"action": "like"})
    assert button.status_code == 200 and button.json()["liked"], button.text

    sync(bridge)  # the post waits for its delay; the like waits for the post (was: skipped)
    status = json.loads(bridge.cli("status", "--json").stdout)
    assert status["queue"] == {}, status
    reasons = " ".join(d["reason"] for d in status["deferred"])
    assert "waiting for the post to reach the chain" in reasons, status

    time.sleep(DELAY_LEFT + 1)
    sync(bridge)  # the post goes on chain; its binding wakes the like in the same tick
    meta = wordpress_request(site, "GET", f"/wp/v2/posts/{post_id}",
                             params={"context": "edit"}).json()["meta"]
    assert meta["steem_status"] == "published", meta
    post = (meta["steem_author"], meta["steem_permlink"])
    for _ in range(20):  # a vote scheduled behind its post's create goes a moment later
        if active_votes(devnet.url, *post):
            break
        time.sleep(3)
        sync(bridge)
    assert active_votes(devnet.url, *post) == {"wenchao": 10000}
    status = json.loads(bridge.cli("status", "--json").stdout)
    assert status["queue"] == {"confirmed": 2} and status["deferred"] == [], status
    sync(bridge)  # once
    assert json.loads(bridge.cli("status", "--json").stdout)["queue"] == {"confirmed": 2}
