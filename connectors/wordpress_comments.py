"""WordPress comments as a ``bridge.ports.Source[CommentRecord | Unreadable]``, oldest change
first, from the companion plugin's change feed.

The feed (``wp-steem-bridge/v1/changes?type=comment``, commit-safe; see the plugin's
includes/comment-feed.php) records every insert (core and the mini-program backends, which use
``wp_insert_comment``), edit, status change and permanent delete of a comment. The cursor's
``seq`` is the last sequence read (zero-padded: the engine keeps the larger string); the first
run reads the feed from its start (the feed only holds what happened since the plugin recorded
comments, at most its keep window). Changed comments are read by id through
``wp-steem-bridge/v1/comments`` in any status; one deleted, or gone since, comes as a record of
status "deleted" with what the feed kept of it. There is no fallback without the plugin: its
absence is a ``Code.PLUGIN_MISSING`` error the engine shows in ``status``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from bridge.model import CommentRecord, SourceRef, Unreadable, now_text
from bridge.ports import Cursor

FEED_PAGE = 100
SEQ_DIGITS = 20
IDS_PER_READ = 100
Pair = tuple[CommentRecord | Unreadable, Cursor]


class CommentApi(Protocol):
    def changes(self, after: int, *, post_type: str = ..., limit: int = ...) -> dict[str, Any]: ...
    def comments_by_id(self, ids: list[int]) -> list[dict[str, Any]]: ...


class WordPressComments:
    """The comments of one site."""

    def __init__(self, api: CommentApi, site_id: str) -> None:
        self.api = api
        self.site_id = site_id
        self.name = f"wp:{site_id}:comments"

    def changed_since(self, cursor: Cursor) -> Iterator[Pair]:
        seq = int(cursor["seq"]) if cursor.get("seq", "").isdigit() else 0
        page = self.api.changes(seq, post_type="comment", limit=FEED_PAGE)
        if page.get("reset"):  # pruned past the cursor: everything still kept, once again
            seq = 0
            page = self.api.changes(0, post_type="comment", limit=FEED_PAGE)
        while True:
            rows = [r for r in page.get("changes") or [] if isinstance(r, dict)]
            yield from self._records(rows)
            if len(rows) < FEED_PAGE:
                return
            seq = max(seq, int(page.get("last") or 0))
            page = self.api.changes(seq, post_type="comment", limit=FEED_PAGE)

    def _records(self, rows: list[dict[str, Any]]) -> Iterator[Pair]:
        """The comments these rows name, each once, in the order of their last change."""
        latest: dict[int, dict[str, Any]] = {}
        for row in rows:
            latest.pop(int(row["object_id"]), None)
            latest[int(row["object_id"])] = row
        wanted = [i for i, row in latest.items() if row.get("kind") != "deleted"]
        found = {int(raw["id"]): raw for raw in self._read(wanted)}
        for object_id, row in latest.items():
            position = {"seq": str(int(row["seq"])).zfill(SEQ_DIGITS)}
            changed = str(row.get("at") or now_text())
            raw = found.get(object_id) if row.get("kind") != "deleted" else None
            if raw is None:
                yield self._deleted(object_id, row, changed), position
            else:
                yield self._typed(raw, changed), position

    def _read(self, ids: list[int]) -> list[dict[str, Any]]:
        return [raw for start in range(0, len(ids), IDS_PER_READ)
                for raw in self.api.comments_by_id(ids[start:start + IDS_PER_READ])]

    def fetch(self, object_ids: list[int]) -> Sequence[CommentRecord | Unreadable]:
        """Current state of specific comments (deferred ones coming due)."""
        return [self._typed(raw, "") for raw in self._read(list(object_ids))]

    def _ref(self, object_id: int | str) -> SourceRef:
        return SourceRef("wp", self.site_id, "comment", str(object_id))

    def _deleted(self, object_id: int, row: dict[str, Any], changed: str) -> CommentRecord:
        details = row.get("details") if isinstance(row.get("details"), dict) else {}
        assert isinstance(details, dict)
        return CommentRecord(source=self._ref(object_id), post_id=int(details.get("post_id") or 0),
                             post_type="post", status="deleted", content="",
                             comment_type=str(details.get("comment_type") or "comment"),
                             origin=str(details.get("steem_origin") or ""), changed_gmt=changed)

    def _typed(self, raw: dict[str, Any], changed: str) -> CommentRecord | Unreadable:
        try:
            return CommentRecord(
                source=self._ref(raw["id"]), post_id=int(raw["post_id"]),
                post_type=str(raw.get("post_type") or "post"),
                status=str(raw.get("status") or ""), content=str(raw.get("content") or ""),
                comment_type=str(raw.get("type") or "comment"),
                post_status=str(raw.get("post_status") or ""),
                post_author=str(raw.get("post_author") or ""),
                post_permlink=str(raw.get("post_permlink") or ""),
                post_chain=str(raw.get("post_chain") or ""),
                parent_id=int(raw.get("parent_id") or 0),
                parent_author=str(raw.get("parent_author") or ""),
                parent_permlink=str(raw.get("parent_permlink") or ""),
                parent_chain=str(raw.get("parent_chain") or ""),
                parent_origin=str(raw.get("parent_origin") or ""),
                user_id=int(raw.get("user_id") or 0),
                author_account=str(raw.get("steem_account") or ""),
                author_name=str(raw.get("author_name") or ""),
                date_gmt=str(raw.get("date_gmt") or ""), changed_gmt=changed,
                link=str(raw.get("link") or ""), origin=str(raw.get("origin") or ""))
        except (KeyError, TypeError, ValueError) as exc:
            return Unreadable(self._ref(raw.get("id", 0)),
                              f"the plugin's comment record is malformed ({exc})")
