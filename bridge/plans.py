"""The engine's decision for one record, as one value the state store applies in one go.

A stream's planner (``bridge/streams.py``) reads the ``Facts`` the store holds about a source
object, maps the record (``mappings/``, pure) and returns a ``Plan``; ``StateStore.apply`` then
does everything the plan says inside the transaction that also moves the stream's cursor, so a
crash leaves either all of it or none.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from bridge.model import ChainLink, Intent, IntentKind, Skip, SourceRef


class Outcome(StrEnum):
    ENQUEUED = "enqueued"  # a new intent is in the outbox
    UNCHANGED = "unchanged"  # nothing new to say on chain (same version or same body)
    SKIPPED = "skipped"  # by design (opted out, password-protected, ...), with its reason
    DEFERRED = "deferred"  # looked at again later by itself (publish delay, no account yet)
    IGNORED = "ignored"  # nothing to do and nothing to say (a trashed post never bridged)
    FAILED = "failed"  # the bridge could not decide (a bug in a mapping): needs a person


@dataclass(frozen=True)
class Facts:
    """What the store knows about one source object, read in the unit's transaction."""

    link: ChainLink | None = None
    create_signed: bool = False  # a create of it was signed once: it may be on chain
    version: str = ""  # the version of the record last planned ("" = never)
    outcome: str = ""  # that planning's outcome ("" = never planned)


@dataclass(frozen=True)
class Supersede:
    """Unsent intents of these kinds are replaced (never signed, or failed before signing)."""

    kinds: tuple[IntentKind, ...]
    reason: str


@dataclass(frozen=True)
class Problem:
    stage: str
    failure_class: str
    reason: str

    @classmethod
    def mapping_bug(cls, exc: Exception, what: str) -> Problem:
        """A mapping raised: recorded with its reason for a person (never a crash loop)."""
        return cls("map", "terminal", f"internal error while mapping ({type(exc).__name__}: "
                                      f"{exc}); please report this {what}")


@dataclass(frozen=True)
class Plan:
    source: SourceRef
    stream: str  # the stream's cursor name (deferrals are per stream)
    outcome: Outcome
    version: str = ""  # remembered so the same version read again is not planned again
    supersede: tuple[Supersede, ...] = ()
    drop_link: bool = False  # forget the chain binding (not, or no longer, on chain)
    bind: bool = False  # reserve ``enqueue``'s author/permlink for this object (refused if taken)
    body_hash: str | None = None  # the binding's new body hash
    enqueue: Intent | None = None
    skip: Skip | None = None  # why nothing is enqueued (recorded, or deferred until retry_at)
    # a deferral waiting for another object (the liked or commented post) to get its chain
    # binding: binding it makes this record due at once (StateStore.wake_waiting)
    waits_on: SourceRef | None = None
    defer_id: int | None = None  # the id the source's ``fetch`` reads it back by (default: its own)
    problem: Problem | None = None  # recorded for ``status`` (e.g. a mapping's internal error)
    clear_problem: bool = False  # a problem recorded earlier for this object is solved
    writeback: dict[str, Any] = field(default_factory=dict)  # chain meta for WordPress


NEWER_EDIT = Supersede((IntentKind.EDIT_POST,), "replaced by a newer edit")


def create_or_edit(base: Plan, link: ChainLink | None, intent: Intent) -> Plan:
    """``base`` completed for a mapped ``intent``: bind and enqueue it when the object has no
    chain binding, nothing when the bound body is unchanged, else enqueue it as an edit that
    replaces older unsent edits (and what ``base`` already supersedes)."""
    if link is None:
        return replace(base, outcome=Outcome.ENQUEUED, bind=True, enqueue=intent,
                       clear_problem=True)
    if intent.body_hash == link.body_hash:
        return replace(base, outcome=Outcome.UNCHANGED, clear_problem=True)
    return replace(base, outcome=Outcome.ENQUEUED, supersede=(*base.supersede, NEWER_EDIT),
                   body_hash=intent.body_hash, enqueue=intent, clear_problem=True)
