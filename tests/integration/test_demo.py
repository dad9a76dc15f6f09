"""``make demo`` heals: a lost .demo, a stopped WordPress, a port held by another program, and
``make stop``. Each case runs ``python -m deploy.demo`` as a subprocess on this checkout's demo
(it resets this checkout's .demo and WordPress site "demo"), holding /tmp/wpsb-demo.lock because
ports 8088 and 8090 are shared by every checkout.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy import demo as demo_module
from deploy.devstack import demo_env, procs

ROOT = Path(__file__).resolve().parents[2]
PATHS = demo_env.DemoPaths(ROOT)
LOCK = Path("/tmp/wpsb-demo.lock")
LOCK_WAIT = 300  # seconds: another checkout's demo run takes well under a minute


@pytest.fixture(scope="module", autouse=True)
def demo_lock() -> Iterator[None]:
    """The demo ports are shared: one checkout's demo at a time; stop ours at the end."""
    with open(LOCK, "a") as handle:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{LOCK} held for {LOCK_WAIT} s by another demo run")
                time.sleep(1)
        try:
            yield
        finally:
            run_demo("stop")


def run_demo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "deploy.demo", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=180,
                          env=dict(os.environ, **(env or {})))


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr


def published(state: Path) -> dict[str, object]:
    with sqlite3.connect(state) as conn:
        links = conn.execute("SELECT state, count(*) FROM links GROUP BY state").fetchall()
        intents = conn.execute("SELECT kind, status, count(*) FROM intents "
                               "GROUP BY kind, status").fetchall()
    return {"links": dict(links), "intents": {(k, s): n for k, s, n in intents}}


@contextmanager
def listener(port: int) -> Iterator[socket.socket | None]:
    """A foreign program on ``port`` (none needed when one is already there)."""
    if procs.port_busy(port):
        yield None
        return
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(8)
    try:
        yield sock
    finally:
        sock.close()


def kill_wordpress() -> None:
    pid = int((ROOT / ".run" / "wordpress-demo" / "server.pid").read_text())
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while procs.port_busy(demo_env.WP_PORT) and time.monotonic() < deadline:
        time.sleep(0.1)


def test_demo_after_rm_rf_demo_starts_a_fresh_coherent_story() -> None:
    assert_clean(run_demo())
    shutil.rmtree(PATHS.demo)  # state and devnet data gone; WordPress still has chain meta
    result = run_demo()
    assert_clean(result)
    assert "starting a fresh demo" in result.stdout
    assert published(PATHS.state) == {
        "links": {"on_chain": 3}, "intents": {("create_post", "confirmed"): 3}}
    assert len(demo_env.our_devnets(PATHS)) == 1  # the orphaned devnet was stopped


def test_a_stopped_wordpress_is_restarted_and_nothing_is_published_twice() -> None:
    before = published(PATHS.state)
    kill_wordpress()
    result = run_demo()
    assert_clean(result)
    assert "restarted (it was stopped)" in result.stdout
    assert "0 enqueued" in result.stdout and published(PATHS.state) == before


def test_port_8090_held_by_another_program_moves_this_checkouts_devnet() -> None:
    before = published(PATHS.state)
    for pid in demo_env.our_devnets(PATHS):
        procs.terminate(pid)
    (PATHS.demo / "devnet.port").unlink(missing_ok=True)
    with listener(demo_env.DEVNET_PORT):
        result = run_demo()
        assert_clean(result)
        port = int((PATHS.demo / "devnet.port").read_text())
        assert port != demo_env.DEVNET_PORT
        line = next(line for line in result.stdout.splitlines() if "== devnet" in line)
        assert f"port {demo_env.DEVNET_PORT} is held by pid" in line
        assert f"this checkout's demo uses {port}" in line
        assert f"127.0.0.1:{port}" in (PATHS.demo / "wp-steem-bridge.toml").read_text()
        assert published(PATHS.state) == before  # the same chain, restarted from its data
    again = run_demo()  # the port this checkout moved to is kept while it is free
    assert_clean(again)
    assert int((PATHS.demo / "devnet.port").read_text()) == port


def test_port_8088_held_by_another_program_is_one_line_and_the_next_command() -> None:
    kill_wordpress()
    with listener(demo_env.WP_PORT):
        result = run_demo()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    problem, next_line = result.stderr.strip().splitlines()
    assert problem.startswith(f"demo: port {demo_env.WP_PORT} (the demo WordPress) is held by pid")
    assert next_line.startswith("  next: kill ") or next_line.startswith("  next: cd ")


def test_make_stop_stops_what_the_demo_started_and_says_so() -> None:
    assert_clean(run_demo())
    result = run_demo("stop")
    assert_clean(result)
    assert "WordPress site 'demo' (pid" in result.stdout and "devnet (pid" in result.stdout
    assert not demo_env.our_devnets(PATHS) and not procs.port_busy(demo_env.WP_PORT)
    again = run_demo("stop")
    assert_clean(again)
    assert "stopped: nothing" in again.stdout


def test_an_unexpected_error_is_one_line_unless_debug(monkeypatch, capsys) -> None:
    def broken(paths: demo_env.DemoPaths) -> int:
        raise json.JSONDecodeError("Expecting value", "", 0)

    monkeypatch.setattr(demo_module, "demo", broken)
    monkeypatch.delenv("DEBUG", raising=False)
    assert demo_module.main([]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("demo: JSONDecodeError: Expecting value") and len(err) == 2
    assert "DEBUG=1" in err[1]
    monkeypatch.setenv("DEBUG", "1")
    with pytest.raises(json.JSONDecodeError):
        demo_module.main([])
