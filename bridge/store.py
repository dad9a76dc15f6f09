"""The state store: everything the bridge remembers, in SQLite (one file, the embedded default)
or in a PostgreSQL database that many sites and workers share (see bridge/db.py).

Tables (schema version in ``meta``):
    cursors     -- per-source poll position; moved in the same transaction that enqueues intents
    intents     -- the outbox (see bridge/outbox.py), unique on the idempotency key
    links       -- WordPress object -> chain author/permlink/category, tx id, block
    problems    -- skips and failures with their reasons, shown by ``status``
    writebacks  -- post meta still to be written back to WordPress
    mirror      -- rewards mirror memory per bridged post / member: the meta last written to
                   WordPress (so unchanged values are never rewritten) and the reward ops seen
                   (payout split, 7/30-day windows); the mirror's block cursor lives in cursors
    deferred    -- posts to look at again later (publish delay, missing author account)

Nothing secret is ever written here: no keys, no passwords, only public chain data.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridge.db import PostgresDatabase, connect
from bridge.model import ChainLink, SourceRef, canonical_json

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (
    source TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS intents (
    id {autoid},
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    account TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    operations TEXT NOT NULL,
    body_hash TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    permlink TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    not_before TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    tx_id TEXT,
    tx_expiration TEXT,
    signed_tx TEXT,
    block_num INTEGER,
    failure_class TEXT,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS intents_status ON intents (status, not_before);
CREATE INDEX IF NOT EXISTS intents_source ON intents (source_ref, id);
CREATE TABLE IF NOT EXISTS links (
    source_ref TEXT PRIMARY KEY,
    author TEXT NOT NULL,
    permlink TEXT NOT NULL,
    category TEXT NOT NULL,
    body_hash TEXT NOT NULL DEFAULT '',
    tx_id TEXT NOT NULL DEFAULT '',
    block_num INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'reserved',
    updated_at TEXT NOT NULL,
    UNIQUE (author, permlink));
CREATE TABLE IF NOT EXISTS problems (
    id {autoid},
    source_ref TEXT NOT NULL,
    stage TEXT NOT NULL,
    failure_class TEXT NOT NULL,
    reason TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    UNIQUE (source_ref, stage));
CREATE TABLE IF NOT EXISTS writebacks (
    source_ref TEXT PRIMARY KEY,
    object_id INTEGER NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mirror (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    wp_id INTEGER NOT NULL,
    written TEXT NOT NULL DEFAULT '{}',
    data TEXT NOT NULL DEFAULT '{}',
    block INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, key));
"""

# Statements that bring a file of version N-1 to version N (tables new in N are in SCHEMA,
# created with IF NOT EXISTS, so a migration only needs what CREATE cannot express).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: ("""CREATE TABLE IF NOT EXISTS deferred (
        source_ref TEXT PRIMARY KEY,
        source_name TEXT NOT NULL,
        object_id INTEGER NOT NULL,
        reason TEXT NOT NULL,
        retry_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",),
}


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


class StateStore:
    """The state store over a ``bridge.db`` database; ``transaction()`` is one atomic unit."""

    def __init__(self, target: str | Path, site: str = "") -> None:
        """``site``: the WordPress site this worker serves. With a shared database every read
        of intents, links, problems, write-backs and mirror rows is limited to that site."""
        self.site = site
        self.db = connect(target)
        self.path = self.db.display
        self._migrate()

    def close(self) -> None:
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
                raise RuntimeError(
                    f"state store {self.path} has schema {current}, newer than this "
                    f"wp-steem-bridge understands ({SCHEMA_VERSION}); upgrade wp-steem-bridge")
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

    def set_link_body_hash(self, source: SourceRef, body_hash: str) -> None:
        self.db.execute("UPDATE links SET body_hash=?, updated_at=? WHERE source_ref=?",
                        (body_hash, utcnow(), str(source)))

    def confirm_link(self, source: SourceRef, tx_id: str, block_num: int) -> None:
        self.db.execute(
            "UPDATE links SET tx_id=?, block_num=?, state='on_chain', updated_at=? "
            "WHERE source_ref=?", (tx_id, block_num, utcnow(), str(source)))

    def mark_link_deleted(self, source: SourceRef, tx_id: str, block_num: int) -> None:
        self.db.execute(
            "UPDATE links SET tx_id=?, block_num=?, state='deleted', updated_at=? "
            "WHERE source_ref=?", (tx_id, block_num, utcnow(), str(source)))

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

    def defer(self, source: SourceRef, source_name: str, reason: str, retry_at: str) -> None:
        self.db.execute(
            "INSERT INTO deferred VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(source_ref) DO UPDATE "
            "SET reason=excluded.reason, retry_at=excluded.retry_at, "
            "updated_at=excluded.updated_at",
            (str(source), source_name, int(source.object_id), reason, retry_at, utcnow()))

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
