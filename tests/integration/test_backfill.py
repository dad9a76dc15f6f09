"""`backfill` over the Theme Unit Test corpus (120 published posts, three authors) and the devnet.

The site is this checkout's own "backfill" site (the corpus loaded by
``deploy/wordpress/load_corpus.py``, its posts given round-robin to three authors with a chain
account), not the fidelity suite's "corpus" site, whose authors its golden files depend on.
The devnet makes blocks on demand; the test is the clock: whenever every selected post still
queued waits for a later chain time, it makes just enough blocks to reach the earliest.

Shown: the dry run prints the plan and the ETA and writes nothing (no state file, no WordPress
meta, no transaction); the real run meets the ETA within one block per author; a run killed
with SIGKILL and started again publishes every post exactly once.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from deploy.devstack import localstack
from tests.conftest import CLI, REPO_ROOT, make_bridge
from tests.support.wordpress import ensure_wordpress, wordpress_request

SITE = "backfill"
AUTHORS = ("themedemos", "themereviewer", "themereviewteam")  # corpus users with an account
BLOCK_SECONDS = 3


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    """120 published posts, given round-robin (oldest first) to three authors; no chain meta
    left from an earlier run."""
    from tests.fidelity.corpus import _load_corpus_module

    site = ensure_wordpress(SITE, "auto", seed=True)
    _load_corpus_module().load_corpus(site)
    users = {login: info["id"] for login, info in _users(site).items()}
    posts = _published(site)
    assert len(posts) == 120
    sql = ["DELETE FROM wp_postmeta WHERE meta_key LIKE 'steem\\_%'"]
    for n, login in enumerate(AUTHORS):
        ids = ",".join(str(p["id"]) for p in posts[n::len(AUTHORS)])
        sql.append(f"UPDATE wp_posts SET post_author={users[login]} WHERE ID IN ({ids})")
    subprocess.run(["mysql", site["db_name"], "-e", ";".join(sql)], check=True)
    return site


def _users(site: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = wordpress_request(site, "GET", "/wp/v2/users", params={
        "context": "edit", "per_page": 100, "_fields": "id,username,meta"}).json()
    return {u["username"]: u for u in found}


def _published(site: dict[str, Any]) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []
    for page in (1, 2):
        posts += wordpress_request(site, "GET", "/wp/v2/posts", params={
            "status": "publish", "per_page": 100, "page": page, "orderby": "date",
            "order": "asc", "_fields": "id,author,date,meta"}).json()
    return posts


def _chain_meta_written(site: dict[str, Any], status: str = "%") -> int:
    """Posts with a ``steem_status`` (LIKE ``status``) in WordPress."""
    out = subprocess.run(["mysql", "-N", site["db_name"], "-e",
                          "SELECT COUNT(*) FROM wp_postmeta WHERE meta_key='steem_status' "
                          f"AND meta_value LIKE '{status}'"],
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip())


def _head_time(url: str) -> datetime:
    props = localstack.rpc(url, "condenser_api.get_dynamic_global_properties", [])
    return datetime.fromisoformat(props["time"]).replace(tzinfo=UTC)


def _root_posts(url: str, account: str) -> list[dict[str, Any]]:
    """Every root post of ``account`` on chain, by its comment operations in the history."""
    history = localstack.rpc(url, "condenser_api.get_account_history", [account, -1, 1000])
    seen: dict[str, dict[str, Any]] = {}
    for _n, item in history:
        name, op = item["op"]
        if name == "comment" and op["author"] == account and not op["parent_author"]:
            seen.setdefault(op["permlink"], {"block": item["block"],
                                             "time": item["timestamp"], "count": 0})
            seen[op["permlink"]]["count"] += 1
    return list(seen.values())


def _due(state: Path, head: datetime) -> tuple[bool, datetime | None]:
    """(something can go out now or is being sent, the earliest later chain time waited for)."""
    if not state.exists():
        return True, None
    try:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=30) as db:
            rows = db.execute("SELECT status, not_before FROM intents WHERE status IN "
                              "('pending', 'scheduled', 'signed', 'broadcast')").fetchall()
    except sqlite3.OperationalError:  # the run is still creating its tables
        return True, None
    waits = [datetime.fromisoformat(nb).replace(tzinfo=UTC) for status, nb in rows
             if status == "scheduled" and nb]
    busy = any(status != "scheduled" or not nb for status, nb in rows) or \
        any(w <= head for w in waits)
    return busy, min((w for w in waits if w > head), default=None)


def _drive(process: subprocess.Popen[str], url: str, state: Path, timeout: float,
           stop_after: int | None = None) -> None:
    """Be the chain's clock: when nothing selected can go out before a later chain time, make
    just enough blocks to reach it. ``stop_after``: SIGKILL the run once that many root posts
    are on chain."""
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    while process.poll() is None:
        assert time.monotonic() < deadline, "backfill did not finish in time"
        if stop_after is not None and \
                sum(len(_root_posts(url, a)) for a in AUTHORS) >= stop_after:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return
        head = _head_time(url)
        busy, wait_for = _due(state, head)
        if busy or wait_for is None:
            quiet_since = None
            time.sleep(0.05)
            continue
        # idle twice in a row (the run has seen what it just scheduled): move chain time
        if quiet_since is None:
            quiet_since = time.monotonic()
            time.sleep(0.05)
            continue
        blocks = -(-int((wait_for - head).total_seconds()) // BLOCK_SECONDS)
        localstack.generate_blocks(url, blocks)
        quiet_since = None


def _start(bridge: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, "--config", str(bridge.config), "backfill", "--poll", "0.05"],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ))


def _plan(output: str) -> tuple[datetime, dict[str, tuple[int, datetime]]]:
    eta = re.search(r"^ETA: (\S+) chain time", output, re.M)
    assert eta, output
    authors = {m[1]: (int(m[2]), datetime.fromisoformat(m[3]).replace(tzinfo=UTC))
               for m in re.finditer(r"^  @(\S+): (\d+) post\(s\), last not before (\S+)",
                                    output, re.M)}
    return datetime.fromisoformat(eta[1]).replace(tzinfo=UTC), authors


def test_backfill_plan_eta_and_a_real_run_that_meets_it(site, devnet, tmp_path: Path) -> None:
    bridge = make_bridge(tmp_path, site, devnet.url, accounts=list(AUTHORS))
    head_before = _head_time(devnet.url)

    dry = bridge.cli("backfill", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    eta, authors = _plan(dry.stdout)
    assert "120 post(s) selected" in dry.stdout
    assert set(authors) == set(AUTHORS)
    planned = {a: count for a, (count, _last) in authors.items()}
    assert all(count >= 35 for count in planned.values()), planned  # ~40 each, a few skipped
    assert eta == max(last for _count, last in authors.values())
    # nothing written: no state file, no WordPress meta, no transaction
    assert not bridge.state.exists()
    assert _chain_meta_written(site) == 0
    assert _head_time(devnet.url) == head_before

    process = _start(bridge)
    _drive(process, devnet.url, bridge.state, timeout=100)
    out, err = process.communicate()
    assert process.returncode == 0, out + err
    assert re.search(r"backfill: (\d+)/\1 confirmed, 0 failed", out), out

    slack = BLOCK_SECONDS * len(AUTHORS)  # one block per author
    for account, (count, last_planned) in authors.items():
        posts = _root_posts(devnet.url, account)
        assert len(posts) == count and all(p["count"] == 1 for p in posts), account
        last = max(datetime.fromisoformat(p["time"]).replace(tzinfo=UTC) for p in posts)
        assert last_planned <= last <= last_planned + _seconds(slack), (account, last_planned,
                                                                        last)
    last_block = max(datetime.fromisoformat(p["time"]).replace(tzinfo=UTC)
                     for a in AUTHORS for p in _root_posts(devnet.url, a))
    assert eta <= last_block <= eta + _seconds(slack)
    assert _chain_meta_written(site, "published") == sum(planned.values())


def test_a_killed_backfill_resumes_and_publishes_every_post_once(site, devnet,
                                                                 tmp_path: Path) -> None:
    subprocess.run(["mysql", site["db_name"], "-e",
                    "DELETE FROM wp_postmeta WHERE meta_key LIKE 'steem\\_%'"], check=True)
    bridge = make_bridge(tmp_path, site, devnet.url, accounts=list(AUTHORS))
    dry = bridge.cli("backfill", "--dry-run")
    _eta, authors = _plan(dry.stdout)

    first = _start(bridge)
    _drive(first, devnet.url, bridge.state, timeout=60, stop_after=20)  # kill -9 mid-run
    assert first.returncode == -signal.SIGKILL
    partly = {a: len(_root_posts(devnet.url, a)) for a in AUTHORS}
    assert 20 <= sum(partly.values()) < sum(c for c, _ in authors.values())

    again = _start(bridge)
    _drive(again, devnet.url, bridge.state, timeout=100)
    out, err = again.communicate()
    assert again.returncode == 0, out + err
    assert "continuing the backfill started at" in out
    for account, (count, _last) in authors.items():
        posts = _root_posts(devnet.url, account)
        assert len(posts) == count, account
        assert all(p["count"] == 1 for p in posts), account  # exactly once each


def _seconds(n: int) -> Any:
    from datetime import timedelta

    return timedelta(seconds=n)

