"""Tags: normalized to Steem's rules, every drop explained, community tag first."""

from __future__ import annotations

from mappings.tags import map_tags, normalize_tag, with_category_first


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
