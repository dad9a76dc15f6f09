"""connectors/wordpress_comments.py: the change feed's comment rows -> typed records, each
comment once in the order of its last change, deletes from what the feed kept, pages and resets."""

from __future__ import annotations

from typing import Any

from bridge.model import CommentRecord, Unreadable
from connectors.wordpress_comments import FEED_PAGE, WordPressComments


class FeedApi:
    def __init__(self, rows: list[dict[str, Any]], comments: dict[int, dict[str, Any]],
                 pruned: int = 0) -> None:
        self.rows, self.comments, self.pruned = rows, comments, pruned
        self.calls: list[tuple[int, str]] = []

    def changes(self, after: int, *, post_type: str = "post", limit: int = 100) -> dict:
        self.calls.append((after, post_type))
        if 0 < after < self.pruned:
            return {"changes": [], "last": len(self.rows), "reset": True}
        page = [r for r in self.rows if r["seq"] > after][:limit]
        return {"changes": page, "last": page[-1]["seq"] if page else after, "reset": False}

    def comments_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        return [self.comments[i] for i in ids if i in self.comments]


def row(seq: int, object_id: int, kind: str = "saved", **extra: Any) -> dict[str, Any]:
    return {"seq": seq, "object_type": "comment", "object_id": object_id, "kind": kind,
            "status": "approved", "at": f"2026-01-01T00:00:{seq:02d}", **extra}


def raw(comment_id: int, **extra: Any) -> dict[str, Any]:
    return {"id": comment_id, "post_id": 7, "post_type": "post", "post_status": "publish",
            "post_author": "alice", "post_permlink": "p7", "post_chain": "published",
            "parent_id": 0, "user_id": 3, "steem_account": "bob", "author_name": "Bob",
            "content": "hi", "status": "approved", "type": "comment",
            "date_gmt": "2026-01-01T00:00:00", "link": "http://wp/?p=7#comment-1",
            "origin": "", **extra}


def test_each_comment_once_in_the_order_of_its_last_change() -> None:
    api = FeedApi([row(1, 10), row(2, 11), row(3, 10, "status"), row(4, 12, "deleted", details={
        "post_id": 7, "steem_origin": "wordpress", "comment_type": "comment"})],
        {10: raw(10, content="edited"), 11: raw(11, type="like")})
    pairs = list(WordPressComments(api, "demo").changed_since({}))
    records = [r for r, _ in pairs]
    assert [r.source.object_id for r in records] == ["11", "10", "12"]
    assert [p["seq"] for _, p in pairs] == ["00000000000000000002", "00000000000000000003",
                                           "00000000000000000004"]
    like, edited, deleted = records
    assert isinstance(edited, CommentRecord) and edited.content == "edited"
    assert edited.author_account == "bob" and edited.changed_gmt == "2026-01-01T00:00:03"
    assert (edited.post_author, edited.post_permlink, edited.post_chain) == (
        "alice", "p7", "published")
    assert isinstance(like, CommentRecord) and like.comment_type == "like"
    assert isinstance(deleted, CommentRecord) and deleted.status == "deleted"
    assert (deleted.post_id, deleted.origin) == (7, "wordpress")
    assert api.calls == [(0, "comment")]


def test_a_comment_gone_since_its_row_is_deleted_and_a_malformed_one_unreadable() -> None:
    api = FeedApi([row(1, 20), row(2, 21)], {21: raw(21, post_id="not a number")})
    gone, broken = [r for r, _ in WordPressComments(api, "demo").changed_since({})]
    assert isinstance(gone, CommentRecord) and gone.status == "deleted"
    assert isinstance(broken, Unreadable) and "malformed" in broken.reason


def test_pages_are_followed_and_a_pruned_cursor_reads_everything_kept_again() -> None:
    rows = [row(n, 100 + n) for n in range(1, FEED_PAGE + 6)]
    api = FeedApi(rows, {100 + n: raw(100 + n) for n in range(1, FEED_PAGE + 6)}, pruned=50)
    source = WordPressComments(api, "demo")
    assert len(list(source.changed_since({}))) == FEED_PAGE + 5
    api.calls.clear()
    again = list(source.changed_since({"seq": "00000000000000000010"}))
    assert len(again) == FEED_PAGE + 5 and api.calls[:2] == [(10, "comment"), (0, "comment")]


def test_fetch_reads_deferred_comments_by_id() -> None:
    api = FeedApi([], {5: raw(5)})
    found = WordPressComments(api, "demo").fetch([5, 6])
    assert [r.source.object_id for r in found] == ["5"]
