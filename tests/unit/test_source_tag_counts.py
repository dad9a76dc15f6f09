"""Posts read from WordPress carry their tags' site-wide use counts where WordPress gave them."""

from __future__ import annotations

from typing import Any

from connectors.wordpress_posts import WordPressPosts


class TermsApi:
    """Only what ``to_record`` asks for: names of terms that were not embedded."""

    def term_names(self, taxonomy: str, ids: list[int]) -> dict[int, str]:
        return {i: f"fetched-{i}" for i in ids if i != 99}  # 99: a deleted tag

    def media_url(self, media_id: int) -> str:
        return ""

    def user_steem_account(self, user_id: int) -> str:
        return "alice"


def raw_post(embedded_tags: list[dict[str, Any]], tag_ids: list[int]) -> dict[str, Any]:
    return {"id": 5, "author": 1, "status": "publish", "tags": tag_ids, "categories": [],
            "_embedded": {"wp:term": [embedded_tags, []]}}  # fmt: skip


def test_tag_counts_follow_the_tags_and_are_none_where_unknown() -> None:
    embedded = [{"id": 1, "name": "a-tag", "taxonomy": "post_tag", "count": 3},
                {"id": 2, "name": "区块链", "taxonomy": "post_tag", "count": 40},
                {"id": 3, "name": "zzz", "taxonomy": "post_tag"}]  # fmt: skip
    record = WordPressPosts(TermsApi(), "demo").to_record(raw_post(embedded, [1, 99, 2, 3, 4]))
    assert record.tags == ("a-tag", "区块链", "zzz", "fetched-4")
    assert record.tag_counts == (3, 40, None, None)


def test_embedded_terms_without_counts_give_unknown_counts() -> None:
    embedded = [{"id": 1, "name": "news", "taxonomy": "post_tag"}]  # the REST "embed" context
    record = WordPressPosts(TermsApi(), "demo").to_record(raw_post(embedded, [1]))
    assert record.tags == ("news",)
    assert record.tag_counts == (None,)
