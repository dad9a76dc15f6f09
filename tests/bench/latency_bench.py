"""Publish latency over the webhook (issue 13): WordPress's publish returns -> on chain -> the
chain meta written back and visible in WordPress, on a site that already holds 1,000 recent
posts, beside the same on a site with 10.

Two real local WordPress sites of this checkout ("benchlat" with 1,000 posts modified just now,
"benchlat10" with 10; opted out, so they never go to the chain), each with the companion
plugin's webhook pointing at its own bridge daemon (``wp-steem-bridge run --webhook``, a
subprocess, as deployed), one devnet sealing a block per transaction. Posts are published in
turns on the two sites (so a busy moment of the machine falls on both alike), each by its own
author; before each publish the devnet's chain time is moved on 303 s (its time control), so
the 5-minute root-post rule never holds a post back: the bench measures the bridge, not the
rule. The clock starts when the REST call that publishes returns and stops when the plugin's
chain route shows ``steem_status = published``.

The posts made are deleted afterwards, so the sites keep their 1,000 and 10 posts for the next
run (filling 1,000 posts takes a minute the first time).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from devnet.genesis import INITMINER_WIF
from tests.bench import BenchRow
from tests.bench.devnet_bench import Rpc, devnet_process
from tests.bench.idle_bench import fill_site

POSTS = 100
SITES = (("benchlat", 1000, "iguazi123"), ("benchlat10", 10, "wenchao"))
SECRET = "bench-webhook-secret-0123456789"
RULE_BLOCKS = 101  # 303 s of chain time: past the 300 s root-post rule
TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Daemon:
    """A bridge daemon for one site, woken by the plugin's webhook."""

    def __init__(self, directory: Path, site: dict[str, Any], login: str, chain_url: str) -> None:
        from tests.conftest import CLI, REPO_ROOT, make_bridge
        from tests.support.wordpress import run_wp_local

        self.site, self.login = site, login
        account = site["users"][login]["steem_account"]
        bridge = make_bridge(directory, site, chain_url, [account])
        self.port = _free_port()
        env = {**os.environ, "WPSB_WEBHOOK_SECRET": SECRET}
        subprocess.run([str(REPO_ROOT / "deploy" / "wordpress" / "wp-local"), "webhook",
                        site["name"], f"http://127.0.0.1:{self.port}/poke"], env=env, check=True,
                       capture_output=True)
        self._unhook = lambda: run_wp_local("webhook", site["name"], "off")
        self.log = (directory / "daemon.log").open("w")
        self.process = subprocess.Popen(
            [*CLI, "--config", str(bridge.config), "run", "--interval", "3600", "--webhook",
             f"127.0.0.1:{self.port}"], cwd=REPO_ROOT, env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        # the author publishes (the bridge's own user never pokes); the bridge's user reads
        self.author = requests.Session()
        self.author.auth = (login, site["users"][login]["app_password"])
        self.session = requests.Session()
        self.session.auth = (site["admin_user"], site["app_password"])
        self._wait_first_tick()

    def _wait_first_tick(self) -> None:
        deadline = time.monotonic() + 300  # the first tick reads the site's posts once
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daemon for {self.site['name']} exited")
            try:
                health = requests.get(f"http://127.0.0.1:{self.port}/health", timeout=2).json()
                if health.get("last_tick"):
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"daemon for {self.site['name']} did not tick")

    def publish_and_wait(self, title: str) -> tuple[int, float]:
        """(post id, seconds from the publish call's return to the meta being visible)."""
        response = self.author.post(f"{self.site['url']}/wp-json/wp/v2/posts", json={
            "title": title, "content": f"<p>{title}: published, then on chain.</p>",
            "status": "publish"}, timeout=TIMEOUT)
        returned = time.perf_counter()
        response.raise_for_status()
        post_id = int(response.json()["id"])
        route = f"{self.site['url']}/wp-json/wp-steem-bridge/v1/posts/{post_id}/chain"
        while time.perf_counter() - returned < TIMEOUT:
            meta = self.session.get(route, timeout=TIMEOUT).json().get("meta") or {}
            if meta.get("steem_status") == "published":
                return post_id, time.perf_counter() - returned
            time.sleep(0.01)
        raise RuntimeError(f"post {post_id} on {self.site['name']} not on chain in {TIMEOUT} s")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        self._unhook()


def _delete_posts(site_name: str, ids: list[int]) -> None:
    from tests.support.wp_php import wp_php

    if ids:
        wp_php(site_name, f"foreach (array({','.join(map(str, ids))}) as $id) "
                          "{ wp_delete_post($id, true); }")


def _percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def bench_publish_latency() -> list[BenchRow]:
    sites = [(fill_site(name, count, login), login) for name, count, login in SITES]
    latencies: list[list[float]] = [[], []]
    made: list[list[int]] = [[], []]
    with devnet_process(block_interval=0.0) as port, tempfile.TemporaryDirectory() as tmp:
        rpc = Rpc(port)
        daemons: list[Daemon] = []
        try:
            for index, (site, login) in enumerate(sites):
                directory = Path(tmp) / str(index)
                directory.mkdir()
                daemons.append(Daemon(directory, site, login, f"http://127.0.0.1:{port}"))
            for number in range(POSTS):
                order = (0, 1) if number % 2 == 0 else (1, 0)  # neither always goes first
                for index in order:
                    rpc.call("debug_node_api.debug_generate_blocks", {
                        "debug_key": INITMINER_WIF, "count": RULE_BLOCKS, "skip": 0,
                        "miss_blocks": 0})
                    post_id, seconds = daemons[index].publish_and_wait(f"Latency {number}")
                    made[index].append(post_id)
                    latencies[index].append(seconds)
        finally:
            for daemon in daemons:
                daemon.close()
            rpc.close()
            for (site, _login), ids in zip(sites, made, strict=True):
                _delete_posts(site["name"], ids)
    big, small = latencies
    p50 = (statistics.median(big), statistics.median(small))
    p99 = (_percentile(big, 0.99), _percentile(small, 0.99))
    beside = f"site with {SITES[1][1]} recent posts"
    label = f"{POSTS} posts, site with {SITES[0][1]:,} recent posts"
    return [
        BenchRow(f"publish -> on chain -> meta visible ({label}): p50 / p50 of the small site",
                 p50[0] / p50[1], "ratio", "1 ± 0.2"),
        BenchRow("publish -> on chain -> meta visible: p99 / p99 of the small site",
                 p99[0] / p99[1], "ratio", "1 ± 0.2"),
        BenchRow("publish -> on chain -> meta visible: p50", p50[0] * 1000, "ms", None,
                 p50[1] * 1000, beside),
        BenchRow("publish -> on chain -> meta visible: p99", p99[0] * 1000, "ms", None,
                 p99[1] * 1000, beside),
    ]
