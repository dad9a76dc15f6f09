"""The posts stream's planner: one WordPress post (and what the store knows of it) -> a Plan.

Owns the post life cycle: a new post is bound to its permlink and created; a changed one is
edited (older unsent edits superseded); an unchanged one is left alone; an unpublished one
(``mappings.deletes.unpublished``: trashed, deleted permanently, back to draft or pending, private,
scheduled again, password-protected when those are not announced) is deleted on chain when it may
have reached it (unsent creates and edits are dropped); a post published again is created anew if
its chain copy was deleted. The mapping itself is ``mappings.posts``;
a mapping's bug is recorded for a person (exit 1), never retried in a loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from bridge.model import (
    ChainLink,
    Intent,
    IntentKind,
    MappingContext,
    PostRecord,
    Skip,
    Unreadable,
    content_hash,
    later,
)
from bridge.plans import Facts, Outcome, Plan, Problem, Supersede, create_or_edit
from mappings.deletes import post_to_delete, unpublished
from mappings.settings import OVERRIDE_META_KEYS

log = logging.getLogger("wp_steem_bridge.posts")
DEFER_DEFAULT = timedelta(minutes=15)
UNREADABLE_WAIT = timedelta(hours=1)
Mapper = Callable[[PostRecord, MappingContext, "ChainLink | None"], "Intent | Skip"]
NOT_TRASHED = Supersede((IntentKind.DELETE_POST, IntentKind.TOMBSTONE_EDIT),
                        "the post is published again")
TRASHED = Supersede((IntentKind.CREATE_POST, IntentKind.EDIT_POST),
                    "the post was unpublished or deleted")


def post_version(record: PostRecord, fingerprint: str) -> str:
    """What the author wrote and set of a post, with its status, author account and the
    settings' ``fingerprint``: a post read again with the same version is not mapped again.

    Its ``modified`` time alone is not enough: WordPress keeps it in whole seconds, so two saves
    within one second (an edit right after publishing, the block editor's second request for
    meta boxes) differ only in what was written. The stored text is taken, not the rendered:
    WordPress renders some content anew on every read (a gallery in random order, a list of
    the latest posts), which is not an edit; nor is the mirror's meta or a term's use count."""
    overrides = {key: record.meta.get(key) for key in OVERRIDE_META_KEYS
                 if isinstance(record.meta, dict) and key in record.meta}  # fmt: skip
    return content_hash([
        record.modified_gmt, record.status, record.author_account, fingerprint, record.slug,
        record.date_gmt, record.title_raw or record.title_rendered,
        record.content_raw or record.content_rendered,
        record.excerpt_raw or record.excerpt_rendered, list(record.tags),
        list(record.categories), record.featured_image, record.password_protected,
        json.dumps(overrides, sort_keys=True, default=str)])


class PostPlanner:
    def __init__(self, stream: str, mapper: Mapper, fingerprint: Callable[[], str]) -> None:
        self.stream = stream
        self.mapper = mapper
        self.fingerprint = fingerprint  # of the settings, taken once per tick by the engine

    def __call__(self, record: PostRecord | Unreadable, facts: Facts, context: MappingContext,
                 fresh: bool) -> Plan:
        if isinstance(record, Unreadable):
            return Plan(record.source, self.stream, Outcome.DEFERRED, skip=Skip(
                record.source, record.reason, terminal=False,
                retry_at=later(context.now, UNREADABLE_WAIT)))
        version = post_version(record, self.fingerprint())
        if not fresh and facts.version == version:
            return Plan(record.source, self.stream, Outcome.UNCHANGED)
        if unpublished(record, context) and (record.status != "publish" or _on_chain(facts)):
            # a password-protected post never bridged goes to the mapping, which says why not
            return _plan_delete(record, facts, self.stream, version)
        return self._plan_publish(record, facts, context, version)

    def _plan_publish(self, record: PostRecord, facts: Facts, context: MappingContext,
                      version: str) -> Plan:
        link = facts.link
        deleted = link is not None and link.state == "deleted"  # gone from chain: create anew
        if deleted:
            link = None
        base = Plan(record.source, self.stream, Outcome.IGNORED, version=version,
                    supersede=(NOT_TRASHED,), drop_link=deleted)
        try:
            result = self.mapper(record, context, link)
        except Exception as exc:  # noqa: BLE001 - recorded with its reason, never a crash loop
            log.exception("mapping %s failed", record.source)
            problem = Problem.mapping_bug(exc, "post")
            return replace(base, outcome=Outcome.FAILED, problem=problem,
                           writeback=_status("failed", problem.reason) if link is None else {})
        if isinstance(result, Skip):
            outcome = Outcome.SKIPPED if result.terminal else Outcome.DEFERRED
            skip = result if result.terminal or result.retry_at else Skip(
                result.source, result.reason, False, later(context.now, DEFER_DEFAULT))
            status = "skipped" if result.terminal else "waiting"
            return replace(base, outcome=outcome, skip=skip,
                           writeback=_status(status, result.reason) if link is None else {})
        return create_or_edit(base, link, result)


def _plan_delete(record: PostRecord, facts: Facts, stream: str, version: str) -> Plan:
    link = facts.link
    if link is None or link.state == "deleted":
        # never reached the chain, or already deleted: nothing to undo
        return Plan(record.source, stream, Outcome.IGNORED, version=version)
    if not facts.create_signed:  # its create was never sent: just forget it
        return Plan(record.source, stream, Outcome.IGNORED, version=version,
                    supersede=(TRASHED,), drop_link=True)
    result = post_to_delete(record, link)
    if isinstance(result, Skip):
        return Plan(record.source, stream, Outcome.IGNORED, version=version, supersede=(TRASHED,))
    return Plan(record.source, stream, Outcome.ENQUEUED, version=version, supersede=(TRASHED,),
                enqueue=result)


def _on_chain(facts: Facts) -> bool:
    return facts.link is not None and facts.link.state != "deleted"


def _status(status: str, reason: str) -> dict[str, str]:
    """What WordPress shows for a post that is not on chain, and why."""
    return {"steem_status": status, "steem_error": reason[:500]}
