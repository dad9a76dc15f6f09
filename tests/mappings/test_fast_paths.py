"""The mapping's fast paths give exactly what the slow ones give (issue 13, mapping at the floor).

Each is checked against the computation it replaces: ``strip_invisible``'s character walk, the
description read from a prefix, one sanitizer pass against two, tidy by lines against its regex
definition (and without blank lines against tidy then the proofing), empty elements, bare URLs
against the rewrite's tag walk, the footer against its substitution, the body's UTF-8 and ASCII
scan, canonical JSON against the encoder, the size bound against the byte-exact estimate.
"""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.model import _CANONICAL_ENCODER, canonical_json
from mappings import body, invisible, rewrite
from mappings.metadata import _preview_text, description_text
from mappings.size import MAX_TRANSACTION_BYTES, estimate_transaction_size, fits_in_a_transaction
from mappings.text import (
    collapse_whitespace,
    cut_chars,
    html_to_text,
    valid_utf8,
    valid_utf8_and_ascii,
)

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


_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_LEADING_SPACE = re.compile(r"\n[ \t]+")


def _tidy_by_regex(markup: str) -> str:
    """``tidy_lines`` as first written: regex passes over each part outside <pre> (the definition)."""
    parts = body._PRE_BLOCK.split(markup) if body._has_pre(markup) else [markup]
    last, tidied = len(parts) - 1, []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            part = _LEADING_SPACE.sub("\n", _TRAILING_SPACE.sub("\n", part))
            part = part.lstrip(" \t") if index == 0 else part
            part = re.sub(r"\n{3,}", "\n\n", part.rstrip(" \t") if index == last else part)
        tidied.append(part)
    return "".join(tidied).strip("\n")


@settings(max_examples=500)
@given(st.lists(st.sampled_from([" ", "\t", "\n", "a", "b c", "<pre>", "</pre>", "<PRE x>", "中"]),
                max_size=30))
def test_tidy_lines_by_lines_equals_the_regex_passes(pieces: list[str]) -> None:
    markup = "".join(pieces)
    assert body.tidy_lines(markup) == _tidy_by_regex(markup)


def _blank_lines_removed(markup: str) -> str:
    """What ``markdown_proof`` does to blank lines outside <pre>: each run becomes one newline."""
    parts = body._PRE_BLOCK.split(markup) if body._has_pre(markup) else [markup]
    for index in range(0, len(parts), 2):
        parts[index] = body._BLANK_LINE_RUNS.sub("\n", parts[index])
    return "".join(parts).strip("\n")


@settings(max_examples=500)
@given(st.lists(st.sampled_from([" ", "\t", "\n", "\n\n", "a", "b c", "<pre>", "</pre>",
                                 "<PRE x>", "中"]), max_size=30))  # fmt: skip
def test_tidy_without_blank_lines_is_tidy_then_the_markdown_proofing(pieces: list[str]) -> None:
    """``clean_html`` drops blank lines as it tidies: the html body is what it was (the
    proofing drops them anyway) and <pre> content keeps its own."""
    markup = "".join(pieces)
    without = body.tidy_lines(markup, keep_blank_lines=False)
    assert without == _blank_lines_removed(body.tidy_lines(markup))
    assert body.markdown_proof(without) == body.markdown_proof(body.tidy_lines(markup))


BASE = "https://blog.example/2024/05/post/"
# Headings are leaves: a heading inside another (through a wrapper) is the malformed case below.
WRAPPERS = ["p", "div", "span", "strong", "em", "figure", "section", "label", "center",
            "blockquote", "font", "SPAN", "B"]  # fmt: skip
LEAVES = st.sampled_from([
    "word", " ", "\n", "  indented", "长文本", "&amp;", "&nbsp;", "<br>", "<!-- note -->",
    "<script>x()</script>", '<img src="a.png" alt="a">', '<img src="https://cdn.example/i.jpg">',
    '<a href="https://example.com/x">link</a>', '<a href="../up">up</a>',
    "<h2>Heading</h2>", "<p>https://example.com/watch?v=1&amp;t=2</p>", "<p>https://cdn.example/photo.jpg</p>",
    '<a href="https://example.com/">https://example.com/</a>', "<hr>", "<pre>\n  code\n</pre>",
])


def _element(children: list[str], tag: str) -> str:
    return f"<{tag}>{''.join(children)}</{tag}>"


WELL_FORMED = st.recursive(
    LEAVES,
    lambda inner: st.builds(_element, st.lists(inner, max_size=4), st.sampled_from(WRAPPERS)),
    max_leaves=25,
)


def _two_passes(markup: str) -> str:
    return body.sanitize(rewrite.rewrite(body.sanitize(markup, BASE, strict=False)), BASE)


@settings(max_examples=400, deadline=None)
@given(st.lists(WELL_FORMED, max_size=6))
def test_one_sanitizer_pass_gives_what_two_give_when_nothing_is_rewritten(parts: list[str]) -> None:
    """Markup with nothing for the rewrite (no embeds, forms or hidden elements) is sanitized
    once; for well-nested markup that is byte for byte what the wide pass, the rewrite and the
    strict pass give (malformed nesting can differ: see the next test)."""
    markup = "".join(parts)
    assert not rewrite.needs_rewrite_pass(markup)
    assert rewrite.rewrite_bare_urls(body.sanitize(markup, BASE)) == _two_passes(markup)


@settings(max_examples=200, deadline=None)
@given(st.lists(WELL_FORMED, max_size=6))
def test_markdown_body_format_ignores_the_blank_lines_clean_html_drops(parts: list[str]) -> None:
    from mappings.markdown import html_to_markdown

    cleaned = rewrite.rewrite_bare_urls(body.sanitize("\n\n".join(parts), BASE))
    assert html_to_markdown(body.tidy_lines(cleaned, keep_blank_lines=False)) == html_to_markdown(
        body.tidy_lines(cleaned))


_EMPTY_ELEMENT = re.compile(  # as first written: one pattern for all three, "<" led
    r"<(?:img(?![^>]*\ssrc=)[^>]*>|p>(?:\s|&nbsp;|<br>)*</p>|div>(?:\s|&nbsp;|<br>)*</div>)")


def _without_empty_elements_by_one_pattern(markup: str) -> str:
    removed = 1
    while removed:
        markup, removed = _EMPTY_ELEMENT.subn("", markup)
    return markup


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<div>", "</div>", " ", "\n", "&nbsp;", "<br>",
                                 '<img alt="a">', '<img title="t" alt="">', "<img>", "text",
                                 '<img src="https://cdn.example/i.png" alt="i">', "<b>", "</b>"]),
                max_size=40))  # fmt: skip
def test_empty_elements_by_a_pattern_each_as_by_one(pieces: list[str]) -> None:
    """Images, paragraphs and divisions left empty go, nested ones too, as they went when one
    "<"-led pattern looked for all three (over the strict pass's output)."""
    cleaned = body.sanitize("".join(pieces), BASE)
    assert body.without_empty_elements(cleaned) == _without_empty_elements_by_one_pattern(cleaned)


def test_on_malformed_nesting_one_pass_keeps_the_tree_the_parser_built() -> None:
    """``<h2><font><h2>``: html5ever nests the second heading in the first (the font is
    between them); the sanitizer's output of that tree does not re-parse to itself, so a
    second pass splits the headings, as a browser reading the one pass's output would."""
    markup = "<h2>one<font><h2>two</h2></font></h2>"
    once = body.sanitize(markup, BASE)
    assert once == "<h2>one<h2>two</h2></h2>"
    assert _two_passes(markup) == body.sanitize(once, BASE) == "<h2>one</h2><h2>two</h2>"


def test_needs_rewrite_pass_sees_what_the_rewrite_reads_in_any_case() -> None:
    assert rewrite.needs_rewrite_pass('<IFRAME SRC="https://youtube.com/embed/x"></IFRAME>')
    assert rewrite.needs_rewrite_pass("<div HIDDEN>secret</div>")
    assert rewrite.needs_rewrite_pass('<span class="screen-reader-text">skip</span>')
    assert rewrite.needs_rewrite_pass('<div style="background-image:url(a.jpg)">x</div>')
    assert not rewrite.needs_rewrite_pass('<p class="has-text-align-center">plain</p>')


def test_relative_urls_resolve_against_each_calls_own_page() -> None:
    first = body.clean_html('<a href="x.html">x</a>', "https://s.example", "https://s.example/a/")
    second = body.clean_html('<a href="x.html">x</a>', "https://s.example", "https://s.example/b/")
    absolute = body.clean_html('<a href="https://o.example/x">x</a>', "https://s.example",
                               "https://s.example/a/")  # fmt: skip
    assert first.links == ["https://s.example/a/x.html"]
    assert second.links == ["https://s.example/b/x.html"]
    assert absolute.links == ["https://o.example/x"]


@settings(max_examples=1000)
@given(st.lists(st.sampled_from([
    "<p>", "</p>", "<br>", "<br />", "<br/>", "<p", "</", "<b>", "word", " ", "\n", "\r\n", "\t",
    "中文", ">", '"', "'", "\u00a0", "\u3000", "[…]", "http://x.example/a"]), max_size=30))
def test_html_to_text_without_the_sanitizer_equals_with_it(pieces: list[str]) -> None:
    """Paragraph-and-line-break markup is read without nh3; the result is nh3's."""
    import html as html_module

    from mappings import text as text_module

    fragment = "".join(pieces)
    by_sanitizer = collapse_whitespace(
        html_module.unescape(text_module._text_cleaner().clean(fragment)))
    assert html_to_text(fragment) == by_sanitizer


URL_PIECES = st.sampled_from([*"ab/.:;?#[]% \\@!$&'()*+,=-_~AZ09é\t", "//", "..", "%2F", "http://"])


@settings(max_examples=3000)
@given(st.sampled_from(["http://", "https://", "HTTPS://", "//", ""]), st.lists(URL_PIECES, max_size=12))
def test_plain_absolute_urls_are_what_urljoin_gives_back(scheme: str, pieces: list[str]) -> None:
    """``absolute_url`` skips urljoin for URLs it matches; urljoin returns those unchanged."""
    from urllib.parse import urljoin

    from mappings import metadata

    url = scheme + "".join(pieces)
    if metadata._PLAIN_ABSOLUTE.match(url):
        for site in ("http://s.example", "https://s.example/blog"):
            assert urljoin(site + "/", url) == url


@given(st.lists(st.text(), max_size=4), st.booleans())
def test_canonical_json_of_strings_is_what_the_encoder_writes(items: list[str],
                                                               as_tuple: bool) -> None:
    """Hashes are taken over ``canonical_json``: a list of strings (a body hash's) written
    without the encoder is the encoder's text, byte for byte (lone surrogates included)."""
    value = tuple(items) if as_tuple else items
    assert canonical_json(value) == _CANONICAL_ENCODER.encode(value)
    assert canonical_json([*items, 1]) == _CANONICAL_ENCODER.encode([*items, 1])


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(["a", "中", "\U0001f600", "\n"]), max_size=40),
       st.integers(min_value=0, max_value=70_000) | st.integers(65_000, 65_300))  # fmt: skip
def test_fits_in_a_transaction_is_the_estimate_against_the_ceiling(title: str,
                                                                   body_bytes: int) -> None:
    """The size check settles most posts on a bound, without encoding: the same answer as the
    byte-exact estimate, around the ceiling too, for 1-, 3- and 4-byte characters."""
    for unit in ("a", "中", "\U0001f600"):
        text = unit * (body_bytes // len(unit.encode()))
        operations = (("comment", {"parent_author": "", "parent_permlink": "blog", "author": "a",
                                   "permlink": "p", "title": title, "body": text,
                                   "json_metadata": "{}"}),)  # fmt: skip
        expected = estimate_transaction_size(operations) <= MAX_TRANSACTION_BYTES
        assert fits_in_a_transaction(operations) == expected


def test_walked_tags_grouped_by_letter_match_as_the_plain_list() -> None:
    """``needs_rewrite_pass`` looks for the rewritten elements' start tags by first letter."""
    plain = re.compile(f"<(?:{'|'.join(rewrite._WALKED_TAGS)})[\\s>]")
    names = [*rewrite._WALKED_TAGS, "span", "strong", "sup", "sub", "p", "i", "img", "a", "b",
             "table", "td", "center", "code", "div", "em", "del", "dl", "iframes", "d", "t", "c"]
    for name in names:
        for end in (" ", ">", "\n", "/", "x", ""):
            tag = f"<{name}{end}"
            assert bool(plain.search(tag)) == bool(rewrite._WALKED_TAG.search(tag)), tag


@given(st.text(st.sampled_from(list("aZ<IFRAME Hidden>\t\n\r\x00\x01\x0b\x1f\x7f\x80中\ud800"))))
def test_valid_utf8_and_its_ascii_in_one_table_pass(text: str) -> None:
    """The body's UTF-8 scan: the valid text and its ASCII characters, letters lowercased, as
    ``valid_utf8`` and the characters one by one give them (controls, surrogates too)."""
    valid = valid_utf8(text)
    ascii_lowered = "".join(char.lower() for char in valid if char.isascii()).encode()
    assert valid_utf8_and_ascii(text) == (valid, ascii_lowered)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<iframe src=x>", "<IFRAME>", "<s>", "<s中>", "hid", "den",
                                 'class="Hidden"', "中", "<p>", "background", "sr-", "only",
                                 "<q ", "文", "<dd>"]), max_size=12))  # fmt: skip
def test_the_rewrite_scan_over_ascii_finds_all_the_whole_finds(pieces: list[str]) -> None:
    """Looking at the markup's ASCII characters only can find more (text joined across a
    dropped character), never less."""
    markup = "".join(pieces)
    if rewrite.needs_rewrite_pass(markup, markup.encode("utf-8").lower()):  # all the bytes
        assert rewrite.needs_rewrite_pass(markup, valid_utf8_and_ascii(markup)[1])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([
    "https://example.com/a", "http://cdn.example/p.jpg", " ", "\n", "\u3000", "see ", "<p>",
    "</p>", '<a href="https://example.com/">', "</a>", "<pre>", "</pre>", "<code>", "</code>",
    "<center>", "</center>", "<br>", "/https://b.example", '<img src="https://i.example/x.png">',
    "中文", "&amp;"]), max_size=14))  # fmt: skip
def test_bare_urls_found_from_http_as_the_rewrite_walk_finds_them(pieces: list[str]) -> None:
    """A text node that is only a URL becomes its link or image, found from its "http" (a
    literal the regex engine skips to) as the rewrite's tag walk finds it; URLs in running
    text, links, <pre> and <code> stay text (even as an element's whole content: the first
    tag-led pattern missed an attribute-less <pre>, <code> or <a> right before the URL)."""
    cleaned = body.sanitize("".join(pieces), BASE)
    assert rewrite.rewrite_bare_urls(cleaned) == rewrite.rewrite(cleaned, walk=True)


def test_a_url_as_the_whole_of_pre_or_code_stays_text() -> None:
    for markup in ("<pre>https://example.com/x</pre>", "<code>https://example.com/x</code>",
                   "<p><code>\nhttps://example.com/x.png </code></p>"):
        assert rewrite.rewrite_bare_urls(markup) == markup
    assert rewrite.rewrite_bare_urls("<p> https://example.com/x.png\n</p>") == (
        '<p> <img src="https://example.com/x.png">\n</p>')


def _footer_by_substitution(template: str, link: str, title: str, site: str) -> str:
    """``render_footer`` as first written: a regex substitution, then ``tidy_lines``."""
    values = {"original_link": link, "title": title, "site_name": site}
    filled = body._PLACEHOLDER.sub(
        lambda match: html.escape(valid_utf8(values[match.group(1)]), quote=True),
        valid_utf8(template))
    return body.tidy_lines(filled.strip())


TEMPLATE_PIECES = st.sampled_from(["[%original_link%]", "[%title%]", "[%site_name%]", "<p>",
                                   "</p>", " ", "\n", "\t", "<pre>", "</pre>", "a", "中", "&",
                                   "[%nope%]", '"'])  # fmt: skip
VALUE = st.text(st.sampled_from(list(" \n\tab<>&\"'中")), max_size=6)


@settings(max_examples=400)
@given(st.lists(TEMPLATE_PIECES, min_size=1, max_size=12), VALUE, VALUE, VALUE)
def test_footer_from_the_template_split_once_equals_the_substitution(
        pieces: list[str], link: str, title: str, site: str) -> None:  # fmt: skip
    template = "".join(pieces)
    assert body.render_footer(template, link, title, site) == _footer_by_substitution(
        template, link, title, site)
