"""The comments stream's planner: one WordPress comment (and what the store knows) -> a Plan.

Owns the comment's life on chain: an approved comment on a bridged post becomes a reply (bound
to its permlink), threaded under its parent comment's reply; an edited one edits that reply (an
unchanged body is left alone); one unapproved, spammed, trashed or deleted whose reply may have
reached the chain is deleted there (the dispatcher keeps it, visibly, when the chain refuses);
approved again after a delete, it is replied anew. Where the reply hangs is decided here, from the
store's links and the chain addresses WordPress holds: a parent on its way to the chain makes
the comment wait (deferred, looked at again soon), a parent that never will be makes it a skip
with the reason. A post not on chain YET (publish delay, its author not linked yet, ``backfill``
to come) makes it wait too, deferred on the post: the post's binding makes it due at once
(``StateStore.wake_waiting``); it gives up, with the reason, a payout window (7 days) after the
comment. A post its stream skipped or ignored makes it a skip at once. The mapping itself is
``mappings.comments``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from bridge.model import (
    CommentRecord,
    IntentKind,
    MappingContext,
    Skip,
    SourceRef,
    Unreadable,
    content_hash,
    from_text,
    later,
)
from bridge.plans import Facts, Outcome, Plan, Problem, Supersede, create_or_edit
from mappings.comments import (
    CommentOptions,
    ReplyParent,
    comment_to_delete,
    comment_to_intent,
    not_for_chain,
)

log = logging.getLogger("wp_steem_bridge.comments")
UNREADABLE_WAIT = timedelta(hours=1)
DEFERRED_PARENT_WAIT = 900  # seconds: the parent itself waits (publish delay, ...)
ON_CHAIN = ("published", "kept_on_chain", "tombstoned")
NEVER_ON_CHAIN = ("skipped", "ignored", "failed")  # the post stream's final outcomes
GIVE_UP_AFTER = timedelta(days=7)  # STEEM_CASHOUT_WINDOW_SECONDS: a post's payout window
NOT_REMOVED = Supersede((IntentKind.DELETE_POST, IntentKind.TOMBSTONE_EDIT),
                        "the comment is approved again")
REMOVED = Supersede((IntentKind.REPLY, IntentKind.EDIT_POST),
                    "the comment was unapproved, trashed or deleted")
Lookup = Callable[[SourceRef], Facts]


class CommentPlanner:
    """``lookup`` reads the store's facts of another object (the post, the parent comment) in
    the unit's transaction, so a parent planned earlier in the same batch is seen."""

    def __init__(self, stream: str, options: CommentOptions, fingerprint: Callable[[], str],
                 lookup: Lookup, parent_type: str = "comment") -> None:
        self.parent_type = parent_type  # the parent's source type ("reply" for bbPress)
        self.stream = stream
        self.options = options
        self.fingerprint = fingerprint
        self.lookup = lookup

    def __call__(self, record: CommentRecord | Unreadable, facts: Facts,
                 context: MappingContext, fresh: bool) -> Plan:
        if isinstance(record, Unreadable):
            return Plan(record.source, self.stream, Outcome.DEFERRED, skip=Skip(
                record.source, record.reason, terminal=False,
                retry_at=later(context.now, UNREADABLE_WAIT)))
        # the parent's and the post's chain state belong to the version: a comment skipped
        # while its parent was not on chain is planned again once the parent is published
        version = content_hash([record.content, record.status, record.comment_type,
                                record.parent_id, record.author_account, record.origin,
                                record.post_status, record.post_chain, record.parent_chain,
                                self.options.unlinked, self.fingerprint()])
        if not fresh and facts.version == version:
            return Plan(record.source, self.stream, Outcome.UNCHANGED)
        refused = not_for_chain(record)
        if refused is not None:
            return Plan(record.source, self.stream, Outcome.SKIPPED, version=version,
                        skip=refused)
        if record.status != "approved" or record.post_status != "publish":
            return self._plan_delete(record, facts, version)
        return self._plan_reply(record, facts, context, version)

    def _plan_reply(self, record: CommentRecord, facts: Facts, context: MappingContext,
                    version: str) -> Plan:
        link = facts.link
        deleted = link is not None and link.state == "deleted"  # gone from chain: reply anew
        if deleted:
            link = None
        base = Plan(record.source, self.stream, Outcome.IGNORED, version=version,
                    supersede=(NOT_REMOVED,), drop_link=deleted)
        parent = self.parent(record, context.now)
        try:
            result = comment_to_intent(record, context, self.options, parent, link)
        except Exception as exc:  # noqa: BLE001 - recorded with its reason, never a crash loop
            log.exception("mapping %s failed", record.source)
            return replace(base, outcome=Outcome.FAILED,
                           problem=Problem.mapping_bug(exc, "comment"))
        if isinstance(result, Skip):
            outcome = Outcome.SKIPPED if result.terminal else Outcome.DEFERRED
            shown = link is None and parent.state == "on_chain"  # about the comment itself
            status = "skipped" if result.terminal else "waiting"
            waits_on = self.waits_on(record) if parent.state == "waiting" else None
            return replace(base, outcome=outcome, skip=result, waits_on=waits_on, writeback={
                "steem_status": status, "steem_error": result.reason[:500]} if shown else {})
        return create_or_edit(base, link, result)

    def _plan_delete(self, record: CommentRecord, facts: Facts, version: str) -> Plan:
        link = facts.link
        if link is None or link.state == "deleted":
            return Plan(record.source, self.stream, Outcome.IGNORED, version=version)
        if not facts.create_signed:  # its reply was never sent: just forget it
            return Plan(record.source, self.stream, Outcome.IGNORED, version=version,
                        supersede=(REMOVED,), drop_link=True)
        result = comment_to_delete(record, link)
        if isinstance(result, Skip):
            return Plan(record.source, self.stream, Outcome.IGNORED, version=version,
                        supersede=(REMOVED,))
        return Plan(record.source, self.stream, Outcome.ENQUEUED, version=version,
                    supersede=(REMOVED,), enqueue=result)

    # -- where the reply hangs ------------------------------------------------------------

    def parent(self, record: CommentRecord, now: str) -> ReplyParent:
        if record.parent_id:
            return self._parent_comment(record)
        return self._post(record, now)

    def waits_on(self, record: CommentRecord) -> SourceRef:
        """What a waiting comment waits for: its parent comment's reply, or the post."""
        if record.parent_id:
            return SourceRef("wp", record.source.site, self.parent_type, str(record.parent_id))
        return self._post_ref(record)

    def _post_ref(self, record: CommentRecord) -> SourceRef:
        return SourceRef("wp", record.source.site, record.post_type or "post",
                         str(record.post_id))

    def _post(self, record: CommentRecord, now: str) -> ReplyParent:
        facts = self.lookup(self._post_ref(record))
        found = _from_link(facts, f"post {record.post_id}")
        if found is not None:
            return found
        if record.post_author and record.post_permlink and record.post_chain in ON_CHAIN:
            return ReplyParent(record.post_author, record.post_permlink)
        what = f"post {record.post_id}"
        if facts.outcome in NEVER_ON_CHAIN or record.post_status != "publish":
            return ReplyParent(state="missing", reason=f"{what} is not on chain (its stream "
                               f"{facts.outcome or 'never saw it'}; see the post's reason)")
        # not on chain YET (publish delay, author not linked yet, backfill to come): wait for
        # it, woken by its binding (StateStore.wake_waiting), at most a payout window
        deadline = later(record.date_gmt or record.changed_gmt or now, GIVE_UP_AFTER)
        if from_text(now) >= from_text(deadline):
            return ReplyParent(state="missing", reason=f"{what} is not on chain: gave up "
                               f"waiting for it ({GIVE_UP_AFTER.days} days after the comment)")
        return ReplyParent(state="waiting", reason=f"waiting for {what} to reach the chain "
                           f"(until {deadline} UTC)", wait_seconds=DEFERRED_PARENT_WAIT)

    def _parent_comment(self, record: CommentRecord) -> ReplyParent:
        ref = SourceRef("wp", record.source.site, self.parent_type, str(record.parent_id))
        facts = self.lookup(ref)
        found = _from_link(facts, f"parent comment {record.parent_id}")
        if found is not None:
            return found
        if record.parent_author and record.parent_permlink and (
                record.parent_origin == "chain" or record.parent_chain in ON_CHAIN):
            return ReplyParent(record.parent_author, record.parent_permlink)
        if facts.outcome == Outcome.DEFERRED.value:
            return ReplyParent(state="waiting", reason=f"waiting for parent comment "
                               f"{record.parent_id} to reach the chain (it waits itself)")
        return ReplyParent(state="missing",
                           reason=f"its parent comment {record.parent_id} is not on chain")


def _from_link(facts: Facts, what: str) -> ReplyParent | None:
    """The parent as the store knows it: on chain, on its way (wait), deleted (never)."""
    link = facts.link
    if link is None:
        return None
    if link.state == "on_chain":
        return ReplyParent(link.author, link.permlink)
    if link.state == "deleted":
        return ReplyParent(state="missing", reason=f"{what} was deleted on chain")
    return ReplyParent(state="waiting", reason=f"waiting for {what} to reach the chain")
