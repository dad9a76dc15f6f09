"""Steem tags from WordPress tags, categories and site defaults.

Condenser-family rules: lowercase ``[a-z0-9-]``, starts with a letter, ends with a letter or
digit, at most one dash, at most 24 chars, unique, at most ``max_tags``. Chinese terms become
pinyin written together (区块链 -> qukuailian). A ``hive-NNNNNN`` community tag moves to the
front, because a community post's category must be the community. Every tag that does not
make it is reported with its reason, never dropped silently.

Which tags get the ``max_tags`` slots is decided by what the site means, not by the alphabet
(WordPress lists a post's terms by name, which puts Chinese terms last): the ``pinned`` leading
terms (the WordPress categories) first in their order, then the other terms by their site-wide
use count (most used first; unknown counts after known ones), ties in the order given, and
one-character tags ("x") after all of them. Duplicates after normalisation never take a slot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from mappings.permlink import transliterate
from mappings.text import valid_utf8

MAX_TAG_CHARS = 24
FALLBACK_TAG = "blog"
# WordPress's default category ("Uncategorized", zh_CN "未分类") is not a topic.
IGNORED_TAGS = frozenset({"uncategorized", "weifenlei"})

_SPACES_OR_UNDERSCORES = re.compile(r"[\s_]+")
_NOT_TAG_CHARS = re.compile(r"[^a-z0-9-]")
_DASH_RUN = re.compile(r"-{2,}")
_COMMUNITY_TAG = re.compile(r"^hive-[0-9]{1,7}$")


@lru_cache(maxsize=4096)  # a site's term names recur in post after post
def normalize_tag(name: str) -> str:
    """Best ASCII tag spelling of a WordPress term name (may still be invalid)."""
    text = transliterate(valid_utf8(name).strip(), separator="").lower()
    text = _SPACES_OR_UNDERSCORES.sub("-", text)
    text = _NOT_TAG_CHARS.sub("", text)
    return _DASH_RUN.sub("-", text).strip("-")


def tag_problem(tag: str) -> str:
    """Why ``tag`` cannot be a Steem tag, or "" when it can."""
    if not tag:
        return "no letters or digits left"
    if not tag[0].isalpha():
        return "must start with a letter"
    if tag.count("-") > 1:
        return "more than one dash"
    if len(tag) > MAX_TAG_CHARS:
        return f"longer than {MAX_TAG_CHARS} characters"
    return ""


def map_tags(
    names: Iterable[str],
    max_tags: int,
    fallback: str = FALLBACK_TAG,
    tag_map: dict[str, str] | None = None,
    *,
    counts: Sequence[int | None] = (),
    pinned: int = 0,
) -> tuple[list[str], list[str]]:
    """Steem tags (category first) and notes about every term that was dropped or changed.

    ``tag_map`` (lowercased WordPress term -> Steem tag) is the site's own spelling for terms,
    e.g. 区块链 -> blockchain; terms not in it are transliterated. ``counts`` (aligned with
    ``names``, None or missing = unknown) are the terms' site-wide use counts and ``pinned`` the
    number of leading names that keep their place; together they rank the terms for the slots.
    """
    accepted: list[str] = []
    ranks: dict[str, tuple[int, int, int, int]] = {}
    notes: list[str] = []
    limit = max(int(max_tags), 1)
    community: str | None = None
    for position, name in enumerate(names):
        if name is None or name == "":
            continue
        mapped = tag_map.get(str(name).strip().lower()) if tag_map else None
        tag, problem, is_community = _checked_tag(mapped if mapped else str(name))
        if problem:
            notes.append(f"tag {name!r} dropped: {problem}")
            continue
        if tag in ranks:  # one chain tag: it ranks as its best-ranked term
            ranks[tag] = min(ranks[tag], _rank(tag, position, counts, pinned))
            if tag != str(name):
                notes.append(f"tag {name!r} dropped: same as {tag!r}")
            continue
        if is_community:
            if community is not None:
                notes.append(f"tag {name!r} dropped: a post belongs to one community only")
                continue
            community = tag
        accepted.append(tag)
        ranks[tag] = _rank(tag, position, counts, pinned)
    accepted = sorted(accepted, key=ranks.__getitem__)
    if community is not None:  # the community tag first: it is the post's category
        accepted = [community, *(tag for tag in accepted if tag != community)]
    for dropped in accepted[limit:]:
        notes.append(f"tag {dropped!r} dropped: more than {limit} tags")
    accepted = accepted[:limit]
    if not accepted:
        accepted = [fallback]
        notes.append(f"no usable tags; using {fallback!r}")
    return accepted, notes


def _rank(tag: str, position: int, counts: Sequence[int | None],
          pinned: int) -> tuple[int, int, int, int]:  # fmt: skip
    """Sort key: pinned terms in order, then by use count, one-character tags last."""
    if position < pinned:
        return (0, 0, 0, position)
    count = counts[position] if position < len(counts) else None
    return (1, int(len(tag) == 1), -(count if isinstance(count, int) else 0), position)


@lru_cache(maxsize=4096)  # a site's term names recur in post after post
def _checked_tag(spelling: str) -> tuple[str, str, bool]:
    """The chain tag of a term's spelling, why it cannot be one ("" when it can), and whether
    it names a community."""
    tag = normalize_tag(spelling)
    problem = "WordPress default category" if tag in IGNORED_TAGS else tag_problem(tag)
    return tag, problem, bool(_COMMUNITY_TAG.match(tag))


def with_community(tags: list[str], community: str, max_tags: int) -> tuple[list[str], list[str]]:
    """Tags with the configured ``hive-NNNNNN`` community first (it is the post's category)."""
    if not community:
        return tags, []
    if not _COMMUNITY_TAG.match(community):
        return tags, [f"community {community!r} ignored: it must look like hive-123456"]
    rest = [t for t in tags if not _COMMUNITY_TAG.match(t)]
    notes = [f"tag {t!r} dropped: the site posts to {community}" for t in tags
             if _COMMUNITY_TAG.match(t) and t != community]  # fmt: skip
    return [community, *rest][: max(int(max_tags), 1)], notes


def with_category_first(tags: list[str], category: str, max_tags: int) -> list[str]:
    """Tags for an edit: the category of the chain post stays first (it cannot change)."""
    rest = [t for t in tags if t != category]
    return [category, *rest][: max(int(max_tags), 1)]
