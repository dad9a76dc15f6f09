"""Effective settings for one post: site settings (``MappingContext``) plus per-post overrides.

Per-post overrides are the post meta the companion plugin registers: ``steem_opt_out``,
``steem_tags`` ("a,b,c", replacing the post's WordPress tags and categories, in the author's
order),
``steem_beneficiaries`` ("account:basis_points,...", replacing the site's list) and
``steem_payout`` ("50/50" | "power_up" | "decline"; empty = site default).

Newer site settings are read with ``getattr`` and a default, so an older ``MappingContext``
still works: ``tags_from`` ("tags" | "categories" | "both": categories first, as the post's
topic), ``tag_map`` (pairs WordPress term -> Steem tag, steem4wp-style), ``append_default_tags``,
``community`` ("hive-NNNNNN"), ``header_template``, ``oversize`` ("truncate" | "fail") and
``disclose_beneficiaries``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bridge.model import Beneficiary, MappingContext, PostRecord

PAYOUTS = ("50/50", "power_up", "decline")
# The post meta a post's mapping reads (its per-post overrides; mappings.posts reads the opt-out).
OVERRIDE_META_KEYS = ("steem_tags", "steem_payout", "steem_beneficiaries", "steem_opt_out")
TRUE_STRINGS = {"1", "true", "yes", "on"}
_LIST_SEPARATORS = re.compile(r"[,\uff0c\s]+")  # ASCII comma, full-width comma, whitespace


class SettingsError(ValueError):
    """A per-post override that cannot be used as written."""


@dataclass(frozen=True)
class PostSettings:
    tag_names: tuple[str, ...]
    tag_counts: tuple[int | None, ...]  # site-wide use counts aligned with tag_names
    pinned_terms: int  # leading tag_names (categories) that rank before the rest
    tags_overridden: bool
    default_tags: tuple[str, ...]
    append_default_tags: bool
    tag_map: dict[str, str]
    community: str
    beneficiaries: tuple[Beneficiary, ...]
    payout: str
    header_template: str
    footer_template: str
    oversize: str
    disclose_beneficiaries: bool


def is_true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in TRUE_STRINGS
    return bool(value)


def parse_beneficiaries(text: str) -> tuple[Beneficiary, ...]:
    """``"alice:500,bob:250"`` -> beneficiaries (validation happens in mappings.options)."""
    entries = []
    for item in _LIST_SEPARATORS.split(text.strip()):
        if not item:
            continue
        account, separator, weight = item.partition(":")
        if not separator or not weight.isdigit():
            raise SettingsError(f"steem_beneficiaries entry {item!r} must look like account:500")
        entries.append(Beneficiary(account.strip().lower(), int(weight)))
    return tuple(entries)


def _source_terms(post: PostRecord, tags_from: str) -> tuple[tuple[str, ...],
                                                             tuple[int | None, ...], int]:
    """The post's terms as (names, use counts, how many leading ones are categories)."""
    tags, categories = tuple(post.tags or ()), tuple(post.categories or ())
    known = tuple(getattr(post, "tag_counts", ()) or ())[: len(tags)]
    tag_counts = known + (None,) * (len(tags) - len(known))
    if tags_from == "tags":
        return tags, tag_counts, 0
    if tags_from == "categories":
        return categories, (None,) * len(categories), len(categories)
    return categories + tags, (None,) * len(categories) + tag_counts, len(categories)


def _tag_map(pairs: Any) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in (pairs.items() if isinstance(pairs, dict) else pairs or ()):
        name, tag = pair
        mapping[str(name).strip().lower()] = str(tag).strip()
    return mapping


def post_settings(post: PostRecord, ctx: MappingContext) -> PostSettings:
    """Site settings with this post's overrides applied; raises SettingsError on bad meta."""
    meta = post.meta if isinstance(post.meta, dict) else {}
    override_tags = str(meta.get("steem_tags") or "").strip()
    payout = str(meta.get("steem_payout") or "").strip() or ctx.payout
    if payout not in PAYOUTS:
        raise SettingsError(f"steem_payout {payout!r} is unknown; use one of {', '.join(PAYOUTS)}")
    override_beneficiaries = str(meta.get("steem_beneficiaries") or "").strip()
    names, counts, pinned = _source_terms(post, str(getattr(ctx, "tags_from", "tags")))
    if override_tags:  # the author's own list: their order is the ranking
        names = tuple(_LIST_SEPARATORS.split(override_tags))
        counts, pinned = (), len(names)
    return PostSettings(
        tag_names=names,
        tag_counts=counts,
        pinned_terms=pinned,
        tags_overridden=bool(override_tags),
        default_tags=tuple(ctx.default_tags or ()),
        append_default_tags=bool(getattr(ctx, "append_default_tags", False)),
        tag_map=_tag_map(getattr(ctx, "tag_map", ())),
        community=str(getattr(ctx, "community", "") or ""),
        beneficiaries=parse_beneficiaries(override_beneficiaries) if override_beneficiaries
        else tuple(ctx.beneficiaries or ()),
        payout=payout,
        header_template=str(getattr(ctx, "header_template", "") or ""),
        footer_template=str(ctx.footer_template or ""),
        oversize=str(getattr(ctx, "oversize", "truncate") or "truncate"),
        disclose_beneficiaries=bool(getattr(ctx, "disclose_beneficiaries", False)),
    )  # fmt: skip
