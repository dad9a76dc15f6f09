"""WordPress comments -> chain replies: a pure decision, the time passed in (``ctx.now``).

Owns: whether a comment goes on chain at all (approved, a plain comment, not one the reply mirror
wrote, its author linked or the app account allowed to post for them, its parent on chain); the
reply's deterministic permlink; its body (the comment's HTML through the posts' body pipeline,
as Markdown; attribution when the app account posts for an unlinked member); its
``json_metadata``; the edit of a reply already on chain; and the ``delete_comment`` of one whose
comment was unapproved, spammed, trashed or deleted.

``make_reply`` is the generic part (a parent author/permlink in, a reply or its edit out), for
any stream whose objects become replies (bbPress replies too). Where the parent is, and whether
it is on chain yet, is the planner's knowledge (``bridge/comment_stream.py``), handed in as a
``ReplyParent``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bridge.model import (
    ChainLink,
    CommentRecord,
    Intent,
    IntentKind,
    MappingContext,
    Skip,
    SourceRef,
    canonical_json,
    content_hash,
    intent_key,
    later,
)
from mappings.body import clean_html, compose_body

MAX_PERMLINK = 255  # steemd validate_permlink: fewer than STEEM_MAX_PERMLINK_LENGTH (256)
PLAIN_TYPES = frozenset({"", "comment"})
PARENT_WAIT = timedelta(seconds=3)  # a parent on its way to the chain: look again soon
_NOT_PERMLINK = re.compile(r"[^a-z0-9-]+")
_BLOCK_TAG = re.compile(r"<(p|div|ul|ol|pre|blockquote|table|h[1-6])\b", re.IGNORECASE)


@dataclass(frozen=True)
class CommentOptions:
    """``[comments]`` settings the mapping depends on."""

    unlinked: str = "skip"  # "skip" | "app_account": post an unlinked member's comment as the app
    app_account: str = ""


@dataclass(frozen=True)
class ReplyParent:
    """Where a reply hangs on chain. ``state``: "on_chain" (author/permlink known), "waiting"
    (it will be there: look again soon), "missing" (it never will: skip), each with a reason."""

    author: str = ""
    permlink: str = ""
    state: str = "on_chain"
    reason: str = ""
    wait_seconds: int = int(PARENT_WAIT.total_seconds())  # "waiting": look again after this


def permlink_part(text: str) -> str:
    return _NOT_PERMLINK.sub("-", text.lower()).strip("-")


def reply_permlink(parent_permlink: str, object_id: str, site_id: str) -> str:
    """``re-<parent permlink>-<object id>-<site>``, lowercase a-z0-9-, at most 255 characters;
    only the parent's part is shortened, so the object id and site keep it unique. A parent
    that is itself one of this site's replies (``re-<base>-<id>-<site>``) gives its ``<base>``,
    so a deep thread does not grow ``re-re-re-...``."""
    site = permlink_part(site_id)
    suffix = f"-{permlink_part(object_id)}-{site}"
    room = MAX_PERMLINK - len("re-") - len(suffix)
    parent = permlink_part(parent_permlink)
    ours = re.fullmatch(rf"re-(.+)-[0-9a-z]+-{re.escape(site)}", parent)
    if ours:
        parent = ours.group(1)
    parent = parent[:max(room, 0)].strip("-")
    return (f"re-{parent}{suffix}" if parent else f"re{suffix}")[:MAX_PERMLINK]


def autop(text: str) -> str:
    """WordPress's comment display in short (wpautop): blank lines are paragraphs, single line
    breaks <br>, unless the comment already is block HTML."""
    text = text.replace("\r\n", "\n").strip()
    if not text or _BLOCK_TAG.search(text):
        return text
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join(f"<p>{p.replace(chr(10), '<br>' + chr(10))}</p>" for p in paragraphs)


def make_reply(source: SourceRef, *, account: str, parent_author: str, parent_permlink: str,
               body_html: str, ctx: MappingContext, link: ChainLink | None, version: str,
               metadata: dict[str, Any], base_url: str = "", footer: str = "",
               title: str = "") -> Intent | Skip:
    """A reply under ``parent_author/parent_permlink`` (create), or the edit of ``link``.

    The body is ``body_html`` through the posts' body pipeline, as Markdown; ``footer`` (HTML,
    already escaped) is appended. ``version`` makes the intent key (e.g. when the source changed
    and the body's hash). The intent's ``category`` is the parent's ``author/permlink``: kept
    with the binding, an edit goes to the same parent (the chain refuses to move a reply)."""
    clean = clean_html(body_html, ctx.site_url, base_url)
    if clean.is_empty:
        return Skip(source, "the comment is empty once cleaned")
    body, notes = compose_body(clean, footer, "", "markdown")
    if link is not None and "/" in link.category:  # the chain never lets a reply move
        parent_author, parent_permlink = link.category.split("/", 1)
    author = link.author if link is not None else account
    permlink = link.permlink if link is not None else reply_permlink(
        parent_permlink, source.object_id, source.site)
    meta = {"app": ctx.app, "format": "markdown", **metadata}
    if clean.images:
        meta["image"] = clean.images[:10]
    if clean.links:
        meta["links"] = clean.links[:10]
    json_metadata = canonical_json(meta)
    operation = {"parent_author": parent_author, "parent_permlink": parent_permlink,
                 "author": author, "permlink": permlink, "title": title, "body": body,
                 "json_metadata": json_metadata}
    body_hash = content_hash([title, body, json_metadata, parent_author, parent_permlink])
    kind = IntentKind.EDIT_POST if link is not None else IntentKind.REPLY
    return Intent(
        key=intent_key(kind, source, f"{version}:{body_hash}"), kind=kind, account=author,
        source=source, operations=(("comment", operation),), body_hash=body_hash,
        author=author, permlink=permlink, category=f"{parent_author}/{parent_permlink}",
        title=title,
        notes=tuple(clean.notes) + tuple(notes))


def signer(comment: CommentRecord, options: CommentOptions) -> tuple[str, bool] | Skip:
    """(account the reply is posted as, whether it is the app account posting for the member)."""
    if comment.author_account:
        return comment.author_account, False
    if options.unlinked == "app_account" and options.app_account:
        return options.app_account, True
    who = f"user {comment.user_id}" if comment.user_id else "a visitor without an account"
    return Skip(comment.source, f"the comment's author ({who}, {comment.author_name or 'no name'})"
                f" has no linked Steem account ([comments] unlinked = \"skip\")")


def not_for_chain(comment: CommentRecord) -> Skip | None:
    """Comments that never become replies, whatever their state."""
    if comment.origin == "chain":
        return Skip(comment.source, "came from the chain")
    if comment.comment_type not in PLAIN_TYPES:
        return Skip(comment.source, f"a comment of type {comment.comment_type!r} is not a reply "
                    f"(likes and favourites are not comments on chain)")
    return None


def comment_to_intent(comment: CommentRecord, ctx: MappingContext, options: CommentOptions,
                      parent: ReplyParent, link: ChainLink | None) -> Intent | Skip:
    """An approved comment -> its reply (or the reply's edit when ``link`` is on chain)."""
    refused = not_for_chain(comment)
    if refused is not None:
        return refused
    if comment.status != "approved":
        return Skip(comment.source, f"the comment is {comment.status}, not approved")
    if parent.state == "waiting":
        return Skip(comment.source, parent.reason, terminal=False,
                    retry_at=later(ctx.now, timedelta(seconds=parent.wait_seconds)))
    if parent.state != "on_chain" or not parent.author or not parent.permlink:
        return Skip(comment.source, parent.reason or "its parent is not on chain")
    who = signer(comment, options)
    if isinstance(who, Skip):
        if link is None:
            return who
        who = (link.author, False)  # an edit is signed by whoever posted the reply
    account, for_member = who
    metadata: dict[str, Any] = {"tags": [], "wp_comment_id": int(comment.source.object_id),
                                "wp_post_id": comment.post_id}
    footer = ""
    if for_member:
        name = comment.author_name or "a member"
        metadata["attribution"] = {"name": name, "site": ctx.site_name, "url": comment.link}
        footer = (f"<p>— {html.escape(name)} on <a href=\"{html.escape(comment.link or ctx.site_url)}"
                  f"\">{html.escape(ctx.site_name or ctx.site_url)}</a></p>")
    return make_reply(comment.source, account=account, parent_author=parent.author,
                      parent_permlink=parent.permlink, body_html=autop(comment.content),
                      ctx=ctx, link=link, version=comment.changed_gmt, metadata=metadata,
                      base_url=comment.link, footer=footer)


def comment_to_delete(comment: CommentRecord, link: ChainLink | None) -> Intent | Skip:
    """A comment unapproved, spammed, trashed or deleted whose reply reached the chain: one
    ``delete_comment`` (the dispatcher asks the chain first whether it allows it)."""
    if link is None:
        return Skip(comment.source, "its reply never reached the chain")
    version = f"{comment.changed_gmt}:{content_hash([comment.status, link.permlink])}"
    return Intent(
        key=intent_key(IntentKind.DELETE_POST, comment.source, version),
        kind=IntentKind.DELETE_POST, account=link.author, source=comment.source,
        operations=(("delete_comment", {"author": link.author, "permlink": link.permlink}),),
        author=link.author, permlink=link.permlink, category=link.category)
