"""The chain's batched reads for the rewards mirror: plain JSON-RPC arrays over ``requests``.

beem 0.24.26 has no batch call for these and would add a ``get_config`` round trip per instance,
so ``BatchReads`` sends at most ``MAX_BATCH`` calls per HTTP request (the jussi gateway's limit)
and tries the next node on a transport failure. ``read_requests`` counts the HTTP requests made,
so the mirror and the benchmark can report their cost. ``SteemChain`` (connectors/steem.py)
extends it; every failure leaves as a classified ``ConnectorError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from bridge.ports import ChainProps
from connectors.failures import (
    ConnectorError,
    FailureClass,
    TerminalError,
    TransientError,
    http_error,
    rpc_error,
)

MAX_BATCH = 50  # calls per JSON-RPC array (jussi's JUSSI_JSONRPC_BATCH_SIZE_LIMIT)
MAX_ACCOUNTS_PER_CALL = 1000  # DATABASE_API_SINGLE_QUERY_LIMIT


class BatchReads:
    """Needs ``nodes``, ``expected_chain_id`` and ``timeout``; call ``_init_reads`` first."""

    nodes: list[str]
    expected_chain_id: str
    timeout: float

    def _init_reads(self) -> None:
        self._http = requests.Session()
        self._http.headers["User-Agent"] = "wp-steem-bridge"
        self._reads_checked = False
        self.read_requests = 0  # HTTP requests made by the batched reads

    def read_batch(self, calls: Sequence[tuple[str, Any]], what: str,
                   absent: str = "") -> list[Any]:
        """Results of ``(method, params)`` calls, in order, sent ``MAX_BATCH`` per request. A
        call the node answers with an error containing ``absent`` (its "not found" text) gives
        None instead of failing the batch."""
        self._check_chain_for_reads()
        results: list[Any] = []
        for start in range(0, len(calls), MAX_BATCH):
            chunk = calls[start:start + MAX_BATCH]
            payload = [{"jsonrpc": "2.0", "id": index, "method": method, "params": params}
                       for index, (method, params) in enumerate(chunk)]
            answer = self._post(payload, what)
            if not isinstance(answer, list):
                raise _answer_error(answer, what)
            by_id = {item.get("id"): item for item in answer if isinstance(item, dict)}
            for index in range(len(chunk)):
                item = by_id.get(index)
                if item is None:
                    raise TransientError(f"{what}: the node's batch answer lacks call {index}")
                if "error" in item:
                    if absent and absent in str(item["error"]):
                        results.append(None)
                        continue
                    raise _answer_error(item, what)
                results.append(item.get("result"))
        return results

    def chain_props(self) -> ChainProps:
        (props,) = self.read_batch([("condenser_api.get_dynamic_global_properties", [])],
                                   "reading global properties")
        return ChainProps(int(props["head_block_number"]),
                          int(props["last_irreversible_block_num"]), props["time"],
                          props["total_vesting_fund_steem"], props["total_vesting_shares"])

    def contents(self, posts: Sequence[tuple[str, str]]) -> list[dict[str, Any] | None]:
        """``get_content`` of each ``(author, permlink)``; None where the chain has no such post."""
        found = self.read_batch([("condenser_api.get_content", [a, p]) for a, p in posts],
                                "reading posts")
        return [c if isinstance(c, dict) and c.get("author") else None for c in found]

    def accounts(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``get_accounts`` by name, ``MAX_ACCOUNTS_PER_CALL`` names per call."""
        calls = [("condenser_api.get_accounts", [list(names[i:i + MAX_ACCOUNTS_PER_CALL])])
                 for i in range(0, len(names), MAX_ACCOUNTS_PER_CALL)]
        found: dict[str, dict[str, Any]] = {}
        for chunk in self.read_batch(calls, "reading accounts"):
            found.update((acc["name"], acc) for acc in chunk or [])
        return found

    def content_replies(self, parents: Sequence[tuple[str, str]]) -> list[list[dict[str, Any]]]:
        """``get_content_replies`` of each ``(author, permlink)``: its direct replies."""
        calls = [("condenser_api.get_content_replies", [a, p]) for a, p in parents]
        found = self.read_batch(calls, "reading replies")
        return [[r for r in replies or [] if isinstance(r, dict) and r.get("author")]
                for replies in found]

    def ops_in_blocks(self, first: int, last: int) -> list[dict[str, Any]]:
        """Every operation (real and virtual) of blocks ``first..last``, in block order."""
        calls = [("condenser_api.get_ops_in_block", [n, False]) for n in range(first, last + 1)]
        return [op for ops in self.read_batch(calls, "reading blocks") for op in ops or []]

    def account_histories(self, starts: Sequence[tuple[str, int]],
                          limit: int) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        """One history page per ``(account, start)`` (start -1 = newest), ascending by sequence."""
        calls = [("condenser_api.get_account_history", [name, start, limit if start < 0
                                                          else min(limit, start)])
                 for name, start in starts]
        pages = self.read_batch(calls, "reading account history")
        return {name: [(int(seq), entry) for seq, entry in page or []]
                for (name, _), page in zip(starts, pages, strict=True)}

    def find_transactions(self, tx_ids: Sequence[str]) -> dict[str, int]:
        """Block numbers of those transactions that are in a block, ``MAX_BATCH`` look-ups per
        HTTP request (the confirmation of a whole dispatch round at once)."""
        found = self.read_batch([("condenser_api.get_transaction", [tx]) for tx in tx_ids],
                                "looking transactions up", absent="Unknown Transaction")
        return {tx: int(t["block_num"]) for tx, t in zip(tx_ids, found, strict=True)
                if isinstance(t, dict) and t.get("block_num")}

    def _check_chain_for_reads(self) -> None:
        """The same chain id check as ``connect``, once, without beem's extra round trips."""
        if self._reads_checked:
            return
        self._reads_checked = True
        config = self._post({"jsonrpc": "2.0", "id": 0, "method": "condenser_api.get_config",
                             "params": []}, "reading chain config")
        if not isinstance(config, dict) or "result" not in config:
            self._reads_checked = False
            raise _answer_error(config, "reading chain config")
        chain_id = next((v for k, v in config["result"].items() if k.endswith("_CHAIN_ID")), None)
        if chain_id != self.expected_chain_id:
            self._reads_checked = False
            raise TerminalError(
                f"node {self.nodes[0]} serves chain id {chain_id}, but the config expects "
                f"{self.expected_chain_id}; refusing to mirror another chain's rewards")

    def _post(self, payload: Any, what: str) -> Any:
        """POST to the first node that answers; transport failures try the next node."""
        failure: ConnectorError | None = None
        for node in self.nodes:
            self.read_requests += 1
            try:
                response = self._http.post(node, json=payload, timeout=self.timeout)
            except requests.RequestException as exc:
                failure = TransientError(f"{what}: {type(exc).__name__} reaching {node}")
                continue
            if response.status_code >= 400:
                failure = http_error(response.status_code, f"{what} ({node})",
                                     response.headers.get("Retry-After"))
                if failure.failure is not FailureClass.TRANSIENT:
                    raise failure
                continue
            try:
                return response.json()
            except ValueError:
                failure = TransientError(f"{what}: {node} answered with something that is not JSON")
        assert failure is not None
        raise failure


def _answer_error(answer: Any, what: str) -> ConnectorError:
    """A JSON-RPC error object (or anything unexpected) as a classified error."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return TransientError(f"{what}: unexpected answer from the node: {str(answer)[:200]}")
    classified = rpc_error(str(error.get("message") or error))
    return classified.with_message(f"{what}: {classified.message}")
