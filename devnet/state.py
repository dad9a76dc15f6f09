"""Chain objects (accounts, comments, votes, global counters) and an undo session for atomic txs.

Mirrors the chainbase objects of steem ``libraries/chain/include/steem/chain/account_object.hpp``,
``comment_object.hpp`` and ``global_property_object.hpp`` in reduced form. Every mutation made by an
evaluator goes through ``Db.touch`` first so a failing transaction can be rolled back completely,
like chainbase's undo session in ``database::_push_transaction``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from devnet.assets import MAX_TIME, MIN_TIME, Asset, sbd
from devnet.genesis import PERCENT_100

_MISSING = object()


@dataclass
class Manabar:
    current_mana: int = 0
    last_update_time: int = 0


@dataclass
class Account:
    id: int
    name: str
    owner: dict[str, Any]
    active: dict[str, Any]
    posting: dict[str, Any]
    memo_key: str
    json_metadata: str = ""
    created: int = MIN_TIME
    recovery_account: str = ""
    balance: int = 0
    sbd_balance: int = 0
    vesting_shares: int = 0
    reward_steem_balance: int = 0
    reward_sbd_balance: int = 0
    reward_vesting_balance: int = 0
    reward_vesting_steem: int = 0
    curation_rewards: int = 0
    posting_rewards: int = 0
    voting_manabar: Manabar = field(default_factory=Manabar)
    downvote_manabar: Manabar = field(default_factory=Manabar)
    rc_manabar: Manabar = field(default_factory=Manabar)
    last_post: int = MIN_TIME
    last_root_post: int = MIN_TIME
    last_post_edit: int = MIN_TIME
    last_vote_time: int = MIN_TIME
    last_account_update: int = MIN_TIME
    last_owner_update: int = MIN_TIME
    post_count: int = 0
    can_vote: bool = True


@dataclass
class Comment:
    id: int
    author: str
    permlink: str
    category: str
    parent_author: str
    parent_permlink: str
    title: str
    body: str
    json_metadata: str
    created: int
    last_update: int
    active: int
    depth: int
    root_author: str
    root_permlink: str
    cashout_time: int
    last_payout: int = MIN_TIME
    max_cashout_time: int = MAX_TIME
    children: int = 0
    net_rshares: int = 0
    abs_rshares: int = 0
    vote_rshares: int = 0
    children_abs_rshares: int = 0
    total_vote_weight: int = 0
    reward_weight: int = PERCENT_100
    total_payout_value: int = 0  # SBD satoshis
    curator_payout_value: int = 0
    beneficiary_payout_value: int = 0
    author_rewards: int = 0
    net_votes: int = 0
    max_accepted_payout: Asset = field(default_factory=lambda: sbd(1_000_000_000))
    percent_steem_dollars: int = PERCENT_100
    allow_replies: bool = True
    allow_votes: bool = True
    allow_curation_rewards: bool = True
    beneficiaries: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Vote:
    voter: str
    weight: int
    rshares: int
    vote_percent: int
    last_update: int
    num_changes: int = 0


@dataclass
class Globals:
    current_supply: int = 0  # STEEM satoshis
    current_sbd_supply: int = 0
    total_vesting_fund_steem: int = 0
    total_vesting_shares: int = 0
    reward_balance: int = 0
    recent_claims: int = 0
    next_account_id: int = 0
    next_comment_id: int = 0
    nai_pool: list[int] = field(default_factory=list)  # SMT: asset_nums offered (devnet.smt)


class Db:
    """Object store with an undo log; ``begin``/``commit``/``rollback`` bracket one transaction."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.comments: dict[tuple[str, str], Comment] = {}
        self.votes: dict[tuple[str, str], dict[str, Vote]] = {}
        self.singletons: dict[str, Globals] = {"g": Globals()}
        # SMTs (devnet.smt): token by liquid NAI data, balance by (account, NAI data), emissions
        self.smt_tokens: dict[int, Any] = {}
        self.smt_balances: dict[tuple[str, int], int] = {}
        self.smt_emissions: dict[tuple[int, int], Any] = {}
        self._undo: list[tuple[dict[Any, Any], Any, Any]] | None = None
        self._touched: set[tuple[int, Any]] = set()

    @property
    def g(self) -> Globals:
        return self.singletons["g"]

    def begin(self) -> None:
        self._undo, self._touched = [], set()

    def commit(self) -> None:
        self._undo, self._touched = None, set()

    def rollback(self) -> None:
        for container, key, old in reversed(self._undo or []):
            if old is _MISSING:
                container.pop(key, None)
            else:
                container[key] = old
        self.commit()

    def touch(self, container: dict[Any, Any], key: Any) -> None:
        """Record ``container[key]`` before its first change inside the open session."""
        if self._undo is None or (id(container), key) in self._touched:
            return
        self._touched.add((id(container), key))
        old = container.get(key, _MISSING)
        self._undo.append((container, key, old if old is _MISSING else copy.deepcopy(old)))

    def account_mut(self, name: str) -> Account:
        self.touch(self.accounts, name)
        return self.accounts[name]

    def comment_mut(self, key: tuple[str, str]) -> Comment:
        self.touch(self.comments, key)
        return self.comments[key]

    def votes_mut(self, key: tuple[str, str]) -> dict[str, Vote]:
        self.touch(self.votes, key)
        return self.votes.setdefault(key, {})

    def globals_mut(self) -> Globals:
        self.touch(self.singletons, "g")
        return self.singletons["g"]
