"""Block, transaction and history read APIs (block_api, account_history_api and their condenser twins).

Shapes per steem ``block_api_objects.hpp`` (api_signed_block: block_id, signing_key,
transaction_ids), ``condenser_api_legacy_objects.hpp`` (legacy_signed_block / legacy_signed_transaction
with transaction_id, block_num, transaction_num) and ``account_history_api.cpp`` (get_transaction:
``Unknown Transaction ${t}``; get_account_history: limit/start asserts).
"""

from __future__ import annotations

from typing import Any

from devnet import formatters as F
from devnet.assets import fmt_time
from devnet.crypto import wif_to_public_str
from devnet.errors import ASSERT, JSON_RPC_ERROR_DURING_CALL, ChainError
from devnet.genesis import INITMINER, INITMINER_WIF
from devnet.render import op_appbase, op_legacy
from devnet.serializer import parse_transaction

_SIGNING_KEY = wif_to_public_str(INITMINER_WIF)
_UINT64_MAX = 2**64 - 1


def _fail(expression: str, message: str) -> ChainError:
    return ChainError(ASSERT, f"{expression}: {message}", JSON_RPC_ERROR_DURING_CALL)


def render_tx(trx: dict[str, Any], legacy: bool, chain_name: str = "steem") -> dict[str, Any]:
    tx = parse_transaction(trx, chain_name)
    return {"ref_block_num": tx.ref_block_num, "ref_block_prefix": tx.ref_block_prefix,
            "expiration": fmt_time(tx.expiration),
            "operations": [op_legacy(op) if legacy else op_appbase(op) for op in tx.operations],
            "extensions": [], "signatures": [sig.hex() for sig in tx.signatures]}


def header(chain: Any, num: int) -> dict[str, Any]:
    return {"previous": chain.block_id(num - 1), "timestamp": fmt_time(chain.block_time(num)),
            "witness": INITMINER, "transaction_merkle_root": chain.merkle_root(num), "extensions": []}


def block(chain: Any, num: int, legacy: bool) -> dict[str, Any] | None:
    if num < 1 or num > chain.head_num:
        return None
    txs = chain.block_txs.get(num, [])
    rendered = []
    for index, (trx, tx_id) in enumerate(txs):
        item = render_tx(trx, legacy, chain.chain_name)
        if legacy:
            item.update({"transaction_id": tx_id, "block_num": num, "transaction_num": index})
        rendered.append(item)
    out = header(chain, num)
    out.update({"witness_signature": "00" * 65, "transactions": rendered, "block_id": chain.block_id(num),
                "signing_key": _SIGNING_KEY, "transaction_ids": [tx_id for _, tx_id in txs]})
    return out


def _stored_tx(chain: Any, tx_id: str, legacy: bool) -> dict[str, Any]:
    """A transaction of a produced block. A pending one (accepted, its block not produced yet)
    is unknown too: steemd reads the transaction out of ``fetch_block_by_number`` of its block
    (account_history_api.cpp get_transaction), which a block not yet produced does not have,
    so no client can take a pending transaction for a confirmed one."""
    location = chain.tx_locations.get(tx_id)
    if location is None or location[0] > chain.head_num:
        raise _fail("false", f"Unknown Transaction {tx_id}")
    num, index = location
    trx = next(t for t, i in chain.block_txs.get(num, []) if i == tx_id)
    out = render_tx(trx, legacy, chain.chain_name)
    out.update({"transaction_id": tx_id, "block_num": num, "transaction_num": index})
    return out


def _history(chain: Any, account: str, start: int, limit: int, legacy: bool) -> list[list[Any]]:
    start = _UINT64_MAX if start < 0 else start
    if limit > 10000:
        raise _fail("args.limit <= 10000", f"limit of {limit} is greater than maxmimum allowed")
    if start < limit:
        raise _fail("args.start >= args.limit", "start must be greater than limit")
    rows = chain.history.account_slice(account, -1 if start == _UINT64_MAX else start, limit)
    return [[seq, F.history_entry(entry, legacy)] for seq, entry in rows]


# ---------------------------------------------------------------- condenser forms

def c_get_block(chain: Any, params: Any) -> dict[str, Any] | None:
    return block(chain, int(list(params)[0]), True)


def c_get_block_header(chain: Any, params: Any) -> dict[str, Any] | None:
    num = int(list(params)[0])
    return header(chain, num) if 1 <= num <= chain.head_num else None


def c_get_transaction(chain: Any, params: Any) -> dict[str, Any]:
    return _stored_tx(chain, str(list(params)[0]), True)


def c_get_account_history(chain: Any, params: Any) -> list[list[Any]]:
    args = list(params or [])
    if len(args) != 3:
        raise _fail("args.size() == 3", f"Expected #s argument(s), was {len(args)}")
    return _history(chain, args[0], int(args[1]), int(args[2]), True)


def c_get_ops_in_block(chain: Any, params: Any) -> list[dict[str, Any]]:
    args = list(params)
    only_virtual = bool(args[1]) if len(args) > 1 else False
    return [F.history_entry(e, True) for e in chain.history.in_block(int(args[0]), only_virtual)]


CONDENSER_METHODS = {
    "get_block": c_get_block, "get_block_header": c_get_block_header, "get_transaction": c_get_transaction,
    "get_account_history": c_get_account_history, "get_ops_in_block": c_get_ops_in_block,
}


# ---------------------------------------------------------------- appbase forms

def b_get_block(chain: Any, params: Any) -> dict[str, Any]:
    found = block(chain, int((params or {}).get("block_num", 0)), False)
    return {} if found is None else {"block": found}


def b_get_block_header(chain: Any, params: Any) -> dict[str, Any]:
    num = int((params or {}).get("block_num", 0))
    return {"header": header(chain, num)} if 1 <= num <= chain.head_num else {}


def h_get_transaction(chain: Any, params: Any) -> dict[str, Any]:
    return _stored_tx(chain, str((params or {}).get("id", "")), False)


def h_get_account_history(chain: Any, params: Any) -> dict[str, Any]:
    params = params or {}
    return {"history": _history(chain, params["account"], int(params.get("start", -1)),
                                int(params.get("limit", 1000)), False)}


def h_get_ops_in_block(chain: Any, params: Any) -> dict[str, Any]:
    params = params or {}
    entries = chain.history.in_block(int(params.get("block_num", 0)), bool(params.get("only_virtual", False)))
    return {"ops": [F.history_entry(e, False) for e in entries]}


BLOCK_API_METHODS = {"get_block": b_get_block, "get_block_header": b_get_block_header}
ACCOUNT_HISTORY_METHODS = {"get_transaction": h_get_transaction, "get_account_history": h_get_account_history,
                           "get_ops_in_block": h_get_ops_in_block}
