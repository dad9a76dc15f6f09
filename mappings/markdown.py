"""The ``markdown`` body format: cleaned post HTML converted with markdownify.

Conversion runs on the already cleaned HTML (same allow-list, same URLs), so both formats carry
the same content. Choices made for Steem frontends (remarkable with sub/sup/del rules): ATX
headings, "-" bullets, fenced code, ``<sup>``/``<sub>`` (links inside them stay links), ``~~del~~``, Markdown-significant
characters escaped (including ``<`` so text like "<div>" is not read as HTML), and images kept
inside links, table cells, list items and headings. Markup Markdown has no syntax for
(``center``) is kept as text.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdownify import MarkdownConverter

_BLANK_LINES = re.compile(r"\n{3,}")
_BLANK_LINE_RUNS = re.compile(r"\n(?:[ \t]*\n)+")
_INLINE_IMAGE_PARENTS = ["a", "td", "th", "li", "p", "h1", "h2", "h3", "h4", "h5", "h6",
                         "strong", "b", "em", "i", "center", "blockquote"]  # fmt: skip


class _SteemConverter(MarkdownConverter):
    """Fenced code unless the code holds ``<``: frontends strip ``<!-- -->`` and ``<?php ?>``
    from the Markdown source before parsing, even inside fences, so such code is written as an
    escaped ``<pre>`` block (blank lines as ``&#10;`` so the HTML block does not end early)."""

    def convert_pre(self, el: Any, text: str, parent_tags: set[str]) -> str:
        code = el.get_text()
        if "<" not in code:
            # markdownify's stub leaves out the convert_<tag> methods the class has
            fenced: str = super().convert_pre(el, text, parent_tags)  # type: ignore[misc]
            return fenced
        escaped = _BLANK_LINE_RUNS.sub(_encoded_newlines, html.escape(code, quote=False))
        return f"\n\n<pre><code>{escaped.strip(chr(10))}</code></pre>\n\n"


def _encoded_newlines(match: re.Match[str]) -> str:
    return "\n" + "&#10;" * (match.group(0).count("\n") - 1)


_CONVERTER = _SteemConverter(
    heading_style="ATX",
    bullets="-",
    escape_misc=True,
    sup_symbol="<sup>",
    sub_symbol="<sub>",
    strip_document="strip",
    keep_inline_images_in=_INLINE_IMAGE_PARENTS,
)


def html_to_markdown(markup: str) -> str:
    """Markdown for cleaned ``markup``: no trailing spaces, at most one blank line in a row."""
    converted = _CONVERTER.convert(markup)
    lines = [line.rstrip() for line in converted.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
