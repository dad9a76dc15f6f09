"""The operation kinds the outbox carries, as one table: adding a kind is adding a row.

Each row says, for one ``IntentKind``:
    rate          -- the chain's per-account rule it must respect, measured in chain time
                     (steemd libraries/chain/steem_evaluator.cpp, HF20), or None
    authority     -- which key signs it: posting, or active (each from its own key source)
    confirmation  -- what proves it happened: its transaction in a block, or, for sidechain
                     operations, the sidechain's own log of that transaction without errors
    link          -- what a confirmation does to the source object's chain link: bind it
                     (published), unbind it (deleted), or nothing
    touches       -- the account clocks the operation moves when it lands (steem_evaluator.cpp:
                     a root post sets last_root_post, last_post and last_post_edit; a reply
                     last_post and last_post_edit; an edit last_post_edit; a vote last_vote_time)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bridge.model import IntentKind


class Authority(StrEnum):
    POSTING = "posting"
    ACTIVE = "active"


class Confirmation(StrEnum):
    BLOCK = "block"
    SIDECHAIN = "sidechain"


class LinkEffect(StrEnum):
    NONE = "none"
    PUBLISHED = "published"  # the object's post is on chain: write author/permlink/block back
    DELETED = "deleted"  # the object's post was deleted on chain


@dataclass(frozen=True)
class RateRule:
    clock: str  # the AccountTimes field the rule measures from
    interval: timedelta
    strict: bool  # True: ``now - last > interval`` (root posts); False: ``>=``
    text: str  # what a site owner reads in ``status``


@dataclass(frozen=True)
class KindRule:
    rate: RateRule | None
    authority: Authority
    confirmation: Confirmation
    link: LinkEffect = LinkEffect.NONE
    touches: tuple[str, ...] = ()


ROOT_POST = RateRule("last_root_post", timedelta(seconds=300), True,
                     "one root post per author every 5 minutes")  # STEEM_MIN_ROOT_COMMENT_INTERVAL
REPLY = RateRule("last_post", timedelta(seconds=3), False,
                 "one reply every 3 seconds")  # STEEM_MIN_REPLY_INTERVAL_HF20
EDIT = RateRule("last_post_edit", timedelta(seconds=3), False,
                "one edit every 3 seconds")  # STEEM_MIN_COMMENT_EDIT_INTERVAL
VOTE = RateRule("last_vote_time", timedelta(seconds=3), False,
                "one vote every 3 seconds")  # STEEM_MIN_VOTE_INTERVAL_SEC

KINDS: dict[IntentKind, KindRule] = {
    IntentKind.CREATE_POST: KindRule(ROOT_POST, Authority.POSTING, Confirmation.BLOCK,
                                     LinkEffect.PUBLISHED,
                                     ("last_root_post", "last_post", "last_post_edit")),
    IntentKind.EDIT_POST: KindRule(EDIT, Authority.POSTING, Confirmation.BLOCK,
                                   LinkEffect.PUBLISHED, ("last_post_edit",)),
    IntentKind.DELETE_POST: KindRule(None, Authority.POSTING, Confirmation.BLOCK,
                                     LinkEffect.DELETED),
    IntentKind.REPLY: KindRule(REPLY, Authority.POSTING, Confirmation.BLOCK,
                               LinkEffect.PUBLISHED, ("last_post", "last_post_edit")),
    IntentKind.VOTE: KindRule(VOTE, Authority.POSTING, Confirmation.BLOCK, LinkEffect.NONE,
                              ("last_vote_time",)),
    IntentKind.TOMBSTONE_EDIT: KindRule(EDIT, Authority.POSTING, Confirmation.BLOCK,
                                        LinkEffect.NONE, ("last_post_edit",)),
    IntentKind.CUSTOM_JSON: KindRule(None, Authority.ACTIVE, Confirmation.SIDECHAIN),
    IntentKind.TRANSFER: KindRule(None, Authority.ACTIVE, Confirmation.BLOCK),
    IntentKind.ANCHOR: KindRule(None, Authority.POSTING, Confirmation.BLOCK),
}


def rule_for(kind: IntentKind) -> KindRule:
    return KINDS[kind]
