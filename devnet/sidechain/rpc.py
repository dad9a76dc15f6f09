"""The sidechain's JSON-RPC endpoints ``/rpc/blockchain`` and ``/rpc/contracts``.

Follows ``plugins/JsonRPCServer.js`` of harpagon210/steemsmartcontracts (jayson 2 behind express;
api.steem-engine.com serves the same methods under ``/rpc/``): methods take named params, bad
params answer ``{"code": 400, "message": "missing or wrong parameters: ..."}``; jayson answers
``Parse Error`` (-32700), ``Invalid request`` (-32600, also for an empty batch) and
``Method not found`` (-32601); batches are answered in order and requests without an ``id``
(notifications) get no answer. ``find`` validation is ``libs/Database.js find``: ``limit`` 1..1000,
``offset`` >= 0, ``indexes`` entries ``{index: str, descending: bool}``, no ``$regex``; a query the
database rejects answers ``null``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from devnet.sidechain import jsnum as js
from devnet.sidechain.node import NODE_VERSION, Sidechain, sidechain_for
from devnet.sidechain.store import UnsupportedQuery

ROUTES = {"/rpc/blockchain": "blockchain", "/rpc/contracts": "contracts", "/blockchain": "blockchain",
          "/contracts": "contracts"}


class BadParams(Exception):
    pass


def _get_transaction_info(node: Sidechain, args: dict[str, Any], chain: Any) -> Any:
    if not js.truthy_str(args.get("txid")):
        raise BadParams("missing or wrong parameters: txid is required")
    return node.transaction_info(args["txid"])


def _get_block_info(node: Sidechain, args: dict[str, Any], chain: Any) -> Any:
    if not js.is_integer(args.get("blockNumber")):
        raise BadParams("missing or wrong parameters: blockNumber is required")
    return node.block_info(int(args["blockNumber"]))


def _get_latest_block_info(node: Sidechain, args: dict[str, Any], chain: Any) -> Any:
    return node.blocks[-1]


def _get_status(node: Sidechain, args: dict[str, Any], chain: Any) -> Any:
    latest = node.blocks[-1]
    return {"lastBlockNumber": latest["blockNumber"], "lastBlockRefSteemBlockNumber": latest["refSteemBlockNumber"],
            "lastParsedSteemBlockNumber": node.last_parsed_steem_block + 1, "SSCnodeVersion": NODE_VERSION}


def _get_contract(node: Sidechain, args: dict[str, Any], chain: Any) -> Any:
    if not js.truthy_str(args.get("name")):
        raise BadParams("missing or wrong parameters: contract is required")
    return node.contract_info(args["name"])


def _table_args(args: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    contract, table, query = args.get("contract"), args.get("table"), args.get("query")
    if not (js.truthy_str(contract) and js.truthy_str(table) and isinstance(query, (dict, list))):
        raise BadParams("missing or wrong parameters: contract and tableName are required")
    return contract, table, query  # type: ignore[return-value]


def _find_one(node: Sidechain, args: dict[str, Any], chain: Any) -> Any:
    contract, table, query = _table_args(args)
    if not isinstance(query, dict) or "$regex" in json.dumps(query):
        return None
    try:
        return node.db.find_one(contract, table, query)
    except UnsupportedQuery:
        return None


def _valid_indexes(indexes: Any) -> bool:
    return isinstance(indexes, list) and all(
        isinstance(i, dict) and js.truthy_str(i.get("index")) and isinstance(i.get("descending"), bool)
        for i in indexes)


def _find(node: Sidechain, args: dict[str, Any], chain: Any) -> Any:
    contract, table, query = _table_args(args)
    limit, offset, indexes = args.get("limit") or 1000, args.get("offset") or 0, args.get("indexes") or []
    if (not isinstance(query, dict) or "$regex" in json.dumps(query) or not _valid_indexes(indexes)
            or not (js.is_integer(limit) and js.is_integer(offset) and 0 < limit <= 1000 and offset >= 0)):
        return None
    try:
        return node.db.find(contract, table, query, int(limit), int(offset), indexes)
    except UnsupportedQuery:
        return None


Method = Callable[[Sidechain, dict[str, Any], Any], Any]
METHODS: dict[str, dict[str, Method]] = {
    "blockchain": {"getLatestBlockInfo": _get_latest_block_info, "getBlockInfo": _get_block_info,
                   "getTransactionInfo": _get_transaction_info, "getStatus": _get_status},
    "contracts": {"getContract": _get_contract, "findOne": _find_one, "find": _find},
}


def _error(code: int, message: str, request_id: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def _valid_request(request: Any) -> bool:
    return (isinstance(request, dict) and request.get("jsonrpc") == "2.0" and js.truthy_str(request.get("method"))
            and isinstance(request.get("params", {}), (dict, list))
            and (request.get("id") is None or isinstance(request.get("id"), (str, int, float))))


def _call(methods: dict[str, Method], node: Sidechain, chain: Any, request: Any) -> dict[str, Any] | None:
    if not _valid_request(request):
        return _error(-32600, "Invalid request")
    request_id = request.get("id")
    method = methods.get(request["method"])
    if method is None:
        answer = _error(-32601, "Method not found", request_id)
    else:
        params = request.get("params", {})
        args = params[0] if isinstance(params, list) and params and isinstance(params[0], dict) else params
        try:
            answer = {"jsonrpc": "2.0", "id": request_id,
                      "result": method(node, args if isinstance(args, dict) else {}, chain)}
        except BadParams as exc:
            answer = _error(400, str(exc), request_id)
    return answer if "id" in request else None


def handle_http(chain: Any, path: str, body: bytes) -> bytes | None:
    """Answer a sidechain request (bytes; empty for notifications), or None if ``path`` is not ours."""
    endpoint = ROUTES.get(path.split("?", 1)[0].rstrip("/") or "/")
    if endpoint is None:
        return None
    try:
        message = json.loads(body)
    except ValueError:
        return json.dumps(_error(-32700, "Parse Error")).encode()
    with chain.lock:
        node = sidechain_for(chain)
        if isinstance(message, list):
            if not message:
                return json.dumps(_error(-32600, "Invalid request")).encode()
            answers = [_call(METHODS[endpoint], node, chain, item) for item in message if not isinstance(item, list)]
            kept = [a for a in answers if a is not None]
            return json.dumps(kept).encode() if kept else b""
        answer = _call(METHODS[endpoint], node, chain, message)
    return json.dumps(answer).encode() if answer is not None else b""
