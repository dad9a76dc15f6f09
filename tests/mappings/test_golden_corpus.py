"""Golden-file tests: a dozen nasty Theme Unit Test posts, captured from the real WordPress.

Inputs are replayed from ``tests/golden/mappings/corpus/<case>/input.json`` (see
``tests/mappings/corpus_cases.py``), so no WordPress is needed. Each case has ``expected.json``
(the whole Intent or Skip) and ``body.html`` per format. Rewrite with
``pytest tests/mappings --update-golden`` after an intended change, and review the diff.
"""

from __future__ import annotations

import json

import pytest

from bridge.model import Intent, MappingContext
from mappings.posts import post_to_intent
from tests.fidelity.corpus import record_from_capture
from tests.mappings.corpus_cases import CASES, GOLDEN_CORPUS_DIR, load_capture
from tests.mappings.test_golden_posts import outcome_as_json

FORMATS = ("html", "markdown")


def corpus_golden_context(body_format: str) -> MappingContext:
    return MappingContext(site_id="corpus", site_url="http://127.0.0.1:8104",
                          site_name="Corpus Blog", now="2026-11-21T12:00:00",
                          body_format=body_format)  # fmt: skip


@pytest.mark.parametrize("body_format", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_corpus_post_matches_golden(case: str, body_format: str, update_golden: bool) -> None:
    post = record_from_capture(load_capture(case))
    outcome = post_to_intent(post, corpus_golden_context(body_format), None)
    actual = json.dumps(outcome_as_json(outcome), ensure_ascii=False, indent=2) + "\n"
    body = outcome.operations[0][1]["body"] + "\n" if isinstance(outcome, Intent) else ""
    case_dir = GOLDEN_CORPUS_DIR / case
    expected_path = case_dir / f"expected.{body_format}.json"
    body_path = case_dir / ("body.md" if body_format == "markdown" else "body.html")
    if update_golden:
        expected_path.write_text(actual, encoding="utf-8")
        body_path.write_text(body, encoding="utf-8")
    assert expected_path.read_text(encoding="utf-8") == actual
    assert body_path.read_text(encoding="utf-8") == body


@pytest.mark.parametrize("case", sorted(CASES))
def test_corpus_post_is_clean(case: str) -> None:
    outcome = post_to_intent(record_from_capture(load_capture(case)),
                             corpus_golden_context("html"), None)  # fmt: skip
    assert isinstance(outcome, Intent), outcome
    comment = outcome.operations[0][1]
    for forbidden in ("<!--", "[caption", "[gallery", "<script", "<iframe", ' class="',
                      ' style="', "<section", "<span", "<figure"):  # fmt: skip
        assert forbidden not in comment["body"], forbidden
    assert "\n\n" not in comment["body"].split("<pre")[0]  # one HTML block for Markdown renderers
    metadata = json.loads(comment["json_metadata"])
    if "<img" in comment["body"]:
        assert metadata["image"], "an empty image list hides the thumbnail"
    assert len(comment["title"].encode("utf-8")) < 256


def test_no_title_falls_back_to_the_excerpt() -> None:
    outcome = post_to_intent(record_from_capture(load_capture("no-title")),
                             corpus_golden_context("html"), None)  # fmt: skip
    assert isinstance(outcome, Intent)
    assert outcome.title and outcome.title != "Untitled"
    assert any("title was empty" in note for note in outcome.notes)


def test_oversize_post_is_cut_with_a_read_more_link() -> None:
    post = record_from_capture(load_capture("oversize-truncated"))
    outcome = post_to_intent(post, corpus_golden_context("html"), None)
    assert isinstance(outcome, Intent)
    body = outcome.operations[0][1]["body"]
    assert f'<a href="{post.link}">Read the full post</a>' in body
    assert any("body cut at a block boundary" in note for note in outcome.notes)
