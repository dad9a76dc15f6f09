"""What to do on chain when a bridged WordPress post leaves the site: a pure decision.

A post is gone from the site's readers (``unpublished``) when it is trashed, deleted permanently
(a tombstone, status "deleted"), back to draft or pending, private, scheduled again, or
password-protected while ``include_password_protected`` is off; each is handled like the trash.

The chain only deletes a comment that has no replies, no net positive votes and is not paid out
(steem_evaluator.cpp ``delete_comment_evaluator``: "Cannot delete a comment with replies.",
"Cannot delete a comment with net positive votes.", and the cashout_time assertion). The engine
asks ``deletion_blocker`` with the chain's current view right before sending, so a post that
cannot be deleted is recorded as kept on chain, with the reason, instead of being retried.
"""

from __future__ import annotations

import json
from typing import Any

from bridge.model import (
    ChainLink,
    Intent,
    IntentKind,
    MappingContext,
    PostRecord,
    Skip,
    SourceRef,
    canonical_json,
    content_hash,
    intent_key,
)

PAID_OUT = "1969-12-31T23:59:59"
UNPUBLISHED_STATUSES = frozenset({"trash", "deleted", "draft", "pending", "private", "future"})
REMOVED_TITLE = "Removed by the author"
REMOVED_BODY = "This post was removed by its author."


def unpublished(post: PostRecord, ctx: MappingContext) -> bool:
    """Whether the site no longer shows this post to its readers (so the chain should not)."""
    if post.status in UNPUBLISHED_STATUSES:
        return True
    return post.status == "publish" and post.password_protected and \
        not ctx.include_password_protected


def post_to_delete(post: PostRecord, link: ChainLink | None) -> Intent | Skip:
    """An unpublished post that reached the chain becomes one ``delete_comment``."""
    if link is None:
        return Skip(post.source, "unpublished before it was ever published on chain")
    version = f"{post.modified_gmt}:{content_hash(['trash', link.permlink])}"
    return Intent(
        key=intent_key(IntentKind.DELETE_POST, post.source, version),
        kind=IntentKind.DELETE_POST,
        account=link.author,
        source=post.source,
        operations=(("delete_comment", {"author": link.author, "permlink": link.permlink}),),
        author=link.author,
        permlink=link.permlink,
        category=link.category,
        title=post.title_raw,
    )


def tombstone_edit(content: dict[str, Any] | None, source: SourceRef,
                   refused_key: str) -> Intent | Skip:
    """The edit that replaces a post the chain refused to delete with a short note.

    Title and body are replaced (an empty title or body would leave the old one on chain: the
    chain keeps what an edit leaves empty); the body is plain text, never a diff-match-patch
    patch the chain would apply to the old body. ``json_metadata`` keeps only ``app`` and
    ``tags`` (the post stays where readers found it); ``canonical_url``, images and links point
    to what was removed and go. One tombstone per refused delete (``refused_key``)."""
    if not content or not content.get("author"):
        return Skip(source, "the post is no longer on chain: nothing to replace")
    metadata = _metadata(content.get("json_metadata"))
    kept = {k: metadata[k] for k in ("app", "tags") if k in metadata}
    author, permlink = str(content["author"]), str(content["permlink"])
    operation = {"parent_author": str(content.get("parent_author") or ""),
                 "parent_permlink": str(content.get("parent_permlink") or ""),
                 "author": author, "permlink": permlink, "title": REMOVED_TITLE,
                 "body": REMOVED_BODY, "json_metadata": canonical_json(kept)}
    body_hash = content_hash([REMOVED_TITLE, REMOVED_BODY, operation["json_metadata"]])
    return Intent(
        key=intent_key(IntentKind.TOMBSTONE_EDIT, source, content_hash([refused_key])),
        kind=IntentKind.TOMBSTONE_EDIT, account=author, source=source,
        operations=(("comment", operation),), body_hash=body_hash, author=author,
        permlink=permlink, category=str(content.get("category") or ""), title=REMOVED_TITLE)


def _metadata(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        found = json.loads(str(raw or "{}"))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def deletion_blocker(content: dict[str, Any] | None) -> str | None:
    """Why the chain would refuse to delete this comment now, or None when it may."""
    if not content:
        return None  # already gone: the delete is a no-op the chain will report
    if int(content.get("children") or 0) > 0:
        return f"it has {content['children']} replies on chain (the chain keeps commented posts)"
    if int(str(content.get("net_rshares") or 0)) > 0:
        return "it has net positive votes on chain"
    if str(content.get("cashout_time", "")).startswith(PAID_OUT):
        return "it was already paid out"
    return None
