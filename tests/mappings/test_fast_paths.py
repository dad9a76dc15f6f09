"""The mapping's fast paths give exactly what the slow ones give (issue 13, mapping at the floor).

``strip_invisible`` walks text one character at a time only when a cheap scan finds something
it may drop; the description reads only a prefix of the excerpt or body when that prefix
settles its first 160 characters. Both are checked against the full computation.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings import invisible
from mappings.metadata import _preview_text, description_text
from mappings.text import collapse_whitespace, cut_chars, html_to_text

ALPHABET = st.sampled_from(list(
    "ab \n\t\x1c\x85\u00a0\u2028\u3000中文\u200b\u200c\u200d\u202e\u2066\ufeff\u00ad\u3164"
    "\u115f\U0001f469\U0001f3fb\ufe0f\U0001f3f4\U000e0067\U000e007f\u0645\u06cc\u0915\u094d"
    "\x00\x07\x7f\x1b\ue000"))


def _walked(text: str) -> str:
    kept: list[str] = []
    for index, char in enumerate(text):
        following = text[index + 1] if index + 1 < len(text) else ""
        if invisible._keeps(char, kept[-1] if kept else "", following):
            kept.append(char)
    return "".join(kept)


@settings(max_examples=400)
@given(st.text(ALPHABET, max_size=40))
def test_strip_invisible_fast_path_equals_the_character_walk(text: str) -> None:
    assert invisible.strip_invisible(text) == _walked(text)


def _whole(excerpt: str, body: str) -> str:
    """The description computed over the whole markup (the definition)."""
    import re

    more = re.compile(r"\s*\[(?:…|\.\.\.)\]\s*$")
    text = _preview_text(more.sub("", html_to_text(excerpt)))
    if not text:
        text = _preview_text(html_to_text(body))
    return invisible.strip_invisible(cut_chars(collapse_whitespace(text), 160))


PIECES = st.sampled_from([
    "<p>", "</p>", "word ", "长文本内容", " ", "\n", "<!-- note -->", "<script>x()</script>",
    "&amp;", "&nbsp;", "![alt](http://x/i.png)", "![open", "http://example.com/a ", "<a href=\"x\">",
    "</a>", "<table><tr><td>cell</td></tr></table>", "\u200d", "\U0001f469", "[…]", "<br>",
    "<strong>", "</strong>", "<td>t</td>",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=400), st.lists(PIECES, max_size=400))
def test_description_from_a_prefix_equals_the_whole(excerpt: list[str], body: list[str]) -> None:
    excerpt_html, body_html = "".join(excerpt), "".join(body)
    assert description_text(excerpt_html, body_html) == _whole(excerpt_html, body_html)
