"""Backfill planning: which selected posts would go out, as which permlinks, and when.

Owns the plan of ``wp-steem-bridge backfill``. Each selected post is planned through the SAME
planner the tick uses (``bridge.post_stream.PostPlanner`` through the posts stream), so a
backfilled post is exactly what ``sync`` would have made and a post already bridged is recognized
as unchanged. Posts that need a root post slot are then laid out per author in chain time: an
author's first one at the later of the head block time and the 5-minute rule after the author's
``last_root_post`` (``bridge.scheduler.first_allowed`` with the kinds table's rule), each next one
a rule's interval after the previous; creates of the same author already queued in the outbox
go first. The ETA is the latest of those times.

Nothing here writes: the dry run prints this plan; ``bridge.backfill_run`` enqueues and runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from tabulate import tabulate

from bridge.kinds import RateRule, rule_for
from bridge.model import (
    IntentKind,
    IntentStatus,
    MappingContext,
    PostRecord,
    Unreadable,
    from_text,
)
from bridge.plans import Outcome, Plan
from bridge.ports import AccountTimes, Chain, ChainHead
from bridge.scheduler import first_allowed
from bridge.store import OutboxEntry, StateStore
from bridge.streams import OutboundStream

ROOT_POST_RULE: RateRule = rule_for(IntentKind.CREATE_POST).rate  # type: ignore[assignment]
BLOCK_INTERVAL = timedelta(seconds=3)  # STEEM_BLOCK_INTERVAL
QUEUED = (IntentStatus.PENDING, IntentStatus.SCHEDULED)
SENDING = (IntentStatus.SIGNED, IntentStatus.BROADCAST)
# states of a planned post that still has something to send
TO_SEND = ("publish", "edit", "queued", "sending")


@dataclass(frozen=True)
class PlannedPost:
    """One selected post and what the backfill does with it.

    ``state``: publish (a new root post), edit (bridged, changed since), queued (already in the
    outbox), sending (signed, being confirmed), on chain (nothing to do), unchanged, skipped,
    waiting (deferred by the mapping), failed, ignored."""

    post_id: int
    title: str
    state: str
    account: str = ""
    permlink: str = ""
    reason: str = ""
    not_before: datetime | None = None  # chain time it may go out (posts still to send)
    source_ref: str = ""
    kind: str = ""  # of the outbox row a queued or sending post waits in

    @property
    def to_send(self) -> bool:
        return self.state in TO_SEND


@dataclass(frozen=True)
class BackfillPlan:
    head: ChainHead
    posts: list[PlannedPost]
    queued_before: dict[str, int] = field(default_factory=dict)  # account -> other queued creates

    @property
    def sending(self) -> list[PlannedPost]:
        return [p for p in self.posts if p.to_send]

    @property
    def eta(self) -> datetime:
        """Chain time the last selected post may go out (the head time when none is left)."""
        return max((p.not_before for p in self.sending if p.not_before), default=self.head.time)

    def author_etas(self) -> dict[str, tuple[int, datetime]]:
        """Per account: how many selected posts it sends, and when the last may go out."""
        found: dict[str, tuple[int, datetime]] = {}
        for post in self.sending:
            count, last = found.get(post.account, (0, self.head.time))
            found[post.account] = (count + 1, max(last, post.not_before or self.head.time))
        return dict(sorted(found.items()))


def schedule(head_time: datetime, last_root_post: datetime | None,
             floors: Sequence[datetime | None], rule: RateRule = ROOT_POST_RULE,
             block: timedelta = BLOCK_INTERVAL) -> list[datetime]:
    """Chain times for one author's root posts in order: each at the head time at the
    earliest, after the rule's interval since the previous (the first: since
    ``last_root_post``), and not before its own floor (an outbox row's ``not_before``).

    Chain time moves a block at a time, so each is the first block time (head time plus whole
    blocks) at or after the moment the rule allows; that block's time is then the author's
    ``last_root_post`` the next one counts from."""
    times: list[datetime] = []
    previous = last_root_post
    for floor in floors:
        at = head_time
        if previous is not None:
            at = max(at, first_allowed(rule, previous))
        if floor is not None:
            at = max(at, floor)
        at = _on_block(head_time, at, block)
        times.append(at)
        previous = at
    return times


def _on_block(head_time: datetime, moment: datetime, block: timedelta) -> datetime:
    """The first block time at or after ``moment`` (a block every ``block`` from the head)."""
    behind = (moment - head_time) % block
    return moment if not behind else moment + block - behind


def plan_backfill(records: Sequence[PostRecord | Unreadable], stream: OutboundStream[Any],
                  store: StateStore, chain: Chain, context: MappingContext) -> BackfillPlan:
    """The plan for ``records`` (oldest first), read from the store and the chain only."""
    head = chain.head()
    live = store.outbox.rows(*QUEUED, *SENDING)
    by_source: dict[str, list[OutboxEntry]] = {}
    for entry in live:
        by_source.setdefault(str(entry.source), []).append(entry)
    bound: set[tuple[str, str]] = set()
    posts = [_plan_one(record, stream, store, context, by_source, bound) for record in records]
    return _with_times(head, posts, live, chain)


def _plan_one(record: PostRecord | Unreadable, stream: OutboundStream[Any], store: StateStore,
              context: MappingContext, live: dict[str, list[OutboxEntry]],
              bound: set[tuple[str, str]]) -> PlannedPost:
    source = record.source
    post_id = int(source.object_id)
    title = record.title_rendered if isinstance(record, PostRecord) else ""
    base = PlannedPost(post_id, title, "unchanged", source_ref=str(source))
    entries = live.get(str(source), [])
    if entries:  # already in the outbox (an earlier backfill or sync): it goes out from there
        entry = entries[0]
        state = "sending" if entry.status in SENDING else "queued"
        return replace(base, state=state, account=entry.account, permlink=entry.permlink,
                       kind=entry.kind.value)
    plan: Plan = stream.plan(record, store.facts(source), context, False)
    link = store.get_link(source)
    intent = plan.enqueue
    if plan.outcome is Outcome.ENQUEUED and intent is not None:
        taken = (intent.author, intent.permlink)
        if plan.bind and (taken in bound or store.permlink_taken(*taken)):
            return replace(base, state="skipped", account=intent.author,
                            permlink=intent.permlink, reason="permlink already bound to "
                            "another WordPress object")
        bound.add(taken)
        state = "publish" if intent.kind is IntentKind.CREATE_POST else "edit"
        return replace(base, state=state, account=intent.account, permlink=intent.permlink)
    if plan.outcome is Outcome.UNCHANGED and link is not None and link.state == "on_chain":
        return replace(base, state="on chain", account=link.author, permlink=link.permlink)
    reason = plan.skip.reason if plan.skip else plan.problem.reason if plan.problem else ""
    names = {Outcome.SKIPPED: "skipped", Outcome.DEFERRED: "waiting", Outcome.FAILED: "failed",
             Outcome.IGNORED: "ignored"}
    return replace(base, state=names.get(plan.outcome, "unchanged"), reason=reason)


def _with_times(head: ChainHead, posts: list[PlannedPost], live: list[OutboxEntry],
                chain: Chain) -> BackfillPlan:
    """Lay the root posts out per author; edits and rows being sent go at the head time."""
    selected = {p.source_ref for p in posts}
    timed: dict[str, datetime] = {}
    queued_before: dict[str, int] = {}
    for account in sorted({p.account for p in posts if p.to_send}):
        times: AccountTimes | None = chain.account_times(account)
        creates = [e for e in live if e.account == account and e.kind is IntentKind.CREATE_POST
                   and e.status in QUEUED]
        others = [e for e in creates if str(e.source) not in selected]
        mine = [p for p in posts if p.account == account and p.state == "queued"
                and p.kind == IntentKind.CREATE_POST.value]
        fresh = [p for p in posts if p.account == account and p.state == "publish"]
        floors: list[datetime | None] = [_floor(e) for e in others]
        floors += [_floor(next(e for e in creates if str(e.source) == p.source_ref))
                   for p in mine]
        floors += [None] * len(fresh)
        at = schedule(head.time, times.last_root_post if times else None, floors)
        for post, when in zip(mine + fresh, at[len(others):], strict=True):
            timed[post.source_ref] = when
        if others:
            queued_before[account] = len(others)
    planned = [replace(p, not_before=timed.get(p.source_ref, head.time)) if p.to_send else p
               for p in posts]
    return BackfillPlan(head, planned, queued_before)


def _floor(entry: OutboxEntry) -> datetime | None:
    return from_text(entry.not_before) if entry.not_before else None


# -- rendering -----------------------------------------------------------------------------------

def chain_time(value: datetime) -> str:
    return f"{value:%Y-%m-%dT%H:%M:%S}"


def duration(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def eta_lines(plan: BackfillPlan) -> list[str]:
    """The ETA, in chain time and as a duration from the head block, overall and per author."""
    head = plan.head
    lines = [f"ETA: {chain_time(plan.eta)} chain time (in {duration(plan.eta - head.time)} "
             f"from head block {head.block_num} at {chain_time(head.time)})"]
    for account, (count, last) in plan.author_etas().items():
        ahead = plan.queued_before.get(account, 0)
        extra = f", after {ahead} already queued" if ahead else ""
        lines.append(f"  @{account}: {count} post(s){extra}, last not before "
                     f"{chain_time(last)} (in {duration(last - head.time)})")
    return lines


def summary_line(plan: BackfillPlan) -> str:
    counts: dict[str, int] = {}
    for post in plan.posts:
        counts[post.state] = counts.get(post.state, 0) + 1
    parts = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    authors = len({p.account for p in plan.sending})
    return (f"backfill: {len(plan.posts)} post(s) selected ({parts or 'none'}); "
            f"{len(plan.sending)} to send by {authors} author(s)")


def render_plan(plan: BackfillPlan) -> str:
    rows = [[p.post_id, _short(p.title), p.state,
             f"@{p.account}/{p.permlink}" if p.permlink else "",
             chain_time(p.not_before) if p.not_before else "", _short(p.reason, 50)]
            for p in plan.posts]
    table = tabulate(rows, headers=["post", "title", "state", "author/permlink",
                                    "not before (chain time)", "reason"], tablefmt="plain")
    return "\n".join([table, "", summary_line(plan), *eta_lines(plan)])


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"
