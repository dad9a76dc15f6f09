"""Which Steem operations become sidechain transactions, with which id, sender and payload.

Follows ``plugins/Streamer.js parseTransactions`` of harpagon210/steemsmartcontracts for
``custom_json``: ``id`` must be ``ssc-mainnet1`` (``ssc-${chainId}``, config.json ``mainnet1``);
sender = ``required_auths[0]`` with ``isSignedWithActiveKey: true``, else
``required_posting_auths[0]`` with ``false``; ``json`` is one object or an array of
``{contractName, contractAction, contractPayload}``; the payload's ``recipient``,
``amountSTEEMSBD``, ``permlink`` and ``callingContractInfo`` are stripped and
``isSignedWithActiveKey`` set, so a user cannot forge them. The sidechain id is the Steem tx id,
plus ``-<opIndex>`` when the Steem tx has several operations and ``-<i>`` when the json is a batch
of several. Unparsable json (or a ``null`` entry, which throws in the JS destructuring) drops the
rest of that operation silently, as the node's ``catch`` does.

Not modelled: ``transfer`` memos and ``comment`` bodies carrying sidechain json (the node also
reads those), and ``comment_options``/``vote`` (they feed the ``comments`` contract only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devnet.sidechain import jsnum as js

SSC_ID = "ssc-mainnet1"
_STRIPPED = ("recipient", "amountSTEEMSBD", "permlink")


@dataclass
class SscTransaction:
    ref_steem_block_number: int
    transaction_id: str
    sender: str | None
    contract: str
    action: str
    payload: str


def _normalize(op: Any) -> tuple[str, dict[str, Any]]:
    """Condenser ``[name, fields]`` or appbase ``{"type": "<name>_operation", "value": fields}``."""
    if isinstance(op, list):
        return op[0], op[1]
    return op["type"].removesuffix("_operation"), op["value"]


def _payload_string(payload: Any, active: bool) -> str:
    if isinstance(payload, list):  # JSON.stringify drops the named props set on an array
        return js.stringify(payload)
    final = {k: v for k, v in payload.items() if k not in _STRIPPED}
    final["isSignedWithActiveKey"] = active
    final.pop("callingContractInfo", None)
    return js.stringify(final)


def _entries(fields: dict[str, Any]) -> tuple[str | None, bool, list[Any]] | None:
    if fields.get("id") != SSC_ID:
        return None
    active = len(fields.get("required_auths", [])) > 0
    auths = fields["required_auths"] if active else fields.get("required_posting_auths", [])
    try:
        parsed = js.parse_json(fields["json"])
    except (ValueError, TypeError):
        return None
    return (auths[0] if auths else None), active, (parsed if isinstance(parsed, list) else [parsed])


def parse_operations(block_num: int, steem_tx_id: str, operations: list[Any]) -> list[SscTransaction]:
    found: list[SscTransaction] = []
    for op_index, raw in enumerate(operations):
        name, fields = _normalize(raw)
        if name != "custom_json":
            continue
        entries = _entries(fields)
        if entries is None:
            continue
        sender, active, items = entries
        for index, item in enumerate(items):
            if item is None:
                break  # `const {...} = null` throws; the op's remaining entries are lost
            if not isinstance(item, dict):
                continue
            contract, action, payload = item.get("contractName"), item.get("contractAction"), item.get("contractPayload")
            if not (js.truthy_str(contract) and js.truthy_str(action) and isinstance(payload, (dict, list))):
                continue
            tx_id = steem_tx_id
            if len(operations) > 1:
                tx_id = f"{tx_id}-{op_index}"
            if len(items) > 1:
                tx_id = f"{tx_id}-{index}"
            found.append(SscTransaction(block_num, tx_id, sender, contract, action, _payload_string(payload, active)))
    return found
