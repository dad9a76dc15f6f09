"""Tags: normalized to Steem's rules, every drop explained, community tag first, the slots
going to the terms the site means (categories, then the most used tags), not the alphabet."""

from __future__ import annotations

import json
from dataclasses import replace

from bridge.model import Intent, MappingContext
from mappings.posts import post_to_intent
from mappings.tags import map_tags, normalize_tag, with_category_first
from tests.mappings.factories import make_post

CTX = MappingContext(site_id="demo", site_url="http://127.0.0.1:8088", site_name="Demo",
                     now="2026-11-21T12:00:00", max_tags=5)  # fmt: skip
SITE_TAGS = ("dup", "x", "区块链", "社区", "比特币", "a-tag", "zzz")
# How WordPress lists the same terms (by name: Chinese last) and their site-wide use counts.
ALPHABETICAL = ("a-tag", "dup", "x", "zzz", "区块链", "比特币", "社区")
USE_COUNTS = (1, 2, 1, 1, 40, 12, 25)


def test_normalization() -> None:
    assert normalize_tag("Steem") == "steem"
    assert normalize_tag("区块链") == "qukuailian"
    assert normalize_tag("Smart_Media") == "smart-media"
    assert normalize_tag("  Crème  ") == "creme"


def test_invalid_tags_are_dropped_with_reasons() -> None:
    tags, notes = map_tags(["2019", "a-b-c", "x" * 25, "!!!", "good", "Good"], max_tags=5)
    assert tags == ["good"]
    joined = "\n".join(notes)
    assert "'2019' dropped: must start with a letter" in joined
    assert "'a-b-c' dropped: more than one dash" in joined
    assert "longer than 24" in joined
    assert "'!!!' dropped: no letters or digits left" in joined
    assert "'Good' dropped: same as 'good'" in joined


def test_at_most_max_tags_and_extra_ones_noted() -> None:
    tags, notes = map_tags(["a1", "b2", "c3", "d4", "e5", "f6"], max_tags=5)
    assert tags == ["a1", "b2", "c3", "d4", "e5"]
    assert notes == ["tag 'f6' dropped: more than 5 tags"]


def test_community_tag_goes_first_and_only_one() -> None:
    tags, notes = map_tags(["cn", "hive-180932", "hive-123456"], max_tags=5)
    assert tags == ["hive-180932", "cn"]
    assert any("one community" in note for note in notes)


def test_fallback_and_uncategorized() -> None:
    tags, notes = map_tags(["Uncategorized", "未分类"], max_tags=5)
    assert tags == ["blog"]
    assert any("WordPress default category" in note for note in notes)


def test_edit_keeps_category_first() -> None:
    assert with_category_first(["news", "cn"], "photography", 2) == ["photography", "news"]
    assert with_category_first(["news", "cn"], "cn", 5) == ["cn", "news"]


def metadata_tags(intent: Intent | object) -> list[str]:
    assert isinstance(intent, Intent), intent
    return json.loads(intent.operations[0][1]["json_metadata"])["tags"]


def test_one_character_tags_give_their_slot_to_meaningful_ones() -> None:
    post = make_post(tags=SITE_TAGS, categories=("Blockchain News",))
    intent = post_to_intent(post, replace(CTX, tags_from="both"), None)
    assert metadata_tags(intent) == ["blockchain-news", "dup", "qukuailian", "shequ", "bitebi"]
    assert "tag 'x' dropped: more than 5 tags" in intent.notes


def test_most_used_tags_win_over_the_alphabet() -> None:
    post = make_post(tags=ALPHABETICAL, tag_counts=USE_COUNTS, categories=("Blockchain News",))
    intent = post_to_intent(post, replace(CTX, tags_from="both"), None)
    assert metadata_tags(intent) == ["blockchain-news", "qukuailian", "shequ", "bitebi", "dup"]
    assert intent.category == "blockchain-news"


def test_most_used_tag_becomes_the_category_of_a_tags_only_site() -> None:
    intent = post_to_intent(make_post(tags=ALPHABETICAL, tag_counts=USE_COUNTS), CTX, None)
    assert metadata_tags(intent) == ["qukuailian", "shequ", "bitebi", "dup", "a-tag"]


def test_unknown_counts_rank_after_known_ones_in_the_order_given() -> None:
    tags, notes = map_tags(["b1", "a1", "c1", "d1"], max_tags=3, counts=[None, 5])
    assert tags == ["a1", "b1", "c1"]
    assert notes == ["tag 'd1' dropped: more than 3 tags"]


def test_pinned_terms_keep_their_place_and_duplicates_take_no_slot() -> None:
    tags, notes = map_tags(["Travel", "x", "Dup", "dup", "food", "tea"], max_tags=3,
                           counts=[None, 9, 1, 7, 3, 2], pinned=1)  # fmt: skip
    assert tags == ["travel", "dup", "food"]  # "dup" ranks by its most used spelling
    assert notes == ["tag 'tea' dropped: more than 3 tags", "tag 'x' dropped: more than 3 tags"]


def test_authors_own_tag_list_keeps_its_order() -> None:
    post = make_post(tags=ALPHABETICAL, tag_counts=USE_COUNTS,
                     meta={"steem_tags": "x,zzz,a-tag,dup,tea,cn"})  # fmt: skip
    assert metadata_tags(post_to_intent(post, CTX, None)) == ["x", "zzz", "a-tag", "dup", "tea"]
