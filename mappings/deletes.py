"""What to do on chain when a bridged WordPress post is trashed: a pure decision.

The chain only deletes a comment that has no replies, no net positive votes and is not paid out
(steem_evaluator.cpp ``delete_comment_evaluator``: "Cannot delete a comment with replies.",
"Cannot delete a comment with net positive votes.", and the cashout_time assertion). The engine
asks ``deletion_blocker`` with the chain's current view right before sending, so a post that
cannot be deleted is recorded as kept on chain, with the reason, instead of being retried.
"""

from __future__ import annotations

from typing import Any

from bridge.model import ChainLink, Intent, IntentKind, PostRecord, Skip, content_hash, intent_key

PAID_OUT = "1969-12-31T23:59:59"


def post_to_delete(post: PostRecord, link: ChainLink | None) -> Intent | Skip:
    """A trashed post that reached the chain becomes one ``delete_comment``."""
    if link is None:
        return Skip(post.source, "trashed before it was ever published on chain")
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
