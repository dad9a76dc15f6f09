"""The fleet (bridge/fleet.py): site files, spreading, one lock per site, leases that expire.

Workers run against a real PostgreSQL (tests/support/postgres.py) with stand-in apps whose tick
records which worker ran it; the real path (WordPress, devnet, SIGKILL) is
tests/integration/test_fleet.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from bridge.errors import UserError
from bridge.fleet import Fleet, LeaseLost, Leases, load_sites, parse_worker, start_offset
from bridge.report import TickReport
from bridge.store import StateStore
from tests.support.postgres import fresh_schema


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


def site(name: str, url: str, interval: float = 60.0) -> Any:
    return SimpleNamespace(wordpress=SimpleNamespace(site_id=name), state_url=url,
                           interval=interval)


@dataclass
class Ticks:
    """Stand-in apps: each tick is logged as (worker, site); ``during`` runs inside a tick."""

    log: list[tuple[str, str]] = field(default_factory=list)
    during: Callable[[str], None] = lambda site: None
    stores: list[StateStore] = field(default_factory=list)

    def builder(self, worker: str) -> Callable[[Any, StateStore], Any]:
        def build(settings: Any, store: StateStore) -> Any:
            self.stores.append(store)
            name = settings.wordpress.site_id

            def tick(should_stop: Callable[[], bool]) -> TickReport:
                assert store.site == name
                self.during(name)
                self.log.append((worker, name))
                return TickReport()

            return SimpleNamespace(engine=SimpleNamespace(tick=tick), close=store.close)
        return build


def test_site_files_must_share_one_postgres_and_have_their_own_site_ids(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no site config files"):
        load_sites(tmp_path)
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(name)
    urls = {"a": "postgresql:///x", "b": ""}
    with pytest.raises(UserError, match="share one PostgreSQL") as error:
        load_sites(tmp_path, lambda path: site(Path(path).stem, urls[Path(path).stem]))
    assert "b.toml: [state] url = (none: SQLite)" in error.value.render()
    with pytest.raises(UserError, match="both say site_id = 'same'"):
        load_sites(tmp_path, lambda path: site("same", "postgresql:///x"))
    loaded = load_sites(tmp_path, lambda path: site(Path(path).stem, "postgresql:///x"))
    assert [s.wordpress.site_id for s in loaded] == ["a", "b"]


def test_workers_start_spread_over_the_sites() -> None:
    assert [start_offset(40, (i, 4)) for i in range(4)] == [0, 10, 20, 30]
    assert [start_offset(3, (i, 4)) for i in range(4)] == [0, 0, 1, 2]
    assert parse_worker("2/4") == (2, 4) and parse_worker(None) is None
    for bad in ("4/4", "x", "1"):
        with pytest.raises(UserError):
            parse_worker(bad)


def test_each_due_site_is_ticked_once_by_the_fleet_over_one_connection(pg_url: str) -> None:
    sites = [site(f"s{n}", pg_url) for n in range(6)]
    ticks = Ticks()
    first = Fleet(sites, ticks.builder("w0"), worker=(0, 2))
    second = Fleet(sites, ticks.builder("w1"), worker=(1, 2))
    assert [s.wordpress.site_id for s in second.order][:2] == ["s3", "s4"]
    assert first.run_pass(lambda: False) == 6
    assert second.run_pass(lambda: False) == 0  # ticked less than an interval ago
    assert sorted(s for _, s in ticks.log) == [f"s{n}" for n in range(6)]
    # every site's store is a view of the worker's one connection
    assert {id(store.db) for store in ticks.stores} == {id(first.store.db)}
    first.close()
    assert not second.store.db.conn.closed  # closing views leaves the connection open
    second.close()


def test_a_site_one_worker_holds_is_skipped_by_the_others(pg_url: str) -> None:
    sites = [site(f"s{n}", pg_url, interval=0) for n in range(3)]
    ticks = Ticks()
    first = Fleet(sites, ticks.builder("w0"), worker=(0, 2))
    second = Fleet(sites, ticks.builder("w1"), worker=(1, 2))
    inside = threading.Event()
    release = threading.Event()

    def hold_s0(name: str) -> None:
        if name == "s0" and not inside.is_set():
            inside.set()
            release.wait(10)

    ticks.during = hold_s0
    runner = threading.Thread(target=first.run_pass, args=(lambda: False,))
    runner.start()
    assert inside.wait(10)
    # while w0 is inside s0's tick, w1 ticks the others and leaves s0 alone
    assert second.run_pass(lambda: False) == 2
    assert ("w1", "s0") not in ticks.log
    # so does a plain `sync` of that site: the same advisory lock
    with pytest.raises(Exception, match="PostgreSQL advisory lock"):
        with StateStore(pg_url).exclusive("s0"):
            pass
    release.set()
    runner.join(10)
    assert second.run_pass(lambda: False) == 3  # free again (interval 0: always due)
    first.close()
    second.close()


def test_a_silent_worker_frees_its_sites_within_the_lock_timeout(pg_url: str) -> None:
    """A hung worker (its keepalive silent too) holds its lock no longer than the timeout."""
    hung = StateStore(pg_url)
    leases = Leases(hung.db, timeout=1.0)  # type: ignore[arg-type]
    leases.start()
    leases.stop()  # the keepalive falls silent, as in a stopped process
    assert leases.take("silent")
    other_store = StateStore(pg_url)
    other = Leases(other_store.db)  # type: ignore[arg-type]
    assert not other.take("silent")
    deadline = time.monotonic() + 10
    while not other.take("silent"):
        assert time.monotonic() < deadline, "the silent worker's lock was never released"
        time.sleep(0.1)
    leases.ping()  # the worker wakes up: its connection, and every lock on it, is gone
    with pytest.raises(LeaseLost):
        leases.check()
    other_store.close()


def test_a_live_worker_keeps_its_lease_while_a_tick_waits(pg_url: str) -> None:
    store, probe = StateStore(pg_url), StateStore(pg_url)
    leases = Leases(store.db, timeout=1.0)  # type: ignore[arg-type]
    leases.start()
    assert leases.take("live")
    time.sleep(2.5)  # idle on the database (waiting on WordPress, say), keepalive speaking
    leases.check()
    assert not Leases(probe.db).take("live")  # type: ignore[arg-type]
    leases.stop()
    store.close()
    probe.close()


def test_a_worker_whose_connection_is_ended_mid_tick_stops(pg_url: str) -> None:
    sites = [site("ended", pg_url, interval=0)]
    ticks = Ticks()
    fleet = Fleet(sites, ticks.builder("w0"))
    pid = fleet.store.db.conn.info.backend_pid

    def terminate(name: str) -> None:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    ticks.during = terminate
    with pytest.raises(LeaseLost):
        fleet.serve(lambda: False)
    assert ticks.log == [("w0", "ended")]


def test_a_site_whose_tick_fails_waits_its_interval_and_the_others_go_on(pg_url: str) -> None:
    sites = [site("broken", pg_url, interval=60), site("fine", pg_url, interval=60)]
    ticks = Ticks()

    def fail(name: str) -> None:
        if name == "broken":
            raise RuntimeError("a bug in one site's tick")

    ticks.during = fail
    fleet = Fleet(sites, ticks.builder("w0"))
    assert fleet.run_pass(lambda: False) == 1
    assert fleet.run_pass(lambda: False) == 0  # neither is due again within the interval
    assert ticks.log == [("w0", "fine")]
    fleet.close()
