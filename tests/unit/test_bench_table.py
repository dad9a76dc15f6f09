"""The bench table's verdicts (tests/bench/__main__.py): ratio and count targets only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bench import BenchRow
from tests.bench import __main__ as table


@pytest.mark.parametrize(("value", "target", "expected"), [
    (2.9, "<= 3", "ok"), (3.1, "<= 3", "MISSED"), (0.96, ">= 0.95", "ok"), (0.9, ">= 0.95", "MISSED"),
    (1.19, "1 ± 0.2", "ok"), (0.8, "1 ± 0.2", "ok"), (1.25, "1 ± 0.2", "MISSED"), (0.7, "1 ± 0.2", "MISSED"),
    (123.0, None, ""), (5, 4, "ok"),
])
def test_verdicts(value: float, target: Any, expected: str) -> None:
    assert table.verdict(value, target) == expected


def test_rows_keep_their_baseline_and_missing_sections_keep_their_place(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table, "module_names", lambda: ["tests.bench.fake"])
    monkeypatch.setattr(table, "SECTIONS", (("tests.bench.absent", "votes (branch likes)"),
                                            ("tests.bench.fake", "fake")))
    monkeypatch.setattr(table, "discover", lambda name: iter([("fake.bench", lambda: [
        BenchRow("ours", 2.0, "passes", "<= 3", 9.0, "theirs"),
        ("old style", 5.0, "s", None)])]))
    rows = table.run([])
    assert rows[0][0] == "[votes (branch likes): not in this checkout]"
    assert rows[1] == ("ours", "2.00", "passes", "<= 3", "ok", "9.00", "theirs")
    assert rows[2][:5] == ("old style", "5.00", "s", "", "")


def test_only_a_missed_target_or_a_failed_bench_fails_the_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table, "run", lambda wanted: [("a", "1", "s", "", "", "", "")])
    assert table.main([]) == 0
    monkeypatch.setattr(table, "run", lambda wanted: [("a", "4", "x", "<= 3", "MISSED", "", "")])
    assert table.main([]) == 1
