"""A Steem-Engine style sidechain's own transaction log: the confirmation of token operations.

Owns ``bridge.ports.Sidechain`` for Steem-Engine (``custom_json`` id ``ssc-mainnet1``) and
Hive-Engine (``ssc-mainnet-hive``): a token action is confirmed not by the Steem block holding its
``custom_json`` (the sidechain may still refuse it) but by the sidechain's ``blockchain`` JSON-RPC
method ``getTransactionInfo`` (steemsmartcontracts plugins/JsonRPCServer.js), whose ``logs`` JSON
string holds ``errors`` when the contract refused the action.

The sidechain names its transactions after the Steem transaction: the Steem tx id for a
``custom_json`` with one action, ``<tx id>-<i>`` for each entry of an action array (Streamer.js).
The bridge sends one ``custom_json`` per transaction, so both forms are looked up (one HTTP request
for the first two ids, then pages of ``PAGE`` entries); a transaction with several ``custom_json``
operations (``<tx id>-<op>-<i>``) is not. A receipt's ``block_num`` is the Steem block that carried
the transaction (``refSteemBlockNumber``), the same number ``Chain.find_transaction`` answers.
Until the sidechain has processed that block (it lags the head by two blocks) the answer is None.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import requests

from bridge.ports import SidechainReceipt
from connectors.failures import TransientError, http_error, jsonrpc_error

PAGE = 20  # sidechain transaction ids asked per request when walking an action array
URL_HINT = ("check [chain] sidechain_url: it should be the sidechain's JSON-RPC base, "
            "e.g. https://api.steem-engine.com/rpc/")


class SteemEngineSidechain:
    """The sidechain node at ``url`` (its RPC base; ``blockchain`` is appended)."""

    def __init__(self, url: str, *, timeout: float = 10) -> None:
        self.endpoint = url.rstrip("/") + "/blockchain"
        self.contracts = url.rstrip("/") + "/contracts"
        self.timeout = timeout
        self._http = requests.Session()
        self._http.headers["User-Agent"] = "wp-steem-bridge"

    def find_sidechain_transaction(self, tx_id: str) -> SidechainReceipt | None:
        """The sidechain's verdict on Steem transaction ``tx_id``, or None if it has none yet."""
        single, first_entry = self._infos([tx_id, f"{tx_id}-0"], tx_id)
        if single is not None:
            return _receipt(tx_id, [single])
        if first_entry is None:
            return None
        entries = [first_entry]
        while True:  # the array's entries run from -0 up to the first id the sidechain lacks
            start = len(entries)
            found = _until_none(self._infos([f"{tx_id}-{i}" for i in range(start, start + PAGE)],
                                            tx_id))
            entries.extend(found)
            if len(found) < PAGE:
                return _receipt(tx_id, entries)

    # -- the tokens contract's tables (bridge.ports.SidechainTokens) ---------------------------

    def token(self, symbol: str) -> dict[str, Any] | None:
        """The ``tokens.tokens`` row of ``symbol`` (``findOne``), or None."""
        what = f"reading token {symbol} from {self.contracts}"
        answer = self._call(self.contracts, "findOne", {
            "contract": "tokens", "table": "tokens", "query": {"symbol": symbol}}, what)
        return answer if isinstance(answer, dict) else None

    def balances(self, symbol: str, accounts: Sequence[str]) -> dict[str, str]:
        """``tokens.balances`` of ``accounts`` in ``symbol`` (``find`` with ``$in``, 1000 per
        request): account -> liquid balance (decimal string)."""
        found: dict[str, str] = {}
        names = sorted(set(accounts))
        what = f"reading {symbol} balances from {self.contracts}"
        for start in range(0, len(names), 1000):
            chunk = names[start:start + 1000]
            rows = self._call(self.contracts, "find", {
                "contract": "tokens", "table": "balances", "limit": 1000,
                "query": {"symbol": symbol, "account": {"$in": chunk}}}, what)
            for row in rows if isinstance(rows, list) else []:
                if isinstance(row, dict) and row.get("account") in chunk:
                    found[str(row["account"])] = str(row.get("balance", "0"))
        return found

    def _call(self, url: str, method: str, params: dict[str, Any], what: str) -> Any:
        answer = self._post({"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                            what, url)
        if not isinstance(answer, dict):
            raise TransientError(f"{what}: unexpected answer: {str(answer)[:200]}")
        if isinstance(answer.get("error"), dict):
            raise jsonrpc_error(answer["error"].get("code"), str(answer["error"].get("message")),
                                what, URL_HINT)
        return answer.get("result")

    def _infos(self, sidechain_ids: Sequence[str], tx_id: str) -> list[dict[str, Any] | None]:
        """``getTransactionInfo`` of each id, in one JSON-RPC batch."""
        what = f"reading sidechain transaction {tx_id} from {self.endpoint}"
        batch = [{"jsonrpc": "2.0", "id": index, "method": "getTransactionInfo",
                  "params": {"txid": sidechain_id}}
                 for index, sidechain_id in enumerate(sidechain_ids)]
        answer = self._post(batch, what)
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            raise jsonrpc_error(answer["error"].get("code"), str(answer["error"].get("message")),
                                what, URL_HINT)
        if not isinstance(answer, list):
            raise TransientError(f"{what}: unexpected answer: {str(answer)[:200]}")
        by_id = {item.get("id"): item for item in answer if isinstance(item, dict)}
        infos: list[dict[str, Any] | None] = []
        for index in range(len(batch)):
            item = by_id.get(index)
            if item is None:
                raise TransientError(f"{what}: the batch answer lacks call {index}")
            if isinstance(item.get("error"), dict):
                raise jsonrpc_error(item["error"].get("code"), str(item["error"].get("message")),
                                    what, URL_HINT)
            result = item.get("result")
            infos.append(result if isinstance(result, dict) else None)
        return infos

    def _post(self, payload: Any, what: str, url: str = "") -> Any:
        try:
            response = self._http.post(url or self.endpoint, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientError(f"{what}: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            failure = http_error(response.status_code, what, response.headers.get("Retry-After"))
            if response.status_code == 404:
                failure = failure.with_message(f"{failure.message}; {URL_HINT}")
            raise failure
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(f"{what}: the answer is not JSON ({URL_HINT})") from exc


def _until_none(infos: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for info in infos:
        if info is None:
            break
        found.append(info)
    return found


def _receipt(tx_id: str, infos: list[dict[str, Any]]) -> SidechainReceipt:
    actions = tuple(tuple(_log_errors(info.get("logs"))) for info in infos)
    errors = tuple(error for action in actions for error in action)
    return SidechainReceipt(tx_id, int(infos[0].get("refSteemBlockNumber") or 0), errors,
                            actions)


def _log_errors(logs: Any) -> list[str]:
    """The ``errors`` of one transaction's ``logs`` (a JSON string on the node)."""
    try:
        parsed = json.loads(logs) if isinstance(logs, str) else logs
    except ValueError:
        return [f"the sidechain's log is not JSON: {str(logs)[:200]}"]
    if not isinstance(parsed, dict):
        return [] if parsed is None else [f"the sidechain's log is not an object: {parsed!r}"[:200]]
    return [str(error) for error in parsed.get("errors") or []]
