"""Signed transaction size estimate, so oversize posts become a Skip instead of a node error.

Counts the binary serialization steemd measures: strings as varint length + UTF-8 bytes,
fixed-size fields by their width, plus a flat allowance for the transaction header and one
signature. Blocks are at most 65,536 bytes and a transaction must leave room for the block
header, so the practical ceiling is 65,280 bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_TRANSACTION_BYTES = 65_280
TRANSACTION_OVERHEAD = 200  # ref block, expiration, counts, one 65-byte signature, margin
ASSET_BYTES = 16  # int64 amount + precision byte + 7-byte symbol
BENEFICIARY_FIXED_BYTES = 2  # uint16 weight
COMMENT_FIELDS = ("parent_author", "parent_permlink", "author", "permlink", "title", "body",
                  "json_metadata")  # fmt: skip
_STRING_SIZE_BOUND = 5  # the varint of any string length a transaction can hold


def varint_size(value: int) -> int:
    """Bytes of an unsigned LEB128 varint."""
    size = 1
    while value >= 0x80:
        value >>= 7
        size += 1
    return size


def string_size(text: str) -> int:
    encoded_length = len(text.encode("utf-8"))
    return varint_size(encoded_length) + encoded_length


def comment_size(payload: dict[str, Any]) -> int:
    return 1 + sum(string_size(str(payload.get(name, ""))) for name in COMMENT_FIELDS)


def comment_options_size(payload: dict[str, Any]) -> int:
    size = 1 + string_size(payload["author"]) + string_size(payload["permlink"])
    size += ASSET_BYTES + 2 + 1 + 1  # max payout, percent, allow_votes, allow_curation_rewards
    extensions = payload.get("extensions", [])
    size += varint_size(len(extensions))
    for _type_id, extension in extensions:
        beneficiaries = extension.get("beneficiaries", [])
        size += 1 + varint_size(len(beneficiaries))
        size += sum(string_size(b["account"]) + BENEFICIARY_FIXED_BYTES for b in beneficiaries)
    return size


def estimate_transaction_size(operations: tuple[tuple[str, dict[str, Any]], ...],
                              comment: Callable[[dict[str, Any]], int] = comment_size) -> int:
    """Estimated signed size in bytes of a transaction holding ``operations`` (``comment``:
    what a comment operation counts as)."""
    size = TRANSACTION_OVERHEAD + varint_size(len(operations))
    for name, payload in operations:
        size += comment_options_size(payload) if name == "comment_options" else comment(payload)
    return size


def _comment_size_bound(payload: dict[str, Any]) -> int:
    """At least ``comment_size(payload)``, without encoding: UTF-8 takes at most 4 bytes a
    code point."""
    return 1 + sum(_STRING_SIZE_BOUND + 4 * len(str(payload.get(name, "")))
                   for name in COMMENT_FIELDS)  # fmt: skip


def fits_in_a_transaction(operations: tuple[tuple[str, dict[str, Any]], ...]) -> bool:
    """``estimate_transaction_size(operations) <= MAX_TRANSACTION_BYTES``, most of the time
    without encoding the texts: a bound that fits settles it; only a bound past the ceiling is
    checked byte by byte."""
    return (estimate_transaction_size(operations, _comment_size_bound) <= MAX_TRANSACTION_BYTES
            or estimate_transaction_size(operations) <= MAX_TRANSACTION_BYTES)
