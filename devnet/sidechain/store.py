"""Contract tables of the sidechain: records, ``_id`` sequences, queries and the database hash.

Mirrors ``libs/Database.js`` of harpagon210/steemsmartcontracts: a table is ``<contract>_<table>``
(MongoDB collection), records get ``_id`` from a per-table sequence starting at 1, every insert,
update and remove re-hashes the table (``tables[t].hash = SHA256(hash)``) and folds it into the
running database hash (``updateTableHash``), reads return copies, and ``find``/``findOne`` take
MongoDB-style queries (equality, ``$in``/``$nin``/``$gt``/``$gte``/``$lt``/``$lte``/``$ne``/``$eq``/
``$exists``; anything else, or ``$regex`` anywhere, answers ``null`` as the node does).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class UnsupportedQuery(Exception):
    """A query the node's MongoDB would reject or that this store does not model."""


@dataclass
class Table:
    indexes: list[str]
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    hash: str = ""


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "$eq":
        return actual == expected
    if op == "$ne":
        return actual != expected
    if op == "$in":
        return isinstance(expected, list) and actual in expected
    if op == "$nin":
        return isinstance(expected, list) and actual not in expected
    if op == "$exists":
        return (actual is not _MISSING) == bool(expected)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if actual is _MISSING or type(actual) is not type(expected) and not (
                isinstance(actual, (int, float)) and isinstance(expected, (int, float))):
            return False  # MongoDB compares within a BSON type bracket only
        return {"$gt": actual > expected, "$gte": actual >= expected, "$lt": actual < expected,
                "$lte": actual <= expected}[op]
    raise UnsupportedQuery(op)


_MISSING = object()


def matches(record: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, expected in query.items():
        if key.startswith("$"):
            raise UnsupportedQuery(key)
        actual = record.get(key, _MISSING)
        if isinstance(expected, dict) and expected and all(k.startswith("$") for k in expected):
            if not all(_compare(op, actual, value) for op, value in expected.items()):
                return False
        elif actual is _MISSING or actual != expected or isinstance(actual, bool) != isinstance(expected, bool):
            if not (actual is _MISSING and expected is None):  # {field: null} matches a missing field
                return False
    return True


def _sort_key(value: Any) -> tuple[int, Any]:
    """MongoDB's cross-type order, roughly: missing/null < numbers < strings < everything else."""
    if value is _MISSING or value is None:
        return (0, 0)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, json.dumps(value, sort_keys=True))


class ContractDb:
    """All contract tables plus the running database hash of the transaction being executed."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.database_hash = ""

    def create_table(self, contract: str, table: str, indexes: list[str] | None = None) -> None:
        self.tables.setdefault(f"{contract}_{table}", Table(list(indexes or [])))

    def table(self, contract: str, table: str) -> Table | None:
        return self.tables.get(f"{contract}_{table}")

    def _touch(self, table: Table) -> None:
        table.hash = sha256_hex(table.hash)
        self.database_hash = sha256_hex(self.database_hash + table.hash)

    # ------------------------------------------------------------------ writes (contract side)

    def insert(self, contract: str, table_name: str, record: dict[str, Any]) -> dict[str, Any] | None:
        table = self.table(contract, table_name)
        if table is None:
            return None
        stored = {"_id": table.next_id, **{k: v for k, v in copy.deepcopy(record).items() if k != "_id"}}
        table.next_id += 1
        table.records[stored["_id"]] = stored
        self._touch(table)
        return copy.deepcopy(stored)

    def update(self, contract: str, table_name: str, record: dict[str, Any]) -> None:
        table = self.table(contract, table_name)
        if table is None or record.get("_id") not in table.records:
            return
        self._touch(table)
        table.records[record["_id"]].update(copy.deepcopy(record))  # $set: new fields are appended

    def remove(self, contract: str, table_name: str, record: dict[str, Any]) -> None:
        table = self.table(contract, table_name)
        if table is None:
            return
        self._touch(table)
        table.records.pop(record.get("_id"), None)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ reads

    def find_one(self, contract: str, table_name: str, query: dict[str, Any]) -> dict[str, Any] | None:
        table = self.table(contract, table_name)
        if table is None:
            return None
        if "$loki" in query:  # LokiJS-era id name, still accepted by findOne
            query = {**{k: v for k, v in query.items() if k != "$loki"}, "_id": query["$loki"]}
        for record in table.records.values():
            if matches(record, query):
                return copy.deepcopy(record)
        return None

    def find(self, contract: str, table_name: str, query: dict[str, Any], limit: int = 1000, offset: int = 0,
             indexes: list[dict[str, Any]] | None = None) -> list[dict[str, Any]] | None:
        table = self.table(contract, table_name)
        if table is None:
            return None
        rows = [record for record in table.records.values() if matches(record, query)]
        for index in reversed(indexes or []):
            name = "_id" if index["index"] in ("$loki", "_id") else index["index"]
            if name != "_id" and name not in table.indexes:
                return None  # Database.find: unknown index -> result stays null
            rows.sort(key=lambda r, n=name: _sort_key(r.get(n, _MISSING)), reverse=bool(index["descending"]))
        return copy.deepcopy(rows[offset:offset + limit])
