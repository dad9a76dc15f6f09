"""Wire forms of the SMT operations: field lists, client JSON -> typed values, fc::raw packing, and
the JSON the APIs render back.

Source: steemit/steem ``master`` @ 8d26f079 ``libraries/protocol/include/steem/protocol/
smt_operations.hpp:224-355`` (FC_REFLECT field order), ``operations.hpp:74-84`` (ids 49-54),
``fc/io/raw.hpp`` (u8/u32/i64 little endian, ``time_point_sec`` as u32, sets and maps as a varint
count + sorted items, ``static_variant`` as a varint tag + body, ``raw.hpp:773-777``),
``condenser_api_legacy_operations.hpp:1843-1860`` (condenser writes static variants as
``[index, {...}]``, appbase as ``{"type": name, "value": {...}}``), ``asset_symbol.hpp:230-268``
(symbol JSON ``{"nai", "precision"}``). ``/work/shared/docs/token-facts.md`` §1.2-1.3.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Any

from devnet.errors import ASSERT, JSON_RPC_ERROR_DURING_CALL, ChainError
from devnet.nai import NaiError, NaiSymbol, nai_data

SMT_OP_FIELDS: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "smt_setup": (49, [("control_account", "str"), ("symbol", "symbol"), ("max_supply", "i64"),
                       ("contribution_begin_time", "time"), ("contribution_end_time", "time"),
                       ("launch_time", "time"), ("steem_satoshi_min", "i64"), ("min_unit_ratio", "u32"),
                       ("max_unit_ratio", "u32"), ("extensions", "empty")]),
    "smt_setup_emissions": (50, [("control_account", "str"), ("symbol", "symbol"), ("schedule_time", "time"),
                                 ("emissions_unit", "emunit"), ("interval_seconds", "u32"),
                                 ("emission_count", "u32"), ("lep_time", "time"), ("rep_time", "time"),
                                 ("lep_abs_amount", "i64"), ("rep_abs_amount", "i64"),
                                 ("lep_rel_amount_numerator", "u32"), ("rep_rel_amount_numerator", "u32"),
                                 ("rel_amount_denom_bits", "u8"), ("remove", "bool"),
                                 ("floor_emissions", "bool"), ("extensions", "empty")]),
    "smt_set_setup_parameters": (52, [("control_account", "str"), ("symbol", "symbol"),
                                      ("setup_parameters", "setup_params"), ("extensions", "empty")]),
    "smt_create": (54, [("control_account", "str"), ("symbol", "symbol"), ("desired_ticker", "str"),
                        ("smt_creation_fee", "asset"), ("precision", "u8"), ("extensions", "empty")]),
}
SMT_OPERATIONS = frozenset(SMT_OP_FIELDS)
SETUP_PARAMS = {0: "smt_param_allow_voting"}  # smt_operations.hpp smt_setup_parameter


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | 0x80 if number else byte)
        if not number:
            return bytes(out)


def _pack_string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return _varint(len(raw)) + raw


def _parse_time(value: Any) -> int:
    clean = str(value or "1970-01-01T00:00:00").rstrip("Z").split(".")[0]
    return int(datetime.strptime(clean, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp())


def _pairs(value: Any) -> list[tuple[str, int]]:
    """A flat_map<unit_target, u16> from ``[[k, v], ...]`` or ``{k: v}``; sorted as on the wire."""
    items = value.items() if isinstance(value, dict) else value or []
    return sorted((str(k), int(v)) for k, v in items)


def _variant(raw: Any, names: dict[int, str]) -> tuple[int, dict[str, Any]]:
    if isinstance(raw, list):
        return int(raw[0]), dict(raw[1])
    tag = next((k for k, v in names.items() if v == raw.get("type")), None)
    if tag is None:
        raise ValueError(f"unknown static variant {raw.get('type')!r}")
    return tag, dict(raw["value"])


def parse_smt_field(ftype: str, value: Any) -> Any:
    if ftype == "symbol":  # core NAIs parse too: validate() refuses them with steemd's text
        try:
            return NaiSymbol(nai_data(value["nai"]), int(value["precision"]))
        except NaiError as exc:
            raise ChainError(ASSERT, f"{exc.expression}: {exc.text}", JSON_RPC_ERROR_DURING_CALL) from exc
    if ftype in ("i64", "u32", "u8"):
        return int(value or 0)
    if ftype == "time":
        return _parse_time(value)
    if ftype == "empty":
        if value:
            raise ValueError("SMT operation extensions are not supported")
        return []
    if ftype == "emunit":
        return {"token_unit": _pairs((value or {}).get("token_unit"))}
    if ftype == "setup_params":
        params = [_variant(p, SETUP_PARAMS) for p in value or []]
        return sorted((tag, bool(body.get("value"))) for tag, body in params)
    raise AssertionError(ftype)


def pack_smt_field(ftype: str, value: Any) -> bytes:
    if ftype == "symbol":
        return bytes(value.pack())
    if ftype == "i64":
        return struct.pack("<q", value)
    if ftype in ("u32", "time"):
        return struct.pack("<I", value)
    if ftype == "u8":
        return struct.pack("<B", value)
    if ftype == "empty":
        return b"\0"
    if ftype == "emunit":
        units = value["token_unit"]
        return _varint(len(units)) + b"".join(_pack_string(k) + struct.pack("<H", v) for k, v in units)
    if ftype == "setup_params":
        return _varint(len(value)) + b"".join(_varint(tag) + (b"\1" if flag else b"\0") for tag, flag in value)
    raise AssertionError(ftype)


def render_smt_fields(name: str, fields: dict[str, Any], legacy: bool) -> dict[str, Any]:
    """Typed SMT op fields -> JSON (times as fc prints them, symbols as ``{"nai","precision"}``)."""
    from devnet.assets import Asset, fmt_time

    out: dict[str, Any] = {}
    for fname, ftype in SMT_OP_FIELDS[name][1]:
        value = fields[fname]
        if ftype == "symbol":
            out[fname] = value.json()
        elif ftype == "time":
            out[fname] = fmt_time(value)
        elif ftype == "emunit":
            out[fname] = {"token_unit": [[k, v] for k, v in value["token_unit"]]}
        elif ftype == "setup_params":
            out[fname] = [[tag, {"value": flag}] if legacy else
                          {"type": SETUP_PARAMS[tag], "value": {"value": flag}} for tag, flag in value]
        elif isinstance(value, Asset):
            out[fname] = value.legacy() if legacy else value.nai()
        else:
            out[fname] = value
    return out
