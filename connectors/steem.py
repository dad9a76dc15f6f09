"""The chain, through beem 0.24.26: the only module in the project that imports beem.

Owns: connecting over http(s) to an explicit node list with the chain id checked against the node's
``get_config``; signing a list of condenser-style operations once (the caller stores the tx id and
expiration before broadcasting); broadcasting; finding a transaction by id; the reads the scheduler
needs (head block time, an account's last post/vote times); account creation for devnet setups.

Also owns the batched reads of the rewards mirror (``chain_props``, ``contents``, ``accounts``,
``ops_in_blocks``, ``account_histories``, ``content_replies``): plain JSON-RPC arrays over
``requests`` (at most
``MAX_BATCH`` calls per HTTP request, the jussi limit), because beem 0.24.26 has no batch call for
these and would add a ``get_config`` round trip per instance. ``read_requests`` counts the HTTP
requests made, so the mirror and the benchmark can report their cost.

Every failure leaves this module as a classified ``connectors.failures.ConnectorError``.
beem's own retries are pinned (``num_retries=1``, ``num_retries_call=1``) so that the engine's one
retry layer decides, and a broadcast is never re-sent blindly by beem.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.failures import (
    ConnectorError,
    FailureClass,
    TerminalError,
    TransientError,
    http_error,
    rpc_error,
)

for _name in ("beem", "beemapi", "beembase", "beemgraphenebase", "beemstorage", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

from beem import Steem  # noqa: E402
from beem.exceptions import MissingKeyError  # noqa: E402
from beem.storage import generate_config_store  # noqa: E402
from beem.transactionbuilder import TransactionBuilder  # noqa: E402
from beembase import operations as beem_ops  # noqa: E402
from beemgraphenebase.account import PrivateKey  # noqa: E402
from beemstorage import InRamConfigurationStore  # noqa: E402

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
MAX_BATCH = 50  # calls per JSON-RPC array (jussi's JUSSI_JSONRPC_BATCH_SIZE_LIMIT)
MAX_ACCOUNTS_PER_CALL = 1000  # DATABASE_API_SINGLE_QUERY_LIMIT
# Operations that need the active authority; everything else we send needs posting.
ACTIVE_OPERATIONS = frozenset({"transfer", "account_create", "account_update", "claim_reward_balance"})


@dataclass(frozen=True)
class ChainHead:
    block_num: int
    time: datetime  # head block time, UTC (naive values from the node are UTC)
    irreversible_block_num: int


@dataclass(frozen=True)
class ChainProps:
    """Dynamic global properties the mirror needs (one call)."""

    head_block_num: int
    irreversible_block_num: int
    time: str  # head block time, chain format
    total_vesting_fund_steem: str  # legacy asset string
    total_vesting_shares: str


@dataclass(frozen=True)
class SignedTx:
    tx_id: str
    expiration: datetime
    tx: dict[str, Any]  # the signed transaction, condenser JSON


@dataclass(frozen=True)
class AccountTimes:
    """The per-account clocks the chain's rate limits are measured against (chain time)."""

    name: str
    last_root_post: datetime
    last_post: datetime
    last_post_edit: datetime
    last_vote_time: datetime


@dataclass(frozen=True)
class KeyPair:
    wif: str
    public: str


def parse_chain_time(value: str) -> datetime:
    return datetime.strptime(value[:19], TIME_FORMAT).replace(tzinfo=UTC)


def new_key(prefix: str = "STM") -> KeyPair:
    """A fresh random key pair (for devnet accounts)."""
    key = PrivateKey()
    return KeyPair(wif=str(key), public=format(key.pubkey, prefix))


def public_key_of(wif: str, prefix: str = "STM") -> str:
    try:
        return format(PrivateKey(wif).pubkey, prefix)
    except Exception as exc:  # beem raises bare exceptions for malformed keys
        raise TerminalError("a configured key is not a valid WIF private key") from exc


class SteemChain:
    """A connection to one chain (Steem or Hive) through an explicit list of http(s) nodes."""

    def __init__(self, nodes: Sequence[str], expected_chain_id: str, *, timeout: float = 10,
                 tx_expiration: int = 60) -> None:
        bad = [n for n in nodes if not n.startswith(("http://", "https://"))]
        if bad or not nodes:
            raise TerminalError(
                f"chain nodes must be http(s) URLs (beem's websocket transport is broken on "
                f"Python >= 3.9): {', '.join(bad) or 'none given'}")
        self.nodes = list(nodes)
        self.expected_chain_id = expected_chain_id
        self.timeout = timeout
        self.tx_expiration = tx_expiration
        self._steem: Steem | None = None
        self._http = requests.Session()
        self._http.headers["User-Agent"] = "wp-steem-bridge"
        self._reads_checked = False
        self.read_requests = 0  # HTTP requests made by the batched reads

    # -- connection -------------------------------------------------------------------------

    def connect(self) -> None:
        """Connect and check the chain id; raises TerminalError on a chain id mismatch."""
        if self._steem is not None:
            return
        store = generate_config_store(InRamConfigurationStore(), blockchain="steem")
        try:
            steem = Steem(node=self.nodes, num_retries=1, num_retries_call=1,
                          timeout=self.timeout, expiration=self.tx_expiration,
                          config_store=store, keys=[])
            config = steem.rpc.get_config(api="database")
        except ConnectorError:
            raise
        except Exception as exc:
            raise _as_connector_error(exc, "connecting to " + ", ".join(self.nodes)) from exc
        chain_id = next((v for k, v in config.items() if k.endswith("_CHAIN_ID")), None)
        if chain_id != self.expected_chain_id:
            raise TerminalError(
                f"node {self.nodes[0]} serves chain id {chain_id}, but the config expects "
                f"{self.expected_chain_id}; refusing to sign for the wrong chain")
        self._steem = steem

    @property
    def steem(self) -> Steem:
        self.connect()
        assert self._steem is not None
        return self._steem

    def _call(self, what: str, method: str, *args: Any, api: str) -> Any:
        try:
            return getattr(self.steem.rpc, method)(*args, api=api)
        except ConnectorError:
            raise
        except Exception as exc:
            raise _as_connector_error(exc, what) from exc

    # -- reads --------------------------------------------------------------------------------

    def head(self) -> ChainHead:
        props = self._call("reading head block", "get_dynamic_global_properties", {},
                           api="database")
        return ChainHead(int(props["head_block_number"]), parse_chain_time(props["time"]),
                         int(props["last_irreversible_block_num"]))

    def account_times(self, name: str) -> AccountTimes | None:
        found = self._call(f"reading account @{name}", "find_accounts", {"accounts": [name]},
                           api="database")
        accounts = found.get("accounts", []) if isinstance(found, dict) else found
        if not accounts:
            return None
        acc = accounts[0]
        epoch = "1970-01-01T00:00:00"
        return AccountTimes(
            name=name,
            last_root_post=parse_chain_time(acc.get("last_root_post", epoch)),
            last_post=parse_chain_time(acc.get("last_post", epoch)),
            last_post_edit=parse_chain_time(acc.get("last_post_edit", acc.get("last_post", epoch))),
            last_vote_time=parse_chain_time(acc.get("last_vote_time", epoch)),
        )

    def posting_authority(self, name: str) -> tuple[set[str], set[str]] | None:
        """(public keys, accounts) that satisfy @name's posting authority (active and owner
        keys satisfy it too), or None when the account does not exist."""
        found = self._call(f"reading account @{name}", "find_accounts", {"accounts": [name]},
                           api="database")
        accounts = found.get("accounts", []) if isinstance(found, dict) else found
        if not accounts:
            return None
        keys: set[str] = set()
        delegates: set[str] = set()
        for role in ("posting", "active", "owner"):
            keys |= {str(k) for k, _ in accounts[0][role]["key_auths"]}
            delegates |= {str(a) for a, _ in accounts[0][role]["account_auths"]}
        return keys, delegates

    def get_content(self, author: str, permlink: str) -> dict[str, Any] | None:
        content = self._call(f"reading @{author}/{permlink}", "get_content", author, permlink,
                             api="condenser")
        if not content or not content.get("author"):
            return None
        return content

    def find_transaction(self, tx_id: str) -> int | None:
        """Block number of a transaction in a block, or None if the node does not know it."""
        try:
            found = self.steem.rpc.get_transaction(tx_id, api="condenser")
        except Exception as exc:
            text = str(exc)
            if "Unknown Transaction" in text or "unknown key" in text.lower():
                return None
            raise _as_connector_error(exc, f"looking up transaction {tx_id}") from exc
        if not found or not found.get("block_num"):
            return None
        return int(found["block_num"])

    # -- batched reads (rewards mirror) ------------------------------------------------------

    def read_batch(self, calls: Sequence[tuple[str, Any]], what: str) -> list[Any]:
        """Results of ``(method, params)`` calls, in order, sent ``MAX_BATCH`` per request."""
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

    # -- writes -------------------------------------------------------------------------------

    def sign(self, operations: Iterable[tuple[str, dict[str, Any]]], wif: str) -> SignedTx:
        """Build and sign one transaction with ``wif``; nothing is sent.

        The key is applied as given (no wallet look-up), so a wrong key reaches the node and is
        rejected there with the node's own "missing required ... authority" text.
        """
        ops = [_beem_operation(name, payload, self.steem.prefix) for name, payload in operations]
        try:
            builder = TransactionBuilder(blockchain_instance=self.steem,
                                         expiration=self.tx_expiration)
            builder.appendOps(ops)
            builder.appendWif(wif)
            builder.constructTx()
            signed = builder.sign(reconstruct_tx=False)
        except MissingKeyError as exc:
            raise TerminalError("no usable signing key") from exc
        except ConnectorError:
            raise
        except Exception as exc:
            raise _as_connector_error(exc, "signing a transaction") from exc
        tx = builder.json()
        return SignedTx(tx_id=signed.id, expiration=parse_chain_time(tx["expiration"]), tx=tx)

    def broadcast(self, signed: SignedTx) -> None:
        """Send a signed transaction once. Duplicate -> AlreadyApplied; never re-sent here."""
        self._call(f"broadcasting {signed.tx_id}", "broadcast_transaction", signed.tx,
                   api="condenser")

    def create_account(self, name: str, creator: str, creator_wif: str, public_key: str,
                       fee: str = "3.000 STEEM") -> SignedTx:
        """account_create with one key for every role (devnet setup), signed and broadcast."""
        auth = {"weight_threshold": 1, "account_auths": [], "key_auths": [[public_key, 1]]}
        op = ("account_create", {
            "fee": fee, "creator": creator, "new_account_name": name, "owner": auth,
            "active": auth, "posting": auth, "memo_key": public_key, "json_metadata": "",
        })
        signed = self.sign([op], creator_wif)
        self.broadcast(signed)
        return signed


def _beem_operation(name: str, payload: dict[str, Any], prefix: str) -> Any:
    class_name = name[0].upper() + name[1:]
    op_class = getattr(beem_ops, class_name, None)
    if op_class is None:
        raise TerminalError(f"operation {name!r} is not supported by beem 0.24.26")
    return op_class(**dict(payload, prefix=prefix))


def _as_connector_error(exc: Exception, what: str) -> ConnectorError:
    """Turn whatever beem/requests raised into a classified error, without leaking keys."""
    if isinstance(exc, ConnectorError):
        return exc
    text = str(exc) or type(exc).__name__
    if _looks_like_transport(exc):
        return TransientError(f"{what}: {text}")
    classified = rpc_error(text)
    return type(classified)(f"{what}: {classified.message}", retry_after=classified.retry_after)


def _answer_error(answer: Any, what: str) -> ConnectorError:
    """A JSON-RPC error object (or anything unexpected) as a classified error."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return TransientError(f"{what}: unexpected answer from the node: {str(answer)[:200]}")
    classified = rpc_error(str(error.get("message") or error))
    return type(classified)(f"{what}: {classified.message}", retry_after=classified.retry_after)


def _looks_like_transport(exc: Exception) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"NumRetriesReached", "ConnectionError", "Timeout", "RPCConnection",
                         "WebSocketConnectionClosedException", "OSError"})
