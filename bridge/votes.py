"""The vote kind's chain states, for the dispatcher: what happens to a vote besides "sent".

Owns, for ``IntentKind.VOTE`` intents (members' likes):
    before signing  -- the voted post's chain state (``get_content``, read once per post per
                       round): not on chain yet -> scheduled behind it with the reason; paid out
                       -> kept as it is (a vote would change nothing), the reason recorded
    node refusals   -- sorted at the connector (``bridge.failures.Code``): an identical vote, or
                       an unvote where there is no vote, means the chain already holds what the
                       like meant (confirmed, no block, the reason kept); five vote changes used
                       (STEEM_MAX_VOTE_CHANGES) -> kept as it is, reason recorded. Never a retry.
                       (The 3-second rule and voting mana are rate limits: scheduled.)
    confirmation    -- the post's count of this site's likes that are votes on chain, queued
                       for WordPress (post meta ``steem_liked_votes``, like-events.php)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bridge.failures import Code, ConnectorError
from bridge.model import IntentKind, SourceRef
from bridge.ports import Chain, ChainHead, JsonDict
from bridge.report import TickReport
from bridge.store import OutboxEntry, StateStore
from mappings.likes import Verdict, vote_verdict, vote_weight_of

ALREADY_THERE = (Code.IDENTICAL_VOTE, Code.NO_VOTE_TO_REMOVE)
KEPT_AS_IS = (Code.VOTE_CHANGES_USED,)
POST_WAIT = timedelta(seconds=30)  # a vote on a post whose create is still on its way


class VoteStates:
    def __init__(self, store: StateStore, chain: Chain) -> None:
        self.store = store
        self.outbox = store.outbox
        self.chain = chain

    def may_send(self, entry: OutboxEntry, contents: dict[tuple[str, str], JsonDict | None],
                 head: ChainHead, report: TickReport) -> bool:
        """False when the vote is not to be sent now (its outcome is recorded here)."""
        post = (entry.author, entry.permlink)
        if post not in contents:
            contents[post] = self.chain.get_content(*post)
        verdict, reason = vote_verdict(contents[post])
        if verdict is Verdict.SEND:
            return True
        link = self.store.get_link(_post_source(entry.source))
        if verdict is Verdict.WAIT and (link is None or link.state == "deleted"):
            verdict, reason = Verdict.REFUSE, "the post was deleted on chain; nothing to vote on"
        with self.store.transaction():
            if verdict is Verdict.WAIT:
                self.outbox.mark_scheduled(entry.id, head.time + POST_WAIT, reason)
            else:
                self._keep(entry, reason)
        if verdict is Verdict.WAIT:
            report.scheduled += 1
        else:
            report.kept += 1
        return False

    def settle(self, entry: OutboxEntry, exc: ConnectorError, report: TickReport) -> bool:
        """A node's refusal of a vote that is an outcome, not a failure: True when handled."""
        if entry.kind is not IntentKind.VOTE or exc.code not in (*ALREADY_THERE, *KEPT_AS_IS):
            return False
        with self.store.transaction():
            if exc.code in ALREADY_THERE:
                self.outbox.mark_already_applied(entry.id, f"already on chain: {exc.message}")
                self.store.clear_problem(str(entry.source), "broadcast")
                self.queue_tally(entry)
            else:
                self._keep(entry, f"the vote stays as it is on chain: {exc.message}")
        if exc.code in ALREADY_THERE:
            report.confirmed += 1
        else:
            report.kept += 1
        return True

    def _keep(self, entry: OutboxEntry, reason: str) -> None:
        self.outbox.mark_kept(entry.id, reason)
        self.store.record_problem(str(entry.source), "vote", "kept", reason)

    def queue_tally(self, entry: OutboxEntry) -> None:
        """In the caller's transaction: the voted post's count of likes that are votes on chain
        (each member's latest vote that reached the chain, weight above 0)."""
        source = entry.source
        post_id = _post_source(source).object_id
        if source.object_type != "like" or not post_id.isdigit():
            return
        prefix = f"{SourceRef(source.system, source.site, 'like', post_id)}-"
        latest: dict[str, list[Any]] = dict(self.outbox.settled_votes(prefix))
        count = sum(1 for operations in latest.values() if vote_weight_of(operations) > 0)
        self.store.queue_writeback(SourceRef(source.system, source.site, "likes", post_id),
                                   int(post_id), {"steem_liked_votes": count})


def _post_source(like: SourceRef) -> SourceRef:
    """``wp:<site>:like:<post>-<user>`` -> the liked post, ``wp:<site>:post:<post>``."""
    return SourceRef(like.system, like.site, "post", like.object_id.split("-", 1)[0])
