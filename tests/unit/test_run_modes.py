"""Run modes of the real CLI: ``sync`` (one tick, for cron) stops warmly on SIGTERM/SIGINT.

A ``sync`` subprocess talks to a fresh devnet and to a stand-in WordPress that holds its first
answer until the test has sent the signal, so the signal lands mid-tick, deterministically.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from connectors.steem import new_key
from deploy.devstack.localstack import write_bridge_config
from tests.conftest import CLI, REPO_ROOT
from tests.support.stand_in import send_json


@dataclass
class SlowWordPress:
    """An empty WordPress whose site index waits for ``release`` (after ``asked`` is set)."""

    url: str
    asked: threading.Event
    release: threading.Event


@pytest.fixture
def slow_wordpress() -> Iterator[SlowWordPress]:
    asked, release = threading.Event(), threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.split("?")[0].rstrip("/") == "/wp-json":
                asked.set()
                release.wait(30)
                answer: Any = {"name": "Slow", "home": url,
                               "namespaces": ["wp/v2", "wp-steem-bridge/v1"]}
            else:
                answer = []  # no posts
            send_json(self, json.dumps(answer).encode(), wordpress_pages=True)

        def do_POST(self) -> None:  # noqa: N802 - the heartbeat: stored
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            send_json(self, b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SlowWordPress(url, asked, release)
    finally:
        release.set()
        server.shutdown()


@pytest.fixture
def sync_config(tmp_path: Path, slow_wordpress: SlowWordPress, devnet: Any) -> Path:
    keys_file = tmp_path / "keys.toml"
    keys_file.write_text(f'alice = "{new_key().wif}"\n')
    keys_file.chmod(0o600)
    site = {"url": slow_wordpress.url, "admin_user": "bridge", "app_password": "pw",
            "name": "slow"}
    return write_bridge_config(tmp_path, site, devnet.url, keys_file, tmp_path / "state.db",
                               extra="\n[mirror]\nenabled = false\n")


def start_sync(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, "--config", str(config), "sync", *args], cwd=REPO_ROOT,
                            env=dict(os.environ), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_tick_finishes_the_step_and_exits_75_with_a_message(
        sync_config: Path, slow_wordpress: SlowWordPress, signum: signal.Signals) -> None:
    process = start_sync(sync_config, "--once")
    try:
        assert slow_wordpress.asked.wait(30), "the sync never reached WordPress"
        process.send_signal(signum)
        threading.Timer(0.3, slow_wordpress.release.set).start()
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 75, err
    assert "Traceback" not in out + err
    assert f"sync stopped early ({signum.name})" in err
    assert "the next sync" in err
    assert "sync: 0 polled" in out  # the step in progress (poll) finished


def test_sync_without_a_signal_does_the_whole_tick_and_exits_0(
        sync_config: Path, slow_wordpress: SlowWordPress) -> None:
    slow_wordpress.release.set()
    process = start_sync(sync_config)  # `sync` is one tick; `--once` is optional
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "sync: 0 polled" in out and "stopped" not in err


def test_sync_once_is_still_accepted_but_not_offered() -> None:
    help_text = subprocess.run([*CLI, "sync", "--help"], cwd=REPO_ROOT, capture_output=True,
                               text=True, check=True).stdout
    assert "--once" not in help_text and "run" in help_text
    assert "--loop" not in help_text
