"""SMT read APIs: the NAI pool, tokens and token balances (database_api and condenser_api).

Source: steemit/steem ``master`` @ 8d26f079 ``libraries/plugins/apis/database_api/database_api.cpp:
1830-2121`` (get_nai_pool, find/list_smt_tokens, find/list_smt_token_balances; limit 1000),
``database_api_args.hpp:576-640``, ``database_api_objects.hpp:631-686,843-860`` (api_smt_token_object,
api_smt_account_balance_object), ``smt_token_object.hpp:441-483``, ``condenser_api.cpp:2125-2145``
(condenser get_nai_pool, get_smt_balances with ``[[account, "@@nai"]]``). token-facts.md §1.8.
A find with precision 0 matches any precision (``nai_pool_object.hpp:36-40``).
"""

from __future__ import annotations

from typing import Any

from devnet.assets import fmt_time
from devnet.errors import ASSERT, JSON_RPC_ERROR_DURING_CALL, ChainError
from devnet.nai import NaiSymbol, nai_data
from devnet.render import value
from devnet.smt import SmtToken, balance_of

LIMIT = 1000  # DATABASE_API_SINGLE_QUERY_LIMIT


def read_assert(condition: bool, expression: str) -> None:
    if not condition:
        raise ChainError(ASSERT, f"{expression}: ", JSON_RPC_ERROR_DURING_CALL)


def _symbol(raw: Any) -> NaiSymbol:
    return NaiSymbol(nai_data(raw["nai"]), int(raw.get("precision", 0)))


def _token(chain: Any, raw: Any) -> SmtToken | None:
    symbol = _symbol(raw)
    token = chain.db.smt_tokens.get(symbol.data)
    if token is None or (symbol.precision and token.symbol.precision != symbol.precision):
        return None
    return token


def token_json(token: SmtToken) -> dict[str, Any]:
    return {
        "id": token.symbol.data, "liquid_symbol": token.symbol.json(), "control_account": token.control_account,
        "desired_ticker": token.desired_ticker, "phase": token.phase,
        "current_supply": str(token.current_supply), "max_supply": str(token.max_supply),
        "total_vesting_fund_smt": "0", "total_vesting_shares": "0", "pending_rewarded_vesting_shares": "0",
        "pending_rewarded_vesting_smt": "0", "market_maker": {"token_balance": str(token.pools["$market_maker"])},
        "reward_balance": str(token.pools["$rewards"]), "allow_voting": token.allow_voting,
        "allow_downvotes": True, "contribution_begin_time": fmt_time(token.contribution_begin_time),
        "contribution_end_time": fmt_time(token.contribution_end_time), "launch_time": fmt_time(token.launch_time),
        "steem_satoshi_min": str(token.steem_satoshi_min), "min_unit_ratio": token.min_unit_ratio,
        "max_unit_ratio": token.max_unit_ratio,
    }


def balance_json(chain: Any, account: str, symbol: NaiSymbol, legacy: bool) -> dict[str, Any]:
    liquid = balance_of(chain.db, account, symbol)
    zero_vests = balance_of(chain.db, "", symbol.vesting())
    mana = {"current_mana": 0, "last_update_time": 0}
    return value({
        "id": 0, "name": account, "symbol": symbol.json(), "liquid": liquid, "vesting_shares": zero_vests,
        "delegated_vesting_shares": zero_vests, "received_vesting_shares": zero_vests,
        "vesting_withdraw_rate": zero_vests, "next_vesting_withdrawal": "1969-12-31T23:59:59", "withdrawn": 0,
        "to_withdraw": 0, "voting_manabar": mana, "downvote_manabar": mana,
        "last_vote_time": "1970-01-01T00:00:00", "pending_liquid": None,
    }, legacy)


def get_nai_pool(chain: Any, _: Any) -> dict[str, Any]:
    return {"nai_pool": [NaiSymbol(data, 0).json() for data in chain.db.g.nai_pool]}


def condenser_get_nai_pool(chain: Any, _: Any) -> list[dict[str, Any]]:
    return get_nai_pool(chain, {})["nai_pool"]


def find_smt_tokens(chain: Any, params: Any) -> dict[str, Any]:
    symbols = (params or {}).get("symbols", [])
    read_assert(len(symbols) <= LIMIT, "args.symbols.size() <= DATABASE_API_SINGLE_QUERY_LIMIT")
    tokens = [t for t in (_token(chain, s) for s in symbols) if t is not None]
    return {"tokens": [{"token": token_json(t), "ico": None} for t in tokens]}


def list_smt_tokens(chain: Any, params: Any) -> dict[str, Any]:
    params = params or {}
    limit = int(params.get("limit", LIMIT))
    read_assert(limit <= LIMIT, "args.limit <= DATABASE_API_SINGLE_QUERY_LIMIT")
    order = params.get("order", "by_symbol")
    tokens = list(chain.db.smt_tokens.values())
    if order == "by_control_account":
        tokens.sort(key=lambda t: (t.control_account, t.symbol.asset_num))
    else:
        tokens.sort(key=lambda t: t.symbol.asset_num)
    return {"tokens": [{"token": token_json(t), "ico": None} for t in tokens[:limit]]}


def find_smt_token_balances(chain: Any, params: Any) -> dict[str, Any]:
    pairs = (params or {}).get("account_symbols", [])
    read_assert(len(pairs) <= LIMIT, "args.account_symbols.size() <= DATABASE_API_SINGLE_QUERY_LIMIT")
    out = []
    for account, raw in pairs:
        token = _token(chain, raw)
        if token is not None and (account, token.symbol.data) in chain.db.smt_balances:
            out.append(balance_json(chain, account, token.symbol, False))
    return {"balances": out}


def list_smt_token_balances(chain: Any, params: Any) -> dict[str, Any]:
    params = params or {}
    limit = int(params.get("limit", LIMIT))
    read_assert(limit <= LIMIT, "args.limit <= DATABASE_API_SINGLE_QUERY_LIMIT")
    start = params.get("start") or ["", {"nai": "@@000000000", "precision": 0}]
    keys = sorted((a, d) for a, d in chain.db.smt_balances if (a, d) >= (start[0], 0))
    out = [balance_json(chain, a, chain.db.smt_tokens[d].symbol, False) for a, d in keys[:limit]
           if d in chain.db.smt_tokens]
    return {"balances": out}


def get_smt_balances(chain: Any, params: Any) -> list[dict[str, Any]]:
    """condenser ``get_smt_balances [[["alice","@@422838704"], ...]]``: legacy asset strings."""
    pairs = list(params or [[]])[0]
    out = []
    for account, nai in pairs:
        token = chain.db.smt_tokens.get(nai_data(nai))
        if token is not None and (account, token.symbol.data) in chain.db.smt_balances:
            out.append(balance_json(chain, account, token.symbol, True))
    return out


DATABASE_METHODS = {"get_nai_pool": get_nai_pool, "find_smt_tokens": find_smt_tokens,
                    "list_smt_tokens": list_smt_tokens, "find_smt_token_balances": find_smt_token_balances,
                    "list_smt_token_balances": list_smt_token_balances}
CONDENSER_METHODS = {"get_nai_pool": condenser_get_nai_pool, "get_smt_balances": get_smt_balances}
