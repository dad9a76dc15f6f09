"""Invisible characters in display text (titles, previews): what is dropped and what is kept.

A title is shown on every frontend, so characters that change how the rest of it is displayed
without being visible themselves are a spoofing vector: the bidi controls (U+202E makes
"gpj.exe" read "exe.jpg"), zero-width spaces and joiners that make two titles look alike, the
BOM, the soft hyphen and the other format characters (Unicode category Cf), the C0/C1 control
characters and the Hangul filler letters that render as nothing.

Dropped always: bidi controls (U+061C, U+200E/F, U+202A-202E, U+2066-2069), every other Cf and
Cc character, and the invisible fillers in ``_INVISIBLE_LETTERS``.

Kept, because real text needs them (and only where it needs them):

* ZWJ U+200D between two pictographs (emoji ZWJ sequences: 👩‍💻, 🏳️‍🌈, 👩🏽‍💻). "Pictograph"
  is a symbol of category So, or an emoji presentation selector/skin tone modifier before the
  joiner; this is a stand-in for Extended_Pictographic, which ``unicodedata`` does not expose.
* ZWNJ U+200C and ZWJ between two letters or marks of Arabic-script or Indic text, where they
  are spelling (Persian "می‌خواهم", Devanagari half forms), not decoration.
* Tag characters U+E0020-E007F right after U+1F3F4 or another tag character (subdivision flags
  such as 🏴󠁧󠁢󠁥󠁮󠁧󠁿).
"""

from __future__ import annotations

import re
import unicodedata

ZWNJ = "\u200c"
ZWJ = "\u200d"
BLACK_FLAG = "\U0001f3f4"
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
# Letters (Lo) that render as blank space and are used for "empty" names and titles.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u17b4\u17b5\u3164\uffa0")
_INVISIBLE_LETTER = re.compile(f"[{''.join(sorted(_INVISIBLE_LETTERS))}]")
_EMOJI_PRESENTATION = "\ufe0f"
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_TAG_CHARACTERS = range(0xE0020, 0xE0080)
# Scripts whose spelling uses ZWNJ/ZWJ between letters: Arabic (with Syriac, Thaana, NKo and
# the supplements and presentation forms) and the Indic scripts from Devanagari to Sinhala.
_JOINING_SCRIPTS = (range(0x0600, 0x0E00), range(0xFB50, 0xFE00), range(0xFE70, 0xFEFF))


# ASCII characters dropped: the C0 controls and DEL that are not whitespace (str.isspace() is
# true for \t-\r and \x1c-\x1f).
_ASCII_DROPPED = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def _may_drop(text: str) -> bool:
    """False when nothing in ``text`` can be dropped: outside whitespace, every character is
    printable (``str.isprintable`` is false for every Cc and Cf character) and none is a
    filler letter. Cheap C-level scans; the caller walks the text only when this is True."""
    printable = text.isprintable() or " ".join(text.split()).isprintable()
    return not printable or _INVISIBLE_LETTER.search(text) is not None


def strip_invisible(text: str) -> str:
    """``text`` without bidi controls, zero-width and other invisible format characters.

    Whitespace, control or not, is left for the caller to collapse (it separates words).
    C-level scans decide; only text holding such a character is walked one character at
    a time (the joiners' neighbours decide whether they stay).
    """
    if text.isascii():
        return text if text.isprintable() else _ASCII_DROPPED.sub("", text)
    if not _may_drop(text):
        return text
    kept: list[str] = []
    for index, char in enumerate(text):
        following = text[index + 1] if index + 1 < len(text) else ""
        if _keeps(char, kept[-1] if kept else "", following):
            kept.append(char)
    return "".join(kept)


def _keeps(char: str, previous: str, following: str) -> bool:
    if char.isspace():
        return True  # whitespace (also NEL, a C1 control): the caller collapses it to a space
    if char in _INVISIBLE_LETTERS or char in BIDI_CONTROLS:
        return False
    category = unicodedata.category(char)
    if category not in ("Cf", "Cc"):
        return True
    if char == ZWJ and _pictograph_before(previous) and _is_pictograph(following):
        return True
    if char in (ZWJ, ZWNJ) and _joining_letter(previous) and _joining_letter(following):
        return True
    return ord(char) in _TAG_CHARACTERS and (previous == BLACK_FLAG or
                                             (previous != "" and ord(previous) in _TAG_CHARACTERS))


def _is_pictograph(char: str) -> bool:
    return bool(char) and unicodedata.category(char) == "So"


def _pictograph_before(char: str) -> bool:
    return _is_pictograph(char) or char == _EMOJI_PRESENTATION or (
        bool(char) and ord(char) in _SKIN_TONES)


def _joining_letter(char: str) -> bool:
    if not char or unicodedata.category(char)[0] not in "LM":
        return False
    return any(ord(char) in script for script in _JOINING_SCRIPTS)
