"""The likes source reads a deferred like back by its event id (the feed is append-only, so
event n is the first one after n - 1), with the member's account as WordPress holds it now."""

from __future__ import annotations

from typing import Any

from bridge.like_stream import event_id_of
from bridge.model import LikeEvent
from connectors.wordpress_likes import WordPressLikes


class Feed:
    def __init__(self) -> None:
        self.rows = [{"id": n, "post_id": 12, "user_id": 3, "event": event, "source": "wanzi",
                      "at": "2026-01-01T00:00:00", "steem_account": "Carol"}
                     for n, event in ((1, "like"), (2, "unlike"), (4, "like"))]
        self.calls: list[tuple[int, int]] = []

    def like_events(self, after: int, limit: int = 100) -> dict[str, Any]:
        self.calls.append((after, limit))
        rows = [r for r in self.rows if r["id"] > after][:limit]
        return {"events": rows, "last": rows[-1]["id"] if rows else after}


def test_fetch_reads_each_event_back_by_its_id_and_only_that_event() -> None:
    feed = Feed()
    found = WordPressLikes(feed, "t").fetch([2, 3, 4])
    assert [event_id_of(r) for r in found] == [2, 4]  # 3 is no event: nothing in its place
    assert all(isinstance(r, LikeEvent) and r.member_account == "carol" for r in found)
    assert [r.event for r in found if isinstance(r, LikeEvent)] == ["unlike", "like"]
    assert feed.calls == [(1, 1), (2, 1), (3, 1)]  # one small read each
