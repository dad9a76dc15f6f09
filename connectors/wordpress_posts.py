"""WordPress posts as a ``bridge.ports.Source[PostRecord | Unreadable]``, oldest change first.

Turns what a WordPress connector returns (the REST ``context=edit`` post shape, which
``connectors.wordpress_rest`` answers natively and ``connectors.wordpress_xmlrpc`` imitates) into
typed ``PostRecord``s, so records leave ``connectors/`` already typed; a post whose details
WordPress refuses comes as ``Unreadable`` in its place.

Owns the poll windows. The cursor holds the site-local ``modified`` and ``date`` of the newest
posts already enqueued; each poll asks for ``modified_after = modified - overlap`` (edits, new
posts, trashing) and ``after = date - overlap`` (scheduled posts: WordPress publishes them
without touching their modified date). Posts saved within the same second, or committed late, are
seen again; idempotent intent keys drop the repeats.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any, Protocol

from bridge.failures import TerminalError
from bridge.model import PostRecord, SourceRef, Unreadable, later, now_text
from bridge.ports import Cursor, PostSelection

IDS_PER_QUERY = 100  # ids per listing (a resumed backfill names every post it selected)


class WordPressApi(Protocol):
    def posts_modified_since(self, modified_after: str | None, *, post_type: str = ...,
                             status: str = ...) -> Iterator[dict[str, Any]]: ...
    def posts_published_since(self, published_after: str | None, *, post_type: str = ...,
                              status: str = ...) -> Iterator[dict[str, Any]]: ...
    def posts_by_id(self, ids: list[int], *, post_type: str = ...,
                    status: str = ...) -> list[dict[str, Any]]: ...
    def posts_between(self, since: str | None, until: str | None, *, ids: Sequence[int] = ...,
                      categories: Sequence[str] = ..., post_type: str = ...,
                      status: str = ...) -> Iterator[dict[str, Any]]: ...
    def term_names(self, taxonomy: str, ids: list[int]) -> dict[int, str]: ...
    def term_counts(self, taxonomy: str, ids: list[int]) -> dict[int, int]: ...
    def media_url(self, media_id: int) -> str: ...
    def user_steem_account(self, user_id: int) -> str: ...


COUNT_TTL = 3600.0  # seconds a tag's use count is reused before it is read again


def window_start(cursor_modified: str | None, overlap_seconds: int) -> str | None:
    if not cursor_modified:
        return None
    return later(cursor_modified, -timedelta(seconds=overlap_seconds))


class WordPressPosts:
    """Published posts of one post type of one site."""

    def __init__(self, api: WordPressApi, site_id: str, post_type: str = "posts",
                 overlap_seconds: int = 3900, published_overlap_seconds: int = 172800) -> None:
        self.api = api
        self.site_id = site_id
        self.post_type = post_type
        # site-local times repeat an hour when daylight saving time ends: overlap more than that
        self.overlap_seconds = overlap_seconds
        # WP-cron publishes scheduled posts late on quiet sites ("missed schedule"), with their
        # planned date: look back days, not minutes (repeats cost a page, they change nothing)
        self.published_overlap_seconds = published_overlap_seconds
        self.name = f"wp:{site_id}:{post_type}"
        self._accounts: dict[int, str] = {}
        self._counts: dict[int, tuple[int | None, float]] = {}  # tag id -> (use count, read at)

    def changed_since(self, cursor: Cursor
                      ) -> Iterator[tuple[PostRecord | Unreadable, Cursor]]:
        """(record, cursor position) pairs: changes in modified order, then newly published."""
        self._accounts.clear()
        seen: set[tuple[int, str]] = set()
        modified_after = window_start(cursor.get("modified"), self.overlap_seconds)
        # trashed posts too: a bridged post moved to the trash is deleted on chain when allowed
        changed = self.api.posts_modified_since(modified_after, post_type=self.post_type,
                                                status="publish,trash")
        published_after = window_start(cursor.get("date"), self.published_overlap_seconds)
        published = self.api.posts_published_since(published_after, post_type=self.post_type,
                                                   status="publish")
        for stream in (changed, published):
            for raw in stream:
                identity = (int(raw["id"]), str(raw.get("modified_gmt", "")))
                if identity in seen:
                    continue
                seen.add(identity)
                yield self._read(raw), _position(raw, _utcnow())

    def fetch(self, object_ids: list[int]) -> Sequence[PostRecord | Unreadable]:
        """Current state of specific posts (deferred ones coming due)."""
        self._accounts.clear()
        return [self._read(raw) for raw in self.api.posts_by_id(object_ids,
                                                                post_type=self.post_type)]

    def select(self, selection: PostSelection) -> list[PostRecord | Unreadable]:
        """Published posts a backfill takes (``bridge.ports.PostSelection``), oldest first."""
        self._accounts.clear()
        chunks = [selection.ids[i:i + IDS_PER_QUERY]
                  for i in range(0, len(selection.ids), IDS_PER_QUERY)] or [()]
        found = [raw for ids in chunks for raw in self.api.posts_between(
            selection.since, selection.until, ids=ids, categories=selection.categories,
            post_type=self.post_type, status="publish")]
        found.sort(key=lambda raw: (str(raw.get("date_gmt") or ""), int(raw["id"])))
        return [self._read(raw) for raw in found]

    def _read(self, raw: dict[str, Any]) -> PostRecord | Unreadable:
        """One post whose details WordPress refuses (say, its author is hidden from the
        bridge's user) is reported on its own instead of stopping the poll at it forever."""
        try:
            return self.to_record(raw)
        except TerminalError as exc:
            source = SourceRef("wp", self.site_id, _object_type(self.post_type), str(raw["id"]))
            return Unreadable(source, exc.message)

    def to_record(self, raw: dict[str, Any]) -> PostRecord:
        author_id = int(raw.get("author") or 0)
        tag_pairs = self._term_pairs("tags", "post_tag", raw)
        tags = tuple(name for _, name in tag_pairs)
        return PostRecord(
            source=SourceRef("wp", self.site_id, _object_type(self.post_type), str(raw["id"])),
            post_type=str(raw.get("type", "post")),
            status=str(raw.get("status", "")),
            slug=str(raw.get("slug", "")),
            link=str(raw.get("link", "")),
            title_raw=_field(raw, "title", "raw"),
            title_rendered=html.unescape(_field(raw, "title", "rendered")),
            content_raw=_field(raw, "content", "raw"),
            content_rendered=_field(raw, "content", "rendered"),
            excerpt_raw=_field(raw, "excerpt", "raw"),
            excerpt_rendered=_field(raw, "excerpt", "rendered"),
            date_gmt=str(raw.get("date_gmt") or ""),
            modified_gmt=str(raw.get("modified_gmt") or ""),
            author_id=author_id,
            author_account=self._account(author_id),
            tags=tags,
            tag_counts=self._tag_counts(raw, tag_pairs),
            categories=tuple(n for _, n in self._term_pairs("categories", "category", raw)),
            featured_image=self._featured_image(raw),
            password_protected=bool(raw.get("password")),
            meta=dict(raw.get("meta") or {}) if isinstance(raw.get("meta"), dict) else {},
        )

    def _account(self, author_id: int) -> str:
        if author_id not in self._accounts:
            self._accounts[author_id] = self.api.user_steem_account(author_id) if author_id else ""
        return self._accounts[author_id]

    def _term_pairs(self, field: str, taxonomy: str, raw: dict[str, Any]
                    ) -> list[tuple[int, str]]:
        """(id, name) of the post's terms in WordPress's order; deleted terms left out."""
        wanted = [int(i) for i in raw.get(field) or []]
        names = _embedded_terms(raw, taxonomy)
        missing = [i for i in wanted if i not in names]
        if missing:
            names.update(self.api.term_names(field, missing))
        return [(i, names[i]) for i in wanted if i in names]

    def _tag_counts(self, raw: dict[str, Any], tags: list[tuple[int, str]]
                    ) -> tuple[int | None, ...]:
        """How often the site uses each tag (the mapping ranks tags by it): embedded counts
        where WordPress gives them, else one read of the tags not seen within ``COUNT_TTL``."""
        embedded = dict(zip(tags, _embedded_counts(raw, "post_tag", tuple(n for _, n in tags)),
                            strict=True))
        now = time.monotonic()
        stale = [i for (i, name) in tags if embedded[(i, name)] is None and
                 now - self._counts.get(i, (None, -COUNT_TTL))[1] >= COUNT_TTL]
        if stale:
            read = self.api.term_counts("tags", stale)
            self._counts.update((i, (read.get(i), now)) for i in stale)
        return tuple(count if count is not None else self._counts.get(pair[0], (None, 0.0))[0]
                     for pair, count in embedded.items())

    def _featured_image(self, raw: dict[str, Any]) -> str:
        media_id = int(raw.get("featured_media") or 0)
        if not media_id:
            return ""
        for media in (raw.get("_embedded") or {}).get("wp:featuredmedia") or []:
            if isinstance(media, dict) and media.get("id") == media_id:
                return str(media.get("source_url") or "")
        return self.api.media_url(media_id)


def _embedded_terms(raw: dict[str, Any], taxonomy: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for group in (raw.get("_embedded") or {}).get("wp:term") or []:
        for term in group if isinstance(group, list) else []:
            if isinstance(term, dict) and term.get("taxonomy") == taxonomy and "id" in term:
                found[int(term["id"])] = str(term.get("name") or term.get("slug") or "")
    return found


def _embedded_counts(raw: dict[str, Any], taxonomy: str,
                     names: tuple[str, ...]) -> tuple[int | None, ...]:
    """Use counts of the terms ``names`` where embedded terms carry ``count`` (None elsewhere;
    WordPress embeds terms in the "embed" context, which leaves ``count`` out)."""
    counts: dict[str, int] = {}
    for group in (raw.get("_embedded") or {}).get("wp:term") or []:
        for term in group if isinstance(group, list) else []:
            if isinstance(term, dict) and term.get("taxonomy") == taxonomy and \
                    isinstance(term.get("count"), int):
                counts[str(term.get("name") or term.get("slug") or "")] = term["count"]
    return tuple(counts.get(name) for name in names)


def _position(raw: dict[str, Any], now_gmt: str) -> dict[str, str]:
    """How far this post moves the cursor. Times in the future never move it: WordPress gives a
    new post ``modified = date``, so a back- or forward-dated post would otherwise push the
    cursor past edits still to come."""
    position = {}
    if raw.get("modified") and str(raw.get("modified_gmt") or "") <= now_gmt:
        position["modified"] = str(raw["modified"])
    if raw.get("status") == "publish" and raw.get("date") and \
            str(raw.get("date_gmt") or "") <= now_gmt:
        position["date"] = str(raw["date"])
    return position


def _utcnow() -> str:
    return now_text()


def _object_type(post_type: str) -> str:
    return {"posts": "post", "pages": "page"}.get(post_type, post_type)


def _field(raw: dict[str, Any], name: str, part: str) -> str:
    value = raw.get(name)
    if isinstance(value, dict):
        return str(value.get(part) or "")
    return str(value or "")
