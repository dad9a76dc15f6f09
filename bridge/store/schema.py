"""The state store's tables, and the statements that bring an older file up to date.

Tables (schema version in ``meta``):
    cursors     -- per-stream poll position; moved in the same transaction that enqueues intents
    intents     -- the outbox (bridge/store/outbox.py), unique on the idempotency key
    links       -- WordPress object -> chain author/permlink/category, tx id, block
    problems    -- skips and failures with their reasons, shown by ``status``
    writebacks  -- meta still to be written back to WordPress
    mirror      -- the chain -> WordPress stream's memory per bridged post / member: the meta last
                   written (so unchanged values are never rewritten) and the reward ops seen
    deferred    -- records to look at again later (publish delay, missing author account); a row
                   that ``waits_on`` another object (a like or comment waiting for its post) is
                   due at once when that object gets its chain binding
    records     -- the version of each record last planned, so an unchanged record read again
                   (the poll's overlap window) is neither mapped nor recorded again
"""

from __future__ import annotations

SCHEMA_VERSION = 4

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
CREATE TABLE IF NOT EXISTS records (
    source_ref TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    outcome TEXT NOT NULL,
    updated_at TEXT NOT NULL);
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
    4: ("ALTER TABLE deferred ADD COLUMN waits_on TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX IF NOT EXISTS deferred_waits_on ON deferred (waits_on)"),
}
