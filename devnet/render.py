"""Rendering chain values as JSON: legacy (condenser_api) vs appbase (NAI assets, typed ops).

Shapes per steem ``condenser_api_legacy_operations.hpp`` (``["name", {...}]``, legacy assets,
comment_options extensions as ``[[0, {...}]]``) and ``libraries/protocol`` static_variant JSON on
appbase (``{"type": "name_operation", "value": {...}}``). fc's JSON writer prints integers above
4294967295 as strings (``libraries/fc/src/io/json.cpp``); ``stringify_large`` applies that rule.
"""

from __future__ import annotations

import re
from typing import Any

from devnet.assets import Asset
from devnet.errors import ASSERT, JSON_RPC_ERROR_DURING_CALL, ChainError
from devnet.serializer import Op
from devnet.smt_wire import SMT_OPERATIONS, render_smt_fields

_LEGACY_ASSET = re.compile(r"^(-?[0-9]+\.[0-9]+) (STEEM|SBD|HIVE|HBD)$")
_TO_HIVE = {"STEEM": "HIVE", "SBD": "HBD"}
# hived (non-testnet) still parses STEEM/SBD as HIVE/HBD (hive ``asset_symbol.cpp``: OBSOLETE_SYMBOL_U64
# "has same value as HIVE_SYMBOL_U64"); steemd knows nothing of HIVE/HBD.
_FOREIGN = {"steem": ("HIVE", "HBD"), "hive": ()}


def value(obj: Any, legacy: bool) -> Any:
    if isinstance(obj, Asset):
        return obj.legacy() if legacy else obj.nai()
    if isinstance(obj, dict):
        return {k: value(v, legacy) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [value(v, legacy) for v in obj]
    return obj


def op_fields(op: Op, legacy: bool) -> dict[str, Any]:
    if op.name in SMT_OPERATIONS:
        return render_smt_fields(op.name, op.fields, legacy)
    fields = {k: value(v, legacy) for k, v in op.fields.items()}
    if op.name == "comment_options":
        fields["extensions"] = [
            [0, ext] if legacy else {"type": "comment_payout_beneficiaries", "value": ext}
            for ext in fields["extensions"]
        ]
    if op.name == "account_update":
        fields = {k: v for k, v in fields.items() if v is not None}
    return fields


def op_legacy(op: Op) -> list[Any]:
    return [op.name, op_fields(op, True)]


def op_appbase(op: Op) -> dict[str, Any]:
    return {"type": f"{op.name}_operation", "value": op_fields(op, False)}


def stringify_large(obj: Any) -> Any:
    if isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        return str(obj) if obj > 0xFFFFFFFF else obj
    if isinstance(obj, dict):
        return {k: stringify_large(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [stringify_large(v) for v in obj]
    return obj


def hive_json(obj: Any) -> Any:
    """Rename legacy asset strings STEEM/SBD -> HIVE/HBD and config keys STEEM_/SBD_ -> HIVE_/HBD_."""
    if isinstance(obj, str):
        match = _LEGACY_ASSET.match(obj)
        return f"{match[1]} {_TO_HIVE.get(match[2], match[2])}" if match else obj
    if isinstance(obj, dict):
        return {_hive_key(k): hive_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [hive_json(v) for v in obj]
    return obj


def _hive_key(key: str) -> str:
    for old, new in (("STEEM_", "HIVE_"), ("SBD_", "HBD_")):
        if key.startswith(old):
            return new + key[len(old):]
    return key


def check_symbols(obj: Any, chain_name: str) -> None:
    """Legacy asset strings must use the chain's own symbols (steemd/hived reject the other chain's)."""
    if isinstance(obj, str):
        match = _LEGACY_ASSET.match(obj)
        if match and match[2] in _FOREIGN[chain_name]:
            # condenser_api_legacy_asset.cpp string_to_asset_num, raised while parsing the call's args
            raise ChainError(ASSERT, "false: Cannot parse asset symbol", JSON_RPC_ERROR_DURING_CALL)
    elif isinstance(obj, dict):
        for item in obj.values():
            check_symbols(item, chain_name)
    elif isinstance(obj, list):
        for item in obj:
            check_symbols(item, chain_name)
