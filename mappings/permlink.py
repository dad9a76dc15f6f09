"""Permlinks for new posts: a readable slug plus a deterministic per-post suffix.

The slug comes from the WordPress slug when it carries meaning (WordPress percent-encodes CJK
slugs, so it is decoded and transliterated first), else from the title; Chinese is written
in pinyin. The suffix is derived from (site id, post id) only, so the same post always gets
the same permlink and two posts never share one: a repost with the same title can never turn
into an edit of an older post (beem#179).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from bridge.model import content_hash

MAX_PERMLINK_BYTES = 255
SUFFIX_LENGTH = 8
FALLBACK_SLUG = "post"

_NOT_PERMLINK_CHARS = re.compile(r"[^a-z0-9]+")
_BASE36_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_HAS_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def transliterate(text: str, separator: str = "-") -> str:
    """ASCII rendering of ``text``: Chinese as pinyin (joined by ``separator``), accents dropped.

    Characters with no ASCII rendering (e.g. Cyrillic) are dropped; callers fall back when
    nothing meaningful is left.
    """
    if _HAS_CJK.search(text):
        text = separator.join(_pinyin().lazy_pinyin(text))
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=1)
def _pinyin() -> Any:
    """``pypinyin.lazy_pinyin`` as one object, each syllable's style conversion done once.

    pypinyin builds its converter on every call and converts every syllable of every text
    through its chain of style rules; with ``lazy_pinyin``'s defaults (plain style, no v-to-u,
    no neutral-tone 5, no tone sandhi) the conversion depends on the syllable alone, so it is
    remembered per syllable (a bounded set: about 1,500 in pypinyin's dictionaries).
    """
    from pypinyin.converter import UltimateConverter  # imported lazily: its dictionary is big
    from pypinyin.core import Pinyin

    class SyllableMemo(UltimateConverter):
        def __init__(self) -> None:
            super().__init__()
            self.converted: dict[tuple[str, Any, bool], str] = {}

        def convert_style(self, han: str, orig_pinyin: str, style: Any, strict: bool,
                          **kwargs: Any) -> str:
            key = (orig_pinyin, style, strict)
            if kwargs or key not in self.converted:
                converted = super().convert_style(han, orig_pinyin, style, strict, **kwargs)
                if kwargs:
                    return str(converted)
                self.converted[key] = converted
            return self.converted[key]

    return Pinyin(SyllableMemo())


def slugify(text: str) -> str:
    """Lowercase ``[a-z0-9-]`` slug of any text, dashes collapsed and trimmed (may be empty)."""
    return _NOT_PERMLINK_CHARS.sub("-", transliterate(text).lower()).strip("-")


def _is_meaningful(slug: str) -> bool:
    # WordPress falls back to the numeric post id or "untitled"-like slugs; digits alone say nothing.
    return any(ch.isalpha() for ch in slug)


def readable_slug(wp_slug: str, title: str) -> str:
    """The readable part of the permlink: from the WordPress slug if meaningful, else the title."""
    from_slug = slugify(unquote(wp_slug or ""))
    if _is_meaningful(from_slug):
        return from_slug
    from_title = slugify(title or "")
    if _is_meaningful(from_title):
        return from_title
    return FALLBACK_SLUG


def permlink_suffix(site_id: str, object_id: str) -> str:
    """Deterministic base36 suffix (8 chars) unique per (site, post)."""
    number = int(content_hash((site_id, object_id)), 16) % (36**SUFFIX_LENGTH)
    digits = []
    for _ in range(SUFFIX_LENGTH):
        number, remainder = divmod(number, 36)
        digits.append(_BASE36_DIGITS[remainder])
    return "".join(reversed(digits))


def make_permlink(wp_slug: str, title: str, site_id: str, object_id: str) -> str:
    """``<readable-slug>-<suffix>``, at most 255 bytes; only the slug part is ever shortened."""
    suffix = permlink_suffix(site_id, object_id)
    room = MAX_PERMLINK_BYTES - len(suffix) - 1
    slug = readable_slug(wp_slug, title)[:room].strip("-") or FALLBACK_SLUG
    return f"{slug}-{suffix}"
