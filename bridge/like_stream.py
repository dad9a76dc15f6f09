"""The likes stream's planner: one like event (and what the store knows) -> a Plan.

Owns: which chain post a like votes on (the liked post's binding in the state store, so a like
of a post enqueued in the same tick already knows its permlink), that each event is planned once
(the record's version is its event id; an older event read again is left alone), and that a
newer event of the same member on the same post replaces an older vote that was never signed
(like -> unlike -> like before anything went out sends one vote, sparing the chain's five vote
changes). The mapping itself is ``mappings.likes``; a like that maps to nothing is recorded with
its reason for ``status``.
"""

from __future__ import annotations

from collections.abc import Callable

from bridge.model import (
    ChainLink,
    IntentKind,
    LikeEvent,
    MappingContext,
    Skip,
    SourceRef,
    Unreadable,
)
from bridge.plans import Facts, Outcome, Plan, Supersede
from mappings.likes import LikeRules, like_to_intent

NEWER_EVENT = Supersede((IntentKind.VOTE,), "replaced by a later like or unlike of the member")
PostLink = Callable[[SourceRef], "ChainLink | None"]


class LikePlanner:
    def __init__(self, stream: str, rules: LikeRules, post_link: PostLink) -> None:
        self.stream = stream
        self.rules = rules
        self.post_link = post_link  # the store's binding of a post (read in the unit's txn)

    def __call__(self, record: LikeEvent | Unreadable, facts: Facts, context: MappingContext,
                 fresh: bool) -> Plan:
        if isinstance(record, Unreadable):
            return Plan(record.source, self.stream, Outcome.SKIPPED,
                        skip=Skip(record.source, record.reason))
        version = str(record.event_id).zfill(20)
        if facts.version and facts.version >= version and not fresh:
            return Plan(record.source, self.stream, Outcome.UNCHANGED)
        post = SourceRef(record.source.system, record.source.site, "post", str(record.post_id))
        result = like_to_intent(record, self.post_link(post), self.rules)
        if isinstance(result, Skip):
            return Plan(record.source, self.stream, Outcome.SKIPPED, version=version,
                        skip=result)
        return Plan(record.source, self.stream, Outcome.ENQUEUED, version=version,
                    supersede=(NEWER_EVENT,), enqueue=result, clear_problem=True)
