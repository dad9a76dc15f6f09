"""Benchmarks (not tests): ``python -m tests.bench`` runs every ``bench_*`` function and prints a table.

A bench function takes no arguments and returns rows ``(name, value, unit, target)``. ``target`` is a
number (the value must be at least that), a string ``"<= 5"`` / ``">= 500"``, or ``None`` (no verdict).
"""

from __future__ import annotations

from typing import NamedTuple


class BenchRow(NamedTuple):
    name: str
    value: float
    unit: str
    target: float | str | None
