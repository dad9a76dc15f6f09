"""``comment_options`` for a new post: payout choice and validated, sorted beneficiaries.

Sent only with the first publish, in the same transaction as the ``comment``, because
beneficiaries can be set once and only before any vote. steemd rejects beneficiaries that are
not strictly ascending by account, so they are sorted here (beem does not sort them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bridge.model import Beneficiary, MappingContext

MAX_BENEFICIARIES = 127
FULL_WEIGHT = 10000
PAYOUT_PERCENT = {"50/50": 10000, "power_up": 0, "decline": 0}

_ACCOUNT_SEGMENT = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_ASSET = re.compile(r"^[0-9]+\.[0-9]{3} (?P<symbol>[A-Z]+)$")


class OptionsError(ValueError):
    """The site's payout or beneficiary settings cannot produce valid comment_options."""


def is_valid_account_name(name: str) -> bool:
    """steemd's ``is_valid_account_name``: 3-16 chars, dot-separated segments of >= 3 chars."""
    if not isinstance(name, str) or not 3 <= len(name) <= 16:
        return False
    return all(len(segment) >= 3 and _ACCOUNT_SEGMENT.match(segment) for segment in name.split("."))


def beneficiaries_extension(beneficiaries: Iterable[Beneficiary]) -> list[Any]:
    """The ``extensions`` value: ``[]`` or ``[[0, {"beneficiaries": [...]}]]`` sorted by account."""
    entries = sorted(beneficiaries, key=lambda entry: str(entry.account))
    if not entries:
        return []
    if len(entries) > MAX_BENEFICIARIES:
        raise OptionsError(f"{len(entries)} beneficiaries configured; at most {MAX_BENEFICIARIES}")
    seen: set[str] = set()
    total = 0
    for entry in entries:
        if not is_valid_account_name(entry.account):
            raise OptionsError(f"beneficiary {entry.account!r} is not a valid account name")
        if entry.account in seen:
            raise OptionsError(f"beneficiary {entry.account!r} is listed twice")
        seen.add(entry.account)
        weight = entry.weight
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int)
            or not 1 <= weight <= FULL_WEIGHT
        ):
            raise OptionsError(
                f"beneficiary {entry.account!r} weight {weight!r} must be 1..{FULL_WEIGHT}"
            )
        total += weight
    if total > FULL_WEIGHT:
        raise OptionsError(f"beneficiary weights add up to {total}; at most {FULL_WEIGHT} (100 %)")
    listed = [{"account": entry.account, "weight": entry.weight} for entry in entries]
    return [[0, {"beneficiaries": listed}]]


def max_payout(ctx: MappingContext, payout: str | None = None) -> str:
    """``max_accepted_payout`` for the configured payout, checked against the dollar symbol."""
    if (payout or ctx.payout) == "decline":
        return f"0.000 {ctx.sbd_symbol}"
    match = _ASSET.match(ctx.max_accepted_payout or "")
    if not match or match.group("symbol") != ctx.sbd_symbol:
        raise OptionsError(
            f"max_accepted_payout {ctx.max_accepted_payout!r} must look like "
            f"'1000000.000 {ctx.sbd_symbol}'"
        )
    return ctx.max_accepted_payout


def build_comment_options(
    author: str,
    permlink: str,
    ctx: MappingContext,
    payout: str | None = None,
    beneficiaries: Iterable[Beneficiary] | None = None,
) -> dict[str, Any]:
    """The comment_options payload; raises OptionsError with an actionable message.

    ``payout`` and ``beneficiaries`` are per-post overrides of the site's settings.
    """
    chosen = payout or ctx.payout
    if chosen not in PAYOUT_PERCENT:
        raise OptionsError(f"payout {chosen!r} is unknown; use one of {', '.join(PAYOUT_PERCENT)}")
    return {
        "author": author,
        "permlink": permlink,
        "max_accepted_payout": max_payout(ctx, chosen),
        ctx.percent_key: PAYOUT_PERCENT[chosen],
        "allow_votes": True,
        "allow_curation_rewards": True,
        "extensions": beneficiaries_extension(
            ctx.beneficiaries if beneficiaries is None else beneficiaries
        ),
    }
