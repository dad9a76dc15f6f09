"""The pure points -> tokens mapping (mappings/tokens.py): which entries count and their worth,
caps and the minimum, batching within custom_json's limits, deterministic batch keys, and the
exact operation a batch becomes (golden file ``tests/golden/mappings/tokens/batch.json``;
rewrite with ``pytest tests/mappings --update-golden``)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bridge.model import PointEvent, Skip
from mappings.tokens import (
    CUSTOM_JSON_MAX_BYTES,
    HIVE_ENGINE_MAX_ACTIONS,
    DueEntry,
    PayoutRules,
    SidechainOutput,
    Usage,
    batch_day_ok,
    entry_worth,
    payout_due,
    plan_payouts,
    quantity_text,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "mappings" / "tokens" / "batch.json"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RULES = PayoutRules(site="blog", symbol="BLOG", precision=3, rate=Decimal("0.25"),
                    account="blog-issuer", point_types=("mycred_default",),
                    refs=("publishing_content", "approved_comment", "daily_checkin"))


def event(points: str, ref: str = "publishing_content", ctype: str = "mycred_default"
          ) -> PointEvent:
    return PointEvent(1, "mycred:1", "add", 7, points, ctype, ref, "2026-03-01T10:00:00", "ann")


def due(n: int, account: str, units: str, attempts: int = 0) -> DueEntry:
    return DueEntry(f"mycred:{n}", n, account, Decimal(units), f"2026-03-01T10:00:{n % 60:02d}",
                    attempts)


def test_entry_worth_counts_only_what_the_rules_pay_exactly() -> None:
    assert entry_worth(event("10"), RULES) == Decimal("2.500")
    tiny = entry_worth(event("0.003"), RULES)
    assert isinstance(tiny, Skip)
    assert tiny.reason == "0.003 points are worth less than one unit of BLOG"
    assert entry_worth(event("1.0039"), RULES) == Decimal("0.250")  # rounded down, per entry
    reasons = {
        "steem_vote": event("5", "steem_vote"), "logging_in": event("5", "logging_in"),
        "type": event("5", ctype="gold"), "deduction": event("-5"), "nan": event("x"),
    }
    found = {name: entry_worth(e, RULES) for name, e in reasons.items()}
    assert all(isinstance(skip, Skip) for skip in found.values())
    assert "never paid out" in found["steem_vote"].reason  # type: ignore[union-attr]
    # the bridge's own vote points are never paid, even when every reason counts
    assert isinstance(entry_worth(event("5", "steem_vote"), replace(RULES, refs=())), Skip)
    assert entry_worth(event("5", "logging_in"), replace(RULES, refs=())) == Decimal("1.25")


def test_quantities_have_exactly_the_token_precision() -> None:
    assert quantity_text(Decimal("2.5"), 3) == "2.500"
    assert quantity_text(Decimal("7"), 0) == "7"
    assert quantity_text(Decimal("0.123456789"), 8) == "0.12345678"


def test_caps_and_minimum_decide_who_waits() -> None:
    rules = replace(RULES, member_daily_cap=Decimal("5"), site_daily_cap=Decimal("8"),
                    minimum=Decimal("1"))
    entries = [due(1, "ann", "2"), due(2, "ann", "2"), due(3, "ann", "2"), due(4, "bob", "3"),
               due(5, "bob", "1.5"), due(6, "cyd", "0.5")]
    plan = plan_payouts(entries, Usage("2026-03-01"), rules, SidechainOutput(rules), NOW)
    (batch,) = plan.batches
    assert [(p.account, p.units, p.entries) for p in batch.payouts] == [
        ("ann", Decimal("4"), ("mycred:1", "mycred:2")), ("bob", Decimal("3"), ("mycred:4",))]
    assert "member's daily cap" in plan.waiting["mycred:3"]
    assert "site's daily cap" in plan.waiting["mycred:5"]
    assert "below the minimum payout of 1" in plan.waiting["mycred:6"]
    used = Usage("2026-03-01", Decimal("7"), {"ann": Decimal("4"), "bob": Decimal("3")})
    later = plan_payouts(entries[2:], used, rules, SidechainOutput(rules), NOW)
    assert later.batches == ()
    assert set(later.waiting) == {"mycred:3", "mycred:4", "mycred:5", "mycred:6"}
    assert batch_day_ok(Decimal("2"), {"ann": Decimal("2")}, used, rules).startswith("the site")
    assert batch_day_ok(Decimal("1.5"), {"ann": Decimal("1.5")}, replace(used, site=Decimal(0)),
                        rules).startswith("@ann")
    assert batch_day_ok(Decimal("1"), {"cyd": Decimal("1")}, used, rules) == ""


def test_batches_fit_custom_json_and_their_keys_come_from_their_entries() -> None:
    entries = [due(n, f"member-{n:04d}", "1.5") for n in range(1, 1001)]
    output = SidechainOutput(RULES)
    plan = plan_payouts(entries, Usage("2026-03-01"), RULES, output, NOW)
    assert sum(len(b.payouts) for b in plan.batches) == 1000
    assert len(plan.batches) < 1000 / 40
    for batch in plan.batches:
        (op,) = batch.intent.operations
        assert len(op[1]["json"].encode()) <= CUSTOM_JSON_MAX_BYTES
    again = plan_payouts(list(reversed(entries)), Usage("2026-03-01"), RULES, output, NOW)
    assert [b.intent.key for b in again.batches] == [b.intent.key for b in plan.batches]
    retried = plan_payouts([due(1, "member-0001", "1.5", attempts=1)], Usage("2026-03-01"),
                           RULES, output, NOW)
    assert retried.batches[0].intent.key not in {b.intent.key for b in plan.batches}
    hive = replace(RULES, sidechain_id="ssc-mainnet-hive", max_actions=HIVE_ENGINE_MAX_ACTIONS)
    hive_plan = plan_payouts(entries[:100], Usage("2026-03-01"), hive, SidechainOutput(hive), NOW)
    assert [len(b.payouts) for b in hive_plan.batches] == [20] * 5


def test_one_member_with_many_entries_gets_several_actions() -> None:
    entries = [due(n, "ann", "1") for n in range(1, 61)]
    (batch,) = plan_payouts(entries, Usage("2026-03-01"), RULES, SidechainOutput(RULES),
                            NOW).batches
    assert [len(p.entries) for p in batch.payouts] == [25, 25, 10]
    assert sum(p.units for p in batch.payouts) == 60


def test_daily_cadence_pays_once_a_day_from_its_hour() -> None:
    rules = replace(RULES, cadence="daily", daily_at=13)
    assert not payout_due(rules, NOW, "")  # 12:00 < 13:00
    later = NOW.replace(hour=14)
    assert payout_due(rules, later, "2026-02-28") and not payout_due(rules, later, "2026-03-01")
    assert payout_due(RULES, NOW, "2026-03-01")


def test_the_batch_operation_matches_the_golden_file(update_golden: bool) -> None:
    entries = [due(1, "ann", "2.5"), due(2, "ann", "0.25"), due(3, "bob-cn", "12")]
    (batch,) = plan_payouts(entries, Usage("2026-03-01"), RULES, SidechainOutput(RULES),
                            NOW).batches
    actual = {"key": batch.intent.key, "account": batch.intent.account,
              "kind": batch.intent.kind.value,
              "operations": [[n, p] for n, p in batch.intent.operations],
              "json": json.loads(batch.intent.operations[0][1]["json"])}
    if update_golden or not GOLDEN.exists():
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
        if not update_golden:
            pytest.fail(f"wrote missing golden file {GOLDEN}; review and commit it")
    assert actual == json.loads(GOLDEN.read_text())
