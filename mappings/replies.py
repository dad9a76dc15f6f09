"""Chain replies to a bridged post -> the WordPress comments the reply mirror writes (pure).

Owns: turning one reply (``get_content_replies`` shape) into the comment payload the companion
plugin's ``mirror/comments`` route takes; cleaning its body to safe HTML (markdown rendered, then
an allow-list of tags and attributes, scripts and styles dropped with their content); the link to
the reply on a frontend; the order a thread is written in (parents before their replies); and
which replies need writing at all (new, or edited since the last write); and fitting chain
values at their protocol maximum (255-character permlinks, ~64 KB bodies) into what WordPress's
comment columns hold.

The comment never carries an e-mail address: the chain account is the comment's author name and
the frontend link its URL. No I/O; nothing here decides approval -- the plugin always holds
mirrored comments for moderation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import markdown
import nh3

from bridge.model import content_hash

DEFAULT_FRONTEND = "https://steemit.com"
# WordPress's comment_content is a TEXT (65535 bytes); the plugin's own cleaning (kses, rel
# attributes) may grow the text a little, so the bridge sends at most this many UTF-8 bytes.
MAX_BODY_BYTES = 60000
MAX_URL_CHARS = 200  # WordPress's comment_author_url is a varchar(200)
TRUNCATED_MARK = " …"
ALLOWED_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3",
                "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "strong",
                "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
                      "abbr": {"title"}, "td": {"colspan", "rowspan"},
                      "th": {"colspan", "rowspan"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
PostKey = tuple[str, str]


@dataclass(frozen=True)
class ReplyComment:
    """One reply as the plugin's comments route takes it (``as_payload``)."""

    post_id: int  # the bridged WordPress post the thread hangs under
    author: str
    permlink: str
    parent_author: str  # the root post's author for a first-level reply
    parent_permlink: str
    content: str  # cleaned HTML
    date_gmt: str  # chain "created", UTC
    author_url: str
    depth: int

    @property
    def key(self) -> str:
        return f"{self.author}/{self.permlink}"

    @property
    def version(self) -> str:
        """Changes when the comment's content would change (an edit on chain)."""
        return content_hash([self.content, self.parent_author, self.parent_permlink])

    def as_payload(self) -> dict[str, Any]:
        return {"post_id": self.post_id, "author": self.author, "permlink": self.permlink,
                "parent_author": self.parent_author, "parent_permlink": self.parent_permlink,
                "content": self.content, "date_gmt": self.date_gmt,
                "author_url": self.author_url}


def _sanitize(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=ALLOWED_SCHEMES, link_rel="nofollow ugc noopener").strip()


def clean_body(body: str) -> str:
    """Markdown (Steem's body format, raw HTML allowed) -> safe HTML for a comment, cut (at a
    tag boundary, tags closed again, marked with …) to MAX_BODY_BYTES."""
    cleaned = _sanitize(markdown.markdown(str(body), output_format="html"))
    room = 256  # for the mark and the closing tags of what the cut leaves open
    while len(cleaned.encode("utf-8")) > MAX_BODY_BYTES:
        cut = cleaned.encode("utf-8")[:MAX_BODY_BYTES - room].decode("utf-8", "ignore")
        if cut.rfind("<") > cut.rfind(">"):
            cut = cut[:cut.rfind("<")]  # no half tag
        cleaned = _sanitize(cut + TRUNCATED_MARK)
        room *= 2
    return cleaned


def reply_url(frontend: str, author: str, permlink: str) -> str:
    """``https://steemit.com/@author/permlink``: the address every condenser frontend resolves;
    the author's page ``https://steemit.com/@author`` when that is longer than WordPress keeps
    (a permlink may have 255 characters), and "" when even that is."""
    base = (frontend or DEFAULT_FRONTEND).rstrip("/")
    for url in (f"{base}/@{author}/{permlink}", f"{base}/@{author}"):
        if len(url) <= MAX_URL_CHARS:
            return url
    return ""


def reply_comment(reply: Mapping[str, Any], post_id: int, frontend: str) -> ReplyComment:
    return ReplyComment(
        post_id=post_id, author=str(reply["author"]), permlink=str(reply["permlink"]),
        parent_author=str(reply["parent_author"]), parent_permlink=str(reply["parent_permlink"]),
        content=clean_body(reply.get("body", "")), date_gmt=str(reply["created"])[:19],
        author_url=reply_url(frontend, str(reply["author"]), str(reply["permlink"])),
        depth=int(reply.get("depth", 1)))


def thread_comments(replies: Iterable[Mapping[str, Any]], post_id: int,
                    frontend: str) -> list[ReplyComment]:
    """Every reply of one thread as comments, parents before their replies (the plugin resolves
    a comment's parent by the parent's chain address, so the parent must exist first)."""
    comments = [reply_comment(r, post_id, frontend) for r in replies
                if r.get("author") and r.get("permlink")]
    return sorted(comments, key=lambda c: (c.depth, c.date_gmt, c.key))


def to_write(comments: Iterable[ReplyComment], written: Mapping[str, str]) -> list[ReplyComment]:
    """Comments never written, or whose content changed since ``written`` (key -> version)."""
    return [c for c in comments if written.get(c.key) != c.version]


def reply_roots(comments: Iterable[ReplyComment],
                post_keys: Mapping[int, PostKey]) -> dict[str, PostKey]:
    """``author/permlink`` of each reply -> the bridged post its thread hangs under."""
    return {c.key: post_keys[c.post_id] for c in comments if c.post_id in post_keys}
