"""Database connections for the state store: SQLite (the embedded default) or PostgreSQL.

Both speak the same SQL as the store writes it (``?`` placeholders, ``ON CONFLICT`` upserts) and
offer the same three things: ``execute``, ``transaction`` (one atomic unit; nested calls join
it) and ``exclusive`` (the run lock: a file lock next to the SQLite file, or a PostgreSQL
session advisory lock keyed by the site, so many sites and workers can share one database while
only one worker broadcasts for a site at a time).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bridge.errors import LockHeld

LOCK_HINT = ("this is normal when cron runs overlap or several workers share a site; run "
             "`wp-steem-bridge status` to see what it is doing")


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def connect(target: str | Path) -> SqliteDatabase | PostgresDatabase:
    text = str(target)
    if is_postgres_url(text):
        return PostgresDatabase(text)
    return SqliteDatabase(text)


class _Transactions:
    """BEGIN/COMMIT bookkeeping shared by both databases."""

    begin_sql = "BEGIN"
    _depth = 0

    def execute(self, sql: str, params: Any = ()) -> Any:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self.execute(self.begin_sql)
        self._depth = 1
        try:
            yield self
        except BaseException:
            self.execute("ROLLBACK")
            raise
        else:
            self.execute("COMMIT")
        finally:
            self._depth = 0


class SqliteDatabase(_Transactions):
    dialect = "sqlite"
    begin_sql = "BEGIN IMMEDIATE"
    autoid = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: str) -> None:
        self.path = path
        self.display = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def exclusive(self, scope: str) -> Iterator[None]:
        """One run per state file: a non-blocking file lock beside it."""
        lock_path = Path(self.path + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise LockHeld(f"another wp-steem-bridge run holds the lock {lock_path}; "
                               f"nothing done", hint=LOCK_HINT) from exc
            yield
        finally:
            os.close(fd)


class PostgresDatabase(_Transactions):
    dialect = "postgres"
    autoid = "BIGSERIAL PRIMARY KEY"

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg.rows import dict_row

        self.url = url
        self.display = _without_password(url)
        self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        self._lock_conn: Any = None

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), params)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def exclusive(self, scope: str) -> Iterator[None]:
        """One run per site across every worker: a session advisory lock on its own connection
        (so it is held across the tick's transactions and released if the process dies)."""
        import psycopg

        key = advisory_key(scope)
        conn = psycopg.connect(self.url, autocommit=True)
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            got = row is not None and bool(row[0])
            if not got:
                raise LockHeld(f"another wp-steem-bridge worker is running site {scope!r} "
                               f"(PostgreSQL advisory lock); nothing done", hint=LOCK_HINT)
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        finally:
            conn.close()

    def migration_lock(self) -> None:
        """Serialize schema creation between workers starting at the same time."""
        self.execute("SELECT pg_advisory_xact_lock(?)", (0x77707362,))


def advisory_key(scope: str) -> int:
    """The PostgreSQL advisory lock key of a site's run lock (``sync``, ``run`` and fleet
    workers, bridge/fleet.py, all take this one key per site)."""
    return int.from_bytes(hashlib.sha256(f"wp-steem-bridge:{scope}".encode()).digest()[:8],
                          "big", signed=True)


def _without_password(url: str) -> str:
    """The URL as shown in ``status``: a password in the netloc or the query replaced."""
    url = re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url, flags=re.IGNORECASE)


Database = SqliteDatabase | PostgresDatabase
