"""The likes stream's planner: one like event (and what the store knows) -> a Plan.

Owns: which chain post a like votes on (the liked post's binding in the state store, so a like
of a post enqueued in the same tick already knows its permlink), that each event is planned once
(the record's version is its event id; an older event read again is left alone), and that a
newer event of the same member on the same post replaces an older vote that was never signed
(like -> unlike -> like before anything went out sends one vote, sparing the chain's five vote
changes). The mapping itself is ``mappings.likes``; a like that maps to nothing is recorded with
its reason for ``status``.

A like of a post not on chain YET (no binding: the post waits for its publish delay or its
author's link, or ``backfill`` will bridge it) is deferred, waiting on the post: the post's
binding makes it due at once (``StateStore.wake_waiting``), and it is looked at again every
``WAIT_STEP`` anyway. The deferral keeps the member's latest event on the post, so a like then
an unlike while waiting ends as that unlike (a removal where there is no vote is confirmed as
"already on chain" by the dispatcher: no vote, nothing sent twice). It waits at most
``GIVE_UP_AFTER`` after the event (a post's payout window: a vote after it changes nothing),
then is skipped with the reason; a like of a post that never will be on chain (skipped or
ignored by its stream, deleted on chain) is skipped at once with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bridge.model import (
    IntentKind,
    LikeEvent,
    MappingContext,
    Skip,
    SourceRef,
    Unreadable,
    from_text,
    later,
)
from bridge.plans import Facts, Outcome, Plan, Supersede
from bridge.ports import Source
from bridge.streams import OutboundStream
from mappings.likes import LikeRules, like_to_intent

NEWER_EVENT = Supersede((IntentKind.VOTE,), "replaced by a later like or unlike of the member")
Lookup = Callable[[SourceRef], Facts]
WAIT_STEP = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(days=7)  # STEEM_CASHOUT_WINDOW_SECONDS: a post's payout window
NEVER_ON_CHAIN = ("skipped", "ignored", "failed")  # the post stream's outcomes that are final


class LikePlanner:
    def __init__(self, stream: str, rules: LikeRules, lookup: Lookup) -> None:
        self.stream = stream
        self.rules = rules
        self.lookup = lookup  # the store's facts of the post (read in the unit's transaction)

    def __call__(self, record: LikeEvent | Unreadable, facts: Facts, context: MappingContext,
                 fresh: bool) -> Plan:
        if isinstance(record, Unreadable):
            return Plan(record.source, self.stream, Outcome.SKIPPED,
                        skip=Skip(record.source, record.reason))
        version = str(record.event_id).zfill(20)
        if facts.version and facts.version >= version and not fresh:
            return Plan(record.source, self.stream, Outcome.UNCHANGED)
        post = SourceRef(record.source.system, record.source.site, "post", str(record.post_id))
        post_facts = self.lookup(post)
        if post_facts.link is None and record.event in ("like", "unlike"):
            return self._wait_for_post(record, post, post_facts, context, version)
        result = like_to_intent(record, post_facts.link, self.rules)
        if isinstance(result, Skip):
            return Plan(record.source, self.stream, Outcome.SKIPPED, version=version,
                        skip=result)
        return Plan(record.source, self.stream, Outcome.ENQUEUED, version=version,
                    supersede=(NEWER_EVENT,), enqueue=result, clear_problem=True)

    def _wait_for_post(self, record: LikeEvent, post: SourceRef, post_facts: Facts,
                       context: MappingContext, version: str) -> Plan:
        what = f"{record.event} of post {record.post_id} by user {record.user_id}"
        deadline = later(record.at or context.now, GIVE_UP_AFTER)
        if post_facts.outcome in NEVER_ON_CHAIN:
            reason = (f"{what}: the post is not bridged to the chain ({post_facts.outcome}; "
                      f"see the post's reason), so there is nothing to vote on")
        elif from_text(context.now) >= from_text(deadline):
            reason = (f"{what}: gave up waiting for the post to reach the chain (the like is "
                      f"older than a post's {GIVE_UP_AFTER.days}-day payout window)")
        else:
            retry_at = min(later(context.now, WAIT_STEP), deadline)
            return Plan(record.source, self.stream, Outcome.DEFERRED, version=version,
                        supersede=(NEWER_EVENT,), waits_on=post, defer_id=record.event_id,
                        skip=Skip(record.source, f"{what}: waiting for the post to reach the "
                                  f"chain (until {deadline} UTC)", terminal=False,
                                  retry_at=retry_at))
        return Plan(record.source, self.stream, Outcome.SKIPPED, version=version,
                    supersede=(NEWER_EVENT,), skip=Skip(record.source, reason))


def like_stream(source: Source[LikeEvent | Unreadable], rules: LikeRules,
                lookup: Lookup) -> OutboundStream[LikeEvent]:
    """The likes stream: a deferred like is read back by its event id, whatever its state."""
    return OutboundStream(source, LikePlanner(source.name, rules, lookup), revisit=(),
                          deferred_id=event_id_of)


def event_id_of(record: LikeEvent | Unreadable) -> int:
    return record.event_id if isinstance(record, LikeEvent) else int(record.source.object_id)
