"""The outbox: intents waiting to reach the chain, and the record of each one's life.

An intent row moves PENDING/SCHEDULED -> SIGNED -> BROADCAST -> CONFIRMED, or to FAILED with a
reason. SIGNED is written (tx id, expiration, signed tx) *before* the node is called, so a crash at
any point leaves enough to reconcile by looking the tx id up on chain: found -> CONFIRMED; not
found and not yet expired -> resend the *same* signed tx (the chain's duplicate check makes that
safe); not found and expired -> sign anew.

Intents of one source object are dispatched strictly in order: a later edit waits for the create.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridge.model import (
    LIVE_STATUSES,
    Intent,
    IntentKind,
    IntentStatus,
    SourceRef,
    now_text,
    to_text,
)
from bridge.store.db import Database

Scope = Callable[[str], tuple[str, tuple[str, ...]]]


@dataclass(frozen=True)
class OutboxEntry:
    """An intent as stored, with its life-cycle fields."""

    id: int
    key: str
    kind: IntentKind
    account: str
    source: SourceRef
    operations: list[tuple[str, dict[str, Any]]]
    body_hash: str
    author: str
    permlink: str
    title: str
    status: IntentStatus
    not_before: str | None
    attempts: int
    tx_id: str | None
    tx_expiration: str | None
    signed_tx: dict[str, Any] | None
    block_num: int | None
    reason: str | None

    @classmethod
    def from_row(cls, row: Any) -> OutboxEntry:
        return cls(
            id=row["id"], key=row["key"], kind=IntentKind(row["kind"]), account=row["account"],
            source=SourceRef.parse(row["source_ref"]),
            operations=[(name, payload) for name, payload in json.loads(row["operations"])],
            body_hash=row["body_hash"], author=row["author"], permlink=row["permlink"],
            title=row["title"], status=IntentStatus(row["status"]), not_before=row["not_before"],
            attempts=row["attempts"], tx_id=row["tx_id"], tx_expiration=row["tx_expiration"],
            signed_tx=json.loads(row["signed_tx"]) if row["signed_tx"] else None,
            block_num=row["block_num"], reason=row["reason"])


class Outbox:
    """The ``intents`` table; ``scope`` limits every listing to the store's site."""

    def __init__(self, db: Database, scope: Scope) -> None:
        self.db = db
        self.scope = scope

    def enqueue(self, intent: Intent) -> bool:
        """Insert the intent unless its key is known. Returns True when it was new."""
        now = now_text()
        cursor = self.db.execute(
            "INSERT INTO intents (key, kind, account, source_ref, operations, body_hash, author, "
            "permlink, title, notes, status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
            (intent.key, intent.kind.value, intent.account, str(intent.source),
             intent.operations_json(), intent.body_hash, intent.author, intent.permlink,
             intent.title, json.dumps(list(intent.notes), ensure_ascii=False),
             IntentStatus.PENDING.value, now, now))
        return cursor.rowcount == 1

    def supersede_unsigned(self, source: SourceRef, kinds: tuple[IntentKind, ...],
                           reason: str) -> int:
        """Rows of these kinds that never reached the node are replaced by newer intent: queued,
        scheduled, or failed before a transaction was signed."""
        marks = ",".join("?" for _ in kinds)
        cursor = self.db.execute(
            f"UPDATE intents SET status=?, reason=?, updated_at=? WHERE source_ref=? "
            f"AND kind IN ({marks}) AND (status IN (?, ?) OR (status=? AND tx_id IS NULL))",
            (IntentStatus.SUPERSEDED.value, reason, now_text(), str(source),
             *[k.value for k in kinds], IntentStatus.PENDING.value,
             IntentStatus.SCHEDULED.value, IntentStatus.FAILED.value))
        return cursor.rowcount

    def supersede_unsigned_edits(self, source: SourceRef) -> int:
        """A newer edit replaces older edits of the same object that were never signed."""
        return self.supersede_unsigned(source, (IntentKind.EDIT_POST,),
                                       "replaced by a newer edit")

    def create_signed(self, source: SourceRef) -> bool:
        """Whether any create of this object was ever signed (it may be on chain)."""
        return self.db.execute(
            "SELECT 1 FROM intents WHERE source_ref=? AND kind IN (?, ?) AND tx_id IS NOT NULL "
            "LIMIT 1", (str(source), IntentKind.CREATE_POST.value,
                        IntentKind.REPLY.value)).fetchone() is not None

    def in_flight(self) -> list[OutboxEntry]:
        """Rows that were signed: they must be reconciled before anything else is sent."""
        where, args = self.scope("source_ref")
        rows = self.db.execute(
            f"SELECT * FROM intents WHERE status IN (?, ?){where} ORDER BY id",
            (IntentStatus.SIGNED.value, IntentStatus.BROADCAST.value, *args)).fetchall()
        return [OutboxEntry.from_row(r) for r in rows]

    def dispatchable(self) -> list[OutboxEntry]:
        """Pending/scheduled rows first in line for their object (a failed row blocks the rest)."""
        where, args = self.scope("i.source_ref")
        rows = self.db.execute(
            f"SELECT * FROM intents i WHERE status IN (?, ?){where} AND NOT EXISTS ("
            f" SELECT 1 FROM intents e WHERE e.source_ref = i.source_ref AND e.id < i.id"
            f" AND e.status IN (?, ?, ?, ?, ?)) ORDER BY id",
            (IntentStatus.PENDING.value, IntentStatus.SCHEDULED.value, *args,
             *[s.value for s in LIVE_STATUSES], IntentStatus.FAILED.value)).fetchall()
        return [OutboxEntry.from_row(r) for r in rows]

    def get(self, intent_id: int) -> OutboxEntry:
        row = self.db.execute("SELECT * FROM intents WHERE id=?", (intent_id,)).fetchone()
        return OutboxEntry.from_row(row)

    def _set(self, intent_id: int, **fields: Any) -> None:
        fields["updated_at"] = now_text()
        assignments = ", ".join(f"{name}=?" for name in fields)
        self.db.execute(f"UPDATE intents SET {assignments} WHERE id=?",
                        (*fields.values(), intent_id))

    def mark_signed(self, intent_id: int, tx_id: str, expiration: datetime,
                    signed_tx: dict[str, Any]) -> None:
        self._set(intent_id, status=IntentStatus.SIGNED.value, tx_id=tx_id,
                  tx_expiration=to_text(expiration),
                  signed_tx=json.dumps(signed_tx), attempts=_plus_one(self, intent_id),
                  reason=None, failure_class=None)

    def note(self, intent_id: int, failure_class: str, reason: str) -> None:
        """Record why a row is waiting without changing its state."""
        self._set(intent_id, failure_class=failure_class, reason=reason)

    def mark_broadcast(self, intent_id: int) -> None:
        self._set(intent_id, status=IntentStatus.BROADCAST.value)

    def mark_confirmed(self, intent_id: int, block_num: int) -> None:
        self._set(intent_id, status=IntentStatus.CONFIRMED.value, block_num=block_num,
                  reason=None, failure_class=None, not_before=None)

    def mark_scheduled(self, intent_id: int, not_before: datetime, reason: str) -> None:
        self._set(intent_id, status=IntentStatus.SCHEDULED.value,
                  not_before=to_text(not_before), reason=reason)

    def mark_retry(self, intent_id: int, failure_class: str, reason: str,
                   not_before: datetime | None = None) -> None:
        """Back to the queue (signature dropped: the next attempt signs afresh)."""
        self._set(intent_id, status=IntentStatus.SCHEDULED.value if not_before
                  else IntentStatus.PENDING.value,
                  not_before=to_text(not_before) if not_before else None,
                  failure_class=failure_class, reason=reason, tx_id=None, tx_expiration=None,
                  signed_tx=None)

    def mark_failed(self, intent_id: int, failure_class: str, reason: str) -> None:
        self._set(intent_id, status=IntentStatus.FAILED.value, failure_class=failure_class,
                  reason=reason)

    def fail_queued(self, account: str, reason: str) -> int:
        """Queued and scheduled rows of ``account`` that were never signed fail with ``reason``
        (the bridge may no longer sign for it); how many."""
        where, args = self.scope("source_ref")
        cursor = self.db.execute(
            f"UPDATE intents SET status=?, failure_class=?, reason=?, updated_at=? "
            f"WHERE account=? AND status IN (?, ?) AND tx_id IS NULL{where}",
            (IntentStatus.FAILED.value, "terminal", reason, now_text(), account,
             IntentStatus.PENDING.value, IntentStatus.SCHEDULED.value, *args))
        return cursor.rowcount

    def mark_already_applied(self, intent_id: int, reason: str) -> None:
        """The chain already holds what the intent asks for (an identical vote): done, with no
        block of its own."""
        self._set(intent_id, status=IntentStatus.CONFIRMED.value, block_num=0,
                  failure_class="already_applied", reason=reason, not_before=None)

    def settled_votes(self, source_prefix: str) -> list[tuple[str, list[Any]]]:
        """(source_ref, operations) of the confirmed votes of sources starting with the prefix
        (exact), oldest first."""
        rows = self.db.execute(
            "SELECT source_ref, operations FROM intents WHERE kind=? AND status=? AND "
            "substr(source_ref, 1, ?) = ? ORDER BY id",
            (IntentKind.VOTE.value, IntentStatus.CONFIRMED.value, len(source_prefix),
             source_prefix)).fetchall()
        return [(r["source_ref"], [tuple(op) for op in json.loads(r["operations"])])
                for r in rows]

    def mark_kept(self, intent_id: int, reason: str) -> None:
        self._set(intent_id, status=IntentStatus.KEPT.value, failure_class="kept", reason=reason)

    def count_by_status(self) -> dict[str, int]:
        where, args = self.scope("source_ref")
        rows = self.db.execute(
            f"SELECT status, COUNT(*) AS n FROM intents WHERE 1=1{where} GROUP BY status", args)
        return {r["status"]: r["n"] for r in rows}

    def rows(self, *statuses: IntentStatus) -> list[OutboxEntry]:
        marks = ",".join("?" for _ in statuses)
        where, args = self.scope("source_ref")
        rows = self.db.execute(
            f"SELECT * FROM intents WHERE status IN ({marks}){where} ORDER BY id",
            [*[s.value for s in statuses], *args]).fetchall()
        return [OutboxEntry.from_row(r) for r in rows]

    def latest(self, kind: IntentKind) -> OutboxEntry | None:
        """The newest intent of ``kind`` (e.g. the last ledger anchor, for ``status``)."""
        where, args = self.scope("source_ref")
        row = self.db.execute(f"SELECT * FROM intents WHERE kind = ?{where} ORDER BY id DESC LIMIT 1",
                              [kind.value, *args]).fetchone()
        return OutboxEntry.from_row(row) if row else None

    def retry_failed(self, key: str | None = None, source: SourceRef | None = None) -> int:
        """A person fixed the cause (e.g. the key): failed rows go back to the queue (all, the
        one with ``key``, or those of one ``source`` object).

        A row that was signed goes back as SIGNED, not PENDING: the next tick looks its tx id
        up on chain first (it may have landed after all) and only signs again once it expired.
        """
        where, args = ("AND key=?", [key]) if key else \
            ("AND source_ref=?", [str(source)]) if source else ("", [])
        scope, scope_args = self.scope("source_ref")
        cursor = self.db.execute(
            f"UPDATE intents SET status=CASE WHEN tx_id IS NULL THEN ? ELSE ? END, "
            f"reason=NULL, failure_class=NULL, attempts=0, updated_at=? "
            f"WHERE status=? {where}{scope}",
            [IntentStatus.PENDING.value, IntentStatus.SIGNED.value, now_text(),
             IntentStatus.FAILED.value, *args, *scope_args])
        return cursor.rowcount


def _plus_one(outbox: Outbox, intent_id: int) -> int:
    row = outbox.db.execute("SELECT attempts FROM intents WHERE id=?", (intent_id,)).fetchone()
    return int(row["attempts"]) + 1
