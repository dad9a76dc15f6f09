"""The idle tick (issue "Throughput"): on a site with 1,000 posts modified in the last hour,
a tick when nothing changed reads the posts with ONE WordPress request (the companion plugin's
change feed) and maps nothing. The REST poll it replaces re-listed every post inside its 3,900 s
overlap (10 pages of 100, plus the published window) on every tick.

Counted with a response hook on the connector's own ``requests`` session, on a real local
WordPress site and the devnet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.app import build_app
from bridge.config import load_settings
from bridge.report import TickReport
from tests.conftest import make_bridge
from tests.support.wordpress import ensure_wordpress
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
POSTS = 1000


@pytest.fixture
def busy_site() -> Any:
    site = ensure_wordpress("testidle")
    delete_every_post()
    author = site["users"]["iguazi123"]["id"]
    # opted out, so the first tick does not queue 1,000 root posts (the chain takes one per
    # author every 5 minutes); what matters here is that they were all modified just now
    wp_php("testidle", f"""
        for ($i = 0; $i < {POSTS}; $i++) {{
            wp_insert_post(array('post_title' => "Busy $i", 'post_content' => "<p>$i</p>",
                'post_status' => 'publish', 'post_author' => {author},
                'meta_input' => array('steem_opt_out' => '1')));
        }}
    """)
    yield site
    delete_every_post()


def delete_every_post() -> None:
    """In one PHP run: 1,000 deletions over REST would take most of a minute."""
    wp_php("testidle", """
        foreach (get_posts(array('numberposts' => -1, 'post_status' => 'any',
                                 'fields' => 'ids')) as $id) {
            wp_delete_post($id, true);
        }
    """)


def test_an_idle_tick_reads_the_posts_with_one_request_and_maps_nothing(
        tmp_path: Path, devnet: Any, busy_site: dict[str, Any]) -> None:
    bridge = make_bridge(tmp_path, busy_site, devnet.url, ["iguazi123"])
    app = build_app(load_settings(str(bridge.config)))
    try:
        first = app.engine.tick()  # takes the feed's end, polls everything once, skips them
        assert first.polled == POSTS and first.skipped == POSTS, first.summary()
        sent: list[str] = []
        app.wordpress.session.hooks["response"].append(
            lambda response, *a, **k: sent.append(f"{response.request.method} "
                                                  f"{response.request.path_url}"))
        planner = app.engine.streams[0].plan
        mapped: list[Any] = []
        mapper = planner.mapper
        planner.mapper = lambda *args: mapped.append(args) or mapper(*args)

        report = TickReport()
        app.engine.poll(report)
        assert len(sent) == 1 and "/wp-steem-bridge/v1/changes?" in sent[0], sent
        assert report.polled == 0 and mapped == []

        app.engine.tick()  # the heartbeat says once that the bridge went idle
        sent.clear()
        chain_before = app.chain.read_requests
        tick = app.engine.tick()
        assert tick.polled == 0 and mapped == [] and not tick.terminal_problems
        # the whole tick: the change feed alone (it also says no Retry press is new, and the
        # heartbeat, unchanged, is not due yet); the chain: the mirror's look at the head
        assert [s.split("?")[0] for s in sent] == ["GET /wp-json/wp-steem-bridge/v1/changes"], sent
        assert app.chain.read_requests - chain_before <= 3
    finally:
        app.close()
