"""JavaScript value semantics the Steem-Engine node relies on.

The real node (harpagon210/steemsmartcontracts) is Node.js: payloads go through ``JSON.parse`` /
``JSON.stringify`` and the tokens contract does all arithmetic with bignumber.js 8
(``api.BigNumber``). This module owns the Python equivalents: BigNumber parsing (NaN as ``None``,
``Infinity`` allowed), ``dp()``, ``toFixed()`` (ROUND_HALF_UP, bignumber.js' default), JS truthiness
and ``Number.isInteger``, and JSON that round-trips numbers the way V8 prints them.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

MAX_SAFE_INTEGER = 9007199254740991
_PRECISION = 1000  # decimal digits kept in arithmetic; far beyond any token amount
_NUMERIC = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.IGNORECASE)
_WHITESPACE_OR_PLUS = re.compile(r"^\s*\+(?=[\w.])|^\s+|\s+$")
_BASE_PREFIX = re.compile(r"(-?)0([xbo])([0-9a-z]+)", re.IGNORECASE)
_INFINITY = re.compile(r"-?Infinity")
_BASES = {"x": 16, "b": 2, "o": 8}


def big(value: Any) -> Decimal | None:
    """``new BigNumber(value)``; ``None`` stands for NaN."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return None if value.is_nan() else value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value:
            return None
        return Decimal(value) if abs(value) == float("inf") else Decimal(repr(value))
    if not isinstance(value, str):
        return None
    if _NUMERIC.fullmatch(value):
        return Decimal(value)
    # bignumber.js parseNumeric: trims whitespace and a leading '+', accepts +-Infinity and 0x/0b/0o
    text = _WHITESPACE_OR_PLUS.sub("", value)
    if _INFINITY.fullmatch(text):
        return Decimal(text)
    prefixed = _BASE_PREFIX.fullmatch(text)
    if prefixed:
        try:
            number = int(prefixed.group(3), _BASES[prefixed.group(2).lower()])
        except ValueError:
            return None
        return Decimal(-number if prefixed.group(1) else number)
    return Decimal(text) if text != value and _NUMERIC.fullmatch(text) else None


def is_nan(value: Any) -> bool:
    return big(value) is None


def decimal_places(value: Any) -> int | None:
    """``BigNumber(value).dp()``: significant decimals (trailing zeros dropped); None for NaN/Infinity."""
    number = big(value)
    if number is None or not number.is_finite():
        return None
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    places = max(0, -exponent)
    index = len(digits) - 1
    while places and index >= 0 and digits[index] == 0:
        places -= 1
        index -= 1
    return places


def at_most(places: int | None, limit: int) -> bool:
    """JS ``dp <= limit`` where a null dp compares as 0."""
    return (places or 0) <= limit


def _cmp(a: Any, b: Any) -> int | None:
    x, y = big(a), big(b)
    if x is None or y is None:
        return None
    return (x > y) - (x < y)


def gt(a: Any, b: Any) -> bool:
    result = _cmp(a, b)
    return result is not None and result > 0


def gte(a: Any, b: Any) -> bool:
    result = _cmp(a, b)
    return result is not None and result >= 0


def lt(a: Any, b: Any) -> bool:
    result = _cmp(a, b)
    return result is not None and result < 0


def lte(a: Any, b: Any) -> bool:
    result = _cmp(a, b)
    return result is not None and result <= 0


def to_fixed(value: Any, places: int) -> str:
    """``BigNumber(value).toFixed(places)`` with ROUND_HALF_UP, never exponent notation."""
    number = big(value)
    if number is None:
        return "NaN"
    if not number.is_finite():
        return "-Infinity" if number < 0 else "Infinity"
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(rounded, "f")
    return text[1:] if number.is_zero() and text.startswith("-") else text


def plus(a: Any, b: Any, places: int) -> str:
    """``BigNumber(a).plus(b).toFixed(places)`` (calculateBalance with add=true)."""
    x, y = big(a), big(b)
    if x is None or y is None:
        return "NaN"
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return to_fixed(x + y, places)


def minus(a: Any, b: Any, places: int) -> str:
    x, y = big(a), big(b)
    if x is None or y is None:
        return "NaN"
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return to_fixed(x - y, places)


def divided_down(a: Any, b: Any, places: int) -> str:
    """``BigNumber(a).dividedBy(b).toFixed(places, ROUND_DOWN)`` for the unstake instalments."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        quotient = Decimal(str(big(a))) / Decimal(str(big(b)))
        return format(quotient.quantize(Decimal(1).scaleb(-places), rounding="ROUND_DOWN"), "f")


def truthy_str(value: Any) -> bool:
    """``value && typeof value === 'string'``."""
    return isinstance(value, str) and value != ""


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: Any) -> bool:
    """``Number.isInteger(value)``."""
    return is_number(value) and value == value and abs(value) != float("inf") and value == int(value)


def js_len(text: str) -> int:
    """``string.length`` (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _parse_float(text: str) -> int | float:
    # V8 keeps integral doubles as integers when printing (below 1e21), so 3.0 round-trips as 3
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < 1e21 else number


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON.parse rejects {name}")


def parse_json(text: str) -> Any:
    """``JSON.parse``: raises ValueError where V8 throws a SyntaxError."""
    return json.loads(text, parse_float=_parse_float, parse_constant=_reject_constant)


def stringify(value: Any) -> str:
    """``JSON.stringify`` for parsed JSON values (compact, non-ASCII kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
