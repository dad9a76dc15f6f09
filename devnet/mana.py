"""Voting mana and a simple resource-credit (RC) model.

Vote math follows steem ``libraries/chain/steem_evaluator.cpp`` hf20_vote_evaluator (used_mana =
current * |weight| * 86400 / 10000, divided by vote_power_reserve_rate * 432000, minus the
50,000,000 dust threshold, scaled down in the last 12 h) and ``util/manabar.hpp`` (linear regen over
5 days). RC is simplified: max RC = vesting shares, cost per transaction = base + size, regenerating
over 5 days like ``rc_plugin.cpp``; the error text is rc_plugin's.
"""

from __future__ import annotations

from devnet.errors import PLUGIN, ChainError
from devnet.genesis import (
    DOWNVOTE_POOL_PERCENT,
    PERCENT_100,
    RC_REGEN_SECONDS,
    UPVOTE_LOCKOUT_SECONDS,
    VOTE_DUST_THRESHOLD,
    VOTE_POWER_RESERVE_RATE,
    VOTING_MANA_REGENERATION_SECONDS,
)
from devnet.state import Account, Manabar

RC_BASE_COST = 10_000_000
RC_COST_PER_BYTE = 10_000


def regenerate(bar: Manabar, max_mana: int, now: int, regen_seconds: int) -> None:
    elapsed = max(0, now - bar.last_update_time)
    bar.current_mana = min(max_mana, bar.current_mana + max_mana * elapsed // regen_seconds)
    bar.last_update_time = now


def max_voting_mana(account: Account) -> int:
    return account.vesting_shares


def vote_rshares(account: Account, weight: int, now: int, cashout_time: int) -> int:
    """Consume mana for a vote and return its signed rshares (hf20_vote_evaluator)."""
    max_mana = max_voting_mana(account)
    regenerate(account.voting_manabar, max_mana, now, VOTING_MANA_REGENERATION_SECONDS)
    regenerate(account.downvote_manabar, max_mana * DOWNVOTE_POOL_PERCENT // PERCENT_100, now,
               VOTING_MANA_REGENERATION_SECONDS)
    abs_weight = abs(weight)
    current = account.voting_manabar.current_mana
    if weight < 0:
        pool = account.downvote_manabar.current_mana * PERCENT_100 // DOWNVOTE_POOL_PERCENT
        current = max(pool, current)
    used = current * abs_weight * 60 * 60 * 24 // PERCENT_100
    denom = VOTE_POWER_RESERVE_RATE * VOTING_MANA_REGENERATION_SECONDS
    used = (used + denom - 1) // denom
    if weight < 0:
        available = account.voting_manabar.current_mana + account.downvote_manabar.current_mana
        if available <= used:
            raise ChainError((10, "assert_exception", "Assert Exception"),
                             "voter.voting_manabar.current_mana + voter.downvote_manabar.current_mana > used_mana.to_int64(): "
                             f"Account does not have enough mana to downvote. voting_mana: {account.voting_manabar.current_mana} "
                             f"downvote_mana: {account.downvote_manabar.current_mana} required_mana: {used}")
        from_downvote = min(used, account.downvote_manabar.current_mana)
        account.downvote_manabar.current_mana -= from_downvote
        account.voting_manabar.current_mana -= used - from_downvote
    else:
        if account.voting_manabar.current_mana < used:
            raise ChainError((10, "assert_exception", "Assert Exception"),
                             "voter.voting_manabar.has_mana( used_mana.to_int64() ): Account does not have enough mana to vote.")
        account.voting_manabar.current_mana -= used
    rshares = max(0, used - VOTE_DUST_THRESHOLD)
    cashout_delta = cashout_time - now
    if cashout_delta < UPVOTE_LOCKOUT_SECONDS:
        rshares = rshares * cashout_delta // UPVOTE_LOCKOUT_SECONDS
    return -rshares if weight < 0 else rshares


def rc_cost(tx_size: int) -> int:
    return RC_BASE_COST + RC_COST_PER_BYTE * tx_size


def charge_rc(account: Account, cost: int, now: int) -> None:
    regenerate(account.rc_manabar, max_rc(account), now, RC_REGEN_SECONDS)
    if account.rc_manabar.current_mana < cost:
        raise ChainError(PLUGIN, f"Account: {account.name} has {account.rc_manabar.current_mana} RC, needs {cost} RC. "
                                 "Please wait to transact, or power up STEEM.")
    account.rc_manabar.current_mana -= cost


def max_rc(account: Account) -> int:
    return account.vesting_shares
