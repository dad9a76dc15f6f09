"""comment_options: payout choices and beneficiary validation."""

from __future__ import annotations

import pytest

from bridge.model import Beneficiary
from mappings.options import (
    OptionsError,
    beneficiaries_extension,
    build_comment_options,
    is_valid_account_name,
)
from tests.mappings.seed_records import golden_context


def test_beneficiaries_are_sorted_by_account() -> None:
    extension = beneficiaries_extension(
        [Beneficiary("zed", 100), Beneficiary("alice", 200), Beneficiary("bob.app", 300)]
    )
    assert extension == [
        [0, {"beneficiaries": [
            {"account": "alice", "weight": 200},
            {"account": "bob.app", "weight": 300},
            {"account": "zed", "weight": 100},
        ]}]
    ]  # fmt: skip


def test_no_beneficiaries_means_empty_extensions() -> None:
    assert beneficiaries_extension([]) == []


@pytest.mark.parametrize(
    ("beneficiaries", "message"),
    [
        ([Beneficiary("alice", 0)], "weight 0"),
        ([Beneficiary("alice", 10001)], "weight 10001"),
        ([Beneficiary("alice", 6000), Beneficiary("bob", 5000)], "add up to 11000"),
        ([Beneficiary("alice", 10), Beneficiary("alice", 10)], "listed twice"),
        ([Beneficiary("Alice", 10)], "not a valid account name"),
        ([Beneficiary(f"acc{n:03d}", 1) for n in range(128)], "at most 127"),
    ],
)
def test_invalid_beneficiaries_raise(beneficiaries: list[Beneficiary], message: str) -> None:
    with pytest.raises(OptionsError, match=message):
        beneficiaries_extension(beneficiaries)


@pytest.mark.parametrize(
    ("name", "valid"),
    [("alice", True), ("a.b", False), ("abc.def", True), ("ab", False), ("1abc", False),
     ("abc-", False), ("abc-d", True), ("a" * 17, False), ("dots..ab", False)],
)  # fmt: skip
def test_account_names(name: str, valid: bool) -> None:
    assert is_valid_account_name(name) is valid


@pytest.mark.parametrize(
    ("payout", "percent", "max_payout"),
    [("50/50", 10000, "1000000.000 SBD"), ("power_up", 0, "1000000.000 SBD"),
     ("decline", 0, "0.000 SBD")],
)  # fmt: skip
def test_payout_choices(payout: str, percent: int, max_payout: str) -> None:
    from dataclasses import replace

    ctx = replace(golden_context(), payout=payout)
    options = build_comment_options("alice", "p", ctx)
    assert options == {
        "author": "alice",
        "permlink": "p",
        "max_accepted_payout": max_payout,
        "percent_steem_dollars": percent,
        "allow_votes": True,
        "allow_curation_rewards": True,
        "extensions": [],
    }


def test_hive_symbols_and_keys() -> None:
    from dataclasses import replace

    ctx = replace(golden_context(), sbd_symbol="HBD", percent_key="percent_hbd",
                  max_accepted_payout="1000.000 HBD", payout="decline")  # fmt: skip
    assert build_comment_options("alice", "p", ctx)["max_accepted_payout"] == "0.000 HBD"
    ctx = replace(ctx, payout="50/50")
    options = build_comment_options("alice", "p", ctx)
    assert options["percent_hbd"] == 10000 and options["max_accepted_payout"] == "1000.000 HBD"


def test_mismatched_symbol_and_unknown_payout_raise() -> None:
    from dataclasses import replace

    with pytest.raises(OptionsError, match="must look like"):
        build_comment_options("a", "p", replace(golden_context(), max_accepted_payout="1.000 HBD"))
    with pytest.raises(OptionsError, match="unknown"):
        build_comment_options("a", "p", replace(golden_context(), payout="all"))
