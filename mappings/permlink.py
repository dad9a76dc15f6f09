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

from bridge.model import content_hash

MAX_PERMLINK_BYTES = 255
SUFFIX_LENGTH = 8
FALLBACK_SLUG = "post"

_NOT_PERMLINK_CHARS = re.compile(r"[^a-z0-9]+")
_BASE36_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_PERCENT_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
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


class _LazyPinyin:
    """``pypinyin.lazy_pinyin`` with its defaults (plain style, no v-to-u, no neutral-tone 5,
    no tone sandhi), read straight from pypinyin's dictionaries and word segmenter.

    pypinyin routes every word through a chain of converter hooks (all no-ops with these
    defaults) and converts every syllable's style anew; here a word's first readings come from
    the phrase dictionary (else each character's first reading) and each syllable's plain form
    is converted once (a bounded set: about 1,500 syllables), a lone character's once for the
    character. Tested equal to ``lazy_pinyin`` on every character of its dictionary, a sample
    of its phrases and mixed text.
    """

    def __init__(self) -> None:
        from pypinyin import Style  # imported lazily: its dictionaries are big
        from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS
        from pypinyin.seg.mmseg import seg
        from pypinyin.style import convert

        self._phrases, self._words = PHRASES_DICT, seg
        # RE_HANS is "^(?:[<the characters with pinyin>])+$": the same class, as runs
        self._runs = re.compile("(" + RE_HANS.pattern.removeprefix("^").removesuffix("$") + ")")

        class PlainSyllables(dict[str, str]):
            def __missing__(self, reading: str) -> str:
                plain = str(convert(reading, Style.NORMAL, True, default=reading))
                self[reading] = plain
                return plain

        class PlainCharacters(dict[str, str]):
            """A character outside a phrase: its first reading's plain form (a character
            without pinyin is its own reading, as pypinyin's default errors="default" has it)."""

            def __missing__(self, character: str) -> str:
                readings = PINYIN_DICT.get(ord(character))
                plain = syllables[readings.split(",", 1)[0] if readings else character]
                self[character] = plain
                return plain

        syllables = PlainSyllables()
        self._plain, self._plain_characters = syllables, PlainCharacters()

    def lazy_pinyin(self, text: str) -> list[str]:
        """Each Chinese character's reading (in context of its word), other text as is."""
        syllables: list[str] = []
        pieces = self._runs.split(text)  # other text, Chinese run, other text, ...
        for index, piece in enumerate(pieces):
            if index % 2 == 0:
                if piece:
                    syllables.append(piece)
                continue
            for word in self._words.cut(piece):
                phrase = self._phrases.get(word)
                if phrase is None:
                    syllables.extend(map(self._plain_characters.__getitem__, word))
                else:
                    syllables.extend([self._plain[choices[0]] for choices in phrase])
        return syllables


@lru_cache(maxsize=1)
def _pinyin() -> _LazyPinyin:
    return _LazyPinyin()


def percent_decoded(text: str) -> str:
    """``urllib.parse.unquote(text)``, each run of %XX escapes decoded at once (one regex
    match and one ``bytes.fromhex``, not a dictionary lookup per escape): a run ends at a
    literal character, which a UTF-8 decoder reads on its own, so decoding run by run reads
    as decoding the whole (invalid sequences become U+FFFD as there)."""
    if "%" not in text:
        return text
    return _PERCENT_ESCAPE_RUN.sub(_decoded_run, text)


def _decoded_run(run: re.Match[str]) -> str:
    return bytes.fromhex(run.group().replace("%", "")).decode("utf-8", "replace")


def slugify(text: str) -> str:
    """Lowercase ``[a-z0-9-]`` slug of any text, dashes collapsed and trimmed (may be empty)."""
    return _NOT_PERMLINK_CHARS.sub("-", transliterate(text).lower()).strip("-")


def _is_meaningful(slug: str) -> bool:
    # WordPress falls back to the numeric post id or "untitled"-like slugs; digits alone say nothing.
    return any(ch.isalpha() for ch in slug)


def readable_slug(wp_slug: str, title: str) -> str:
    """The readable part of the permlink: from the WordPress slug if meaningful, else the title."""
    from_slug = slugify(percent_decoded(wp_slug or ""))
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
