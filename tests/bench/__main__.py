"""Discover and run benchmarks: ``bench_*`` functions in tests/bench/*.py and in tests.bench_mapping.

Prints one table; exits 1 when a row misses its target (so ``make bench`` shows a failure).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import operator
import pkgutil
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import tests.bench as bench_package

EXTRA_MODULES = ("tests.bench_mapping",)
COMPARATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


def discover() -> Iterator[tuple[str, Callable[[], Any]]]:
    names = [f"tests.bench.{m.name}" for m in pkgutil.iter_modules(bench_package.__path__)
             if m.name != "__main__"]
    names += [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is not None]
    for module_name in sorted(names):
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
    for symbol in sorted(COMPARATORS, key=len, reverse=True):
        if text.startswith(symbol):
            limit = float(text[len(symbol):])
            return "ok" if COMPARATORS[symbol](value, limit) else "MISSED"
    return ""


def target_text(target: float | str | None) -> str:
    if target is None:
        return ""
    return f">= {target:g}" if isinstance(target, int | float) else str(target)


def _fields(result: object) -> tuple:
    """A row is a (name, value, unit, target) tuple or an object with those attributes."""
    if isinstance(result, tuple):
        return result
    return tuple(getattr(result, f) for f in ("name", "value", "unit", "target"))


def main() -> int:
    rows: list[tuple[str, str, str, str, str]] = []
    for label, function in discover():
        started = time.perf_counter()
        try:
            results = list(function())
        except Exception as exc:  # one broken bench must not hide the others
            rows.append((label, "error", "", "", f"FAILED: {exc!r}"))
            continue
        print(f"  ran {label} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        for result in results:
            name, value, unit, target = _fields(result)
            rows.append((name, f"{value:,.1f}", unit, target_text(target), verdict(value, target)))
    header = ("benchmark", "value", "unit", "target", "")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.rjust(w) if i == 1 else cell.ljust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
    return 1 if any(r[4].startswith(("MISSED", "FAILED")) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
