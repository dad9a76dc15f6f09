"""Small text helpers shared by the post mappings: UTF-8 safety, HTML-to-text, byte-exact cuts.

Everything here is pure and total: any ``str`` in, a ``str`` out, no exceptions.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same characters as bytes: ASCII, so in UTF-8 they are single bytes that never occur
# inside a multi-byte sequence, and ``bytes.translate`` finds them in one C-level scan.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_LOWERED_CONTROLS_AS_NUL = bytes(
    0 if byte in _CONTROL_BYTES else byte + 32 if 0x41 <= byte <= 0x5A else byte
    for byte in range(256))  # fmt: skip
_NON_ASCII_BYTES = bytes(range(0x80, 0x100))
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_HIDDEN_CONTENT_TAGS = {
    "script",
    "style",
    "template",
    "noscript",
    "iframe",
    "object",
    "svg",
    "math",
}


def valid_utf8(value: object) -> str:
    """Return ``value`` as text encodable as UTF-8 (lone surrogates become U+FFFD) without C0
    controls; None is "" and any other non-text its ``str()`` (JSON fields are not always text).

    steemd rejects bodies/titles that are not valid UTF-8; Python strings decoded from JSON
    can still hold lone surrogates, which would make ``str.encode`` raise later.
    """
    text, encoded = _encodable(value)
    if len(encoded.translate(None, _CONTROL_BYTES)) == len(encoded):
        return text  # the common case: no control character, the text itself
    return _CONTROL_CHARS.sub("", text)


def valid_utf8_and_ascii(value: object) -> tuple[str, bytes]:
    """``valid_utf8(value)`` and its ASCII characters, letters lowercased (as HTML compares tag
    and attribute names), for callers that look for ASCII names case-insensitively. One table
    pass drops the rest (in Chinese text, most of the bytes), lowers the letters and turns the
    controls to NUL, so one byte search tells whether there were any."""
    text, encoded = _encodable(value)
    ascii_lowered = encoded.translate(_LOWERED_CONTROLS_AS_NUL, _NON_ASCII_BYTES)
    if 0 not in ascii_lowered:
        return text, ascii_lowered
    text = _CONTROL_CHARS.sub("", text)
    return text, text.encode("utf-8").translate(_LOWERED_CONTROLS_AS_NUL, _NON_ASCII_BYTES)


def _encodable(value: object) -> tuple[str, bytes]:
    """``value`` as text without lone surrogates, and its UTF-8 encoding."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    try:
        return text, text.encode("utf-8")  # fast C check; only lone surrogates need the regex
    except UnicodeEncodeError:
        text = _LONE_SURROGATE.sub("\ufffd", text)
        return text, text.encode("utf-8")


def collapse_whitespace(text: str) -> str:
    """Collapse every whitespace run (incl. no-break spaces) into one space and trim.

    ``str.split()`` splits at the characters ``str.isspace`` names (the same as the regex
    ``\\s`` of a str pattern, U+00A0 included) in one C-level scan."""
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _text_cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(tags=set(), clean_content_tags=_HIDDEN_CONTENT_TAGS)


# The only markup of a WordPress excerpt or title, most of the time.
_PARAGRAPH_TAGS = ("<p>", "</p>", "<br>", "<br />", "<br/>")


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment, entities decoded, whitespace collapsed.

    Markup whose only tags are paragraphs and line breaks, with no entity, is read without the
    sanitizer: it drops such tags without adding space, which removing them does too."""
    text = valid_utf8(fragment)
    if "&" not in text:
        plain = text
        for tag in _PARAGRAPH_TAGS:
            if tag in plain:
                plain = plain.replace(tag, "")
        if "<" not in plain:
            return collapse_whitespace(plain)
    return collapse_whitespace(html.unescape(_text_cleaner().clean(text)))


def cut_utf8(text: str, max_bytes: int) -> str:
    """Longest prefix of ``text`` whose UTF-8 encoding fits in ``max_bytes`` (whole code points)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    # errors="ignore" drops only the trailing partial sequence, never a complete code point.
    return encoded[: max(max_bytes, 0)].decode("utf-8", "ignore")


def cut_chars(text: str, max_chars: int, ellipsis: str = "…") -> str:
    """Cut ``text`` to ``max_chars`` characters, ending with ``ellipsis`` when something was cut."""
    if len(text) <= max_chars:
        return text
    kept = text[: max(max_chars - len(ellipsis), 0)]
    word_break = kept.rfind(" ")
    # Prefer a word boundary when one is close (Latin text); CJK text has none and is cut as is.
    if word_break > 0 and word_break >= len(kept) - 20:
        kept = kept[:word_break]
    return kept.rstrip() + ellipsis
