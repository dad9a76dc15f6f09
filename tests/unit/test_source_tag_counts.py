"""Posts read from WordPress carry their tags' site-wide use counts where WordPress gave them."""

from __future__ import annotations

from typing import Any

from connectors.wordpress_posts import WordPressPosts


class TermsApi:
    """Only what ``to_record`` asks for: names of terms that were not embedded."""

    def term_names(self, taxonomy: str, ids: list[int]) -> dict[int, str]:
        return {i: f"fetched-{i}" for i in ids if i != 99}  # 99: a deleted tag

    def __init__(self) -> None:
        self.count_reads: list[list[int]] = []

    def term_counts(self, taxonomy: str, ids: list[int]) -> dict[int, int]:
        self.count_reads.append(ids)
        return {i: 10 * i for i in ids if i != 3}  # 3: WordPress says nothing of it

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
    api = TermsApi()
    record = WordPressPosts(api, "demo").to_record(raw_post(embedded, [1, 99, 2, 3, 4]))
    assert record.tags == ("a-tag", "区块链", "zzz", "fetched-4")
    assert record.tag_counts == (3, 40, None, 40)  # embedded, else read once; 3 stays unknown
    assert api.count_reads == [[3, 4]]


def test_counts_the_embed_context_leaves_out_are_read_once_and_reused() -> None:
    """WordPress embeds terms without ``count``: the source reads the counts of tags it has
    not seen lately in one request, and reuses them for the next posts."""
    embedded = [{"id": 1, "name": "news", "taxonomy": "post_tag"},
                {"id": 2, "name": "区块链", "taxonomy": "post_tag"}]  # fmt: skip
    api = TermsApi()
    source = WordPressPosts(api, "demo")
    assert source.to_record(raw_post(embedded, [1, 2])).tag_counts == (10, 20)
    assert source.to_record(raw_post(embedded, [2, 1])).tag_counts == (20, 10)
    assert api.count_reads == [[1, 2]]
