"""Smart Media Token wire forms the bridge writes itself (beem 0.24.26 has no SMT operations and
its ``Amount`` knows only the legacy symbols): NAI asset symbols, SMT assets in binary and JSON,
and the ``transfer`` / ``smt_create`` operations carrying them. Pure: no beem, no I/O;
``connectors/steem.py`` wraps a :class:`RawOperation` into beem's transaction builder.

Source (steemit/steem ``master`` @ 8d26f079; ``/work/shared/docs/token-facts.md`` §2, §1.3):
NAI = ``@@`` + 8 data digits + Damm check digit (``libraries/protocol/asset.cpp:34-107``);
``asset_num = data << 5 | 0x10 | precision`` (``asset.cpp:109-133``), packed as a u32 little endian
after the int64 amount (``asset_symbol.hpp:154-226``); appbase JSON
``{"amount": "<int string>", "precision": p, "nai": "@@..."}`` (``asset.cpp:448-480``); condenser
JSON ``"1.000 @@422838704"`` (``condenser_api_legacy_asset.cpp:90-139``); transfer is op 2
(from, to, amount, memo), smt_create op 54 (control_account, symbol, desired_ticker,
smt_creation_fee, precision, extensions) (``operations.hpp:74-84``, ``smt_operations.hpp``).
Byte vectors: ``tests/independent/smt_vectors.md``.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Any

DAMM = ("0317598642", "7092154863", "4206871359", "1750983426", "6123045978",
        "3674209581", "5869720134", "8945362017", "9438617205", "2581436790")
FREE_TEXT_FIELDS = frozenset({"memo", "body", "title", "json", "json_metadata", "permlink"})
SMT_AMOUNT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)? @@[0-9]{9}")
CORE_NAIS = {"@@000000013": ("SBD", 3), "@@000000021": ("STEEM", 3), "@@000000037": ("VESTS", 6)}
OP_IDS = {"transfer": 2, "smt_create": 54}
MAX_PRECISION = 12


class SmtFormatError(ValueError):
    """A NAI or SMT amount the chain would refuse (a bad check digit, a precision above 12)."""


def damm(digits: str) -> int:
    interim = 0
    for char in digits:
        interim = int(DAMM[interim][int(char)])
    return interim


@dataclass(frozen=True)
class Nai:
    """An SMT symbol: NAI data digits and precision."""

    data: int
    precision: int

    @classmethod
    def parse(cls, nai: str, precision: int) -> Nai:
        digits = nai[2:]
        if len(nai) != 11 or not nai.startswith("@@") or not (digits.isascii() and digits.isdigit()):
            raise SmtFormatError(f"{nai!r} is not a NAI (@@ + 9 digits)")
        if damm(digits[:8]) != int(digits[8]):
            raise SmtFormatError(f"{nai!r} has an invalid check digit")
        if nai in CORE_NAIS:
            raise SmtFormatError(f"{nai} is {CORE_NAIS[nai][0]}, not an SMT")
        if not 0 <= int(precision) <= MAX_PRECISION:
            raise SmtFormatError(f"precision {precision} is outside 0..{MAX_PRECISION}")
        return cls(int(digits[:8]), int(precision))

    @property
    def nai(self) -> str:
        return f"@@{self.data:08d}{damm(f'{self.data:08d}')}"

    @property
    def asset_num(self) -> int:
        return (self.data << 5) | 0x10 | self.precision

    def to_bytes(self) -> bytes:
        return struct.pack("<I", self.asset_num)

    def json(self) -> dict[str, Any]:
        return {"nai": self.nai, "precision": self.precision}


@dataclass(frozen=True)
class SmtAmount:
    """``amount`` satoshis of an SMT (integer units of 10**-precision)."""

    amount: int
    symbol: Nai

    @classmethod
    def parse(cls, value: Any) -> SmtAmount:
        """``{"amount","precision","nai"}`` or condenser ``"1.000 @@422838704"``."""
        if isinstance(value, SmtAmount):
            return value
        if isinstance(value, dict):
            return cls(int(str(value["amount"])), Nai.parse(value["nai"], int(value["precision"])))
        if isinstance(value, str):
            number, _, nai = value.strip().partition(" ")
            whole, _, frac = number.partition(".")
            symbol = Nai.parse(nai, len(frac))
            sign = -1 if whole.startswith("-") else 1
            return cls(sign * (int(whole.lstrip("-") or "0") * 10 ** len(frac) + int(frac or "0")), symbol)
        raise SmtFormatError(f"cannot read an SMT amount from {value!r}")

    def to_bytes(self) -> bytes:
        return struct.pack("<q", self.amount) + self.symbol.to_bytes()

    def appbase(self) -> dict[str, Any]:
        return {"amount": str(self.amount), "precision": self.symbol.precision, "nai": self.symbol.nai}

    def legacy(self) -> str:
        p = self.symbol.precision
        whole, frac = divmod(abs(self.amount), 10**p)
        text = f"{whole}.{frac:0{p}d}" if p else str(whole)
        return f"{'-' if self.amount < 0 else ''}{text} {self.symbol.nai}"


def is_smt_amount(value: Any) -> bool:
    """True for an SMT amount in either JSON form (core assets and anything else: False)."""
    if isinstance(value, SmtAmount):
        return True
    if isinstance(value, dict) and "nai" in value:
        return value["nai"] not in CORE_NAIS
    # the whole string, not a substring: a post body or a diff-match-patch edit ("@@ -1,5 +1,7 @@")
    # holds " @@" too
    return isinstance(value, str) and SMT_AMOUNT_TEXT.fullmatch(value) is not None


def needs_raw(name: str, payload: dict[str, Any]) -> bool:
    """Whether an operation must be serialized here rather than by beem."""
    return name.startswith("smt_") or any(is_smt_amount(v) for k, v in payload.items()
                                          if k not in FREE_TEXT_FIELDS)


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | 0x80 if number else byte)
        if not number:
            return bytes(out)


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return _varint(len(raw)) + raw


def _legacy_asset(value: str) -> bytes:
    """A core asset in condenser form (fee of smt_create): int64 + precision byte + 7-byte name."""
    number, _, name = value.strip().partition(" ")
    whole, _, frac = number.partition(".")
    amount = int(whole) * 10 ** len(frac) + int(frac or "0")
    return struct.pack("<qB", amount, len(frac)) + name.encode("ascii").ljust(7, b"\0")


@dataclass(frozen=True)
class RawOperation:
    """One operation as the bridge serializes it: op id, body bytes and condenser JSON."""

    name: str
    op_id: int
    body: bytes
    legacy_json: dict[str, Any]

    def to_bytes(self) -> bytes:
        return _varint(self.op_id) + self.body


def transfer(payload: dict[str, Any]) -> RawOperation:
    """``transfer`` (op 2) of an SMT amount: from, to, amount (12 bytes), memo."""
    amount = SmtAmount.parse(payload["amount"])
    memo = str(payload.get("memo", ""))
    body = _string(payload["from"]) + _string(payload["to"]) + amount.to_bytes() + _string(memo)
    return RawOperation("transfer", OP_IDS["transfer"], body,
                        {"from": payload["from"], "to": payload["to"], "amount": amount.legacy(), "memo": memo})


def smt_create(payload: dict[str, Any]) -> RawOperation:
    """``smt_create`` (op 54, steem master layout): the fee is a core asset (condenser string)."""
    symbol = payload["symbol"]
    nai = symbol if isinstance(symbol, Nai) else Nai.parse(symbol["nai"], int(symbol["precision"]))
    fee = str(payload["smt_creation_fee"])
    ticker = str(payload.get("desired_ticker", ""))
    precision = int(payload.get("precision", nai.precision))  # redundant on the wire; the node compares
    body = (_string(payload["control_account"]) + nai.to_bytes() + _string(ticker) + _legacy_asset(fee)
            + struct.pack("<B", precision) + b"\0")
    return RawOperation("smt_create", OP_IDS["smt_create"], body,
                        {"control_account": payload["control_account"], "symbol": nai.json(),
                         "desired_ticker": ticker, "smt_creation_fee": fee, "precision": precision,
                         "extensions": []})


BUILDERS = {"transfer": transfer, "smt_create": smt_create}


def raw_operation(name: str, payload: dict[str, Any]) -> RawOperation:
    if name not in BUILDERS:
        raise SmtFormatError(f"operation {name!r} with SMT fields is not supported by the bridge")
    return BUILDERS[name](payload)
