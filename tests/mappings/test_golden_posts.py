"""Golden-file tests: the three real seed posts mapped with a fixed context.

Each case directory holds ``expected.json`` (the whole Intent or Skip) and ``body.html`` (the
comment body, for reading diffs). Rewrite them with ``pytest tests/mappings --update-golden``
after an intended mapping change, and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bridge.model import ChainLink, Intent, Skip
from mappings.posts import post_to_intent
from tests.mappings.seed_records import golden_context, load_seeds

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "mappings" / "posts"
SEEDS = load_seeds()
# Edit case: seed 003 is on chain under the permlink and category it really had.
EDIT_LINKS = {
    "seed-003-edit": (
        "seed-003",
        ChainLink(
            source=SEEDS["seed-003"].source,
            author="iguazi123",
            permlink="smart-media-tokens-bring-interest-communities-schools-and-communities-"
            "into-the-blockchain-world-or-smts",
            category="cn",
        ),
    ),
}
CASES = sorted(SEEDS) + sorted(EDIT_LINKS)


def outcome_as_json(outcome: Intent | Skip) -> dict[str, Any]:
    if isinstance(outcome, Skip):
        return {"skip": {"source": str(outcome.source), "reason": outcome.reason,
                         "terminal": outcome.terminal}}  # fmt: skip
    return {
        "intent": {
            "key": outcome.key,
            "kind": outcome.kind.value,
            "account": outcome.account,
            "source": str(outcome.source),
            "author": outcome.author,
            "permlink": outcome.permlink,
            "category": outcome.category,
            "title": outcome.title,
            "body_hash": outcome.body_hash,
            "notes": list(outcome.notes),
            "operations": [[name, payload] for name, payload in outcome.operations],
            "json_metadata": json.loads(outcome.operations[0][1]["json_metadata"]),
        }
    }


def map_case(case: str) -> Intent | Skip:
    if case in EDIT_LINKS:
        seed, link = EDIT_LINKS[case]
        return post_to_intent(SEEDS[seed], golden_context(), link)
    return post_to_intent(SEEDS[case], golden_context(), None)


@pytest.mark.parametrize("case", CASES)
def test_seed_post_matches_golden(case: str, update_golden: bool) -> None:
    outcome = map_case(case)
    actual = json.dumps(outcome_as_json(outcome), ensure_ascii=False, indent=2) + "\n"
    body = outcome.operations[0][1]["body"] + "\n" if isinstance(outcome, Intent) else ""
    case_dir = GOLDEN_DIR / case
    if update_golden:
        case_dir.mkdir(parents=True, exist_ok=True)
        (case_dir / "expected.json").write_text(actual, encoding="utf-8")
        (case_dir / "body.html").write_text(body, encoding="utf-8")
    assert (case_dir / "expected.json").read_text(encoding="utf-8") == actual
    assert (case_dir / "body.html").read_text(encoding="utf-8") == body


@pytest.mark.parametrize("case", CASES)
def test_seed_post_is_a_valid_intent(case: str) -> None:
    outcome = map_case(case)
    assert isinstance(outcome, Intent), outcome
    comment = outcome.operations[0][1]
    assert "<!--" not in comment["body"]
    assert 'style="' not in comment["body"] and 'class="' not in comment["body"]
    assert "<section" not in comment["body"] and "<span" not in comment["body"]
    assert len(comment["title"].encode("utf-8")) < 256


def test_edit_keeps_category_and_permlink_of_the_chain_post() -> None:
    outcome = map_case("seed-003-edit")
    seed, link = EDIT_LINKS["seed-003-edit"]
    assert isinstance(outcome, Intent)
    assert [name for name, _ in outcome.operations] == ["comment"]
    comment = outcome.operations[0][1]
    assert (comment["parent_permlink"], comment["permlink"]) == (link.category, link.permlink)
    create = map_case(seed)
    assert isinstance(create, Intent)
    assert create.operations[0][1]["body"] == comment["body"]
