"""The chain, through beem 0.24.26: the only module in the project that imports beem.

Owns: connecting over http(s) to an explicit node list with the chain id checked against the node's
``get_config``; signing a list of condenser-style operations once (the caller stores the tx id and
expiration before broadcasting); broadcasting; finding a transaction by id; the reads the scheduler
needs (head block time, an account's last post/vote times). Devnet account creation
lives in the dev stack (deploy/devstack/localstack.py), built on ``sign``/``broadcast``.

The rewards mirror's batched reads come from ``connectors.steem_reads.BatchReads`` (plain
JSON-RPC arrays, no beem), which ``SteemChain`` extends.

Every failure leaves this module as a classified ``connectors.failures.ConnectorError``.
beem's own retries are pinned low (``num_retries=1``, ``num_retries_call=1``) so that the engine's
one retry layer decides. Even so, beem's ``rpcexec`` sends a call once more, milliseconds later,
after a dropped connection: harmless for reads, but it would resend a broadcast. So broadcasts do
not go through beem: ``broadcast`` makes exactly one HTTP POST of the signed transaction
(``condenser_api.broadcast_transaction``) and any resend is the dispatcher's, after it looked the
tx id up on chain.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from bridge.model import from_text
from bridge.ports import AccountTimes, ChainHead, SignedTx
from connectors import smt as smt_wire
from connectors.failures import (
    ConnectorError,
    FailureClass,
    TerminalError,
    TransientError,
    http_error,
    node_text_of,
    rpc_error,
)
from connectors.steem_reads import BatchReads

for _name in ("beem", "beemapi", "beembase", "beemgraphenebase", "beemstorage", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

from beem import Steem  # noqa: E402
from beem.exceptions import MissingKeyError  # noqa: E402
from beem.storage import generate_config_store  # noqa: E402
from beem.transactionbuilder import TransactionBuilder  # noqa: E402
from beem.utils import formatTimeString  # noqa: E402
from beembase import operations as beem_ops  # noqa: E402
from beembase.objects import Operation as BeemOperation  # noqa: E402
from beembase.signedtransactions import Signed_Transaction  # noqa: E402
from beemgraphenebase.account import PrivateKey  # noqa: E402
from beemstorage import InRamConfigurationStore  # noqa: E402

log = logging.getLogger(__name__)

# Operations that need the active authority; everything else we send needs posting.
ACTIVE_OPERATIONS = frozenset({"transfer", "account_create", "account_update", "claim_reward_balance"})


@dataclass(frozen=True)
class KeyPair:
    wif: str
    public: str


def parse_chain_time(value: str) -> datetime:
    return from_text(value)


def new_key(prefix: str = "STM") -> KeyPair:
    """A fresh random key pair (for devnet accounts)."""
    key = PrivateKey()
    return KeyPair(wif=str(key), public=format(key.pubkey, prefix))


def public_key_of(wif: str, prefix: str = "STM") -> str:
    try:
        return format(PrivateKey(wif).pubkey, prefix)
    except Exception as exc:  # beem raises bare exceptions for malformed keys
        raise TerminalError("a configured key is not a valid WIF private key") from exc


class SteemChain(BatchReads):
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
        self._init_reads()

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

    def _account(self, name: str) -> dict[str, Any] | None:
        found = self._call(f"reading account @{name}", "find_accounts", {"accounts": [name]},
                           api="database")
        accounts = found.get("accounts", []) if isinstance(found, dict) else found
        return accounts[0] if accounts else None

    def account_times(self, name: str) -> AccountTimes | None:
        acc = self._account(name)
        if acc is None:
            return None
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
        acc = self._account(name)
        if acc is None:
            return None
        keys: set[str] = set()
        delegates: set[str] = set()
        for role in ("posting", "active", "owner"):
            keys |= {str(k) for k, _ in acc[role]["key_auths"]}
            delegates |= {str(a) for a, _ in acc[role]["account_auths"]}
        return keys, delegates

    def get_content(self, author: str, permlink: str) -> dict[str, Any] | None:
        content = self._call(f"reading @{author}/{permlink}", "get_content", author, permlink,
                             api="condenser")
        if not isinstance(content, dict) or not content.get("author"):
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

    def transaction_operations(self, tx_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The condenser-form operations of a transaction in a block (anchor verification)."""
        found = self._call(f"reading transaction {tx_id}", "get_transaction", tx_id, api="condenser")
        return [(str(op[0]), dict(op[1])) for op in (found or {}).get("operations", [])]

    # -- writes -------------------------------------------------------------------------------

    def sign(self, operations: Iterable[tuple[str, dict[str, Any]]], wif: str) -> SignedTx:
        """Build and sign one transaction with ``wif``; nothing is sent.

        The key is applied as given (no wallet look-up), so a wrong key reaches the node and is
        rejected there with the node's own "missing required ... authority" text.
        """
        try:
            ops = [_beem_operation(name, payload, self.steem.prefix)
                   for name, payload in operations]
            builder = _Builder(blockchain_instance=self.steem, expiration=self.tx_expiration)
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
        """Send a signed transaction exactly once: one POST to one node, no retry, no redirect.

        No answer (dropped connection, timeout, a page that is not JSON-RPC) -> TransientError
        "outcome unknown": the tx may have landed, so the dispatcher looks it up before anything
        is sent again. The node's "Duplicate transaction" -> logged, AlreadyApplied.
        """
        node = self._steem.rpc.url if self._steem is not None and self._steem.rpc.url \
            else self.nodes[0]
        what = f"broadcasting {signed.tx_id}"
        payload = {"jsonrpc": "2.0", "id": 1, "method": "condenser_api.broadcast_transaction",
                   "params": [signed.tx]}
        try:
            response = self._http.post(node, json=payload, timeout=self.timeout,
                                       allow_redirects=False)
        except requests.RequestException as exc:
            raise TransientError(f"{what}: outcome unknown ({type(exc).__name__} from "
                                 f"{node})") from exc
        error = _broadcast_error(response, f"{what} ({node})")
        if error is None:
            return
        if error.failure is FailureClass.ALREADY_APPLIED:
            log.info("node %s already has transaction %s (it answered \"Duplicate "
                     "transaction\"): counted as sent, not sent again", node, signed.tx_id)
        raise error


def _broadcast_error(response: requests.Response, what: str) -> ConnectorError | None:
    """None when the node accepted the transaction; else the classified refusal, or a
    TransientError "outcome unknown" for anything that is not a JSON-RPC answer."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict) and (error.get("message") or error.get("detail")):
        classified = rpc_error(str(error.get("message") or error.get("detail")))
        return classified.with_message(f"{what}: {classified.message}")
    if response.status_code >= 300:
        failure = http_error(response.status_code, what, response.headers.get("Retry-After"))
        return failure.with_message(f"{failure.message}; outcome unknown")
    if isinstance(answer, dict) and "result" in answer and not error:
        return None
    return TransientError(f"{what}: outcome unknown, the node's answer is not a JSON-RPC "
                          f"result: {response.text[:200]!r}")


class _RawOperation(BeemOperation):
    """An operation beem cannot build (SMT assets, SMT ops), serialized by connectors/smt.py and
    carried in beem's transaction like any of its own (same bytes, digest and signing)."""

    def __init__(self, raw: smt_wire.RawOperation) -> None:  # noqa: D107 (beem's init is not called)
        self.raw, self.appbase, self.prefix = raw, False, "STM"
        self.name, self.opId, self.op = raw.name, raw.op_id, None

    def __bytes__(self) -> bytes:
        return self.raw.to_bytes()

    def __str__(self) -> str:
        return json.dumps([self.raw.name, self.raw.legacy_json])


class _Builder(TransactionBuilder):
    """beem's TransactionBuilder; when an operation is ours (``_RawOperation``) the transaction is
    put together here, as beem's constructTx does it (expiration from the head block time, TaPoS
    from ``get_block_params``), because beem would look the op up in its own tables."""

    def constructTx(self, ref_block_num: int | None = None,  # noqa: N802 (beem API)
                    ref_block_prefix: int | None = None) -> None:
        if not any(isinstance(op, _RawOperation) for op in self.ops):
            super().constructTx(ref_block_num, ref_block_prefix)
            return
        ops = [op if isinstance(op, _RawOperation) else
               BeemOperation(op, appbase=False, prefix=self.blockchain.prefix) for op in self.ops]
        props = self.blockchain.get_dynamic_global_properties(use_stored_data=False)
        now = formatTimeString(props["time"]).replace(tzinfo=None)
        expiration = (now + timedelta(seconds=int(self.expiration or self.blockchain.expiration)))
        if ref_block_num is None or ref_block_prefix is None:
            ref_block_num, ref_block_prefix = self.get_block_params()
        self.tx = Signed_Transaction(ref_block_prefix=ref_block_prefix,
                                     expiration=expiration.replace(microsecond=0).isoformat(),
                                     operations=ops, ref_block_num=ref_block_num,
                                     custom_chains=self.blockchain.custom_chains,
                                     prefix=self.blockchain.prefix)
        dict.update(self, self.tx.json())
        self._unset_require_reconstruction()


def _beem_operation(name: str, payload: dict[str, Any], prefix: str) -> Any:
    if smt_wire.needs_raw(name, payload):
        try:
            return _RawOperation(smt_wire.raw_operation(name, payload))
        except smt_wire.SmtFormatError as exc:
            raise TerminalError(f"cannot serialize {name}: {exc}") from exc
    class_name = name[0].upper() + name[1:]
    op_class = getattr(beem_ops, class_name, None)
    if op_class is None:
        raise TerminalError(f"operation {name!r} is not supported by beem 0.24.26")
    return op_class(**dict(payload, prefix=prefix))


def _as_connector_error(exc: Exception, what: str) -> ConnectorError:
    """Turn whatever beem/requests raised into a classified error, without leaking keys."""
    if isinstance(exc, ConnectorError):
        return exc
    text = node_text_of(type(exc).__name__, str(exc)) or type(exc).__name__
    if _looks_like_transport(exc):
        return TransientError(f"{what}: {text}")
    classified = rpc_error(text)
    return classified.with_message(f"{what}: {classified.message}")


def _looks_like_transport(exc: Exception) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"NumRetriesReached", "CallRetriesReached", "RPCErrorDoRetry",
                         "ConnectionError", "Timeout", "RPCConnection",
                         "WebSocketConnectionClosedException", "OSError"})
