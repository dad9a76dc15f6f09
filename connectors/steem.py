"""The chain, through beem 0.24.26: the only module in the project that imports beem.

Owns: connecting over http(s) to an explicit node list with the chain id checked against the node's
``get_config``; signing a list of condenser-style operations once (the caller stores the tx id and
expiration before broadcasting); broadcasting; finding a transaction by id; the reads the scheduler
needs (head block time, an account's last post/vote times); account creation for devnet setups.

The rewards mirror's batched reads come from ``connectors.steem_reads.BatchReads`` (plain
JSON-RPC arrays, no beem), which ``SteemChain`` extends.

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

from bridge.ports import AccountTimes, ChainHead, SignedTx
from connectors.failures import (
    ConnectorError,
    TerminalError,
    TransientError,
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
from beembase import operations as beem_ops  # noqa: E402
from beemgraphenebase.account import PrivateKey  # noqa: E402
from beemstorage import InRamConfigurationStore  # noqa: E402

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
# Operations that need the active authority; everything else we send needs posting.
ACTIVE_OPERATIONS = frozenset({"transfer", "account_create", "account_update", "claim_reward_balance"})


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

    # -- writes -------------------------------------------------------------------------------

    def sign(self, operations: Iterable[tuple[str, dict[str, Any]]], wif: str) -> SignedTx:
        """Build and sign one transaction with ``wif``; nothing is sent.

        The key is applied as given (no wallet look-up), so a wrong key reaches the node and is
        rejected there with the node's own "missing required ... authority" text.
        """
        try:
            ops = [_beem_operation(name, payload, self.steem.prefix)
                   for name, payload in operations]
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
