"""Comment payouts at ``created + 7 days`` (simplified, shape-correct).

Follows the structure of steem ``libraries/chain/database.cpp`` cashout_comment_helper /
pay_curators / process_comment_cashout (lines 2085-2220): reward = claims(net_rshares) *
reward_balance / recent_claims with the convergent-linear curve (``util/reward.cpp``), capped by
max_accepted_payout; 50 % curation (pay_curators, unclaimed curation returns to the author),
beneficiaries out of the author part, the author's part split by percent_steem_dollars into SBD and
vesting. Virtual ops in steemd's order: curation_reward*, comment_benefactor_reward*,
author_reward, comment_reward, comment_payout_update. Invariant (in STEEM satoshis):
curation paid + beneficiaries + author part == reward; a comment is paid once (cashout -> max).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devnet import genesis as G
from devnet.assets import MAX_TIME, Asset, sbd, vests
from devnet.serializer import Op
from devnet.state import Comment

if TYPE_CHECKING:
    from devnet.chain import Chain

ZERO_TRX = "0" * 40


def steem_to_sbd(amount: int) -> int:
    return amount * G.MEDIAN_PRICE_BASE_SBD // G.MEDIAN_PRICE_QUOTE_STEEM


def sbd_to_steem(amount: int) -> int:
    return amount * G.MEDIAN_PRICE_QUOTE_STEEM // G.MEDIAN_PRICE_BASE_SBD


def steem_to_vests(chain: Chain, amount: int) -> int:
    g = chain.db.g
    if g.total_vesting_fund_steem == 0:
        return amount * G.VESTS_PER_STEEM * 1000
    return amount * g.total_vesting_shares // g.total_vesting_fund_steem


def claims(rshares: int) -> int:
    """convergent_linear curve: ((r + s)^2 - s^2) / (r + 4s)."""
    if rshares <= 0:
        return 0
    s = G.CONTENT_CONSTANT
    return ((rshares + s) ** 2 - s * s) // (rshares + 4 * s)


def pending_reward(chain: Chain, comment: Comment) -> int:
    """The STEEM-satoshi reward the comment would receive if paid now (cap applied)."""
    g = chain.db.g
    reward = claims(comment.net_rshares) * g.reward_balance // max(1, g.recent_claims)
    return min(reward, sbd_to_steem(comment.max_accepted_payout.amount))


def process_cashouts(chain: Chain, first: int, last: int) -> None:
    """Pay every comment whose cashout_time falls in blocks ``first..last``."""
    deadline = chain.block_time(last)
    due = sorted((c for c in chain.db.comments.values() if c.cashout_time != MAX_TIME and c.cashout_time <= deadline),
                 key=lambda c: (c.cashout_time, c.id))
    counters: dict[int, int] = {}
    for comment in due:
        block = _first_block_at(chain, first, last, comment.cashout_time)
        _cashout(chain, comment, block, counters)


def _first_block_at(chain: Chain, low: int, high: int, time: int) -> int:
    while low < high:
        mid = (low + high) // 2
        if chain.block_time(mid) >= time:
            high = mid
        else:
            low = mid + 1
    return low


def _cashout(chain: Chain, comment: Comment, block: int, counters: dict[int, int]) -> None:
    db = chain.db
    now = chain.block_time(block)
    emitted: list[Op] = []
    reward = pending_reward(chain, comment)
    curation_budget = reward * G.PERCENT_CURATION_REWARDS // G.PERCENT_100 if comment.allow_curation_rewards else 0
    curation_paid = _pay_curators(chain, comment, curation_budget, emitted)
    author_tokens = reward - curation_paid
    benefactor_total = _pay_beneficiaries(chain, comment, author_tokens, emitted)
    author_tokens -= benefactor_total
    sbd_steem = author_tokens * comment.percent_steem_dollars // (2 * G.PERCENT_100)
    vesting_steem = author_tokens - sbd_steem
    sbd_paid = steem_to_sbd(sbd_steem)
    author = db.accounts[comment.author]
    vests_paid = _deposit(chain, author, vesting_steem)
    author.reward_sbd_balance += sbd_paid
    author.posting_rewards += author_tokens
    db.g.current_sbd_supply += sbd_paid
    emitted.append(Op("author_reward", {"author": comment.author, "permlink": comment.permlink,
                                        "sbd_payout": sbd(sbd_paid), "steem_payout": Asset(0, "STEEM"),
                                        "vesting_payout": vests(vests_paid)}))
    emitted.append(Op("comment_reward", {"author": comment.author, "permlink": comment.permlink,
                                         "payout": sbd(steem_to_sbd(reward))}))
    emitted.append(Op("comment_payout_update", {"author": comment.author, "permlink": comment.permlink}))
    comment.total_payout_value += steem_to_sbd(author_tokens)
    comment.curator_payout_value += steem_to_sbd(curation_paid)
    comment.beneficiary_payout_value += steem_to_sbd(benefactor_total)
    comment.author_rewards += author_tokens
    db.g.reward_balance -= reward
    db.g.recent_claims += claims(comment.net_rshares)
    comment.cashout_time, comment.last_payout = MAX_TIME, now
    comment.net_rshares = comment.abs_rshares = comment.vote_rshares = comment.total_vote_weight = 0
    for vote in db.votes.get((comment.author, comment.permlink), {}).values():
        vote.num_changes = -1
    trx_in_block = len(chain.block_txs.get(block, []))
    for op in emitted:
        counters[block] = counters.get(block, 0) + 1
        chain.history.record(op, ZERO_TRX, block, trx_in_block, 0, counters[block], now)


def _deposit(chain: Chain, account: object, steem_amount: int) -> int:
    """Vest ``steem_amount`` into the account's reward vesting balance; returns the VESTS issued."""
    issued = steem_to_vests(chain, steem_amount)
    account.reward_vesting_balance += issued  # type: ignore[attr-defined]
    account.reward_vesting_steem += steem_amount  # type: ignore[attr-defined]
    chain.db.g.total_vesting_shares += issued
    chain.db.g.total_vesting_fund_steem += steem_amount
    return issued


def _pay_curators(chain: Chain, comment: Comment, budget: int, emitted: list[Op]) -> int:
    votes = [v for v in chain.db.votes.get((comment.author, comment.permlink), {}).values() if v.weight > 0]
    total_weight = sum(v.weight for v in votes)
    paid = 0
    if budget <= 0 or total_weight == 0:
        return 0
    for vote in votes:
        share = budget * vote.weight // total_weight
        if share <= 0:
            continue
        curator = chain.db.accounts[vote.voter]
        issued = _deposit(chain, curator, share)
        curator.curation_rewards += share
        paid += share
        emitted.append(Op("curation_reward", {"curator": vote.voter, "reward": vests(issued),
                                              "comment_author": comment.author, "comment_permlink": comment.permlink}))
    return paid


def _pay_beneficiaries(chain: Chain, comment: Comment, author_tokens: int, emitted: list[Op]) -> int:
    total = 0
    for ben in comment.beneficiaries:
        tokens = author_tokens * ben["weight"] // G.PERCENT_100
        account = chain.db.accounts[ben["account"]]
        sbd_paid, vests_paid = 0, 0
        if ben["account"] == G.TREASURY_ACCOUNT:  # HF21: the treasury is paid in SBD
            sbd_paid = steem_to_sbd(tokens)
            account.reward_sbd_balance += sbd_paid
        else:
            vests_paid = _deposit(chain, account, tokens)
        total += tokens
        emitted.append(Op("comment_benefactor_reward", {
            "benefactor": ben["account"], "author": comment.author, "permlink": comment.permlink,
            "sbd_payout": sbd(sbd_paid), "steem_payout": Asset(0, "STEEM"), "vesting_payout": vests(vests_paid)}))
    return total
