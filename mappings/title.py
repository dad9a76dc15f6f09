"""Post titles: plain text, HTML-unescaped, under steemd's 256-byte limit.

steemd checks ``title.size() < 256`` in bytes, so a title is cut on a UTF-8 code point
boundary (CJK and emoji stay intact) and marked with an ellipsis when shortened.
"""

from __future__ import annotations

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
    title = html_to_text(title_raw or "")
    if not title:
        excerpt = collapse_whitespace(fallback_text or "")
        title = cut_chars(excerpt, TITLE_FROM_TEXT_CHARS) if excerpt else FALLBACK_TITLE
        notes.append(f"title was empty; used {title!r}")
    if len(title.encode("utf-8")) > MAX_TITLE_BYTES:
        room = MAX_TITLE_BYTES - len(ELLIPSIS.encode("utf-8"))
        title = cut_utf8(title, room).rstrip() + ELLIPSIS
        notes.append(f"title cut to {MAX_TITLE_BYTES} bytes (steemd limit)")
    return title, notes
