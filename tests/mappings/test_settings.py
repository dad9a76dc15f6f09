"""Site settings and per-post overrides: tags source/map/defaults, community, payout,
beneficiaries, header, disclosure, category filters and the publish delay."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bridge.model import Beneficiary, Intent, Skip
from mappings.posts import post_to_intent
from mappings.settings import SettingsError, parse_beneficiaries
from tests.mappings.factories import make_post
from tests.mappings.seed_records import golden_context

CTX = golden_context()


def mapped(post, ctx=CTX) -> Intent:  # type: ignore[no-untyped-def]
    outcome = post_to_intent(post, ctx, None)
    assert isinstance(outcome, Intent), outcome
    return outcome


def tags_of(intent: Intent) -> list[str]:
    return json.loads(intent.operations[0][1]["json_metadata"])["tags"]


@pytest.mark.parametrize(("tags_from", "expected"), [("tags", ["news"]), ("categories", ["travel"]),
                                                     ("both", ["travel", "news"])])  # fmt: skip
def test_tags_from(tags_from: str, expected: list[str]) -> None:
    post = make_post(tags=("news",), categories=("Travel",))
    assert tags_of(mapped(post, replace(CTX, tags_from=tags_from))) == expected


def test_default_tags_fill_in_or_append() -> None:
    ctx = replace(CTX, default_tags=("cn", "blog"))
    assert tags_of(mapped(make_post(tags=("news",)), ctx)) == ["news"]
    assert tags_of(mapped(make_post(tags=()), ctx)) == ["cn", "blog"]
    appended = replace(ctx, append_default_tags=True)
    assert tags_of(mapped(make_post(tags=("news",)), appended)) == ["news", "cn", "blog"]


def test_site_tag_map_wins_over_pinyin() -> None:
    ctx = replace(CTX, tag_map=(("区块链", "blockchain"),))
    assert tags_of(mapped(make_post(tags=("区块链", "生活")), ctx)) == ["blockchain", "shenghuo"]


def test_community_is_category_and_metadata() -> None:
    intent = mapped(make_post(tags=("news", "hive-111111")), replace(CTX, community="hive-123456"))
    comment = intent.operations[0][1]
    assert comment["parent_permlink"] == "hive-123456"
    metadata = json.loads(comment["json_metadata"])
    assert metadata["tags"] == ["hive-123456", "news"] and metadata["community"] == "hive-123456"


def test_per_post_overrides() -> None:
    post = make_post(meta={"steem_tags": "photo，travel art", "steem_payout": "decline",
                           "steem_beneficiaries": "zed:500,amy:250"})  # fmt: skip
    intent = mapped(post, replace(CTX, beneficiaries=(Beneficiary("site", 100),)))
    assert tags_of(intent) == ["photo", "travel", "art"]
    options = intent.operations[1][1]
    assert options["max_accepted_payout"] == "0.000 SBD" and options["percent_steem_dollars"] == 0
    assert options["extensions"] == [[0, {"beneficiaries": [{"account": "amy", "weight": 250},
                                                             {"account": "zed", "weight": 500}]}]]


def test_power_up_override_and_bad_meta() -> None:
    options = mapped(make_post(meta={"steem_payout": "power_up"})).operations[1][1]
    assert options["percent_steem_dollars"] == 0 and options["max_accepted_payout"] != "0.000 SBD"
    skip = post_to_intent(make_post(meta={"steem_payout": "all"}), CTX, None)
    assert isinstance(skip, Skip) and "steem_payout 'all' is unknown" in skip.reason
    with pytest.raises(SettingsError):
        parse_beneficiaries("alice")


def test_header_template_and_beneficiary_disclosure() -> None:
    ctx = replace(CTX, header_template="<p>From [%site_name%]: [%title%]</p>",
                  disclose_beneficiaries=True, beneficiaries=(Beneficiary("zed", 150),))
    body = mapped(make_post(title_raw="Fish & Chips"), ctx).operations[0][1]["body"]
    assert body.startswith("<p>From Demo Blog: Fish &amp; Chips</p>\n<p>Some text.</p>")
    assert body.endswith("<p><em>Beneficiaries of this post's rewards: @zed 1.5 %</em></p>")
    assert body == mapped(make_post(title_raw="Fish & Chips"), ctx).operations[0][1]["body"]


def test_category_filters() -> None:
    post = make_post(categories=("Travel", "Food"))
    assert isinstance(post_to_intent(post, replace(CTX, include_categories=("travel",)), None),
                      Intent)  # fmt: skip
    skip = post_to_intent(post, replace(CTX, include_categories=("news",)), None)
    assert isinstance(skip, Skip) and skip.terminal
    skip = post_to_intent(post, replace(CTX, exclude_categories=("Food",)), None)
    assert isinstance(skip, Skip) and "excluded category" in skip.reason


def test_publish_delay_defers_with_retry_time() -> None:
    post = make_post(date_gmt="2026-11-21T11:50:00")
    skip = post_to_intent(post, replace(CTX, publish_delay_seconds=1800), None)
    assert isinstance(skip, Skip) and not skip.terminal
    assert skip.retry_at == "2026-11-21T12:20:00"
    assert isinstance(post_to_intent(post, replace(CTX, publish_delay_seconds=600), None), Intent)
