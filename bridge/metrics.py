"""What the daemon reports on ``/metrics`` besides the webhook's own counters.

``DaemonMetrics.record`` runs in the tick's thread after every tick (it reads the state store,
which belongs to that thread) and keeps a snapshot; ``gauges`` hands the snapshot to the webhook's
thread at scrape time. Names follow Prometheus conventions; labels in ``{...}``.
"""

from __future__ import annotations

import threading
import time

from bridge.failures import FailureClass
from bridge.report import TickReport
from bridge.store import StateStore


class DaemonMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: dict[str, float] = {}
        self._broadcasts = 0
        self._failures: dict[str, int] = {f.value: 0 for f in FailureClass}

    def record(self, store: StateStore, report: TickReport) -> None:
        self._broadcasts += report.broadcast
        for failure, _ in report.problems:
            self._failures[failure.value] += 1
        values: dict[str, float] = {"wpsb_broadcasts_total": self._broadcasts}
        for status, count in store.outbox.count_by_status().items():
            values[f'wpsb_intents{{status="{status}"}}'] = count
        for failure_class, count in self._failures.items():
            values[f'wpsb_problems_total{{class="{failure_class}"}}'] = count
        if report.chain_head_time is not None:
            values["wpsb_chain_head_lag_seconds"] = max(
                0.0, time.time() - report.chain_head_time.timestamp())
        with self._lock:
            self._snapshot = values

    def gauges(self) -> dict[str, float]:
        with self._lock:
            return dict(self._snapshot)
