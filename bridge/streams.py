"""Streams: what the engine's tick runs, one after another, through the same steps.

An outbound stream (WordPress -> chain) is a ``Source`` of records, a planner that turns one
record and what the store knows of it (``Facts``) into a ``Plan`` (mapping it purely on the way),
and a cursor named after the source. The tick polls it from its cursor, applies each plan with
the cursor move in one transaction, and the one outbox and dispatcher take it from there.

An inbound stream (chain -> WordPress, the rewards mirror) reads the chain from its own block
cursor and writes through the same write-back path (``bridge/writeback.py``); it reports into
the same ``TickReport``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Generic, Protocol, TypeVar

from bridge.model import MappingContext, Unreadable, content_hash
from bridge.plans import Facts, Plan
from bridge.ports import Source
from bridge.report import TickReport

RecordT = TypeVar("RecordT")
Planner = Callable[[RecordT | Unreadable, Facts, MappingContext, bool], Plan]


@dataclass(frozen=True)
class OutboundStream(Generic[RecordT]):
    """``plan(record, facts, context, fresh)``: ``fresh`` plans even an unchanged version
    (a deferred record coming due, or ``sync --rescan``)."""

    source: Source[RecordT | Unreadable]
    plan: Planner[RecordT]
    # a deferred record coming due is planned again only in these states (else it is let go:
    # the poll sees it again if it comes back); () = whatever its state (events have none)
    revisit: tuple[str, ...] = ("publish", "unreadable")
    # the id a record is deferred and fetched back by (a Plan's ``defer_id``)
    deferred_id: Callable[[Any], int] = lambda record: own_id(record)

    @property
    def name(self) -> str:
        return self.source.name


def own_id(record: Any) -> int:
    return int(record.source.object_id)


class InboundStream(Protocol):
    name: str

    def step(self, report: TickReport) -> None: ...


def settings_fingerprint(context: MappingContext) -> str:
    """What a mapping's output depends on besides the record and the time: a change of settings
    (or of the bridge's version) makes every record worth planning again."""
    values = asdict(context)
    values.pop("now")
    return content_hash(values)
