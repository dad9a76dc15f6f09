"""Binary serialization (fc::raw::pack) of transactions and the operations the devnet supports.

Field order and types per steem ``libraries/protocol/include/steem/protocol/steem_operations.hpp``
FC_REFLECT lists and op ids per ``operations.hpp``; ``transaction.hpp`` for the envelope;
``authority.hpp`` (flat_maps, so entries are sorted on the wire); varint lengths per fc ``raw.hpp``.
Client JSON (condenser ``["vote", {...}]`` or appbase ``{"type": "vote_operation", ...}``) is
normalized into ``Op`` values with typed fields first; everything downstream uses that form.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

from devnet.assets import Asset, parse_asset, parse_time
from devnet.crypto import public_key_from_str
from devnet.genesis import CHAIN_ID_BYTES
from devnet.smt_wire import SMT_OP_FIELDS, pack_smt_field, parse_smt_field

OP_FIELDS: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "vote": (0, [("voter", "str"), ("author", "str"), ("permlink", "str"), ("weight", "i16")]),
    "comment": (1, [("parent_author", "str"), ("parent_permlink", "str"), ("author", "str"),
                    ("permlink", "str"), ("title", "str"), ("body", "str"), ("json_metadata", "str")]),
    "transfer": (2, [("from", "str"), ("to", "str"), ("amount", "asset"), ("memo", "str")]),
    "account_create": (9, [("fee", "asset"), ("creator", "str"), ("new_account_name", "str"),
                           ("owner", "auth"), ("active", "auth"), ("posting", "auth"),
                           ("memo_key", "pubkey"), ("json_metadata", "str")]),
    "account_update": (10, [("account", "str"), ("owner", "opt_auth"), ("active", "opt_auth"),
                            ("posting", "opt_auth"), ("memo_key", "pubkey"), ("json_metadata", "str")]),
    "delete_comment": (17, [("author", "str"), ("permlink", "str")]),
    "custom_json": (18, [("required_auths", "names"), ("required_posting_auths", "names"),
                         ("id", "str"), ("json", "str")]),
    "comment_options": (19, [("author", "str"), ("permlink", "str"), ("max_accepted_payout", "asset"),
                             ("percent_steem_dollars", "u16"), ("allow_votes", "bool"),
                             ("allow_curation_rewards", "bool"), ("extensions", "cext")]),
    "claim_reward_balance": (39, [("account", "str"), ("reward_steem", "asset"),
                                  ("reward_sbd", "asset"), ("reward_vests", "asset")]),
}
OP_FIELDS.update(SMT_OP_FIELDS)  # ids 49-54 of steem master (SMT builds); Chain admits them only with smt=True


class UnsupportedOperation(ValueError):
    pass


@dataclass
class Op:
    name: str
    fields: dict[str, Any]


@dataclass
class Tx:
    ref_block_num: int
    ref_block_prefix: int
    expiration: int
    operations: list[Op]
    signatures: list[bytes] = field(default_factory=list)

    def unsigned_bytes(self) -> bytes:
        return pack_transaction(self)

    def signed_bytes(self) -> bytes:
        out = bytearray(self.unsigned_bytes())
        out += varint(len(self.signatures))
        for sig in self.signatures:
            out += sig
        return bytes(out)

    def tx_id(self) -> str:
        return hashlib.sha256(self.unsigned_bytes()).digest()[:20].hex()

    def sig_digest(self, chain_id: bytes = CHAIN_ID_BYTES) -> bytes:
        return hashlib.sha256(chain_id + self.unsigned_bytes()).digest()


# ---------------------------------------------------------------- JSON -> Op

# hived renamed these fields (libraries/protocol/include/hive/protocol/hive_operations.hpp);
# on a Hive chain the JSON carries the new names, the binary layout is unchanged. As in fc's
# from_variant, an unknown field is ignored and a missing one takes its default, so a Steem
# node given "percent_hbd" would sign-check a different transaction than the client signed.
HIVE_FIELD_NAMES = {"percent_hbd": "percent_steem_dollars", "reward_hbd": "reward_sbd",
                    "reward_hive": "reward_steem"}


def parse_transaction(data: dict[str, Any], chain_name: str = "steem") -> Tx:
    aliases = HIVE_FIELD_NAMES if chain_name == "hive" else {}
    ops = [parse_operation(raw, aliases) for raw in data.get("operations", [])]
    if data.get("extensions"):
        raise UnsupportedOperation("transaction extensions are not supported")
    return Tx(
        ref_block_num=int(data["ref_block_num"]),
        ref_block_prefix=int(data["ref_block_prefix"]),
        expiration=parse_time(data["expiration"]),
        operations=ops,
        signatures=[bytes.fromhex(sig) for sig in data.get("signatures", [])],
    )


def parse_operation(raw: Any, aliases: dict[str, str] | None = None) -> Op:
    if isinstance(raw, list) and len(raw) == 2:
        name, body = raw
    elif isinstance(raw, dict) and "type" in raw:
        name, body = raw["type"], raw["value"]
    else:
        raise UnsupportedOperation(f"bad operation {raw!r}")
    name = name.removesuffix("_operation")
    if name not in OP_FIELDS:
        raise UnsupportedOperation(f"operation {name} is not supported by the devnet")
    if aliases and isinstance(body, dict):
        body = {aliases.get(key, key): value for key, value in body.items()}
    fields = {fname: _parse_field(ftype, body.get(fname)) for fname, ftype in OP_FIELDS[name][1]}
    return Op(name, fields)


def _parse_field(ftype: str, value: Any) -> Any:
    if ftype == "str":
        return "" if value is None else (value if isinstance(value, str) else json.dumps(value))
    if ftype in ("u16", "i16"):
        return int(value or 0)
    if ftype == "bool":
        return bool(value)
    if ftype == "asset":
        return parse_asset(value)
    if ftype == "pubkey":
        return str(value)
    if ftype == "auth":
        return parse_authority(value)
    if ftype == "opt_auth":
        return None if value is None else parse_authority(value)
    if ftype == "names":
        return sorted(set(value or []))
    if ftype == "cext":
        return _parse_comment_extensions(value or [])
    return parse_smt_field(ftype, value)


def parse_authority(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "weight_threshold": int(value["weight_threshold"]),
        "account_auths": sorted([[str(a), int(w)] for a, w in value.get("account_auths", [])]),
        "key_auths": sorted([[str(k), int(w)] for k, w in value.get("key_auths", [])],
                            key=lambda kw: public_key_from_str(kw[0])),
    }


def _parse_comment_extensions(value: list[Any]) -> list[dict[str, Any]]:
    """Only ``comment_payout_beneficiaries`` (variant tag 0) exists on Steem without SMTs."""
    out = []
    for ext in value:
        body = ext[1] if isinstance(ext, list) else ext.get("value", {})
        tag = ext[0] if isinstance(ext, list) else ext.get("type")
        if tag not in (0, "comment_payout_beneficiaries"):
            raise UnsupportedOperation(f"comment_options extension {tag!r} not supported")
        # Keep client order: validate() must be able to reject an unsorted list.
        out.append({"beneficiaries": [{"account": b["account"], "weight": int(b["weight"])}
                                      for b in body["beneficiaries"]]})
    return out


# ---------------------------------------------------------------- Op -> bytes

def varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pack_string(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    return varint(len(raw)) + raw


def pack_asset(asset: Asset) -> bytes:
    """asset_symbol.hpp:154-226: int64 amount + legacy 8-byte symbol, or an SMT's u32 asset_num."""
    smt = asset.smt
    if smt is not None:
        return struct.pack("<q", asset.amount) + smt.pack()
    name = asset.symbol.encode("ascii")
    return struct.pack("<qB", asset.amount, asset.precision) + name + b"\0" * (7 - len(name))


def pack_authority(auth: dict[str, Any]) -> bytes:
    out = bytearray(struct.pack("<I", auth["weight_threshold"]))
    out += varint(len(auth["account_auths"]))
    for name, weight in auth["account_auths"]:
        out += pack_string(name) + struct.pack("<H", weight)
    out += varint(len(auth["key_auths"]))
    for key, weight in auth["key_auths"]:
        out += public_key_from_str(key) + struct.pack("<H", weight)
    return bytes(out)


def _pack_field(ftype: str, value: Any) -> bytes:
    if ftype == "str":
        return pack_string(value)
    if ftype == "u16":
        return struct.pack("<H", value)
    if ftype == "u8":
        return struct.pack("<B", value)
    if ftype == "i16":
        return struct.pack("<h", value)
    if ftype == "bool":
        return b"\1" if value else b"\0"
    if ftype == "asset":
        return pack_asset(value)
    if ftype == "pubkey":
        return public_key_from_str(value)
    if ftype == "auth":
        return pack_authority(value)
    if ftype == "opt_auth":
        return b"\0" if value is None else b"\1" + pack_authority(value)
    if ftype == "names":
        return varint(len(value)) + b"".join(pack_string(n) for n in value)
    if ftype == "cext":
        out = bytearray(varint(len(value)))
        for ext in value:
            out += varint(0) + varint(len(ext["beneficiaries"]))
            for ben in ext["beneficiaries"]:
                out += pack_string(ben["account"]) + struct.pack("<H", ben["weight"])
        return bytes(out)
    return pack_smt_field(ftype, value)


def pack_operation(op: Op) -> bytes:
    op_id, spec = OP_FIELDS[op.name]
    return varint(op_id) + b"".join(_pack_field(ftype, op.fields[fname]) for fname, ftype in spec)


def pack_transaction(tx: Tx) -> bytes:
    out = bytearray(struct.pack("<HII", tx.ref_block_num, tx.ref_block_prefix, tx.expiration))
    out += varint(len(tx.operations))
    for op in tx.operations:
        out += pack_operation(op)
    out += varint(0)  # extensions
    return bytes(out)
