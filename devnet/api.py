"""JSON-RPC method table: ``api -> method -> handler(chain, params)``.

Method sets and argument forms per steem ``libraries/plugins/apis/*`` (condenser_api takes a
positional array and answers legacy shapes; database_api, block_api, account_history_api,
network_broadcast_api, rc_api and debug_node_api take named-argument objects and answer appbase
shapes). Read failures are ``-32003``; broadcast failures ``-32000``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devnet import blocks, smt_api
from devnet import formatters as F
from devnet import genesis as G
from devnet.crypto import wif_to_secret
from devnet.errors import ASSERT, JSON_RPC_ERROR_DURING_CALL, ChainError
from devnet.serializer import UnsupportedOperation

Handler = Callable[[Any, Any], Any]


def read_assert(condition: bool, expression: str, message: str = "") -> None:
    if not condition:
        raise ChainError(ASSERT, f"{expression}: {message}", JSON_RPC_ERROR_DURING_CALL)


def check_args(args: Any, count: int) -> list[Any]:
    """condenser_api.cpp:28 CHECK_ARG_SIZE (the literal ``#s`` is a macro bug in steemd)."""
    args = list(args or [])
    read_assert(len(args) == count, f"args.size() == {count}", f"Expected #s argument(s), was {len(args)}")
    return args


# ---------------------------------------------------------------- config / globals

def get_config(chain: Any, _: Any) -> dict[str, Any]:
    return {
        "IS_TEST_NET": False,
        "STEEM_CHAIN_ID": chain.chain_id,
        "STEEM_BLOCKCHAIN_VERSION": G.BLOCKCHAIN_VERSION,
        "STEEM_ADDRESS_PREFIX": G.ADDRESS_PREFIX,
        "STEEM_SYMBOL": {"nai": "@@000000021", "decimals": 3},
        "SBD_SYMBOL": {"nai": "@@000000013", "decimals": 3},
        "VESTS_SYMBOL": {"nai": "@@000000037", "decimals": 6},
        "STEEM_BLOCK_INTERVAL": G.BLOCK_INTERVAL,
        "STEEM_BLOCKS_PER_DAY": 28800,
        "STEEM_CASHOUT_WINDOW_SECONDS": G.CASHOUT_WINDOW_SECONDS,
        "STEEM_GENESIS_TIME": "2016-03-24T16:00:00",
        "STEEM_INIT_MINER_NAME": G.INITMINER,
        "STEEM_MAX_MEMO_SIZE": G.MAX_MEMO_SIZE,
        "STEEM_MAX_PERMLINK_LENGTH": G.MAX_PERMLINK_LENGTH,
        "STEEM_MAX_TIME_UNTIL_EXPIRATION": G.MAX_TIME_UNTIL_EXPIRATION,
        "STEEM_MIN_ROOT_COMMENT_INTERVAL": G.MIN_ROOT_COMMENT_INTERVAL * 1_000_000,
        "STEEM_MIN_REPLY_INTERVAL_HF20": G.MIN_REPLY_INTERVAL_HF20 * 1_000_000,
        "STEEM_MIN_COMMENT_EDIT_INTERVAL": G.MIN_COMMENT_EDIT_INTERVAL * 1_000_000,
        "STEEM_MIN_VOTE_INTERVAL_SEC": G.MIN_VOTE_INTERVAL_SEC,
        "STEEM_MAX_VOTE_CHANGES": G.MAX_VOTE_CHANGES,
        "STEEM_VOTE_DUST_THRESHOLD": G.VOTE_DUST_THRESHOLD,
        "STEEM_VOTING_MANA_REGENERATION_SECONDS": G.VOTING_MANA_REGENERATION_SECONDS,
        "STEEM_UPVOTE_LOCKOUT_SECONDS": G.UPVOTE_LOCKOUT_SECONDS,
        "STEEM_100_PERCENT": G.PERCENT_100,
        "STEEM_1_PERCENT": G.PERCENT_100 // 100,
        "STEEM_BENEFICIARY_LIMIT": G.BENEFICIARY_LIMIT,
        "STEEM_CUSTOM_OP_ID_MAX_LENGTH": G.CUSTOM_OP_ID_MAX_LENGTH,
        "STEEM_CUSTOM_OP_DATA_MAX_LENGTH": G.CUSTOM_OP_DATA_MAX_LENGTH,
        "STEEM_MAX_AUTHORITY_MEMBERSHIP": G.MAX_AUTHORITY_MEMBERSHIP,
        "STEEM_MAX_SIG_CHECK_DEPTH": G.MAX_SIG_CHECK_DEPTH,
        "STEEM_MAX_BLOCK_SIZE": G.MAXIMUM_BLOCK_SIZE * 32,
        "STEEM_POST_REWARD_FUND_NAME": "post",
        "STEEM_TREASURY_ACCOUNT": G.TREASURY_ACCOUNT,
        "STEEM_NULL_ACCOUNT": G.NULL_ACCOUNT,
        "STEEM_VOTE_REGENERATION_SECONDS": G.VOTING_MANA_REGENERATION_SECONDS,
        "STEEM_REVERSE_AUCTION_WINDOW_SECONDS_HF21": 300,
        "STEEM_CONTENT_CONSTANT_HF21": str(G.CONTENT_CONSTANT),
    }


def dgp_legacy(chain: Any, params: Any) -> dict[str, Any]:
    check_args(params, 0)
    return F.dynamic_global_properties(chain, True)


def dgp_appbase(chain: Any, _: Any) -> dict[str, Any]:
    return F.dynamic_global_properties(chain, False)


def get_version(chain: Any, _: Any) -> dict[str, Any]:
    return {"blockchain_version": G.BLOCKCHAIN_VERSION, "steem_revision": "devnet", "fc_revision": "devnet",
            "chain_id": chain.chain_id}


def get_hardfork_version(chain: Any, _: Any) -> str:
    return G.BLOCKCHAIN_VERSION.rsplit(".", 1)[0] + ".0"


def get_hardfork_properties(chain: Any, _: Any) -> dict[str, Any]:
    return {"id": 0, "processed_hardforks": [], "last_hardfork": 23, "current_hardfork_version": "0.23.0",
            "next_hardfork": "0.23.0", "next_hardfork_time": "2019-08-27T15:00:00"}


def get_witness_schedule(chain: Any, _: Any) -> dict[str, Any]:
    return {"id": 0, "current_virtual_time": "0", "next_shuffle_block_num": chain.head_num + 1,
            "current_shuffled_witnesses": [G.INITMINER], "num_scheduled_witnesses": 1,
            "median_props": F.chain_properties(False), "majority_version": G.BLOCKCHAIN_VERSION}


# ---------------------------------------------------------------- accounts / content

def get_accounts(chain: Any, params: Any) -> list[dict[str, Any]]:
    names = check_args(params, 1)[0]
    return [F.account(chain, chain.db.accounts[n], True) for n in names if n in chain.db.accounts]


def find_accounts(chain: Any, params: Any) -> dict[str, Any]:
    names = (params or {}).get("accounts", [])
    read_assert(len(names) <= 1000, "args.accounts.size() <= DATABASE_API_SINGLE_QUERY_LIMIT")
    return {"accounts": [F.account(chain, chain.db.accounts[n], False) for n in names if n in chain.db.accounts]}


def lookup_accounts(chain: Any, params: Any) -> list[str]:
    lower, limit = check_args(params, 2)
    return sorted(n for n in chain.db.accounts if n >= lower)[: int(limit)]


def get_content(chain: Any, params: Any) -> dict[str, Any]:
    author, permlink = check_args(params, 2)
    found = chain.db.comments.get((author, permlink))
    return F.discussion(chain, found) if found else F.empty_discussion()


def get_content_replies(chain: Any, params: Any) -> list[dict[str, Any]]:
    author, permlink = check_args(params, 2)
    return [F.discussion(chain, c) for c in chain.db.comments.values()
            if c.parent_author == author and c.parent_permlink == permlink]


def get_active_votes(chain: Any, params: Any) -> list[dict[str, Any]]:
    author, permlink = check_args(params, 2)
    found = chain.db.comments.get((author, permlink))
    return F.active_votes(chain, found) if found else []


def get_discussions_by_author_before_date(chain: Any, params: Any) -> list[dict[str, Any]]:
    author, _start, _before, limit = check_args(params, 4)
    read_assert(int(limit) <= 100, "limit <= 100")
    posts = sorted((c for c in chain.db.comments.values() if c.author == author and c.depth == 0),
                   key=lambda c: c.created, reverse=True)
    return [F.discussion(chain, c) for c in posts[: int(limit)]]


# ---------------------------------------------------------------- rewards / prices / rc

def get_reward_fund(chain: Any, params: Any) -> dict[str, Any]:
    name = check_args(params, 1)[0]
    read_assert(name == "post", "fund != nullptr", "Invalid reward fund name")
    return F.reward_fund(chain, True)


def get_reward_funds(chain: Any, _: Any) -> dict[str, Any]:
    return {"funds": [F.reward_fund(chain, False)]}


def get_current_median_history_price(chain: Any, _: Any) -> dict[str, Any]:
    return F.median_price(True)


def feed_history(legacy: bool) -> Handler:
    def handler(chain: Any, _: Any) -> dict[str, Any]:
        return {"id": 0, "current_median_history": F.median_price(legacy), "price_history": [F.median_price(legacy)]}
    return handler


def find_rc_accounts(chain: Any, params: Any) -> dict[str, Any]:
    out = []
    for name in (params or {}).get("accounts", []):
        acc = chain.db.accounts.get(name)
        if acc is None:
            continue
        from devnet.mana import max_rc, regenerate
        bar = type(acc.rc_manabar)(acc.rc_manabar.current_mana, acc.rc_manabar.last_update_time)
        regenerate(bar, max_rc(acc), chain.head_time(), G.RC_REGEN_SECONDS)
        out.append({"account": name, "rc_manabar": {"current_mana": bar.current_mana,
                                                     "last_update_time": bar.last_update_time},
                    "max_rc_creation_adjustment": {"amount": "0", "precision": 6, "nai": "@@000000037"},
                    "max_rc": max_rc(acc)})
    return {"rc_accounts": out}


# ---------------------------------------------------------------- broadcast / debug

def _push(chain: Any, trx: Any) -> Any:
    try:
        return chain.push_transaction(trx)
    except (UnsupportedOperation, KeyError, TypeError, ValueError) as exc:
        raise ChainError((7, "bad_cast_exception", "Bad Cast"), f"Invalid transaction: {exc}") from exc


def broadcast_transaction(chain: Any, params: Any) -> dict[str, Any]:
    _push(chain, check_args(params, 1)[0])
    return {}


def broadcast_transaction_synchronous(chain: Any, params: Any) -> dict[str, Any]:
    accepted = _push(chain, check_args(params, 1)[0])
    chain.block_produced.wait_for(lambda: chain.head_num >= accepted.block_num, timeout=60)
    return {"id": accepted.tx_id, "block_num": accepted.block_num, "trx_num": accepted.trx_num, "expired": False}


def network_broadcast(chain: Any, params: Any) -> dict[str, Any]:
    _push(chain, (params or {})["trx"])
    return {}


def _check_debug_key(key: str) -> bool:
    if key == "":
        return False
    try:
        wif_to_secret(key)
    except (ValueError, IndexError) as exc:
        raise ChainError(ASSERT, "debug_private_key.valid(): ", JSON_RPC_ERROR_DURING_CALL) from exc
    return True


def debug_generate_blocks(chain: Any, params: Any) -> dict[str, Any]:
    """debug_node_plugin.cpp debug_generate_blocks: {debug_key, count, skip, miss_blocks, edit_if_needed}."""
    params = params or {}
    count = int(params.get("count", 0))
    if count == 0 or not _check_debug_key(params.get("debug_key", "")):
        return {"blocks": 0}
    return {"blocks": chain.produce_blocks(count, int(params.get("miss_blocks", 0)))}


def debug_generate_blocks_until(chain: Any, params: Any) -> dict[str, Any]:
    from devnet.assets import parse_time
    params = params or {}
    target = parse_time(params["head_block_time"])
    if chain.head_time() >= target or not _check_debug_key(params.get("debug_key", "")):
        return {"blocks": 0}
    produced = chain.produce_blocks(1)
    slots = (target - chain.head_time()) // G.BLOCK_INTERVAL
    if slots > 0:
        if params.get("generate_sparsely", True):
            produced += chain.produce_blocks(1, slots - 1)
        else:
            produced += chain.produce_blocks(slots)
    return {"blocks": produced}


METHODS: dict[str, dict[str, Handler]] = {
    "database_api": {
        "get_config": get_config, "get_dynamic_global_properties": dgp_appbase, "find_accounts": find_accounts,
        "get_reward_funds": get_reward_funds, "get_feed_history": feed_history(False), "get_version": get_version,
        "get_hardfork_properties": get_hardfork_properties, "get_witness_schedule": get_witness_schedule,
        **smt_api.DATABASE_METHODS,
    },
    "condenser_api": {
        "get_config": get_config, "get_dynamic_global_properties": dgp_legacy, "get_accounts": get_accounts,
        "lookup_accounts": lookup_accounts, "get_content": get_content, "get_content_replies": get_content_replies,
        "get_active_votes": get_active_votes,
        "get_discussions_by_author_before_date": get_discussions_by_author_before_date,
        "get_reward_fund": get_reward_fund, "get_current_median_history_price": get_current_median_history_price,
        "get_feed_history": feed_history(True), "get_version": get_version,
        "get_hardfork_version": get_hardfork_version,
        "get_chain_properties": lambda chain, _: F.chain_properties(True),
        "broadcast_transaction": broadcast_transaction,
        "broadcast_transaction_synchronous": broadcast_transaction_synchronous,
        **blocks.CONDENSER_METHODS, **smt_api.CONDENSER_METHODS,
    },
    "block_api": dict(blocks.BLOCK_API_METHODS),
    "account_history_api": dict(blocks.ACCOUNT_HISTORY_METHODS),
    "network_broadcast_api": {"broadcast_transaction": network_broadcast},
    "rc_api": {"find_rc_accounts": find_rc_accounts},
    "debug_node_api": {"debug_generate_blocks": debug_generate_blocks,
                       "debug_generate_blocks_until": debug_generate_blocks_until},
}
