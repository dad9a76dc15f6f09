"""Run modes over the one engine tick: once (cron), forever (daemon); a lock keeps them apart.

The webhook is a third entry point to the same tick: a poke only wakes the daemon's loop.
``once`` takes the run lock (bridge/db.py: a file lock beside SQLite, a PostgreSQL advisory
lock per site) without waiting: an overlapping cron run leaves at once (exit 75) instead of
broadcasting alongside the first. The daemon takes the same lock for each tick, so a cron run,
a daemon and other workers never broadcast for the same site at once.

In both modes SIGTERM/SIGINT let the current step finish and then stop; a second signal stops at
once. A one-tick run stopped that way exits 75 (the rest goes out on the next run).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TypeVar

from bridge.errors import ExitStatus, LockHeld
from bridge.report import TickReport

log = logging.getLogger("wp_steem_bridge.runner")


def exit_status(report: TickReport, stopped: bool = False) -> ExitStatus:
    """Failures that need a person first; then "try again": a node was unreachable, or a
    signal stopped the tick before it was done."""
    if report.failed or report.terminal_problems:
        return ExitStatus.FAILURES
    if report.transient_problems or stopped:
        return ExitStatus.TEMPFAIL
    return ExitStatus.OK


class StopFlag:
    """Set by SIGTERM/SIGINT; the second signal restores the default action (stop now)."""

    def __init__(self) -> None:
        self.requested = False
        self.signal_name = ""  # "SIGTERM" once a signal asked to stop

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self.signal_name = signal.Signals(signum).name
        log.info("%s: finishing the current step, then stopping", self.signal_name)
        self.requested = True

    def __call__(self) -> bool:
        return self.requested


Lock = Callable[[], AbstractContextManager[None]]
ReportT = TypeVar("ReportT")  # a sync tick's TickReport, or the mirror command's MirrorReport


def run_once(tick: Callable[[Callable[[], bool]], ReportT], lock: Lock,
             stop: StopFlag | None = None) -> ReportT:
    stop = stop or StopFlag()
    with lock():
        return tick(stop)


def run_forever(tick: Callable[[Callable[[], bool]], TickReport], lock: Lock,
                interval: float, on_report: Callable[[TickReport], None],
                stop: StopFlag | None = None, wake: threading.Event | None = None) -> None:
    """Tick every ``interval`` seconds, or at once when ``wake`` is set (a webhook poke)."""
    stop = stop or StopFlag()
    stop.install()
    wake = wake or threading.Event()
    while not stop():
        wake.clear()
        try:
            report = run_once(tick, lock, stop)
        except LockHeld as exc:
            log.info("%s", exc.message)
        except Exception:  # noqa: BLE001 - a bug in one tick must not become a crash loop
            log.exception("tick failed unexpectedly; trying again in %s s "
                          "(please report this with the traceback)", interval)
        else:
            on_report(report)
        deadline = time.monotonic() + interval
        while not stop() and not wake.is_set() and time.monotonic() < deadline:
            wake.wait(min(0.2, interval))
