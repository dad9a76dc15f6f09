"""A fleet: worker processes serving many sites from one shared PostgreSQL state store.

``wp-steem-bridge run --sites DIR`` reads one config file per site (``DIR/*.toml``, each with its
own ``[wordpress] site_id`` and the same ``[state] url``) and loops over the sites: take the site's
run lock, run one engine tick for it if it is due, release it, move on. Any number of workers, on
one host or many, can run over the same directory:

* **One broadcaster per site.** The lock is the site's PostgreSQL advisory lock, the same key that
  ``sync`` and the single-site daemon take (``bridge.store.db.advisory_key``), so fleet workers,
  cron runs and daemons never broadcast for one site at once. A site another worker holds is
  skipped, not waited for.
* **Work spread evenly.** Worker ``i`` of ``n`` starts its pass at site ``i * sites / n``
  (without ``--worker``, at an offset from its process id); a site ticked by any worker less than
  ``[sync] interval`` seconds ago (``fleet_tick@<site>`` in ``meta``) is not due, so each site is
  ticked once per interval by the fleet, not once per worker.
* **One connection per worker.** Every site's store is a view (``StateStore.for_site``) of the
  worker's one PostgreSQL connection, which also holds its locks.
* **Leases.** The connection is told to end itself after ``lock_timeout`` seconds of silence
  (``idle_session_timeout``, ``idle_in_transaction_session_timeout``, TCP keepalives and
  ``tcp_user_timeout``), and a keepalive thread speaks on it every third of that. A worker that
  dies (its socket closes: at once), hangs or loses its host (silence: within ``lock_timeout``)
  frees its sites; another worker takes them over on its next pass. A worker whose connection was
  ended stops (exit 75, to be restarted); a tick it had started cannot commit again, and the
  outbox makes any transaction it had already signed safe to send (the tx id is committed before
  a broadcast, and a fresh one is only signed once the old one has expired unseen).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bridge.errors import UserError
from bridge.store import StateStore
from bridge.store.db import PostgresDatabase, advisory_key

if TYPE_CHECKING:
    from bridge.app import App
    from bridge.config import Settings
    from bridge.report import TickReport

log = logging.getLogger("wp_steem_bridge.fleet")
LOCK_TIMEOUT = 30.0  # seconds a silent worker keeps its sites


class LeaseLost(Exception):
    """The worker's connection (and with it every lock it held) is gone."""


def load_sites(directory: str | Path, load: Callable[[str], Settings] | None = None
               ) -> list[Settings]:
    """Every ``*.toml`` in ``directory`` (sorted by name) as one site's settings."""
    if load is None:
        from bridge.config import load_settings

        load = load_settings
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise UserError(f"no site config files (*.toml) in {directory}",
                        hint="put one config file per site there, each with its own "
                             "[wordpress] site_id and the same [state] url")
    sites = [load(str(path)) for path in files]
    urls = {s.state_url for s in sites}
    if len(urls) != 1 or not next(iter(urls)):
        raise UserError("the sites of a fleet share one PostgreSQL state store",
                        [f"{path.name}: [state] url = {s.state_url or '(none: SQLite)'}"
                         for path, s in zip(files, sites, strict=True)],
                        hint='set the same [state] url = "postgresql://…" in every file (or '
                             'WPSB__STATE__URL for all of them)')
    seen: dict[str, str] = {}
    for path, settings in zip(files, sites, strict=True):
        site_id = settings.wordpress.site_id
        if site_id in seen:
            raise UserError(f"{path.name} and {seen[site_id]} both say site_id = {site_id!r}",
                            hint="give every site its own [wordpress] site_id")
        seen[site_id] = path.name
    return sites


def start_offset(sites: int, worker: tuple[int, int] | None) -> int:
    """Where worker ``(index, count)`` starts each pass (no worker given: from its pid)."""
    if sites == 0:
        return 0
    if worker is None:
        return os.getpid() % sites
    index, count = worker
    return (index * sites) // max(count, 1) % sites


class Leases:
    """Site locks held on one PostgreSQL connection that ends itself when the worker falls
    silent for ``timeout`` seconds; a keepalive thread keeps a live worker from falling silent."""

    def __init__(self, db: PostgresDatabase, timeout: float = LOCK_TIMEOUT) -> None:
        self.db = db
        self.timeout = timeout
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        import psycopg

        # named, so `pg_stat_activity` shows which process each worker connection is
        self.db.execute(f"SET application_name = 'wp-steem-bridge fleet pid {os.getpid()}'")
        ms = max(1000, int(self.timeout * 1000))
        seconds = max(1, int(self.timeout // 3))
        for name, value in (("idle_session_timeout", ms),
                            ("idle_in_transaction_session_timeout", ms),
                            ("tcp_keepalives_idle", seconds), ("tcp_keepalives_interval", seconds),
                            ("tcp_keepalives_count", 2), ("tcp_user_timeout", ms)):
            try:
                self.db.execute(f"SET {name} = {int(value)}")
            except psycopg.errors.UndefinedObject:  # idle_session_timeout: PostgreSQL >= 14
                log.warning("PostgreSQL has no %s: a hung worker keeps its sites until its "
                            "connection drops", name)
        self._thread = threading.Thread(target=self._keepalive, name="fleet-keepalive",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _keepalive(self) -> None:
        while not self._stop.wait(self.timeout / 3):
            self.ping()

    def ping(self) -> None:
        import psycopg

        try:
            self.db.execute("SELECT 1")
        except psycopg.OperationalError:
            self.lost = True
            log.error("the PostgreSQL connection is gone: every site lock of this worker is "
                      "released; stopping")
        except psycopg.Error:
            pass  # e.g. the tick's transaction is failing right now: the connection lives

    def take(self, site: str) -> bool:
        row = self.db.execute("SELECT pg_try_advisory_lock(?) AS got",
                              (advisory_key(site),)).fetchone()
        return bool(row["got"])

    def release(self, site: str) -> None:
        self.db.execute("SELECT pg_advisory_unlock(?)", (advisory_key(site),))

    def check(self) -> None:
        if self.lost or self.db.conn.broken or self.db.conn.closed:
            self.lost = True
            raise LeaseLost("the worker's PostgreSQL connection (and its site locks) is gone")


@dataclass
class Fleet:
    """One worker over the fleet's sites."""

    sites: list[Settings]
    build: Callable[[Settings, StateStore], App]
    lock_timeout: float = LOCK_TIMEOUT
    worker: tuple[int, int] | None = None
    on_report: Callable[[str, TickReport], None] = lambda site, report: None
    ticks: dict[str, int] = field(default_factory=dict)  # site -> ticks this worker ran
    _apps: dict[str, App] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store = StateStore(self.sites[0].state_url)
        if not isinstance(self.store.db, PostgresDatabase):
            raise UserError("a fleet needs a PostgreSQL state store")
        self.leases = Leases(self.store.db, self.lock_timeout)
        offset = start_offset(len(self.sites), self.worker)
        self.order = self.sites[offset:] + self.sites[:offset]

    def serve(self, stop: Callable[[], bool], idle_wait: float = 0.2) -> None:
        """Passes over the sites until ``stop``; raises ``LeaseLost`` if the connection goes."""
        self.leases.start()
        try:
            while not stop():
                if not self.run_pass(stop):
                    deadline = time.monotonic() + idle_wait
                    while not stop() and time.monotonic() < deadline:
                        time.sleep(0.05)
        finally:
            self.close()

    def run_pass(self, stop: Callable[[], bool]) -> int:
        """One pass: every due site that no other worker holds gets one tick; returns how many."""
        ticked = 0
        for settings in self.order:
            if stop():
                break
            self.leases.check()
            site = settings.wordpress.site_id
            if not self.leases.take(site):
                continue  # another worker (or a `sync`) is on it
            try:
                if self._due(site, settings.interval):
                    self._tick(settings, stop)
                    ticked += 1
            except LeaseLost:
                raise
            except Exception:  # noqa: BLE001 - one site's bug must not stop the others
                self.leases.check()
                log.exception("site %s: tick failed unexpectedly; trying again in %g s",
                              site, settings.interval)
                self._mark_ticked(site)  # not again at once: a failing site must not spin
            finally:
                if not self.leases.lost:
                    self._release(site)
        return ticked

    def _release(self, site: str) -> None:
        import psycopg

        try:
            self.leases.release(site)
        except psycopg.OperationalError:
            self.leases.lost = True  # the lock went with the connection

    def _due(self, site: str, interval: float) -> bool:
        last = self.store.get_meta(f"fleet_tick@{site}")
        return last is None or time.time() - float(last) >= interval

    def _tick(self, settings: Settings, stop: Callable[[], bool]) -> None:
        site = settings.wordpress.site_id
        app = self._apps.get(site)
        if app is None:
            app = self._apps[site] = self.build(settings, self.store.for_site(site))
        report = app.engine.tick(lambda: stop() or self.leases.lost)
        self.leases.check()
        self._mark_ticked(site)
        self.ticks[site] = self.ticks.get(site, 0) + 1
        self.on_report(site, report)

    def _mark_ticked(self, site: str) -> None:
        self.store.set_meta(f"fleet_tick@{site}", repr(time.time()))

    def close(self) -> None:
        self.leases.stop()
        for app in self._apps.values():
            app.close()
        try:
            self.store.close()
        except Exception:  # noqa: BLE001 - closing a connection that is already gone
            pass


def default_build(settings: Settings, store: StateStore) -> App:
    from bridge.app import build_app

    return build_app(settings, store=store)


def parse_worker(text: str | None) -> tuple[int, int] | None:
    """``"I/N"`` (worker I of N, counted from 0) for ``--worker``."""
    if not text:
        return None
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise UserError(f"--worker {text!r}: expected I/N, e.g. 0/4") from None
    if not 0 <= index < count:
        raise UserError(f"--worker {text!r}: I counts from 0 to N-1")
    return index, count


def run_fleet(directory: str, worker: str | None, lock_timeout: float | None,
              interval: float | None) -> int:
    """``run --sites DIR``: serve until SIGTERM/SIGINT (exit 0) or until the connection and
    its locks are lost (exit 75: start the worker again)."""
    import dataclasses

    from bridge.errors import ExitStatus
    from bridge.runner import StopFlag

    stop = StopFlag()
    stop.install()
    sites = load_sites(directory)
    if interval is not None:
        sites = [dataclasses.replace(s, interval=interval) for s in sites]

    def on_report(site: str, report: TickReport) -> None:
        log.info("site %s: %s", site, report.summary())
        for text in report.terminal_problems + report.transient_problems:
            log.warning("site %s: problem: %s", site, text)

    fleet = Fleet(sites, default_build, lock_timeout or LOCK_TIMEOUT,
                  parse_worker(worker), on_report)
    log.info("fleet worker %s over %d sites, starting at %s; lock timeout %g s",
             worker or f"pid {os.getpid()}", len(sites), fleet.order[0].wordpress.site_id,
             fleet.lock_timeout)
    try:
        fleet.serve(stop)
    except LeaseLost as exc:
        log.error("%s; exiting so a supervisor starts this worker again", exc)
        return int(ExitStatus.TEMPFAIL)
    log.info("stopped")
    return int(ExitStatus.OK)
