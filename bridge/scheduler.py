"""The chain's per-account rate limits, measured in chain (head block) time, never wall clock.

The rules themselves are rows of the kinds table (bridge/kinds.py). An intent that would break
its rule is scheduled for the first chain second it may go out, instead of being sent and
rejected, or retried in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bridge.kinds import RateRule, rule_for
from bridge.model import IntentKind, to_text
from bridge.ports import AccountTimes


@dataclass(frozen=True)
class Wait:
    until: datetime  # chain time at which the intent may be sent
    reason: str


def earliest_send(kind: IntentKind, times: AccountTimes | None, now: datetime) -> Wait | None:
    """None when the intent may go out at chain time ``now``; else when and why to wait."""
    rate = rule_for(kind).rate
    if times is None or rate is None:
        return None
    return _wait(first_allowed(rate, getattr(times, rate.clock)), now, rate.text)


def projected(times: AccountTimes | None, kind: IntentKind, landing: datetime
              ) -> AccountTimes | None:
    """The account's clocks as they will be once an intent of ``kind`` lands at ``landing``."""
    if times is None:
        return None
    touches = rule_for(kind).touches

    def clock(name: str) -> datetime:
        return landing if name in touches else getattr(times, name)

    return AccountTimes(times.name, clock("last_root_post"), clock("last_post"),
                        clock("last_post_edit"), clock("last_vote_time"))


def first_allowed(rate: RateRule, last: datetime) -> datetime:
    """The first chain second the rule allows after an operation at ``last``."""
    # strict rules (root posts: ``now - last > 300 s``) first allow last + 301 s
    return last + rate.interval + (timedelta(seconds=1) if rate.strict else timedelta(0))


def _wait(until: datetime, now: datetime, rule: str) -> Wait | None:
    if now >= until:
        return None
    return Wait(until=until, reason=f"{rule}; next allowed at chain time "
                                    f"{to_text(until)}")
