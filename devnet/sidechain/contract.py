"""The ``api`` object a sidechain contract action sees, and contract dispatch.

Follows ``libs/SmartContracts.js executeSmartContract``: ``api.assert(cond, msg)`` appends ``msg``
to ``logs.errors`` when ``cond`` is falsy and returns ``cond``; ``api.emit(event, data)`` appends
``{contract, event, data}`` to ``logs.events``; nothing is rolled back on an error (the node has no
undo: a contract only writes after its asserts pass). Dispatch answers the node's own texts:
``createSSC`` -> ``you cannot trigger this action``, unknown contract -> ``contract doesn't exist``,
unknown action -> ``unknown error`` (the VM wrapper's ``done('invalid action')`` has no name/message).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devnet.sidechain.store import ContractDb

Action = Callable[["ContractApi", dict[str, Any]], Any]

# Contracts deployed on steem-engine mainnet that this devnet does not model: answering
# "contract doesn't exist" for them would be a lie, so they get an explicit devnet error.
UNMODELLED_CONTRACTS = ("market", "steempegged", "sscstore", "nft", "nftmarket", "crittermanager", "witnesses",
                        "inflation", "dice", "comments")
_LABEL_START, _LABEL_CHARS, _LABEL_END = re.compile(r"[a-z]"), re.compile(r"[a-z0-9-]*"), re.compile(r"[a-z0-9]")


def is_valid_account_name(value: Any) -> bool:
    """``SmartContracts.isValidAccountName`` (syntax only: the account need not exist on Steem)."""
    if not isinstance(value, str) or not 3 <= len(value) <= 16:
        return False
    for label in value.split("."):
        if (len(label) < 3 or not _LABEL_START.match(label) or not _LABEL_CHARS.fullmatch(label)
                or "--" in label or not _LABEL_END.match(label[-1])):
            return False
    return True


@dataclass
class ContractApi:
    db: ContractDb
    contract: str
    sender: str
    owner: str
    transaction_id: str
    steem_block_timestamp: str
    logs: dict[str, list[Any]] = field(default_factory=lambda: {"errors": [], "events": []})
    memo: dict[str, Any] = field(default_factory=dict)  # module-level JS state, fresh per execution

    def check(self, condition: Any, error: Any = None) -> bool:
        """``api.assert``."""
        if not condition and isinstance(error, str):
            self.logs["errors"].append(error)
        return bool(condition)

    def emit(self, event: str, data: dict[str, Any]) -> None:
        self.logs["events"].append({"contract": self.contract, "event": event, "data": data})

    def find_one(self, table: str, query: dict[str, Any]) -> dict[str, Any] | None:
        return self.db.find_one(self.contract, table, query)

    def find(self, table: str, query: dict[str, Any]) -> list[dict[str, Any]]:
        return self.db.find(self.contract, table, query) or []

    def insert(self, table: str, record: dict[str, Any]) -> dict[str, Any] | None:
        return self.db.insert(self.contract, table, record)

    def update(self, table: str, record: dict[str, Any]) -> None:
        self.db.update(self.contract, table, record)

    def remove(self, table: str, record: dict[str, Any]) -> None:
        self.db.remove(self.contract, table, record)

    def block_millis(self) -> int:
        """``new Date(`${api.steemBlockTimestamp}.000Z`).getTime()``."""
        moment = datetime.strptime(self.steem_block_timestamp, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        return int(moment.timestamp()) * 1000


@dataclass
class Contract:
    name: str
    owner: str
    code_hash: str
    actions: dict[str, Action]
    unmodelled_actions: tuple[str, ...] = ()


def execute(contracts: dict[str, Contract], api_args: dict[str, Any], action: str,
            payload: Any) -> tuple[dict[str, list[Any]], str]:
    """Run one action; returns (logs, executedCodeHash)."""
    if action == "createSSC":
        return {"errors": ["you cannot trigger this action"]}, ""
    contract = contracts.get(api_args["contract"])
    if contract is None:
        if api_args["contract"] in UNMODELLED_CONTRACTS:
            return {"errors": [f"devnet: contract {api_args['contract']} is not modelled"]}, ""
        return {"errors": ["contract doesn't exist"]}, ""
    if action in contract.unmodelled_actions:
        return {"errors": [f"devnet: action {contract.name}.{action} is not modelled"]}, contract.code_hash
    handler = contract.actions.get(action)
    if handler is None:
        return {"errors": ["unknown error"]}, ""
    api = ContractApi(owner=contract.owner, **api_args)
    # a non-object payload (e.g. an array) destructures to undefined fields in the contract
    try:
        handler(api, payload if isinstance(payload, dict) else {})
    except Exception as exc:  # the VM's thrown error replaces all logs: `${error.name}: ${error.message}`
        return {"errors": [f"{type(exc).__name__}: {exc}"]}, ""
    return api.logs, contract.code_hash
