"""Members' likes and unlikes as a ``bridge.ports.Source[LikeEvent | Unreadable]``.

Reads the companion plugin's like-events feed (``GET wp-steem-bridge/v1/likes?after=<id>``,
like-events.php: an append-only, commit-safe table filled by hooks on 丸子's like comments, 微慕's
``_<openid>`` post meta and the site's own like button). The cursor's ``event`` is the last event
id read, zero-padded (the engine keeps the larger string). When nothing happened a tick costs one
request. Each event comes typed, with the member's linked ``steem_account`` as WordPress holds it
when read; a row that cannot be read comes as ``Unreadable`` in its place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from bridge.model import LikeEvent, SourceRef, Unreadable, like_source
from bridge.ports import Cursor

PAGE = 200
EVENT_DIGITS = 20
Pair = tuple[LikeEvent | Unreadable, Cursor]


class LikesApi(Protocol):
    def like_events(self, after: int, limit: int = ...) -> dict[str, Any]: ...


class WordPressLikes:
    def __init__(self, api: LikesApi, site_id: str, page: int = PAGE) -> None:
        self.api = api
        self.site_id = site_id
        self.page = page

    @property
    def name(self) -> str:
        return f"wp:{self.site_id}:likes"

    def changed_since(self, cursor: Cursor) -> Iterator[Pair]:
        after = int(cursor["event"]) if cursor.get("event", "").isdigit() else 0
        while True:
            answer = self.api.like_events(after, self.page)
            rows = [r for r in answer.get("events") or [] if isinstance(r, dict)]
            for row in rows:
                record = self._record(row)
                event_id = record.event_id if isinstance(record, LikeEvent) \
                    else int(record.source.object_id)
                after = max(after, event_id)
                yield record, {"event": str(event_id).zfill(EVENT_DIGITS)}
            if len(rows) < self.page:
                return

    def fetch(self, object_ids: list[int]) -> Sequence[LikeEvent | Unreadable]:
        """These like events again, by event id (a like deferred until its post is on chain;
        the feed is append-only, so event ``n`` is the first one after ``n - 1``), with the
        member's linked account as WordPress holds it now."""
        found: list[LikeEvent | Unreadable] = []
        for event_id in object_ids:
            rows = self.api.like_events(event_id - 1, 1).get("events") or []
            found += [self._record(r) for r in rows[:1]
                      if isinstance(r, dict) and str(r.get("id")) == str(event_id)]
        return found

    def _record(self, row: dict[str, Any]) -> LikeEvent | Unreadable:
        try:
            post_id, user_id = int(row["post_id"]), int(row["user_id"])
            return LikeEvent(source=like_source(self.site_id, post_id, user_id),
                             event_id=int(row["id"]), post_id=post_id, user_id=user_id,
                             event=str(row["event"]), origin=str(row.get("source", "")),
                             at=str(row.get("at", "")),
                             member_account=str(row.get("steem_account") or "").strip().lower())
        except (KeyError, TypeError, ValueError) as exc:
            ref = SourceRef("wp", self.site_id, "like-event", str(int(row.get("id") or 0)))
            return Unreadable(ref, f"like event {row.get('id')!r} cannot be read: {exc!r}")
