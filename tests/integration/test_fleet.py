"""A fleet over real sites: `wp-steem-bridge run --sites DIR` workers on one PostgreSQL.

Three real local WordPress sites (two authors each, each author its own devnet account), two
worker processes. The first is the real CLI made to SIGKILL itself right after its first
broadcast (tests/support/crashing_cli.py): it dies holding a site's lock with a transaction on
chain that its store still calls "broadcast". The second worker must take that site over within
the lock timeout, settle the dead worker's transaction by its id, and publish everything else:
every post exactly once on chain.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bridge.store.db import advisory_key
from tests.conftest import REPO_ROOT, make_bridge
from tests.support.postgres import fresh_schema
from tests.support.wordpress import delete_all_posts, ensure_wordpress, wordpress_request

pytestmark = pytest.mark.integration
SITES = ("fleeta", "fleetb", "fleetc")
LOCK_TIMEOUT = 5.0


@pytest.fixture
def pg_url() -> Any:
    with fresh_schema() as url:
        yield url


def _site_with_posts(name: str) -> tuple[dict[str, Any], list[str]]:
    site = ensure_wordpress(name)
    delete_all_posts(site)
    accounts = []
    for user, info in sorted(site["users"].items()):
        account = f"{name}-{user[:4]}"
        wordpress_request(site, "POST", f"/wp/v2/users/{info['id']}",
                          json={"meta": {"steem_account": account}}).raise_for_status()
        wordpress_request(site, "POST", "/wp/v2/posts", json={
            "title": f"{user} on {name}", "content": f"<p>Hello from {user} on {name}</p>",
            "status": "publish", "author": info["id"]}).raise_for_status()
        accounts.append(account)
    return site, accounts


def _worker(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    import os

    return subprocess.Popen([sys.executable, *args], cwd=REPO_ROOT, env=dict(os.environ, **env),
                            stdout=subprocess.DEVNULL, stderr=log.open("wb"))


def _confirmed(pg_url: str) -> dict[str, str]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT source_ref, status FROM intents").fetchall()
    return dict(rows)


@pytest.fixture
def fleet_dir(tmp_path: Path, devnet: Any) -> Path:
    """Three real sites, two posts each (each author its own devnet account), one config each."""
    sites_dir = tmp_path / "sites"
    sites_dir.mkdir()
    keys_file = tmp_path / "keys.toml"
    for name in SITES:
        site, accounts = _site_with_posts(name)
        bridge = make_bridge(tmp_path / name, site, devnet.url, accounts=accounts,
                             keys_file=keys_file)
        (sites_dir / f"{name}.toml").write_text(bridge.config.read_text())
    return sites_dir


def _fleet_args(sites_dir: Path) -> list[str]:
    return ["run", "--sites", str(sites_dir), "--lock-timeout", str(LOCK_TIMEOUT),
            "--interval", "0.5"]


def _lock_holders(pg_url: str, site: str, pid: int) -> int:
    """How many locks on ``site``'s key the fleet worker with process id ``pid`` holds."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        return int(conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = %s "
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = %s",
            (f"wp-steem-bridge fleet pid {pid}",
             advisory_key(site) & 0xFFFFFFFFFFFFFFFF)).fetchone()[0])


def _comments_on_chain(devnet: Any) -> Counter[tuple[str, str]]:
    return Counter((op[1]["author"], op[1]["permlink"])
                   for record in devnet.chain.accepted_transactions
                   for op in record["legacy_operations"] if op[0] == "comment")


def _wait_all_confirmed(pg_url: str, survivor: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while not (len(_confirmed(pg_url)) == 6 and
               set(_confirmed(pg_url).values()) == {"confirmed"}):
        assert survivor.poll() is None, log.read_text()
        assert time.monotonic() < deadline, _confirmed(pg_url)
        time.sleep(0.2)


def test_workers_share_sites_and_a_killed_workers_site_is_taken_over_once(
        tmp_path: Path, devnet: Any, pg_url: str, fleet_dir: Path) -> None:
    sites_dir = fleet_dir
    env = {"WPSB__STATE__URL": pg_url}
    fleet = _fleet_args(sites_dir)

    doomed = _worker(["-m", "tests.support.crashing_cli", "after-broadcast", *fleet,
                      "--worker", "0/2"], env, tmp_path / "doomed.log")
    assert doomed.wait(120) == -9, (tmp_path / "doomed.log").read_text()
    died = time.monotonic()
    # it died inside its first site's tick, holding that site's lock, one post on chain that its
    # store still calls signed (the broadcast's own commit comes after the checkpoint)
    in_flight = [ref for ref, status in _confirmed(pg_url).items() if status == "signed"]
    assert len(in_flight) == 1, _confirmed(pg_url)
    held_site = in_flight[0].split(":")[1]
    assert held_site == "fleeta"  # worker 0 of 2 starts at the first site

    survivor = _worker(["-m", "bridge.cli", *fleet, "--worker", "1/2"], env,
                       tmp_path / "survivor.log")
    try:
        # the dead worker's site is free within the lock timeout (its connection is gone)
        while _lock_holders(pg_url, held_site, doomed.pid):
            assert time.monotonic() - died < LOCK_TIMEOUT, "the dead worker's lock stayed"
            time.sleep(0.1)
        _wait_all_confirmed(pg_url, survivor, tmp_path / "survivor.log")
    finally:
        survivor.terminate()
        survivor.wait(30)
    log = (tmp_path / "survivor.log").read_text()
    assert survivor.returncode == 0, log
    # every site was served, the dead worker's one included
    for name in SITES:
        assert f"site {name}: " in log, log

    # every post exactly once on chain: one comment per (author, permlink), six in all
    comments = _comments_on_chain(devnet)
    assert len(comments) == 6 and set(comments.values()) == {1}, comments
    with psycopg.connect(pg_url) as conn:
        links = conn.execute("SELECT source_ref, author FROM links WHERE state = 'on_chain'"
                             ).fetchall()
    assert len(links) == 6
    assert {ref.split(":")[1] for ref, _ in links} == set(SITES)


def test_a_hung_workers_sites_pass_on_within_the_lock_timeout_and_it_cannot_publish_twice(
        tmp_path: Path, devnet: Any, pg_url: str, fleet_dir: Path) -> None:
    """A worker frozen (SIGSTOP) right after signing, holding its site's lock: its connection
    falls silent, PostgreSQL ends it after the lock timeout, the other worker takes the site over
    and sends the same signed transaction; the frozen one, continued, sends it once more (the
    chain refuses the copy), finds its connection gone and exits 75."""
    env = {"WPSB__STATE__URL": pg_url}
    fleet = _fleet_args(fleet_dir)
    frozen = _worker(["-m", "tests.support.pausing_cli", "after-sign", *fleet, "--worker", "0/2"],
                     env, tmp_path / "frozen.log")
    try:
        deadline = time.monotonic() + 120
        while Path(f"/proc/{frozen.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
            assert frozen.poll() is None, (tmp_path / "frozen.log").read_text()
            assert time.monotonic() < deadline, "the worker never reached its first signature"
            time.sleep(0.05)
        stopped = time.monotonic()
        assert _lock_holders(pg_url, "fleeta", frozen.pid) == 1
        survivor = _worker(["-m", "bridge.cli", *fleet, "--worker", "1/2"], env,
                           tmp_path / "survivor.log")
        try:
            while _lock_holders(pg_url, "fleeta", frozen.pid):
                # PostgreSQL checks its timeouts about once a second: one second of slack
                assert time.monotonic() - stopped < LOCK_TIMEOUT + 1.5, "the hung worker's lock stayed"
                time.sleep(0.1)
            _wait_all_confirmed(pg_url, survivor, tmp_path / "survivor.log")
        finally:
            survivor.terminate()
            survivor.wait(30)
        frozen.send_signal(signal.SIGCONT)
        assert frozen.wait(60) == 75, (tmp_path / "frozen.log").read_text()
    finally:
        if frozen.poll() is None:
            frozen.kill()
            frozen.wait()
    assert "connection" in (tmp_path / "frozen.log").read_text()
    comments = _comments_on_chain(devnet)
    assert len(comments) == 6 and set(comments.values()) == {1}, comments
