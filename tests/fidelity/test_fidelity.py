"""The fidelity bar of issue 4, asserted for every published post of the corpus, in both formats.

Uses the real local WordPress site "corpus" (started and loaded if needed) and node with
@ecency/render-helper; see tests/fidelity/measure.py for what is measured and how.
"""

from __future__ import annotations

import pytest

from tests.fidelity.report import (
    EXPECTED_SKIP_REASONS,
    FORMATS,
    MIN_TEXT_KEPT,
    FidelityRow,
    fidelity_report,
    format_table,
)


@pytest.fixture(scope="module")
def rows() -> list[FidelityRow]:
    return fidelity_report()


def test_every_published_post_is_covered_in_both_formats(rows: list[FidelityRow]) -> None:
    posts = {row.post for row in rows}
    assert len(posts) >= 140  # Theme Unit Test + block test data + seeds, published only
    for body_format in FORMATS:
        assert {row.post for row in rows if row.body_format == body_format} == posts


def test_only_expected_posts_are_skipped(rows: list[FidelityRow]) -> None:
    skipped = [row for row in rows if row.skipped]
    unexpected = [row for row in skipped
                  if not any(reason in row.skipped for reason in EXPECTED_SKIP_REASONS)]
    assert unexpected == []
    assert len(skipped) <= 3 * len(FORMATS)  # password-protected + the two empty posts


def test_every_mapped_post_meets_the_bar(rows: list[FidelityRow]) -> None:
    failing = [row for row in rows if not row.passed]
    assert failing == [], "\n" + format_table(failing)
    mapped = [row for row in rows if not row.skipped]
    assert all(row.text_kept >= MIN_TEXT_KEPT for row in mapped)
    assert all(not row.images_missing and not row.links_missing for row in mapped)
    assert all(not row.problems for row in mapped)


def test_the_corpus_exercises_images_links_and_truncation(rows: list[FidelityRow]) -> None:
    mapped = [row for row in rows if not row.skipped]
    assert sum(row.images for row in mapped) >= 100
    assert sum(row.links for row in mapped) >= 500
    assert any(row.truncated for row in mapped)  # the 260 kB category-list post
