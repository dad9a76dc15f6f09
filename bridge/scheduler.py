"""The chain's per-account rate limits, measured in chain (head block) time, never wall clock.

steemd (libraries/chain/steem_evaluator.cpp, HF20 branch) checks, with ``now`` = head block time:
    root post  ``now - last_root_post >  300 s``  (STEEM_MIN_ROOT_COMMENT_INTERVAL, strict)
    reply      ``now - last_post      >=   3 s``  (STEEM_MIN_REPLY_INTERVAL_HF20)
    edit       ``now - last_post_edit >=   3 s``  (STEEM_MIN_COMMENT_EDIT_INTERVAL)
    vote       ``now - last_vote_time >=   3 s``  (STEEM_MIN_VOTE_INTERVAL_SEC)
An intent that would break a rule is scheduled for the first chain second it may go out, instead
of being sent and rejected, or retried in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bridge.model import IntentKind

ROOT_POST_INTERVAL = timedelta(seconds=300)
REPLY_INTERVAL = timedelta(seconds=3)
EDIT_INTERVAL = timedelta(seconds=3)
VOTE_INTERVAL = timedelta(seconds=3)


@dataclass(frozen=True)
class AccountClock:
    """The account times the rules compare against (from the chain's account object)."""

    last_root_post: datetime
    last_post: datetime
    last_post_edit: datetime
    last_vote_time: datetime


@dataclass(frozen=True)
class Wait:
    until: datetime  # chain time at which the intent may be sent
    reason: str


def earliest_send(kind: IntentKind, clock: AccountClock | None, now: datetime) -> Wait | None:
    """None when the intent may go out at chain time ``now``; else when and why to wait."""
    if clock is None:
        return None
    if kind is IntentKind.CREATE_POST:
        # strictly greater: the first allowed second is last_root_post + 301 s
        until = clock.last_root_post + ROOT_POST_INTERVAL + timedelta(seconds=1)
        return _wait(until, now, "one root post per author every 5 minutes")
    if kind is IntentKind.REPLY:
        return _wait(clock.last_post + REPLY_INTERVAL, now, "one reply every 3 seconds")
    if kind is IntentKind.EDIT_POST:
        return _wait(clock.last_post_edit + EDIT_INTERVAL, now, "one edit every 3 seconds")
    if kind is IntentKind.VOTE:
        return _wait(clock.last_vote_time + VOTE_INTERVAL, now, "one vote every 3 seconds")
    return None


def _wait(until: datetime, now: datetime, rule: str) -> Wait | None:
    if now >= until:
        return None
    return Wait(until=until, reason=f"{rule}; next allowed at chain time "
                                    f"{until:%Y-%m-%dT%H:%M:%S}")
