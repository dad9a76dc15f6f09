"""WordPress posts as a ``bridge.ports.Source[PostRecord | Unreadable]``, oldest change first.

Turns what a WordPress connector returns (the REST ``context=edit`` post shape, which
``connectors.wordpress_rest`` answers natively and ``connectors.wordpress_xmlrpc`` imitates) into
typed ``PostRecord``s, so records leave ``connectors/`` already typed; a post whose details
WordPress refuses comes as ``Unreadable`` in its place.

Two ways to learn what changed, the first one the site offers:

* The companion plugin's change feed (``wp-steem-bridge/v1/changes``, a commit-safe sequence of
  saves, status changes and permanent deletes): the cursor's ``seq`` is the last sequence read
  (zero-padded: the engine keeps the larger string). When nothing changed, a tick costs that one
  request. Changed posts are then read by id in any status (draft, private, pending, future, trash
  included, so unpublishing is seen); a deleted post, or one WordPress no longer returns, comes as
  a tombstone (``bridge.model.tombstone``, status "deleted"). A cursor without ``seq`` (first run,
  a bridge upgraded from the poll, or a feed pruned past the cursor: ``reset``) first takes the
  feed's current end, then polls as below once; the last record of that poll carries the ``seq``
  (a poll that yields nothing leaves the cursor without it, and the next tick does this again).
* The REST poll, the fallback for sites without the plugin's feed. The cursor holds the site-local
  ``modified`` and ``date`` of the newest posts already enqueued; each poll asks for
  ``modified_after = modified - overlap`` (edits, new posts, trashing, unpublishing) and
  ``after = date - overlap`` (scheduled posts: WordPress publishes them without touching their
  modified date). Posts saved within the same second, or committed late, are seen again;
  idempotent intent keys drop the repeats.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from typing import Any, Protocol

from bridge.failures import TerminalError
from bridge.model import PostRecord, SourceRef, Unreadable, later, now_text, tombstone
from bridge.ports import Cursor, PostSelection

IDS_PER_QUERY = 100  # ids per listing (a resumed backfill names every post it selected)
# the poll also lists unpublished posts, so a bridged post taken back is seen (not "future": a
# scheduled post is not the chain's business until WordPress publishes it)
POLL_STATUSES = "publish,trash,draft,pending,private"
FEED_STATUSES = "publish,future,draft,pending,private,trash"  # a changed post, whatever it is now
FEED_PAGE = 100
SEQ_DIGITS = 20
log = logging.getLogger("wp_steem_bridge.wordpress")
Pair = tuple[PostRecord | Unreadable, Cursor]


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
    def changes(self, after: int, *, post_type: str = ..., limit: int = ...) -> dict[str, Any]: ...


COUNT_TTL = 3600.0  # seconds a tag's use count is reused before it is read again


def window_start(cursor_modified: str | None, overlap_seconds: int) -> str | None:
    if not cursor_modified:
        return None
    return later(cursor_modified, -timedelta(seconds=overlap_seconds))


class WordPressPosts:
    """Published posts of one post type of one site."""

    def __init__(self, api: WordPressApi, site_id: str, post_type: str = "posts",
                 overlap_seconds: int = 3900, published_overlap_seconds: int = 172800,
                 *, use_feed: bool = True) -> None:
        self.api = api
        self.use_feed = use_feed  # False: always the REST poll
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

    def changed_since(self, cursor: Cursor) -> Iterator[Pair]:
        """(record, cursor position) pairs, oldest change first: from the change feed when the
        site offers it, else the REST poll."""
        self._accounts.clear()
        seq = int(cursor["seq"]) if cursor.get("seq", "").isdigit() else None
        page = self._feed_page(seq or 0, 0 if seq is None else FEED_PAGE) if self.use_feed \
            else None
        if page is None:
            yield from self._poll(cursor)
        elif seq is None or page.get("reset"):
            # start reading the feed at its current end, after one poll covers what came before
            yield from _then_seq(self._poll(cursor), int(page.get("last") or 0))
        else:
            yield from self._feed(seq, page)

    def _feed_page(self, after: int, limit: int) -> dict[str, Any] | None:
        """One page of the feed; None when the site has none (no plugin, an older one, or the
        bridge's user may not read it): the poll takes over."""
        try:
            return self.api.changes(after, post_type=_object_type(self.post_type), limit=limit)
        except TerminalError as exc:
            log.debug("no change feed for %s, polling: %s", self.name, exc.message)
            return None

    def _feed(self, seq: int, page: dict[str, Any]) -> Iterator[Pair]:
        while True:
            rows = [r for r in page.get("changes") or [] if isinstance(r, dict)]
            yield from self._feed_records(rows)
            if len(rows) < FEED_PAGE:
                return
            seq = max(seq, int(page.get("last") or 0))
            page = self.api.changes(seq, post_type=_object_type(self.post_type),
                                    limit=FEED_PAGE)

    def _feed_records(self, rows: list[dict[str, Any]]) -> Iterator[Pair]:
        """The posts these rows name, each once, in the order of their last change."""
        latest: dict[int, dict[str, Any]] = {}
        for row in rows:
            latest.pop(int(row["object_id"]), None)
            latest[int(row["object_id"])] = row
        wanted = [i for i, row in latest.items() if row.get("kind") != "deleted"]
        found = {int(raw["id"]): raw for raw in self.api.posts_by_id(
            wanted, post_type=self.post_type, status=FEED_STATUSES)} if wanted else {}
        now = _utcnow()
        for object_id, row in latest.items():
            position = {"seq": _seq_text(int(row["seq"]))}
            raw = found.get(object_id) if row.get("kind") != "deleted" else None
            if raw is None:  # deleted, or gone since (its tombstone is further on)
                details = row.get("details")
                details = details if isinstance(details, dict) else {}
                yield tombstone(self._ref(object_id), str(row.get("at") or now),
                                str(details.get("title") or "")), position
            else:
                yield self._read(raw), _position(raw, now) | position

    def _poll(self, cursor: Cursor) -> Iterator[Pair]:
        """Changes in modified order, then newly published posts (with the overlap windows)."""
        seen: set[tuple[int, str]] = set()
        modified_after = window_start(cursor.get("modified"), self.overlap_seconds)
        # unpublished and trashed posts too: a bridged one is deleted on chain when allowed
        changed = self.api.posts_modified_since(modified_after, post_type=self.post_type,
                                                status=POLL_STATUSES)
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

    def _ref(self, object_id: int | str) -> SourceRef:
        return SourceRef("wp", self.site_id, _object_type(self.post_type), str(object_id))

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
            return Unreadable(self._ref(raw["id"]), exc.message)

    def to_record(self, raw: dict[str, Any]) -> PostRecord:
        author_id = int(raw.get("author") or 0)
        tag_pairs = self._term_pairs("tags", "post_tag", raw)
        tags = tuple(name for _, name in tag_pairs)
        return PostRecord(
            source=self._ref(raw["id"]),
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


def _then_seq(pairs: Iterable[Pair], seq: int) -> Iterator[Pair]:
    """``pairs`` with ``seq`` added to the last one's position (the feed is read from ``seq`` on
    once everything before it was applied)."""
    previous: Pair | None = None
    for pair in pairs:
        if previous is not None:
            yield previous
        previous = pair
    if previous is not None:
        yield previous[0], previous[1] | {"seq": _seq_text(seq)}


def _seq_text(seq: int) -> str:
    return str(seq).zfill(SEQ_DIGITS)


def _utcnow() -> str:
    return now_text()


def _object_type(post_type: str) -> str:
    return {"posts": "post", "pages": "page", "topics": "topic"}.get(post_type, post_type)


def _field(raw: dict[str, Any], name: str, part: str) -> str:
    value = raw.get(name)
    if isinstance(value, dict):
        return str(value.get(part) or "")
    return str(value or "")
