"""Chain objects -> API JSON (legacy condenser shapes and appbase database_api shapes).

Field lists per steem ``condenser_api.hpp`` FC_REFLECTs (api_account_object, extended_account,
api_comment_object, discussion, extended_dynamic_global_properties, api_reward_fund_object) and
``database_api_objects.hpp`` (api_account_object adds ``last_post_edit`` and ``is_smt``; condenser
does not have ``last_post_edit``). Times as fc prints them; assets via ``render.value``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devnet import genesis as G
from devnet.assets import MAX_TIME, MIN_TIME, Asset, fmt_time, sbd, steem, vests
from devnet.render import op_appbase, op_legacy, value
from devnet.rewards import pending_reward, steem_to_sbd
from devnet.state import Account, Comment

if TYPE_CHECKING:
    from devnet.chain import Chain


def _mana(bar: Any) -> dict[str, Any]:
    return {"current_mana": bar.current_mana, "last_update_time": bar.last_update_time}


def account(chain: Chain, acc: Account, legacy: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": acc.id, "name": acc.name, "owner": acc.owner, "active": acc.active, "posting": acc.posting,
        "memo_key": acc.memo_key, "json_metadata": acc.json_metadata, "posting_json_metadata": "",
        "proxy": "", "last_owner_update": fmt_time(acc.last_owner_update),
        "last_account_update": fmt_time(acc.last_account_update), "created": fmt_time(acc.created),
        "mined": False, "recovery_account": acc.recovery_account, "last_account_recovery": fmt_time(MIN_TIME),
        "reset_account": "null", "comment_count": 0, "lifetime_vote_count": 0, "post_count": acc.post_count,
        "can_vote": acc.can_vote, "voting_manabar": _mana(acc.voting_manabar),
        "downvote_manabar": _mana(acc.downvote_manabar),
    }
    if legacy:
        out["voting_power"] = _voting_power(acc, chain.head_time())
    out.update({
        "balance": steem(acc.balance), "savings_balance": steem(0), "sbd_balance": sbd(acc.sbd_balance),
        "sbd_seconds": "0", "sbd_seconds_last_update": fmt_time(MIN_TIME),
        "sbd_last_interest_payment": fmt_time(MIN_TIME), "savings_sbd_balance": sbd(0), "savings_sbd_seconds": "0",
        "savings_sbd_seconds_last_update": fmt_time(MIN_TIME),
        "savings_sbd_last_interest_payment": fmt_time(MIN_TIME), "savings_withdraw_requests": 0,
        "reward_sbd_balance": sbd(acc.reward_sbd_balance), "reward_steem_balance": steem(acc.reward_steem_balance),
        "reward_vesting_balance": vests(acc.reward_vesting_balance),
        "reward_vesting_steem": steem(acc.reward_vesting_steem), "vesting_shares": vests(acc.vesting_shares),
        "delegated_vesting_shares": vests(0), "received_vesting_shares": vests(0),
        "vesting_withdraw_rate": vests(0), "next_vesting_withdrawal": fmt_time(MAX_TIME), "withdrawn": 0,
        "to_withdraw": 0, "withdraw_routes": 0, "curation_rewards": acc.curation_rewards,
        "posting_rewards": acc.posting_rewards, "proxied_vsf_votes": [0, 0, 0, 0], "witnesses_voted_for": 0,
        "last_post": fmt_time(acc.last_post), "last_root_post": fmt_time(acc.last_root_post),
    })
    if not legacy:
        out["last_post_edit"] = fmt_time(acc.last_post_edit)
    out.update({"last_vote_time": fmt_time(acc.last_vote_time), "post_bandwidth": 0, "pending_claimed_accounts": 0})
    if legacy:
        out.update({"vesting_balance": steem(0), "reputation": 0, "transfer_history": [], "market_history": [],
                    "post_history": [], "vote_history": [], "other_history": [], "witness_votes": [],
                    "tags_usage": [], "guest_bloggers": []})
    else:
        out["is_smt"] = False
    return value(out, legacy)


def _voting_power(acc: Account, now: int) -> int:
    max_mana = acc.vesting_shares
    if max_mana <= 0:
        return 0
    regen = max_mana * max(0, now - acc.voting_manabar.last_update_time) // G.VOTING_MANA_REGENERATION_SECONDS
    return min(max_mana, acc.voting_manabar.current_mana + regen) * G.PERCENT_100 // max_mana


def comment(chain: Chain, c: Comment, legacy: bool) -> dict[str, Any]:
    out = {
        "id": c.id, "author": c.author, "permlink": c.permlink, "category": c.category,
        "parent_author": c.parent_author, "parent_permlink": c.parent_permlink, "title": c.title, "body": c.body,
        "json_metadata": c.json_metadata, "last_update": fmt_time(c.last_update), "created": fmt_time(c.created),
        "active": fmt_time(c.active), "last_payout": fmt_time(c.last_payout), "depth": c.depth,
        "children": c.children, "net_rshares": c.net_rshares, "abs_rshares": c.abs_rshares,
        "vote_rshares": c.vote_rshares, "children_abs_rshares": c.children_abs_rshares,
        "cashout_time": fmt_time(c.cashout_time), "max_cashout_time": fmt_time(c.max_cashout_time),
        "total_vote_weight": c.total_vote_weight, "reward_weight": c.reward_weight,
        "total_payout_value": sbd(c.total_payout_value), "curator_payout_value": sbd(c.curator_payout_value),
        "author_rewards": c.author_rewards, "net_votes": c.net_votes, "root_author": c.root_author,
        "root_permlink": c.root_permlink, "max_accepted_payout": c.max_accepted_payout,
        "percent_steem_dollars": c.percent_steem_dollars, "allow_replies": c.allow_replies,
        "allow_votes": c.allow_votes, "allow_curation_rewards": c.allow_curation_rewards,
        "beneficiaries": [dict(b) for b in c.beneficiaries],
    }
    if not legacy:
        out["beneficiary_payout_value"] = sbd(c.beneficiary_payout_value)
    return value(out, legacy)


def discussion(chain: Chain, c: Comment) -> dict[str, Any]:
    out = comment(chain, c, True)
    root = chain.db.comments.get((c.root_author, c.root_permlink), c)
    pending = pending_reward(chain, c) if c.cashout_time != MAX_TIME else 0
    out.update({
        "url": f"/{c.category}/@{root.author}/{root.permlink}" + ("" if c.depth == 0 else f"#@{c.author}/{c.permlink}"),
        "root_title": root.title, "pending_payout_value": sbd(steem_to_sbd(pending)).legacy(),
        "total_pending_payout_value": steem(0).legacy(), "active_votes": active_votes(chain, c),
        "replies": [], "author_reputation": 0, "promoted": sbd(0).legacy(), "body_length": len(c.body.encode()),
        "reblogged_by": [],
    })
    return out


def empty_discussion() -> dict[str, Any]:
    """condenser get_content of a missing post: a default-constructed discussion (author "")."""
    zero = fmt_time(MIN_TIME)
    return {
        "id": 0, "author": "", "permlink": "", "category": "", "parent_author": "", "parent_permlink": "",
        "title": "", "body": "", "json_metadata": "", "last_update": zero, "created": zero, "active": zero,
        "last_payout": zero, "depth": 0, "children": 0, "net_rshares": 0, "abs_rshares": 0, "vote_rshares": 0,
        "children_abs_rshares": 0, "cashout_time": zero, "max_cashout_time": zero, "total_vote_weight": 0,
        "reward_weight": 0, "total_payout_value": "0.000 STEEM", "curator_payout_value": "0.000 STEEM",
        "author_rewards": 0, "net_votes": 0, "root_author": "", "root_permlink": "",
        "max_accepted_payout": "0.000 STEEM", "percent_steem_dollars": 0, "allow_replies": False,
        "allow_votes": False, "allow_curation_rewards": False, "beneficiaries": [], "url": "", "root_title": "",
        "pending_payout_value": "0.000 STEEM", "total_pending_payout_value": "0.000 STEEM", "active_votes": [],
        "replies": [], "author_reputation": 0, "promoted": "0.000 STEEM", "body_length": 0, "reblogged_by": [],
    }


def active_votes(chain: Chain, c: Comment) -> list[dict[str, Any]]:
    votes = chain.db.votes.get((c.author, c.permlink), {}).values()
    return [{"voter": v.voter, "weight": v.weight, "rshares": v.rshares, "percent": v.vote_percent,
             "reputation": 0, "time": fmt_time(v.last_update)} for v in votes]


def dynamic_global_properties(chain: Chain, legacy: bool) -> dict[str, Any]:
    g = chain.db.g
    out: dict[str, Any] = {} if legacy else {"id": 0}
    out.update({
        "head_block_number": chain.head_num, "head_block_id": chain.block_id(chain.head_num),
        "time": fmt_time(chain.head_time()), "current_witness": G.INITMINER, "total_pow": 1, "num_pow_witnesses": 0,
        "virtual_supply": steem(g.current_supply + g.current_sbd_supply * 4), "current_supply": steem(g.current_supply),
        "confidential_supply": steem(0), "init_sbd_supply": sbd(0), "current_sbd_supply": sbd(g.current_sbd_supply),
        "confidential_sbd_supply": sbd(0), "total_vesting_fund_steem": steem(g.total_vesting_fund_steem),
        "total_vesting_shares": vests(g.total_vesting_shares), "total_reward_fund_steem": steem(0),
        "total_reward_shares2": "0", "pending_rewarded_vesting_shares": vests(0),
        "pending_rewarded_vesting_steem": steem(0), "sbd_interest_rate": 0, "sbd_print_rate": G.PERCENT_100,
        "maximum_block_size": G.MAXIMUM_BLOCK_SIZE, "required_actions_partition_percent": 0,
        "current_aslot": chain.head_num, "recent_slots_filled": "340282366920938463463374607431768211455",
        "participation_count": 128, "last_irreversible_block_num": chain.last_irreversible(),
        "vote_power_reserve_rate": G.VOTE_POWER_RESERVE_RATE, "delegation_return_period": 432000,
        "reverse_auction_seconds": 300, "available_account_subsidies": 0, "sbd_stop_percent": 1000,
        "sbd_start_percent": 900, "next_maintenance_time": fmt_time(chain.head_time() + 3600),
        "last_budget_time": fmt_time(chain.head_time()), "content_reward_percent": 6500,
        "vesting_reward_percent": 1500, "sps_fund_percent": 1000, "sps_interval_ledger": sbd(0),
        "downvote_pool_percent": G.DOWNVOTE_POOL_PERCENT,
    })
    return value(out, legacy)


def reward_fund(chain: Chain, legacy: bool) -> dict[str, Any]:
    g = chain.db.g
    return value({
        "id": 0, "name": "post", "reward_balance": steem(g.reward_balance), "recent_claims": str(g.recent_claims),
        "last_update": fmt_time(chain.head_time()), "content_constant": str(G.CONTENT_CONSTANT),
        "percent_curation_rewards": G.PERCENT_CURATION_REWARDS, "percent_content_rewards": G.PERCENT_100,
        "author_reward_curve": "convergent_linear", "curation_reward_curve": "convergent_square_root",
    }, legacy)


def median_price(legacy: bool) -> dict[str, Any]:
    return value({"base": sbd(G.MEDIAN_PRICE_BASE_SBD), "quote": steem(G.MEDIAN_PRICE_QUOTE_STEEM)}, legacy)


def chain_properties(legacy: bool) -> dict[str, Any]:
    return value({"account_creation_fee": Asset(G.ACCOUNT_CREATION_FEE, "STEEM"),
                  "maximum_block_size": G.MAXIMUM_BLOCK_SIZE, "sbd_interest_rate": 0,
                  "account_subsidy_budget": 797, "account_subsidy_decay": 347321}, legacy)


def history_entry(entry: Any, legacy: bool) -> dict[str, Any]:
    return {"trx_id": entry.trx_id, "block": entry.block, "trx_in_block": entry.trx_in_block,
            "op_in_trx": entry.op_in_trx, "virtual_op": entry.virtual_op, "timestamp": fmt_time(entry.timestamp),
            "op": op_legacy(entry.op) if legacy else op_appbase(entry.op)}
