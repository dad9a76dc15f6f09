"""The records that cross module boundaries: what a mapping returns and the outbox stores.

Terminology:
    SourceRef  -- where a record came from (``wp:<site>:post:<id>``); stable across edits.
    Intent     -- one chain transaction we mean to broadcast exactly once, with a deterministic
                  idempotency ``key``. Mappings return it, the outbox stores it, the chain
                  connector signs and broadcasts its ``operations``.
    Skip       -- a typed "nothing to do" with the reason, so no record is ever dropped silently.

Times: one type, timezone-aware UTC ``datetime``; text (``YYYY-MM-DDTHH:MM:SS``, what the chain
and the state store write) only at the edges, through ``to_text``/``from_text``. WordPress's
site-local times (the poll cursor) go through the same helpers, as wall-clock values.

Operations are condenser-style ``[name, payload]`` pairs with legacy asset strings
(``"1000000.000 SBD"``), exactly as ``condenser_api.broadcast_transaction`` takes them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class IntentKind(StrEnum):
    """What an intent does on chain; decides which rate-limit rule applies to it."""

    CREATE_POST = "create_post"  # root comment + comment_options (5-minute rule)
    EDIT_POST = "edit_post"  # comment on an existing author/permlink (3-second edit rule)
    DELETE_POST = "delete_post"  # delete_comment
    # an edit replacing the text of a post the chain refused to delete ([mapping]
    # on_refused_delete = "tombstone"): the edit rule, and no link effect
    TOMBSTONE_EDIT = "tombstone_edit"
    REPLY = "reply"  # non-root comment (3-second reply rule)
    VOTE = "vote"  # vote (3-second vote rule)
    CUSTOM_JSON = "custom_json"  # token operations (active key)
    TRANSFER = "transfer"  # transfers (active key)
    ANCHOR = "anchor"  # custom_json with the points ledger's Merkle root (posting key)


class IntentStatus(StrEnum):
    """Life cycle of an outbox row. Only PENDING/SCHEDULED/SIGNED/BROADCAST are live."""

    PENDING = "pending"  # enqueued, may be dispatched when due
    SCHEDULED = "scheduled"  # waiting for a chain-time rule (not_before, in chain time)
    SIGNED = "signed"  # tx id + expiration recorded, broadcast may or may not have happened
    BROADCAST = "broadcast"  # node accepted it, waiting to see it in a block
    CONFIRMED = "confirmed"  # seen in a block (block_num recorded)
    FAILED = "failed"  # terminal failure with a reason; needs a person
    SUPERSEDED = "superseded"  # a newer edit of the same object replaced it before signing
    KEPT = "kept_on_chain"  # a delete the chain does not allow (replies, votes, paid out)


LIVE_STATUSES = (
    IntentStatus.PENDING,
    IntentStatus.SCHEDULED,
    IntentStatus.SIGNED,
    IntentStatus.BROADCAST,
)


@dataclass(frozen=True)
class SourceRef:
    """Identity of a source object, independent of its version."""

    system: str  # "wp"
    site: str  # site id from config, e.g. "demo"
    object_type: str  # "post", "page", "comment", ...
    object_id: str  # WordPress id as a string

    def __str__(self) -> str:
        return f"{self.system}:{self.site}:{self.object_type}:{self.object_id}"

    @classmethod
    def parse(cls, text: str) -> SourceRef:
        system, site, object_type, object_id = text.split(":", 3)
        return cls(system, site, object_type, object_id)


# What json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds per call.
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_encode_string = json.encoder.encode_basestring  # the encoder's own, for ensure_ascii=False


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the form every hash in this project is taken over."""
    if type(value) in (list, tuple) and all(type(item) is str for item in value):
        # what the encoder writes for a list of strings, without building an encoder per call
        return "[" + ",".join(map(_encode_string, value)) + "]"
    return _CANONICAL_ENCODER.encode(value)


def content_hash(value: Any) -> str:
    """Short, stable hash of any JSON-able value."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()[:16]


def intent_key(kind: IntentKind, source: SourceRef, version: str) -> str:
    """Deterministic idempotency key: the same source version always yields the same key."""
    return f"{kind.value}:{source}:{version}"


@dataclass(frozen=True)
class Intent:
    """One transaction we intend to broadcast exactly once.

    ``operations`` go into one transaction (e.g. ``comment`` + ``comment_options`` so the options
    land before any vote). ``account`` is the chain account whose key signs. ``body_hash`` is the
    hash of what the reader sees (title, body, metadata), used to skip no-op edits.
    """

    key: str
    kind: IntentKind
    account: str
    source: SourceRef
    operations: tuple[tuple[str, dict[str, Any]], ...]
    body_hash: str = ""
    author: str = ""
    permlink: str = ""
    category: str = ""
    title: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. dropped tags with reasons

    def operations_json(self) -> str:
        return canonical_json([[name, payload] for name, payload in self.operations])


@dataclass(frozen=True)
class Skip:
    """A record that maps to nothing, with a reason a site owner can act on."""

    source: SourceRef
    reason: str
    terminal: bool = True  # False: look at the post again later (e.g. delay after publish)
    retry_at: str = ""  # UTC "YYYY-MM-DDTHH:MM:SS" when to look again ("" = the default wait)


@dataclass(frozen=True)
class Unreadable:
    """A record a source could list but not read completely, with the reason (it is looked at
    again later; the rest of the poll goes on)."""

    source: SourceRef
    reason: str
    status: str = "unreadable"


@dataclass(frozen=True)
class ChainLink:
    """What the state store knows about a source object already bound to a chain post."""

    source: SourceRef
    author: str
    permlink: str
    category: str
    body_hash: str = ""
    tx_id: str = ""
    block_num: int = 0
    state: str = "reserved"  # "reserved" (permlink chosen), "on_chain", "deleted"


@dataclass(frozen=True)
class PostRecord:
    """A WordPress post as the mappings see it: the REST fields plus what the engine resolved.

    Built by the engine from ``/wp/v2/posts?context=edit`` and the terms/media/users endpoints.
    ``content_rendered`` is WordPress's own rendering (shortcodes and blocks processed);
    ``content_raw`` is what the editor stored (Gutenberg comments included).
    ``status`` is WordPress's post status, or ``"deleted"`` for a tombstone (``tombstone``): a
    post deleted permanently, known only by its id and what the change feed kept of it.
    """

    source: SourceRef
    post_type: str
    status: str
    slug: str
    link: str
    title_raw: str
    title_rendered: str
    content_raw: str
    content_rendered: str
    excerpt_raw: str
    excerpt_rendered: str
    date_gmt: str
    modified_gmt: str
    author_id: int
    author_account: str  # chain account from user meta steem_account ("" when not linked)
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    featured_image: str = ""
    password_protected: bool = False
    meta: dict[str, Any] = field(default_factory=dict)  # registered post meta (overrides)
    # site-wide use count of each of ``tags`` (WordPress's term ``count``), aligned with
    # ``tags``; shorter, or None, where WordPress did not say. Ranks tags for the slots.
    tag_counts: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class PointEvent:
    """One change of a member's points, as the companion plugin's points feed recorded it
    (``includes/points-feed.php``): a ledger row added (``event`` "add") or deleted/reversed
    ("delete"). ``entry_id`` names the ledger row for ever (``mycred:12``, ``gamipress:5``,
    ``custom:7``); ``seq`` is the feed's cursor. ``points`` is a decimal string (negative for a
    deduction); ``happened`` UTC text; ``account`` the member's linked chain account when the
    feed was read ("" when not linked); ``row`` the ledger row as the source plugin holds it now
    (myCRED only; what ledger anchors hash), None when the feed gives none."""

    seq: int
    entry_id: str
    event: str  # "add" | "delete"
    user_id: int
    points: str
    ctype: str
    ref: str
    happened: str
    account: str = ""
    row: tuple[tuple[str, str], ...] | None = None  # the source's ledger row now (myCRED); () = gone


@dataclass(frozen=True)
class LikeEvent:
    """A member's like or unlike of a post, as the companion plugin's like-events feed recorded
    it (丸子 like comments, 微慕 ``_<openid>`` post meta, the site's own button).

    ``source`` names the (post, member) pair (``wp:<site>:like:<post>-<user>``), so one member's
    events on one post reach the chain strictly in order; ``event_id`` is the feed's cursor.
    """

    source: SourceRef
    event_id: int
    post_id: int
    user_id: int
    event: str  # "like" | "unlike"
    origin: str  # "wanzi" | "minapper" | "site" | ...
    at: str  # UTC text, when WordPress recorded it
    member_account: str  # the member's linked chain account ("" when not linked)


def like_source(site: str, post_id: int, user_id: int) -> SourceRef:
    return SourceRef("wp", site, "like", f"{post_id}-{user_id}")


def tombstone(source: SourceRef, deleted_gmt: str, title: str = "") -> PostRecord:
    """A post deleted permanently (skipping the trash), as the change feed reported it."""
    return PostRecord(source=source, post_type=source.object_type, status="deleted", slug="",
                      link="", title_raw=title, title_rendered=title, content_raw="",
                      content_rendered="", excerpt_raw="", excerpt_rendered="", date_gmt="",
                      modified_gmt=deleted_gmt, author_id=0, author_account="")


@dataclass(frozen=True)
class CommentRecord:
    """A WordPress comment as the comment mappings see it (the companion plugin's
    ``wp-steem-bridge/v1/comments`` record, typed by ``connectors.wordpress_comments``).

    ``status``: approved, unapproved, spam, trash, or "deleted" (deleted for good, known from the
    change feed). ``origin``: "chain" for a comment the reply mirror wrote (never sent back),
    "wordpress" once the bridge put it on chain. ``post_author``/``post_permlink`` and
    ``parent_author``/``parent_permlink`` are the chain addresses WordPress holds for the post and
    the parent comment ("" when none). ``changed_gmt``: when the change feed saw the change.
    """

    source: SourceRef
    post_id: int
    post_type: str
    status: str
    content: str
    comment_type: str = "comment"  # "" in WordPress is a plain comment too; "like", "fav", ...
    post_status: str = "publish"
    post_author: str = ""
    post_permlink: str = ""
    post_chain: str = ""  # the post's steem_status meta (published, deleted, ...)
    parent_id: int = 0
    parent_author: str = ""
    parent_permlink: str = ""
    parent_chain: str = ""
    parent_origin: str = ""
    user_id: int = 0
    author_account: str = ""  # the comment author's linked steem_account ("" when not linked)
    author_name: str = ""
    date_gmt: str = ""
    changed_gmt: str = ""
    link: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Beneficiary:
    account: str
    weight: int  # basis points, 10000 = 100 %


@dataclass(frozen=True)
class MappingContext:
    """Everything a mapping may depend on besides the record: site settings and the time."""

    site_id: str
    site_url: str
    site_name: str
    now: str  # ISO 8601 UTC, e.g. "2026-11-21T12:00:00"
    app: str = "wp-steem-bridge/0.1.0"
    body_format: str = "html"
    default_tags: tuple[str, ...] = ()
    max_tags: int = 5
    footer_template: str = (
        '<hr/><p><em>Originally published at <a href="[%original_link%]">[%site_name%]</a>'
        "</em></p>"
    )
    beneficiaries: tuple[Beneficiary, ...] = ()
    payout: str = "50/50"  # "50/50" | "power_up" | "decline"
    max_accepted_payout: str = "1000000.000 SBD"
    sbd_symbol: str = "SBD"  # "HBD" on Hive
    percent_key: str = "percent_steem_dollars"  # "percent_hbd" on Hive
    # which posts
    include_categories: tuple[str, ...] = ()  # names or slugs; empty = all
    exclude_categories: tuple[str, ...] = ()
    publish_delay_seconds: int = 0  # wait this long after WordPress publishes (SEO)
    include_password_protected: bool = False  # announce them (notice + link, never the text)
    # tags and layout
    tags_from: str = "tags"  # "tags" | "categories" | "both"
    append_default_tags: bool = False  # defaults after the post's own tags, not only as fallback
    tag_map: tuple[tuple[str, str], ...] = ()  # site mapping table, e.g. (("区块链", "blockchain"),)
    community: str = ""  # "hive-123456": becomes the category
    header_template: str = ""
    oversize: str = "truncate"  # "truncate" (with a read-more link) | "fail"
    disclose_beneficiaries: bool = False
    # a delete the chain refuses (votes, replies, paid out): "keep" the post as it is, or
    # "tombstone": replace its text with a short "removed by the author" note
    on_refused_delete: str = "keep"


# -- time ------------------------------------------------------------------------------------

TEXT_FORMAT = "%Y-%m-%dT%H:%M:%S"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_text(moment: datetime) -> str:
    """An aware datetime as stored text (UTC); a naive one is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(TEXT_FORMAT)


def from_text(text: str | None) -> datetime:
    """Stored or chain text (``2026-01-01T00:00:00``, any suffix ignored) as an aware UTC
    datetime; empty means the epoch."""
    if not text:
        return EPOCH
    return datetime.strptime(text[:19], TEXT_FORMAT).replace(tzinfo=UTC)


def now_text() -> str:
    return to_text(utc_now())


def later(text: str, wait: timedelta) -> str:
    return to_text(from_text(text) + wait)
