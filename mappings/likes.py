"""A member's like or unlike of a bridged post -> a chain vote by the member's account (pure).

Owns: the vote a like becomes (the member's linked account votes the post's chain copy at the
configured weight, ``[likes] weight`` percent -> basis points), the vote an unlike becomes (weight
0: the chain's vote removal), the idempotency key (per member, post and like event), why a like
maps to nothing (member not linked, post not on chain), and what a post's chain state says
about voting on it now (``vote_verdict``: paid out, not there yet).

Chain rules it relies on (steemd ``libraries/chain/steem_evaluator.cpp``, hf20_vote_evaluator;
devnet/evaluators.py ``apply_vote``): a weight of 0 needs an existing vote ("Vote weight cannot
be 0."); a vote equal to the current one is refused ("Your current vote on this comment is
identical to this vote."); at most STEEM_MAX_VOTE_CHANGES = 5 changes per voter and comment; a
vote on a paid-out comment (cashout_time = time_point_sec::maximum()) is accepted but changes
nothing, so the bridge does not send it. The 3-second rule is the VOTE row of bridge/kinds.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bridge.model import ChainLink, Intent, IntentKind, LikeEvent, Skip, intent_key

PERCENT_100 = 10000  # STEEM_100_PERCENT: vote weights are basis points
PAID_OUT = "1969-12-31T23:59:59"  # cashout_time of a comment whose payout is done (maximum)


@dataclass(frozen=True)
class LikeRules:
    """``[likes]`` settings the mapping depends on."""

    weight: float = 100.0  # percent of a full vote a like is worth (0 < weight <= 100)
    unlinked: str = "skip"  # a member without a linked account: "skip" with a visible reason


def vote_weight(rules: LikeRules) -> int:
    return max(1, min(PERCENT_100, round(rules.weight * 100)))


def like_to_intent(event: LikeEvent, post: ChainLink | None, rules: LikeRules) -> Intent | Skip:
    """``post``: the bridged post's chain binding as the state store knows it (None: never
    bridged)."""
    who = f"user {event.user_id}"
    if event.event not in ("like", "unlike"):
        return Skip(event.source, f"unknown like event {event.event!r} (event {event.event_id})")
    if post is None or post.state == "deleted":
        state = "deleted on chain" if post is not None else "not bridged to the chain"
        return Skip(event.source, f"{event.event} of post {event.post_id} by {who}: the post is "
                                  f"{state}, so there is nothing to vote on")
    if not event.member_account:
        return Skip(event.source, f"{event.event} of post {event.post_id} by {who}: the member "
                                  f"has no linked Steem account ([likes] unlinked = "
                                  f"\"{rules.unlinked}\"); link one to vote with likes")
    weight = vote_weight(rules) if event.event == "like" else 0
    operation = ("vote", {"voter": event.member_account, "author": post.author,
                          "permlink": post.permlink, "weight": weight})
    return Intent(key=intent_key(IntentKind.VOTE, event.source, str(event.event_id)),
                  kind=IntentKind.VOTE, account=event.member_account, source=event.source,
                  operations=(operation,), author=post.author, permlink=post.permlink,
                  title=f"{event.event} #{event.event_id} ({event.origin})")


class Verdict(StrEnum):
    SEND = "send"
    WAIT = "wait"  # the post is not on chain yet (its create is still on its way)
    REFUSE = "refuse"  # voting now cannot do what the like meant: a final state, with reason


def vote_verdict(content: dict[str, Any] | None) -> tuple[Verdict, str]:
    """What the voted post's chain state (``get_content``) says about voting on it now. (A
    payout under way, ``now >= cashout_time``, is the chain's own "Comment is actively being
    rewarded" refusal: rate-limited, tried again a block later.)"""
    if not content or not content.get("author"):
        return Verdict.WAIT, "the post is not on chain yet; the vote waits for it"
    cashout = str(content.get("cashout_time", ""))
    if cashout == PAID_OUT:
        return Verdict.REFUSE, (f"the post @{content['author']}/{content.get('permlink', '')} "
                                f"was paid out (cashout {cashout or 'over'}); a vote now would "
                                f"change nothing, so it is not sent")
    return Verdict.SEND, ""


def vote_weight_of(operations: list[tuple[str, dict[str, Any]]]) -> int:
    """The weight of the vote in an intent's operations (0 when there is none)."""
    return next((int(p.get("weight", 0)) for name, p in operations if name == "vote"), 0)
