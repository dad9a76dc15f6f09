"""Assets and times: parsing client JSON and rendering the legacy (condenser) and NAI (appbase) forms.

Symbols per steem ``libraries/protocol/include/steem/protocol/asset_symbol.hpp``; legacy strings per
``condenser_api_legacy_asset.cpp`` (an SMT prints as ``"1.000 @@422838704"``, its decimals giving the
precision, ``:90-139`` on steem ``master``); SMT symbols (``devnet.nai``) carry their own precision; time_point_sec::maximum() printing as ``1969-12-31T23:59:59`` per
fc ``src/time.cpp`` (int32 cast).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devnet.errors import ASSERT, JSON_RPC_ERROR_DURING_CALL, ChainError
from devnet.nai import NaiError, NaiSymbol

SYMBOLS: dict[str, tuple[int, str]] = {
    "STEEM": (3, "@@000000021"),
    "SBD": (3, "@@000000013"),
    "VESTS": (6, "@@000000037"),
}
NAI_TO_SYMBOL = {nai: name for name, (_, nai) in SYMBOLS.items()}
# Hive's JSON names for the same assets; the chain checks which names a transaction may use.
SYMBOL_ALIASES = {"HIVE": "STEEM", "HBD": "SBD"}

MAX_TIME = 0xFFFFFFFF
MIN_TIME = 0


@dataclass(frozen=True, order=True)
class Asset:
    amount: int
    symbol: str  # STEEM/SBD/VESTS, or an SMT's NAI string
    decimals: int = -1  # an SMT's precision (core symbols: from SYMBOLS)

    @property
    def precision(self) -> int:
        return SYMBOLS[self.symbol][0] if self.symbol in SYMBOLS else self.decimals

    @property
    def smt(self) -> NaiSymbol | None:
        """The SMT symbol of this asset, or None for STEEM/SBD/VESTS."""
        return None if self.symbol in SYMBOLS else NaiSymbol.parse(self.symbol, self.decimals)

    def legacy(self) -> str:
        sign = "-" if self.amount < 0 else ""
        whole, frac = divmod(abs(self.amount), 10**self.precision)
        return f"{sign}{whole}.{frac:0{self.precision}d} {self.symbol}"

    def nai(self) -> dict[str, Any]:
        nai = SYMBOLS[self.symbol][1] if self.symbol in SYMBOLS else self.symbol
        return {"amount": str(self.amount), "precision": self.precision, "nai": nai}

    def __add__(self, other: Asset) -> Asset:
        assert other.symbol == self.symbol
        return Asset(self.amount + other.amount, self.symbol, self.decimals)

    def __sub__(self, other: Asset) -> Asset:
        assert other.symbol == self.symbol
        return Asset(self.amount - other.amount, self.symbol, self.decimals)

    def __neg__(self) -> Asset:
        return Asset(-self.amount, self.symbol, self.decimals)


def smt_asset(amount: int, symbol: NaiSymbol) -> Asset:
    return Asset(amount, symbol.nai, symbol.precision)


def _smt(nai: str, precision: int) -> NaiSymbol:
    """An SMT symbol from client JSON; a malformed NAI fails with steemd's asset.cpp text."""
    try:
        return NaiSymbol.parse(nai, precision)
    except NaiError as exc:
        raise ChainError(ASSERT, f"{exc.expression}: {exc.text}", JSON_RPC_ERROR_DURING_CALL) from exc


def steem(amount: int) -> Asset:
    return Asset(amount, "STEEM")


def sbd(amount: int) -> Asset:
    return Asset(amount, "SBD")


def vests(amount: int) -> Asset:
    return Asset(amount, "VESTS")


def parse_asset(value: Any) -> Asset:
    """Accept ``"1.000 STEEM"``, ``{"amount","precision","nai"}`` or ``["1000", 3, "@@000000021"]``."""
    if isinstance(value, Asset):
        return value
    if isinstance(value, str):
        number, _, symbol = value.strip().partition(" ")
        symbol = SYMBOL_ALIASES.get(symbol, symbol)
        whole, _, frac = number.partition(".")
        if symbol.startswith("@@"):  # condenser SMT string: the decimals are the precision
            smt = _smt(symbol, len(frac))
        elif symbol not in SYMBOLS:
            raise ValueError(f"unknown asset symbol {symbol!r}")
        else:
            smt = None
        precision = smt.precision if smt else SYMBOLS[symbol][0]
        if len(frac) != precision:
            raise ValueError(f"asset {value!r} must have {precision} decimals")
        negative = whole.startswith("-")
        amount = int(whole.lstrip("-") or "0") * 10**precision + int(frac or "0")
        return Asset(-amount if negative else amount, symbol, smt.precision if smt else -1)
    if isinstance(value, dict):
        return _from_nai(value["amount"], value["precision"], value["nai"])
    if isinstance(value, list) and len(value) == 3:
        return _from_nai(value[0], value[1], value[2])
    raise ValueError(f"cannot parse asset {value!r}")


def _from_nai(amount: Any, precision: Any, nai: str) -> Asset:
    """asset.cpp:448-480: ``amount`` must be a string (a JSON number is refused)."""
    if not isinstance(amount, str):
        raise ValueError("asset amount must be a string")
    if nai in NAI_TO_SYMBOL:
        return Asset(int(amount), NAI_TO_SYMBOL[nai])
    smt = _smt(nai, int(precision))
    return Asset(int(amount), smt.nai, smt.precision)


def parse_time(text: str) -> int:
    clean = text.rstrip("Z").split(".")[0]
    return int(datetime.strptime(clean, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp())


def fmt_time(epoch: int) -> str:
    if epoch >= 0x80000000:  # fc prints the uint32 as int32 (time.cpp:21)
        epoch -= 0x100000000
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
