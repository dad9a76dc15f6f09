"""Fixtures for the mapping tests (``--update-golden`` is declared in tests/conftest.py).

``pytest tests/mappings --update-golden`` (or ``UPDATE_GOLDEN=1``) rewrites the golden files
under tests/golden/mappings instead of comparing against them.
"""

from __future__ import annotations

import os

import pytest

from bridge.model import MappingContext
from tests.mappings.seed_records import golden_context


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    from_option = bool(request.config.getoption("--update-golden", default=False))
    return from_option or os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture
def ctx() -> MappingContext:
    return golden_context()
