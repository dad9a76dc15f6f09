"""Post titles: plain text, HTML-unescaped, under steemd's 256-byte limit.

steemd checks ``title.size() < 256`` in bytes, so a title is cut on a UTF-8 code point
boundary (CJK and emoji stay intact) and marked with an ellipsis when shortened. Bidi controls,
zero-width and other invisible characters are dropped (a display-spoofing vector on every
frontend); ``mappings.invisible`` says which ones and where emoji and Persian/Indic spelling keep
their joiners.
"""

from __future__ import annotations

from mappings.invisible import ZWJ, ZWNJ, strip_invisible
from mappings.text import collapse_whitespace, cut_chars, cut_utf8, html_to_text

MAX_TITLE_BYTES = 255
ELLIPSIS = "…"
FALLBACK_TITLE = "Untitled"
TITLE_FROM_TEXT_CHARS = 80


def clean_title(title_raw: str, fallback_text: str) -> tuple[str, list[str]]:
    """The chain title for a post and notes about what was changed.

    ``title_raw`` may hold entities and inline markup; both are reduced to text. An empty
    title becomes the start of ``fallback_text`` (the excerpt), else "Untitled".
    """
    notes: list[str] = []
    text = html_to_text(title_raw or "")
    title = collapse_whitespace(strip_invisible(text))
    if title != text:  # html_to_text already collapsed whitespace: something was dropped
        notes.append("title: removed invisible or text-direction control characters")
    if not title:
        excerpt = collapse_whitespace(strip_invisible(fallback_text or ""))
        title = cut_chars(excerpt, TITLE_FROM_TEXT_CHARS) if excerpt else FALLBACK_TITLE
        notes.append(f"title was empty; used {title!r}")
    if len(title.encode("utf-8")) > MAX_TITLE_BYTES:
        room = MAX_TITLE_BYTES - len(ELLIPSIS.encode("utf-8"))
        # a cut inside an emoji or Persian word may leave a joiner with nothing to join
        title = cut_utf8(title, room).rstrip(" " + ZWJ + ZWNJ) + ELLIPSIS
        notes.append(f"title cut to {MAX_TITLE_BYTES} bytes (steemd limit)")
    return title, notes
