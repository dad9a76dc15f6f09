"""Rendering chain values as JSON: legacy (condenser_api) vs appbase (NAI assets, typed ops).

Shapes per steem ``condenser_api_legacy_operations.hpp`` (``["name", {...}]``, legacy assets,
comment_options extensions as ``[[0, {...}]]``) and ``libraries/protocol`` static_variant JSON on
appbase (``{"type": "name_operation", "value": {...}}``). fc's JSON writer prints integers above
4294967295 as strings (``libraries/fc/src/io/json.cpp``); ``stringify_large`` applies that rule.
"""

from __future__ import annotations

from typing import Any

from devnet.assets import Asset
from devnet.serializer import Op


def value(obj: Any, legacy: bool) -> Any:
    if isinstance(obj, Asset):
        return obj.legacy() if legacy else obj.nai()
    if isinstance(obj, dict):
        return {k: value(v, legacy) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [value(v, legacy) for v in obj]
    return obj


def op_fields(op: Op, legacy: bool) -> dict[str, Any]:
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
