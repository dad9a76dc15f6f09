"""The points ledger the token payouts keep: one row per WordPress ledger entry, ever.

Table ``point_entries`` (site, entry_id) -> the member, the entry's token worth (fixed when first
seen), its state and the batch that pays it:

    ignored    -- never counts (type/reason not paid, a deduction, worth < 1 unit): ``reason``
    pending    -- due; goes into the next batch the rules allow
    held       -- the member has no linked chain account yet ([points] unlinked = "hold")
    forfeited  -- the member had no linked account ([points] unlinked = "forfeit")
    cancelled  -- deleted or reversed in WordPress before it was sent
    batched    -- in batch ``batch`` (action ``action``, counted on ``day``), not confirmed yet
    paid       -- the sidechain applied its action (``tx_id``)
    refused    -- the sidechain refused its action (``reason``); ``points retry`` makes it due
    reversed   -- deleted in WordPress *after* it was paid: a visible correction, tokens stay

An entry moves out of ``batched`` only with its batch: released (the batch was never signed) or
settled (the batch's transaction is in a block and the sidechain processed it). Every change runs
in the caller's transaction (the engine moves the feed cursor in the same one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from bridge.model import now_text
from bridge.store.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS point_entries (
    site TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    account TEXT NOT NULL DEFAULT '',
    points TEXT NOT NULL,
    units TEXT NOT NULL DEFAULT '0',
    base INTEGER NOT NULL DEFAULT 0,
    ctype TEXT NOT NULL DEFAULT '',
    ref TEXT NOT NULL DEFAULT '',
    happened TEXT NOT NULL,
    status TEXT NOT NULL,
    batch TEXT NOT NULL DEFAULT '',
    action INTEGER NOT NULL DEFAULT -1,
    day TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    tx_id TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    deleted INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (site, entry_id));
CREATE INDEX IF NOT EXISTS point_entries_status ON point_entries (site, status);
CREATE INDEX IF NOT EXISTS point_entries_batch ON point_entries (site, batch);
CREATE INDEX IF NOT EXISTS point_entries_day ON point_entries (site, day, account);
"""
COUNTED = ("batched", "paid")  # what today's caps count


class PointsLedger:
    def __init__(self, db: Database, site: str, precision: int = 8) -> None:
        """``precision``: the token's; ``base`` holds units in its smallest unit (exact sums)."""
        self.db = db
        self.site = site
        self.precision = precision
        for statement in filter(str.strip, SCHEMA.split(";")):
            self.db.execute(statement)

    def get(self, entry_id: str) -> Any:
        return self.db.execute("SELECT * FROM point_entries WHERE site=? AND entry_id=?",
                               (self.site, entry_id)).fetchone()

    def add(self, entry_id: str, user_id: int, account: str, points: str, units: Decimal,
            ctype: str, ref: str, happened: str, status: str, reason: str = "") -> bool:
        """A ledger row seen for the first time; False when it is known already."""
        cursor = self.db.execute(
            "INSERT INTO point_entries (site, entry_id, user_id, account, points, units, base, "
            "ctype, ref, happened, status, reason, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(site, entry_id) DO NOTHING",
            (self.site, entry_id, user_id, account, points, str(units),
             int(units.scaleb(self.precision)), ctype, ref, happened, status, reason,
             now_text()))
        return cursor.rowcount == 1

    def set_status(self, entry_ids: Iterable[str], status: str, reason: str = "",
                   **fields: Any) -> None:
        ids = list(entry_ids)
        if not ids:
            return
        sets = "".join(f", {name}=?" for name in fields)
        marks = ",".join("?" for _ in ids)
        self.db.execute(
            f"UPDATE point_entries SET status=?, reason=?, updated_at=?{sets} "
            f"WHERE site=? AND entry_id IN ({marks})",
            (status, reason, now_text(), *fields.values(), self.site, *ids))

    def with_status(self, *statuses: str) -> list[Any]:
        marks = ",".join("?" for _ in statuses)
        return self.db.execute(
            f"SELECT * FROM point_entries WHERE site=? AND status IN ({marks}) "
            f"ORDER BY happened, entry_id", (self.site, *statuses)).fetchall()

    def link(self, user_id: int, account: str) -> int:
        """A member linked an account: their held entries become due."""
        cursor = self.db.execute(
            "UPDATE point_entries SET status='pending', account=?, reason='', updated_at=? "
            "WHERE site=? AND user_id=? AND status='held'",
            (account, now_text(), self.site, user_id))
        return cursor.rowcount

    def usage(self, day: str, exclude_batch: str = "",
              accounts: Sequence[str] | None = None) -> tuple[Decimal, dict[str, Decimal]]:
        """Token units the batches of ``day`` hold (all but ``exclude_batch``): the site's, and
        each member's (only ``accounts`` when given)."""
        counted = "site=? AND day=? AND batch<>? AND status IN ('batched', 'paid', 'reversed')"
        args: tuple[Any, ...] = (self.site, day, exclude_batch)
        total = self.db.execute(f"SELECT COALESCE(SUM(base), 0) AS n FROM point_entries "
                                f"WHERE {counted}", args).fetchone()["n"]
        only = ""
        if accounts is not None:
            only = f" AND account IN ({','.join('?' for _ in accounts)})"
            args = (*args, *accounts)
        rows = self.db.execute(f"SELECT account, SUM(base) AS n FROM point_entries WHERE "
                               f"{counted}{only} GROUP BY account", args).fetchall()
        members = {row["account"]: self._units(row["n"]) for row in rows}
        return self._units(total), members

    def _units(self, base: Any) -> Decimal:
        return Decimal(int(base or 0)).scaleb(-self.precision)

    def assign(self, batch: str, day: str, actions: Sequence[Sequence[str]]) -> None:
        for index, entries in enumerate(actions):
            self.set_status(entries, "batched", batch=batch, action=index, day=day)

    def batch_entries(self, batch: str) -> list[Any]:
        return self.db.execute(
            "SELECT * FROM point_entries WHERE site=? AND batch=? ORDER BY action, entry_id",
            (self.site, batch)).fetchall()

    def move_day(self, batch: str, day: str) -> None:
        self.db.execute("UPDATE point_entries SET day=? WHERE site=? AND batch=?",
                        (day, self.site, batch))

    def release(self, batch: str, reason: str) -> list[str]:
        """A batch that was never signed is dropped: its entries are due again (and cancelled
        ones stay cancelled)."""
        rows = self.db.execute(
            "SELECT entry_id FROM point_entries WHERE site=? AND batch=? AND status='batched'",
            (self.site, batch)).fetchall()
        ids = [row["entry_id"] for row in rows]
        self.set_status(ids, "pending", reason, batch="", action=-1, day="")
        return ids

    def retry_refused(self) -> int:
        """Refused entries are due again (in new batches: the attempt is part of the key)."""
        prefix = f"wp:{self.site}:points:"
        self.db.execute("DELETE FROM problems WHERE stage='points payout' AND "
                        "substr(source_ref, 1, ?) = ?", (len(prefix), prefix))
        cursor = self.db.execute(
            "UPDATE point_entries SET status='pending', reason='', batch='', action=-1, day='', "
            "attempts=attempts+1, updated_at=? WHERE site=? AND status='refused'",
            (now_text(), self.site))
        return cursor.rowcount

    def mark_deleted(self, entry_id: str) -> None:
        """Deleted in WordPress while its batch is in flight: settled as ``reversed``."""
        self.db.execute("UPDATE point_entries SET deleted=1, updated_at=? WHERE site=? AND "
                        "entry_id=?", (now_text(), self.site, entry_id))

    def batch_unsigned(self, intent_key: str) -> bool:
        """Whether the batch's intent never got a signed transaction (so it can be dropped)."""
        row = self.db.execute("SELECT tx_id, status FROM intents WHERE key=?",
                              (intent_key,)).fetchone()
        return row is None or (row["tx_id"] is None and row["status"] in (
            "pending", "scheduled", "failed", "superseded"))

    def waiting(self, limit: int = 20) -> list[Any]:
        """Entries that need a person or wait for something, with why (for ``status``)."""
        return self.db.execute(
            "SELECT entry_id, user_id, account, units, status, reason FROM point_entries "
            "WHERE site=? AND (status IN ('held', 'refused', 'reversed') OR (status='pending' "
            "AND reason<>'')) ORDER BY updated_at DESC LIMIT ?", (self.site, limit)).fetchall()

    def batches_in_flight(self, account: str, other_than: int) -> bool:
        """Whether another batch intent of ``account`` is signed and not yet confirmed."""
        prefix = f"wp:{self.site}:points:batch-"
        return self.db.execute(
            "SELECT 1 FROM intents WHERE account=? AND id<>? AND status IN ('signed', "
            "'broadcast') AND substr(source_ref, 1, ?) = ? LIMIT 1",
            (account, other_than, len(prefix), prefix)).fetchone() is not None

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, COUNT(*) AS n FROM point_entries WHERE site=? "
                               "GROUP BY status", (self.site,)).fetchall()
        return {row["status"]: int(row["n"]) for row in rows}

    def paid_units(self) -> dict[str, Decimal]:
        """Token units paid per account (for status and tests)."""
        rows = self.db.execute("SELECT account, units FROM point_entries WHERE site=? AND "
                               "status IN ('paid', 'reversed')", (self.site,)).fetchall()
        paid: dict[str, Decimal] = {}
        for row in rows:
            paid[row["account"]] = paid.get(row["account"], Decimal(0)) + Decimal(row["units"])
        return paid
