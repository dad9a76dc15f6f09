"""bbPress replies read as comment records: the feed's ``reply`` rows, the plugin's records, each
record a ``reply`` source under its topic."""

from __future__ import annotations

from typing import Any

from bridge.model import CommentRecord, SourceRef
from connectors.wordpress_bbp_replies import WordPressBbpReplies


class Api:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def changes(self, after: int, *, post_type: str = "post", limit: int = 100) -> dict[str, Any]:
        self.asked.append(post_type)
        rows = [{"seq": 5, "object_type": "reply", "object_id": 12, "kind": "saved"}]
        return {"changes": rows if after < 5 else [], "last": 5}

    def comments_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        raise AssertionError("bbPress replies are not WordPress comments")

    def bbp_replies_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        return [{"id": 12, "post_id": 7, "post_type": "topic", "post_status": "publish",
                 "post_author": "alice", "post_permlink": "a-moment", "post_chain": "published",
                 "parent_id": 11, "status": "approved", "content": "Agreed.", "user_id": 3,
                 "steem_account": "bob", "type": "comment"} for i in ids if i == 12]


def test_replies_come_as_reply_records_under_their_topic() -> None:
    api = Api()
    source = WordPressBbpReplies(api, "demo")
    [(record, position)] = list(source.changed_since({}))
    assert api.asked == ["reply"] and source.name == "wp:demo:replies"
    assert isinstance(record, CommentRecord) and position == {"seq": "5".zfill(20)}
    assert record.source == SourceRef("wp", "demo", "reply", "12")
    assert (record.post_type, record.post_id, record.parent_id) == ("topic", 7, 11)
    assert (record.author_account, record.post_permlink) == ("bob", "a-moment")
