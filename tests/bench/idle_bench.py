"""The idle tick (issue 13): what a tick costs when nothing changed, on a site with 1,000 posts
modified in the last hour, measured as tests/integration/test_idle_tick.py asserts it.

A real local WordPress site of this checkout ("benchidle", the companion plugin active) and the
devnet behind a counting proxy. The bridge is the real app (``build_app``): the posts source
reads the plugin's change feed. Beside it, the same site and chain with the source on the REST
poll it replaces (``use_feed=False``: every post modified inside the 3,900-second overlap window
is listed again each tick). WordPress requests are counted on the connector's own ``requests``
session, chain requests at the proxy (beem's calls and the batched reads alike), mappings on the
planner's mapper. The 1,000 posts are opted out, so the first tick queues nothing for the
chain (the 5-minute rule would hold 1,000 root posts of one author for days).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from tests.bench import BenchRow
from tests.bench.devnet_bench import devnet_process
from tests.bench.mirror_bench import LatencyProxy

SITE = "benchidle"
POSTS = 1000
AUTHOR = "iguazi123"


def fill_site(site_name: str, posts: int, author_login: str) -> dict[str, Any]:
    """Site ``site_name`` running and holding exactly ``posts`` published, opted-out posts,
    all modified just now. A site left by an earlier run with that many keeps them (their
    modified times are set to now in one query); else it is emptied and filled again."""
    from tests.support.wordpress import ensure_wordpress
    from tests.support.wp_php import wp_php

    site = ensure_wordpress(site_name)
    author = site["users"][author_login]["id"]
    held = wp_php(site_name, """
        $all = get_posts(array('numberposts' => -1, 'post_status' => 'any', 'fields' => 'ids'));
        $ours = get_posts(array('numberposts' => -1, 'post_status' => 'publish', 'fields' => 'ids',
                                'meta_key' => 'steem_opt_out', 'meta_value' => '1'));
        echo count($all) === count($ours) ? count($ours) : -1;
    """).strip().splitlines()[-1]
    if held != str(posts):
        wp_php(site_name, f"""
            wp_defer_term_counting(true);
            foreach (get_posts(array('numberposts' => -1, 'post_status' => 'any',
                                     'fields' => 'ids')) as $id) {{
                wp_delete_post($id, true);
            }}
            for ($i = 0; $i < {posts}; $i++) {{
                wp_insert_post(array('post_title' => "Busy $i", 'post_content' => "<p>$i</p>",
                    'post_status' => 'publish', 'post_author' => {author},
                    'meta_input' => array('steem_opt_out' => '1')));
            }}
            wp_defer_term_counting(false);
        """)
    wp_php(site_name, """
        global $wpdb;
        $wpdb->query("UPDATE {$wpdb->posts} SET post_modified = NOW(),
                      post_modified_gmt = UTC_TIMESTAMP()");
    """)
    return site


class Counted:
    """One bridge app over the site and the proxied chain, counting what a tick sends."""

    def __init__(self, directory: Path, site: dict[str, Any], chain_url: str, feed: bool) -> None:
        from bridge.app import build_app
        from bridge.config import load_settings
        from tests.conftest import make_bridge

        bridge = make_bridge(directory, site, chain_url, [AUTHOR])
        self.app = build_app(load_settings(str(bridge.config)))
        source = self.app.engine.streams[0].source
        source.use_feed = feed  # type: ignore[attr-defined]
        self.sent: list[str] = []
        self.app.wordpress.session.hooks["response"].append(
            lambda response, *a, **k: self.sent.append(response.request.path_url))
        planner = self.app.engine.streams[0].plan
        self.mapped = 0
        mapper = planner.mapper  # type: ignore[attr-defined]

        def counting(*args: Any) -> Any:
            self.mapped += 1
            return mapper(*args)

        planner.mapper = counting  # type: ignore[attr-defined]

    def idle_tick(self, proxy: LatencyProxy) -> tuple[int, int, int, int]:
        """(WordPress requests, chain requests, records mapped, records polled) of one tick."""
        self.sent.clear()
        self.mapped = 0
        chain_before = proxy.requests
        report = self.app.engine.tick()
        if report.terminal_problems:
            raise RuntimeError(f"idle tick: {report.terminal_problems[:3]}")
        return len(self.sent), proxy.requests - chain_before, self.mapped, report.polled

    def close(self) -> None:
        self.app.close()


def bench_idle_tick() -> list[BenchRow]:
    site = fill_site(SITE, POSTS, AUTHOR)
    with devnet_process(block_interval=0.0) as port, tempfile.TemporaryDirectory() as tmp:
        proxy = LatencyProxy(port, latency=0.0)
        bridge = Counted(Path(tmp), site, proxy.url, feed=True)
        try:
            first = bridge.app.engine.tick()  # reads every post once (the poll), skips them
            if first.polled < POSTS:
                raise RuntimeError(f"first tick polled {first.polled} of {POSTS}")
            bridge.app.engine.tick()  # the heartbeat says once that the bridge went idle
            wp, chain, mapped, _ = bridge.idle_tick(proxy)
            # the baseline: the same bridge, cursor and site, the source on the REST poll
            bridge.app.engine.streams[0].source.use_feed = False  # type: ignore[attr-defined]
            wp_poll, chain_poll, mapped_poll, polled_poll = bridge.idle_tick(proxy)
        finally:
            bridge.close()
            proxy.close()
    label = f"{POSTS:,} posts modified in the last hour"
    naive = "REST poll, 3,900 s overlap (no change feed)"
    return [
        BenchRow(f"idle tick ({label}): WordPress requests", wp, "requests", "<= 1", wp_poll,
                 naive),
        BenchRow("idle tick: chain requests", chain, "requests", "<= 3", chain_poll, naive),
        BenchRow("idle tick: posts mapped", mapped, "posts", "<= 0", mapped_poll,
                 f"{naive} (re-read {polled_poll:,})"),
    ]
