"""NAI asset symbols (Smart Media Tokens): the ``@@NNNNNNNNC`` string, its Damm check digit, and
the 32-bit ``asset_num`` that goes on the wire.

Source (steemit/steem ``master`` @ 8d26f079, the SMT line; ``/work/shared/docs/token-facts.md`` §2):
``libraries/protocol/asset.cpp:34-133`` (NAI string parsing and its assert texts, Damm over the
8 data digits, ``asset_num = data << 5 | 0x10 | precision``), ``:160-266`` (the vesting twin sets
``0x20``), ``include/steem/protocol/asset_symbol.hpp:23-25`` (reserved NAIs of SBD/STEEM/VESTS),
``:154-226`` (an SMT symbol is packed as the u32 ``asset_num``, little endian), ``:230-268`` (symbol
JSON ``{"nai", "precision"}``), ``chain/util/nai_generator.hpp:42-55`` (the pool hands out even
data >= 10 000 000). Errors are raised as :class:`NaiError` carrying steemd's text; the caller turns
them into the node's ``Assert Exception`` form.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# The order-10 totally anti-symmetric quasigroup of Damm's algorithm (asset.cpp:64-107 stores it x10).
DAMM = ("0317598642", "7092154863", "4206871359", "1750983426", "6123045978",
        "3674209581", "5869720134", "8945362017", "9438617205", "2581436790")

MAX_DECIMALS = 12  # STEEM_ASSET_MAX_DECIMALS (asset_symbol.hpp)
NAI_DATA_DIGITS = 8
SMT_MIN_NAI = 1
SMT_MAX_NAI = 99_999_999
RESERVED = {"@@000000013": "SBD", "@@000000021": "STEEM", "@@000000037": "VESTS"}
CONTROL_BIT = 0x10  # asset_num: set for every NAI symbol
VESTING_BIT = 0x20  # asset_num: the vesting twin


class NaiError(ValueError):
    """A malformed NAI; ``expression`` and ``text`` are steemd's FC_ASSERT test and message."""

    def __init__(self, expression: str, text: str) -> None:
        self.expression, self.text = expression, text
        super().__init__(text)


def damm_digit(data: int) -> int:
    """``damm_checksum_8digit``: the check digit of the 8 data digits, most significant first."""
    interim = 0
    for char in f"{data:08d}":
        interim = int(DAMM[interim][int(char)])
    return interim


def nai_string(data: int) -> str:
    """``@@`` + 8 data digits + the Damm digit (42283870 -> ``@@422838704``)."""
    return f"@@{data:08d}{damm_digit(data)}"


def nai_data(nai: str) -> int:
    """The 8 data digits of a NAI string, with the checks and texts of ``asset.cpp:52-107``."""
    if len(nai) != 2 + NAI_DATA_DIGITS + 1:
        raise NaiError("strlen( p ) == 11", "Incorrect NAI string length")
    if not nai.startswith("@@"):
        raise NaiError("(p[0] == '@') && (p[1] == '@')", "Invalid NAI string prefix")
    digits = nai[2:]
    if not digits.isdigit() or not digits.isascii():
        raise NaiError("(c >= '0') && (c <= '9')", "Invalid character in NAI string")
    data, check = int(digits[:-1]), int(digits[-1])
    if check != damm_digit(data):
        raise NaiError("check_digit == checksum", "Invalid check digit")
    return data


@dataclass(frozen=True, order=True)
class NaiSymbol:
    """An SMT symbol: the NAI's data digits (liquid or vesting twin, each has its own) + precision."""

    data: int
    precision: int

    def __post_init__(self) -> None:
        if not 0 <= self.precision <= MAX_DECIMALS:
            raise NaiError("decimal_places <= STEEM_ASSET_MAX_DECIMALS", "Invalid decimal_places")
        if not 0 <= self.data <= SMT_MAX_NAI:
            raise NaiError("nai_data_digits <= SMT_MAX_NAI", "NAI out of range")

    @property
    def nai(self) -> str:
        return nai_string(self.data)

    @property
    def asset_num(self) -> int:
        return (self.data << 5) | CONTROL_BIT | self.precision

    @property
    def is_vesting(self) -> bool:
        """asset.cpp:160-266: the vesting twin is the liquid asset_num with 0x20 set."""
        return bool(self.asset_num & VESTING_BIT)

    def liquid(self) -> NaiSymbol:
        return NaiSymbol.from_asset_num(self.asset_num & ~VESTING_BIT)

    def vesting(self) -> NaiSymbol:
        return NaiSymbol.from_asset_num(self.asset_num | VESTING_BIT)

    def pack(self) -> bytes:
        """asset_symbol.hpp:154-226: an SMT symbol is its u32 asset_num, little endian."""
        return struct.pack("<I", self.asset_num)

    def json(self) -> dict[str, object]:
        return {"nai": self.nai, "precision": self.precision}

    @classmethod
    def from_asset_num(cls, asset_num: int) -> NaiSymbol:
        return cls(asset_num >> 5, asset_num & 0x0F)

    @classmethod
    def parse(cls, nai: str, precision: int) -> NaiSymbol:
        """``asset_symbol_type::from_nai_string`` (rejects the reserved core NAIs as SMTs)."""
        if nai in RESERVED:
            raise NaiError("is_smt", f"{nai} is not an SMT")
        return cls(nai_data(nai), int(precision))


def pool_candidates(seed: int, count: int) -> list[NaiSymbol]:
    """NAIs a pool would offer: even data >= 10 000 000 (nai_generator.hpp:42-55), precision 0.

    steemd draws them from the block id; the devnet draws them from ``seed`` deterministically
    (a replayed journal yields the same pool).
    """
    out: list[NaiSymbol] = []
    value = seed
    while len(out) < count:
        value = (value * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        data = 10_000_000 + (value >> 20) % 90_000_000
        data -= data % 2
        if all(s.data != data for s in out):
            out.append(NaiSymbol(data, 0))
    return out
