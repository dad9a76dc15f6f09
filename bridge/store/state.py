"""The state store: everything the bridge remembers, in SQLite (one file, the embedded default)
or in a PostgreSQL database that many sites and workers share (bridge/store/db.py).

All SQL of the bridge lives in this package: the tables (schema.py), the outbox (outbox.py) and
the rest here. The engine's decision for one record (a ``bridge.plans.Plan``) reaches the store
as one call, ``apply``, inside the transaction that also moves the stream's cursor.
Nothing secret is ever written here: no keys, no passwords, only public chain data.
"""

from __future__ import annotations

import copy
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from bridge.errors import UserError
from bridge.model import ChainLink, SourceRef, canonical_json, now_text
from bridge.plans import Facts, Outcome, Plan
from bridge.store.db import PostgresDatabase, connect
from bridge.store.outbox import Outbox
from bridge.store.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION


class StoreTooNew(UserError):
    """The store was written by a later release: this code refuses to read or change it."""


WAKE_AT = "1970-01-01T00:00:00"  # a retry_at that is due at once


def utcnow() -> str:
    return now_text()


class StateStore:
    """The state store over a ``bridge.db`` database; ``transaction()`` is one atomic unit."""

    def __init__(self, target: str | Path, site: str = "") -> None:
        """``site``: the WordPress site this worker serves. With a shared database every read
        of intents, links, problems, write-backs and mirror rows is limited to that site."""
        self.site = site
        self.db = connect(target)
        self.path = self.db.display
        self._migrate()
        self.outbox = Outbox(self.db, self.scope)
        self._owner = True

    def for_site(self, site: str) -> StateStore:
        """A view of the same database connection limited to ``site``: a fleet worker
        (bridge/fleet.py) serves many sites over one connection. Closing a view does nothing;
        the store it came from owns the connection."""
        view = copy.copy(self)
        view.site = site
        view.outbox = Outbox(self.db, view.scope)
        view._owner = False
        return view

    def close(self) -> None:
        if self._owner:
            self.db.close()

    def transaction(self) -> AbstractContextManager[Any]:
        return self.db.transaction()

    def exclusive(self, scope: str) -> AbstractContextManager[None]:
        """The run lock: one broadcasting run per site (see bridge/db.py)."""
        return self.db.exclusive(scope)

    def _migrate(self) -> None:
        with self.transaction() as db:
            if isinstance(self.db, PostgresDatabase):
                self.db.migration_lock()
            for statement in filter(str.strip, SCHEMA.replace("{autoid}", self.db.autoid).split(";")):
                db.execute(statement)
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            current = int(row["value"]) if row else 1
            if current > SCHEMA_VERSION:
                raise StoreTooNew(  # the transaction's rollback leaves the store untouched
                    f"state store {self.path} has schema {current}, newer than this "
                    f"wp-steem-bridge understands ({SCHEMA_VERSION}); upgrade wp-steem-bridge",
                    hint="a newer release wrote it; run: pip install --upgrade wp-steem-bridge "
                         "(or point [state] path at another file)")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS.get(version, ()):
                    db.execute(statement)
            db.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT(key) DO "
                       "UPDATE SET value=excluded.value", (str(SCHEMA_VERSION),))

    def scope(self, column: str = "source_ref") -> tuple[str, tuple[Any, ...]]:
        """SQL condition (`` AND ...``) and parameters limiting rows to this store's site.

        An exact prefix comparison, not LIKE: ``_`` and ``%`` in a site id are wildcards there,
        and LIKE ignores case in SQLite, so ``blog_a`` would see ``blog-a``'s rows."""
        if not self.site:
            return "", ()
        prefix = f"wp:{self.site}:"
        return f" AND substr({column}, 1, ?) = ?", (len(prefix), prefix)

    def scoped(self, name: str) -> str:
        """A per-site name for state that is not keyed by a source (mirror cursors, kinds)."""
        return f"{name}@{self.site}" if self.site else name

    def schema_version(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                        "value=excluded.value", (key, value))

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row["value"] if row else None

    # -- one record's unit of work ---------------------------------------------------------

    def facts(self, source: SourceRef) -> Facts:
        row = self.db.execute("SELECT version, outcome FROM records WHERE source_ref=?",
                              (str(source),)).fetchone()
        return Facts(link=self.get_link(source),
                     create_signed=self.outbox.create_signed(source),
                     version=row["version"] if row else "",
                     outcome=row["outcome"] if row else "")

    def apply(self, plan: Plan) -> Outcome:
        """Everything one plan says, in the caller's transaction; returns the final outcome
        (a binding refused because another object holds the permlink becomes SKIPPED)."""
        outcome = plan.outcome
        for supersede in plan.supersede:
            self.outbox.supersede_unsigned(plan.source, supersede.kinds, supersede.reason)
        if plan.drop_link:
            self.drop_link(plan.source)
        intent = plan.enqueue
        if intent is not None and plan.bind:
            if self.permlink_taken(intent.author, intent.permlink):
                self.record_problem(
                    str(plan.source), "map", "terminal",
                    f"permlink @{intent.author}/{intent.permlink} is already bound to another "
                    f"WordPress object; refusing to edit someone else's post")
                return Outcome.SKIPPED
            self.reserve_link(plan.source, intent.author, intent.permlink, intent.category,
                              intent.body_hash)
        elif plan.body_hash is not None:
            self.set_link_body_hash(plan.source, plan.body_hash)
        if intent is not None and not self.outbox.enqueue(intent):
            outcome = Outcome.UNCHANGED
        self._apply_skip(plan)
        if plan.problem is not None:
            self.record_problem(str(plan.source), plan.problem.stage,
                                plan.problem.failure_class, plan.problem.reason)
        elif plan.clear_problem:
            self.clear_problem(str(plan.source), "map")
        if plan.writeback:
            self.queue_writeback(plan.source, int(plan.source.object_id), plan.writeback)
        if plan.version:
            self.db.execute(
                "INSERT INTO records VALUES (?, ?, ?, ?) ON CONFLICT(source_ref) DO UPDATE SET "
                "version=excluded.version, outcome=excluded.outcome, "
                "updated_at=excluded.updated_at",
                (str(plan.source), plan.version, outcome.value, utcnow()))
        return outcome

    def _apply_skip(self, plan: Plan) -> None:
        skip = plan.skip
        if skip is None:
            if plan.outcome is Outcome.ENQUEUED:
                self.undefer(plan.source)
            return
        if skip.terminal:
            self.undefer(plan.source)
            self.record_problem(str(plan.source), "map", "skipped", skip.reason)
            return
        self.defer(plan.source, plan.stream, skip.reason, skip.retry_at,
                   waits_on=plan.waits_on, object_id=plan.defer_id)
        self.record_problem(str(plan.source), "map", "deferred",
                            f"{skip.reason} (looking again at {skip.retry_at} UTC)")

    def forget_version(self, source: SourceRef) -> None:
        """The next read of this object is planned again even if it did not change."""
        self.db.execute("DELETE FROM records WHERE source_ref=?", (str(source),))

    # -- cursors ------------------------------------------------------------------------------

    def get_cursor(self, source: str) -> str | None:
        row = self.db.execute("SELECT value FROM cursors WHERE source=?", (source,)).fetchone()
        return row["value"] if row else None

    def set_cursor(self, source: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO cursors VALUES (?, ?, ?) ON CONFLICT(source) DO UPDATE SET "
            "value=excluded.value, updated_at=excluded.updated_at", (source, value, utcnow()))

    def cursors(self) -> list[Any]:
        if not self.site:
            return self.db.execute("SELECT * FROM cursors ORDER BY source").fetchall()
        prefix, suffix = f"wp:{self.site}:", f"@{self.site}"  # exact, as in scope()
        return self.db.execute(
            "SELECT * FROM cursors WHERE substr(source, 1, ?) = ? OR (length(source) > ? AND "
            "substr(source, length(source) - ? + 1) = ?) ORDER BY source",
            (len(prefix), prefix, len(suffix), len(suffix), suffix)).fetchall()

    # -- links --------------------------------------------------------------------------------

    def get_link(self, source: SourceRef) -> ChainLink | None:
        row = self.db.execute("SELECT * FROM links WHERE source_ref=?", (str(source),)).fetchone()
        if row is None:
            return None
        return ChainLink(source=source, author=row["author"], permlink=row["permlink"],
                         category=row["category"], body_hash=row["body_hash"],
                         tx_id=row["tx_id"], block_num=row["block_num"], state=row["state"])

    def drop_link(self, source: SourceRef) -> None:
        """Forget the binding: the object is not (or no longer) on chain."""
        self.db.execute("DELETE FROM links WHERE source_ref=?", (str(source),))

    def permlink_taken(self, author: str, permlink: str) -> bool:
        return self.db.execute("SELECT 1 FROM links WHERE author=? AND permlink=?",
                               (author, permlink)).fetchone() is not None

    def reserve_link(self, source: SourceRef, author: str, permlink: str, category: str,
                     body_hash: str) -> None:
        self.db.execute(
            "INSERT INTO links (source_ref, author, permlink, category, body_hash, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (str(source), author, permlink, category, body_hash, utcnow()))
        self.wake_waiting(source)

    def set_link_body_hash(self, source: SourceRef, body_hash: str) -> None:
        self.db.execute("UPDATE links SET body_hash=?, updated_at=? WHERE source_ref=?",
                        (body_hash, utcnow(), str(source)))

    def confirm_link(self, source: SourceRef, tx_id: str, block_num: int) -> None:
        self.db.execute(
            "UPDATE links SET tx_id=?, block_num=?, state='on_chain', updated_at=? "
            "WHERE source_ref=?", (tx_id, block_num, utcnow(), str(source)))
        self.wake_waiting(source)

    def mark_link_deleted(self, source: SourceRef, tx_id: str, block_num: int) -> None:
        self.db.execute(
            "UPDATE links SET tx_id=?, block_num=?, state='deleted', updated_at=? "
            "WHERE source_ref=?", (tx_id, block_num, utcnow(), str(source)))
        self.wake_waiting(source)  # what waits on it is let go, with the reason

    def links(self) -> list[Any]:
        where, args = self.scope()
        return self.db.execute(f"SELECT * FROM links WHERE 1=1{where} ORDER BY source_ref",
                               args).fetchall()

    # -- problems -----------------------------------------------------------------------------

    def record_problem(self, source: str, stage: str, failure_class: str, reason: str) -> None:
        now = utcnow()
        self.db.execute(
            "INSERT INTO problems (source_ref, stage, failure_class, reason, first_seen, "
            "last_seen) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(source_ref, stage) DO UPDATE SET "
            "failure_class=excluded.failure_class, reason=excluded.reason, "
            "last_seen=excluded.last_seen, count=problems.count + 1",
            (source, stage, failure_class, reason, now, now))

    def clear_problem(self, source: str, stage: str) -> None:
        self.db.execute("DELETE FROM problems WHERE source_ref=? AND stage=?", (source, stage))

    def problems(self) -> list[Any]:
        where, args = self.scope()
        return self.db.execute(f"SELECT * FROM problems WHERE 1=1{where} "
                               f"ORDER BY last_seen DESC", args).fetchall()

    # -- deferred -----------------------------------------------------------------------------

    def defer(self, source: SourceRef, source_name: str, reason: str, retry_at: str,
              waits_on: SourceRef | None = None, object_id: int | None = None) -> None:
        """``object_id``: what the source's ``fetch`` reads the record back by (default the
        source's own id; a like event's id for a like, whose source names a (post, member)
        pair); the latest deferral of a source replaces an earlier one."""
        self.db.execute(
            "INSERT INTO deferred (source_ref, source_name, object_id, reason, retry_at, "
            "updated_at, waits_on) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source_ref) DO "
            "UPDATE SET object_id=excluded.object_id, reason=excluded.reason, "
            "retry_at=excluded.retry_at, updated_at=excluded.updated_at, "
            "waits_on=excluded.waits_on",
            (str(source), source_name,
             int(source.object_id) if object_id is None else object_id, reason, retry_at,
             utcnow(), str(waits_on) if waits_on is not None else ""))

    def wake_waiting(self, bound: SourceRef) -> None:
        """Records deferred until ``bound`` got its chain binding are due now (in the caller's
        transaction: the one that binds it)."""
        self.db.execute("UPDATE deferred SET retry_at=?, updated_at=? WHERE waits_on=?",
                        (WAKE_AT, utcnow(), str(bound)))

    def undefer(self, source: SourceRef) -> None:
        self.db.execute("DELETE FROM deferred WHERE source_ref=?", (str(source),))

    def undefer_object(self, source_name: str, object_id: int) -> None:
        self.db.execute("DELETE FROM deferred WHERE source_name=? AND object_id=?",
                        (source_name, object_id))

    def due_deferred(self, source_name: str, now: str) -> list[int]:
        rows = self.db.execute(
            "SELECT object_id FROM deferred WHERE source_name=? AND retry_at<=? ORDER BY retry_at",
            (source_name, now)).fetchall()
        return [int(r["object_id"]) for r in rows]

    def deferred(self) -> list[Any]:
        where, args = self.scope()
        return self.db.execute(f"SELECT * FROM deferred WHERE 1=1{where} ORDER BY retry_at",
                               args).fetchall()

    # -- writebacks ---------------------------------------------------------------------------

    def queue_writeback(self, source: SourceRef, object_id: int, payload: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO writebacks VALUES (?, ?, ?, 'pending', 0, NULL, ?) "
            "ON CONFLICT(source_ref) DO UPDATE SET payload=excluded.payload, status='pending', "
            "attempts=0, reason=NULL, updated_at=excluded.updated_at",
            (str(source), object_id, canonical_json(payload), utcnow()))

    def pending_writebacks(self) -> list[Any]:
        where, args = self.scope()
        return self.db.execute(
            f"SELECT * FROM writebacks WHERE status='pending'{where} ORDER BY updated_at",
            args).fetchall()

    def finish_writeback(self, source_ref: str, status: str, reason: str | None = None) -> None:
        self.db.execute(
            "UPDATE writebacks SET status=?, reason=?, attempts=attempts+1, updated_at=? "
            "WHERE source_ref=?", (status, reason, utcnow(), source_ref))

    # -- mirror -------------------------------------------------------------------------------

    def mirror_rows(self, kind: str) -> dict[str, Any]:
        return {row["key"]: row for row in self.db.execute(
            "SELECT * FROM mirror WHERE kind=?", (self.scoped(kind),))}

    def put_mirror_row(self, kind: str, key: str, wp_id: int, written: dict[str, Any],
                       data: dict[str, Any], block: int) -> None:
        self.db.execute(
            "INSERT INTO mirror VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(kind, key) DO UPDATE SET "
            "wp_id=excluded.wp_id, written=excluded.written, data=excluded.data, "
            "block=excluded.block, updated_at=excluded.updated_at",
            (self.scoped(kind), key, wp_id, canonical_json(written), canonical_json(data), block,
             utcnow()))
