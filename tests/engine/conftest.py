"""Fixtures every engine test shares: each behaviour is checked on both state stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def state_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh state store target: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "state.db")
        return
    from tests.support.postgres import fresh_schema

    with fresh_schema() as url:
        yield url
