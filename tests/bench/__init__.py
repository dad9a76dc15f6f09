"""Benchmarks (not tests): ``python -m tests.bench`` runs every ``bench_*`` function and prints one
table, each row with its baseline beside it, measured in the same run.

A bench function takes no arguments and returns rows ``BenchRow(name, value, unit, target,
baseline, baseline_label)``. ``target`` is a string ``"<= 3"``, ``">= 0.95"``, ``"1 ± 0.2"`` (within
0.2 of 1), or ``None`` (printed for information, no verdict). Targets are ratios and counts only,
never an absolute time a busy machine can miss.
"""

from __future__ import annotations

from typing import NamedTuple


class BenchRow(NamedTuple):
    name: str
    value: float
    unit: str
    target: float | str | None
    baseline: float | None = None  # the same measure for the baseline, same run
    baseline_label: str = ""  # what the baseline is
