"""The ``markdown`` body format: cleaned post HTML converted with markdownify.

Conversion runs on the already cleaned HTML (same allow-list, same URLs), so both formats carry
the same content. Choices made for Steem frontends (remarkable with sub/sup/del rules): ATX
headings, "-" bullets, fenced code, ``^sup^``/``~sub~``/``~~del~~``, Markdown-significant
characters escaped (including ``<`` so text like "<div>" is not read as HTML), and images kept
inside links, table cells, list items and headings. Markup Markdown has no syntax for
(``center``) is kept as text.
"""

from __future__ import annotations

import re

from markdownify import MarkdownConverter

_BLANK_LINES = re.compile(r"\n{3,}")
_INLINE_IMAGE_PARENTS = ["a", "td", "th", "li", "p", "h1", "h2", "h3", "h4", "h5", "h6",
                         "strong", "b", "em", "i", "center", "blockquote"]  # fmt: skip

_CONVERTER = MarkdownConverter(
    heading_style="ATX",
    bullets="-",
    escape_misc=True,
    sup_symbol="^",
    sub_symbol="~",
    strip_document="strip",
    keep_inline_images_in=_INLINE_IMAGE_PARENTS,
)


def html_to_markdown(markup: str) -> str:
    """Markdown for cleaned ``markup``: no trailing spaces, at most one blank line in a row."""
    converted = _CONVERTER.convert(markup)
    lines = [line.rstrip() for line in converted.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
