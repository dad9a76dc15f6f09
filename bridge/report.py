"""What one engine tick did, for the CLI, the exit code and the logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bridge.failures import FailureClass


@dataclass
class TickReport:
    polled: int = 0
    enqueued: int = 0
    unchanged: int = 0
    skipped: int = 0
    broadcast: int = 0
    confirmed: int = 0
    unconfirmed: int = 0
    scheduled: int = 0
    waiting: int = 0
    requeued: int = 0
    failed: int = 0
    kept: int = 0
    written_back: int = 0
    mirrored: int = 0  # meta written by the chain -> WordPress stream
    stopped: bool = False  # a stop was asked for; steps after it did not run
    notes: list[str] = field(default_factory=list)  # the inbound streams' own summaries
    chain_head_time: datetime | None = None  # the head the dispatcher last read (chain time)
    problems: list[tuple[FailureClass, str]] = field(default_factory=list)
    published: list[tuple[Any, int]] = field(default_factory=list)

    def problem(self, text: str, failure: FailureClass) -> None:
        self.problems.append((failure, text))

    @property
    def transient_problems(self) -> list[str]:
        return [t for f, t in self.problems
                if f in (FailureClass.TRANSIENT, FailureClass.RATE_LIMITED)]

    @property
    def terminal_problems(self) -> list[str]:
        return [t for f, t in self.problems if f is FailureClass.TERMINAL]

    def summary(self) -> str:
        parts = [f"{self.polled} polled", f"{self.enqueued} enqueued",
                 f"{self.confirmed} confirmed", f"{self.scheduled + self.waiting} scheduled",
                 f"{self.failed} failed"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        if self.kept:
            parts.append(f"{self.kept} kept on chain")
        if self.unconfirmed:
            parts.append(f"{self.unconfirmed} awaiting a block")
        return ", ".join(parts)
