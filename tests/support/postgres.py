"""A real PostgreSQL for the shared state store tests: started by the test setup when needed.

Each test gets its own schema in the ``wpsb_test`` database, dropped afterwards, so tests never
see each other's rows.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_LOCAL = REPO_ROOT / "deploy" / "postgres" / "pg-local"
DATABASE = "wpsb_test"
BASE_URL = f"postgresql:///{DATABASE}"


def ensure_postgres() -> str:
    """Start PostgreSQL (and create the test database) unless it already answers."""
    try:
        psycopg.connect(BASE_URL, connect_timeout=3).close()
    except psycopg.OperationalError:
        subprocess.run([str(PG_LOCAL), "start"], check=True, capture_output=True, timeout=600)
    return BASE_URL


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ensure_postgres(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{BASE_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(BASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
