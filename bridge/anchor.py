"""Anchor-only mode wiring: the points ledger feed (``bridge.ports.LedgerEntries``) read as an
outbound stream whose records are anchor batches, so the anchor's ``custom_json`` is enqueued in
the same store transaction that moves the anchor cursor (exactly once per batch), and then signed
with the anchoring account's posting key and confirmed in a block (``IntentKind.ANCHOR`` row in
``bridge/kinds.py``). The root and the operation come from ``mappings/anchor.py`` (pure).

The cursor is ``{"entry": last anchored id, "root": its root, "at": when}``; a new batch is made
when ``every`` has passed since the last anchor and there are new entries (at most
``max_entries`` per anchor; a longer backlog is anchored over the next ticks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bridge.model import MappingContext, PointEvent, Skip, Unreadable, from_text, to_text
from bridge.plans import Facts, Outcome, Plan, Problem
from bridge.ports import Cursor, LedgerEntries, LedgerEntry, PointsFeed
from bridge.streams import OutboundStream
from mappings.anchor import AnchorBatch, anchor_intent, ledger_root

STREAM = "anchor"


@dataclass
class AnchorSource:
    entries: LedgerEntries
    site_id: str
    every: timedelta
    clock: Callable[[], datetime]
    max_entries: int = 5000

    @property
    def name(self) -> str:
        return f"wp:{self.site_id}:{STREAM}"

    def changed_since(self, cursor: Cursor) -> Iterator[tuple[AnchorBatch, Cursor]]:
        now = self.clock()
        last_at = cursor.get("at")
        if last_at and now - from_text(last_at) < self.every:
            return
        found = self.entries.entries_after(cursor.get("entry", ""), self.max_entries)
        if not found:
            return
        batch = AnchorBatch(self.site_id, tuple(e.data for e in found), cursor.get("root") or None)
        yield batch, {"entry": found[-1].entry_id, "root": ledger_root(batch.entries), "at": to_text(now)}

    def fetch(self, object_ids: list[int]) -> Sequence[AnchorBatch]:
        return []  # anchors are never deferred


@dataclass
class FeedLedger:
    """The companion plugin's points feed (``PointsFeed``) as ``LedgerEntries``: an entry per feed
    event, its id the feed's ``seq`` (never goes backwards). The member's current chain account is
    left out of what is hashed (it changes when a member links); everything else the feed recorded
    is in, and for myCRED the plugin's own log row as it is now (``row``), so a myCRED row
    rewritten after it was anchored no longer matches. ``anchor export`` writes these same entries, so verify-anchor hashes what was anchored."""

    feed: PointsFeed
    page: int = 500  # the feed's largest page (WPSB_POINTS_MAX_LIMIT)

    def entries_after(self, entry_id: str, limit: int) -> Sequence[LedgerEntry]:
        found: list[LedgerEntry] = []
        after = int(entry_id or 0)
        while len(found) < limit:
            events = self.feed.point_events(after, min(self.page, limit - len(found))).events
            if not events:
                break
            found += [LedgerEntry(str(e.seq), _entry(e)) for e in events]
            after = events[-1].seq
        return found[:limit]

    def entries_between(self, first: int, last: int) -> Iterator[LedgerEntry]:
        """Entries with ``first <= id <= last``, in ledger order (``anchor export``)."""
        after = str(max(first - 1, 0))
        while found := self.entries_after(after, self.page):
            for entry in found:
                if int(entry.entry_id) > last:
                    return
                if int(entry.entry_id) >= first:
                    yield entry
            after = found[-1].entry_id


def _entry(event: PointEvent) -> dict[str, Any]:
    data: dict[str, Any] = {"id": str(event.seq), "entry": event.entry_id, "event": event.event,
                            "user_id": event.user_id, "points": event.points, "ctype": event.ctype,
                            "ref": event.ref, "happened": event.happened}
    if event.row is not None:  # the plugin's own row as it is now ({} once deleted)
        data["row"] = dict(event.row)
    return data


def anchor_planner(account: str, stream: str) -> Callable[[AnchorBatch | Unreadable, Facts, MappingContext, bool],
                                                         Plan]:
    def plan(batch: AnchorBatch | Unreadable, facts: Facts, context: MappingContext, fresh: bool) -> Plan:
        if isinstance(batch, Unreadable):
            return Plan(batch.source, stream, Outcome.FAILED, problem=Problem("read", "terminal", batch.reason))
        made = anchor_intent(batch, account)
        if isinstance(made, Skip):
            return Plan(batch.source, stream, Outcome.SKIPPED, skip=made)
        return Plan(batch.source, stream, Outcome.ENQUEUED, version=made.key, enqueue=made)
    return plan


def anchor_stream(entries: LedgerEntries, site_id: str, account: str, every: timedelta,
                  clock: Callable[[], datetime], max_entries: int = 5000) -> OutboundStream[AnchorBatch]:
    source = AnchorSource(entries, site_id, every, clock, max_entries)
    return OutboundStream(source, anchor_planner(account, source.name))


def read_anchor(node: str, chain_id: str, tx_id: str) -> str:
    """The ``wpsb-anchor`` custom_json of a transaction on chain (for ``verify-anchor --tx``)."""
    from bridge.errors import UserError
    from connectors.steem import SteemChain
    from mappings.anchor import ANCHOR_ID

    for name, payload in SteemChain([node], chain_id).transaction_operations(tx_id):
        if name == "custom_json" and payload.get("id") == ANCHOR_ID:
            return str(payload["json"])
    raise UserError(f"transaction {tx_id} carries no {ANCHOR_ID} custom_json", [])
