"""Discover and run benchmarks: ``bench_*`` functions in tests/bench/*.py and tests.bench_mapping.

``python -m tests.bench [name ...]`` runs the modules whose name contains one of the names (all
when none is given). Prints one table in the order of ``SECTIONS`` (a section whose module is
not in this checkout keeps its place, marked as not built); exits 1 when a row misses its
target or a bench fails, and only then.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import operator
import pkgutil
import re
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import tests.bench as bench_package

EXTRA_MODULES = ("tests.bench_mapping",)
# (module, what its rows show): the table's order; a missing module keeps its place
SECTIONS = (
    ("tests.bench.backfill_bench", "backfill at the limit"),
    ("tests.bench.likes_bench", "votes at the limit"),
    ("tests.bench.latency_bench", "publish latency over the webhook"),
    ("tests.bench.idle_bench", "idle tick"),
    ("tests.bench.scale_bench", "scale-out"),
    ("tests.bench_mapping", "mapping at the floor"),
    ("tests.bench.mirror_bench", "rewards mirror"),
    ("tests.bench.devnet_bench", "devnet throughput"),
    ("tests.bench.points_bench", "points paid out"),
)
COMPARATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_WITHIN = re.compile(r"^\s*([-\d.]+)\s*±\s*([\d.]+)\s*$")
HEADER = ("benchmark", "value", "unit", "target", "", "baseline", "baseline is")


def module_names() -> list[str]:
    found = [f"tests.bench.{m.name}" for m in pkgutil.iter_modules(bench_package.__path__)
             if m.name != "__main__"]
    found += [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is not None]
    order = [name for name, _ in SECTIONS]
    return sorted(found, key=lambda n: (order.index(n) if n in order else len(order), n))


def discover(module_name: str) -> Iterator[tuple[str, Callable[[], Any]]]:
    module = importlib.import_module(module_name)
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if name.startswith("bench_") and function.__module__ == module.__name__:
            yield f"{module_name}.{name}", function


def verdict(value: float, target: float | str | None) -> str:
    if target is None:
        return ""
    if isinstance(target, int | float):
        return "ok" if value >= target else "MISSED"
    text = str(target).strip()
    within = _WITHIN.match(text)
    if within:
        centre, tolerance = float(within[1]), float(within[2])
        return "ok" if abs(value - centre) <= tolerance + 1e-12 else "MISSED"
    for symbol in sorted(COMPARATORS, key=len, reverse=True):
        if text.startswith(symbol):
            limit = float(text[len(symbol):])
            return "ok" if COMPARATORS[symbol](value, limit) else "MISSED"
    return ""


def target_text(target: float | str | None) -> str:
    if target is None:
        return ""
    return f">= {target:g}" if isinstance(target, int | float) else str(target)


def number(value: float | None) -> str:
    if value is None:
        return ""
    if value != 0 and abs(value) < 10:
        return f"{value:,.2f}"
    return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def _fields(result: object) -> tuple[Any, ...]:
    """A row is a ``BenchRow``, a (name, value, unit, target) tuple, or an object with those
    attributes (and optionally ``baseline``, ``baseline_label``)."""
    if isinstance(result, tuple) and not hasattr(result, "_fields"):
        return (*result, None, "")[:6] if len(result) == 4 else tuple(result)
    return tuple(getattr(result, f, d) for f, d in (
        ("name", ""), ("value", 0.0), ("unit", ""), ("target", None), ("baseline", None),
        ("baseline_label", "")))


def run(wanted: list[str]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    names = module_names()
    placeholders = dict(SECTIONS)
    order = [n for n, _ in SECTIONS] + [n for n in names if n not in placeholders]
    for module_name in order:
        if wanted and not any(w in module_name for w in wanted):
            continue
        if module_name not in names:
            rows.append((f"[{placeholders[module_name]}: not in this checkout]", "", "", "", "",
                         "", ""))
            continue
        try:
            functions = list(discover(module_name))
        except Exception as exc:  # noqa: BLE001 - one broken bench must not hide the others
            rows.append((module_name, "error", "", "", f"FAILED: {exc!r}"[:300], "", ""))
            continue
        for label, function in functions:
            started = time.perf_counter()
            try:
                results = list(function())
            except Exception as exc:  # noqa: BLE001
                rows.append((label, "error", "", "", f"FAILED: {exc!r}"[:300], "", ""))
                continue
            print(f"  ran {label} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for result in results:
                name, value, unit, target, baseline, baseline_label = _fields(result)
                rows.append((name, number(value), unit, target_text(target),
                             verdict(value, target), number(baseline), baseline_label or ""))
    return rows


def main(argv: list[str] | None = None) -> int:
    from tests.support.wordpress import stop_started_sites

    wanted = list(sys.argv[1:] if argv is None else argv)
    try:
        rows = run(wanted)
    finally:
        stop_started_sites()  # the local WordPress sites the benches started
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    for row in [HEADER, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.rjust(w) if i in (1, 5) else cell.ljust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
    return 1 if any(r[4].startswith(("MISSED", "FAILED")) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
