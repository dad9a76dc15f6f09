"""Post bodies: WordPress HTML cleaned with an allow-list, made safe for Steem frontends.

Steem frontends render a body as Markdown with HTML allowed, so beyond sanitizing this module
removes what Markdown would misread: HTML comments (shown as "(html comment removed: …)"),
leading indentation (4+ spaces reads as a code block), trailing double spaces (hard breaks)
and empty paragraphs. Wrapper tags WordPress and WeChat add (section, span, div, font) are
unwrapped, their content kept. Relative URLs are made absolute against the site URL.

The footer is appended after cleaning, so the site owner's template markup is kept as written
and only the substituted values are escaped; the result is byte-identical on every re-map.
Finally a body that steemd would parse as a diff-match-patch patch on edit is neutralized.
"""

from __future__ import annotations

import html
import itertools
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import nh3
from diff_match_patch import diff_match_patch

from mappings.rewrite import needs_rewrite_pass, rewrite, rewrite_bare_urls
from mappings.shortcodes import expand_shortcodes
from mappings.text import html_to_text, valid_utf8, valid_utf8_and_ascii

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "div",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "pre", "code", "blockquote",
    "center", "img", "a", "strong", "b", "em", "i", "del", "strike", "sub", "sup", "ins",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "img": {"src", "alt", "title"},
    "a": {"href", "title"},
}
# First pass: also the elements mappings.rewrite turns into something frontends keep.
REWRITTEN_TAGS = {
    "iframe", "embed", "object", "audio", "video", "source", "track", "select", "option",
    "form", "button", "figcaption", "summary", "dt", "dd", "q", "s", "kbd", "samp", "tt",
    "var", "cite", "dfn", "caption", "span", "figure", "section", "label",
}  # fmt: skip
FIRST_PASS_TAGS = ALLOWED_TAGS | REWRITTEN_TAGS
FIRST_PASS_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    "iframe": {"src"}, "embed": {"src"}, "object": {"data"}, "audio": {"src"},
    "video": {"src", "poster"}, "source": {"src"}, "track": {"src"}, "option": {"value"},
    "form": {"action", "method"},
}  # fmt: skip
GENERIC_FIRST_PASS_ATTRIBUTES = {"class", "style", "hidden", "aria-hidden"}
DROPPED_WITH_CONTENT = {
    "script", "style", "noscript", "template", "svg", "math", "textarea", "head", "title",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
# A neutral first line: not a patch header in either the Python or the C++ (steemd) parser,
# and renders as nothing in HTML and Markdown.
PATCH_GUARD = "<div></div>\n"

_PRE_BLOCK = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL | re.IGNORECASE)
# What cleaning leaves empty: an <img> whose src was dropped (the strict pass keeps only src,
# alt and title on it, double-quoted), a <p> or <div> with nothing in it. The usual spellings
# go by str.replace; then a pattern each, led by its own literal, which the regex engine finds
# without trying the pattern at every "<".
_USUAL_EMPTY_ELEMENTS = ("<p></p>", "<p>&nbsp;</p>", "<p><br></p>", "<div></div>")
_EMPTY_IMAGE = re.compile(r'<img(?: (?:alt|title)="[^"]*")*>')
_EMPTY_BLOCKS = (re.compile(r"<p>(?:\s|&nbsp;|<br>)*</p>"),
                 re.compile(r"<div>(?:\s|&nbsp;|<br>)*</div>"))  # fmt: skip
_BLANK_LINE_RUNS = re.compile(r"\n(?:[ \t]*\n)+")
_PLACEHOLDER = re.compile(r"\[%(original_link|title|site_name)%\]")
# remarkable (condenser, ecency) reads a chunk starting with one of these as raw HTML.
_MARKDOWN_HTML_BLOCK = re.compile(
    r"^<(?:article|aside|blockquote|div|dl|figure|h[1-6]|hr|ol|p|pre|table|ul)[\s/>]", re.I
)


@dataclass(frozen=True)
class CleanBody:
    """The cleaned post HTML (without footer) and the URLs found in it, in document order."""

    html: str
    images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    notes: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.images and not html_to_text(self.html)


# The relative URLs the running sanitize() call met (per thread and task, so calls never mix).
_RELATIVE_URLS: ContextVar[list[str] | None] = ContextVar("wpsb_relative_urls", default=None)


def _note_relative(url: str) -> None:
    """nh3's hook for a relative URL: noted, then dropped (the pass is redone with a base)."""
    found = _RELATIVE_URLS.get()
    if found is not None:
        found.append(url)


def _cleaner_options(strict: bool) -> dict[str, Any]:
    tags, attributes = ((ALLOWED_TAGS, ALLOWED_ATTRIBUTES) if strict
                        else (FIRST_PASS_TAGS, {**FIRST_PASS_ATTRIBUTES,
                                                "*": GENERIC_FIRST_PASS_ATTRIBUTES}))  # fmt: skip
    return {"tags": tags, "clean_content_tags": DROPPED_WITH_CONTENT, "attributes": attributes,
            "strip_comments": True, "link_rel": None, "url_schemes": URL_SCHEMES}


@lru_cache(maxsize=2)
def _cleaner(strict: bool) -> nh3.Cleaner:
    """The sanitizer of one pass, built once (nh3 keeps its allow-lists between calls)."""
    return nh3.Cleaner(**_cleaner_options(strict), url_relative=_note_relative)


@lru_cache(maxsize=16)
def _cleaner_with_base(strict: bool, base: str) -> nh3.Cleaner:
    return nh3.Cleaner(**_cleaner_options(strict), url_relative=("rewrite_with_base", base))


def sanitize(fragment: str, base: str, strict: bool = True) -> str:
    """``fragment`` through the strict allow-list (or, ``strict=False``, the first pass's wider
    one, which keeps what ``mappings.rewrite`` reads), relative URLs resolved against ``base``.

    Markup with no relative URL (WordPress writes absolute ones) is cleaned by one shared
    sanitizer; markup with one is cleaned again by a sanitizer that resolves against ``base``.
    """
    found: list[str] = []
    token = _RELATIVE_URLS.set(found)
    try:
        cleaned = _cleaner(strict).clean(fragment)
    finally:
        _RELATIVE_URLS.reset(token)
    return _cleaner_with_base(strict, base).clean(fragment) if found else cleaned


def clean_html(fragment: str, site_url: str, base_url: str = "") -> CleanBody:
    """Allow-list clean ``fragment`` and tidy it for Markdown-rendering frontends.

    Relative URLs resolve against ``base_url`` (the post's permalink, as a browser resolves
    them), else the site URL. Markup with nothing for ``mappings.rewrite`` to turn into what
    frontends keep (no embeds, forms or hidden elements: most posts) is sanitized once, the
    strict pass; the rest twice: the wide pass keeps what the rewrite reads, then the strict one.
    """
    base = _base_url(base_url if _is_http(base_url) else site_url)
    text, ascii_lowered = valid_utf8_and_ascii(fragment)
    expanded, notes = expand_shortcodes(text)
    if needs_rewrite_pass(expanded, ascii_lowered if expanded is text else None):
        cleaned = sanitize(rewrite(sanitize(expanded, base, strict=False)), base)
    else:
        cleaned = rewrite_bare_urls(sanitize(expanded, base))
    cleaned = tidy_lines(without_empty_elements(cleaned), lowercase_tags=True,
                         keep_blank_lines=False)  # fmt: skip
    images, links = extract_urls(cleaned)
    return CleanBody(html=cleaned, images=images, links=links, notes=tuple(notes))


def without_empty_elements(markup: str) -> str:
    """``markup`` (strict nh3 output) without the elements cleaning left empty, nested ones too.

    The usual empties go first, each spelling in one C-level replace (no match objects); the
    patterns then find the rest, and whatever a removal left empty."""
    for spelling in _USUAL_EMPTY_ELEMENTS:
        markup = markup.replace(spelling, "")
    markup = _EMPTY_IMAGE.sub("", markup)  # an image is empty by itself
    removed = 1
    while removed:  # removing an empty block can leave its parent empty
        removed = 0
        for pattern in _EMPTY_BLOCKS:
            markup, count = pattern.subn("", markup)
            removed += count
    return markup


def _is_http(url: str) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://"))


def _base_url(url: str) -> str:
    """The document URL relative links resolve against; a bare host gets its root "/"."""
    base = (url or "").strip()
    parts = urlsplit(base) if "://" in base else None
    if parts is not None and not parts.path and not parts.query:
        return base + "/"
    return base


_PRE_START_ANY_CASE = re.compile("<pre", re.IGNORECASE)


def _has_pre(markup: str, lowercase_tags: bool = False) -> bool:
    """Whether ``markup`` may hold a <pre> element (any case).
    ``lowercase_tags``: ``markup`` is nh3 output, whose tags are all lowercase."""
    if lowercase_tags:
        return "<pre" in markup
    return _PRE_START_ANY_CASE.search(markup) is not None


def tidy_lines(markup: str, lowercase_tags: bool = False, keep_blank_lines: bool = True) -> str:
    """Strip indentation and trailing spaces of every line outside <pre>; squeeze blank lines
    (to one, or with ``keep_blank_lines=False`` to none). ``lowercase_tags``: ``markup`` is nh3
    output (a ``<pre`` can only be lowercase)."""
    parts = _PRE_BLOCK.split(markup) if _has_pre(markup, lowercase_tags) else [markup]
    last = len(parts) - 1
    for index in range(0, len(parts), 2):  # odd parts are <pre> blocks: whitespace is content
        # text right after a </pre> continues its line, text right before a <pre> too
        parts[index] = _tidy_part(parts[index], index == 0, index == last, keep_blank_lines)
    return "".join(parts).strip("\n")


def _tidy_part(part: str, starts: bool, ends: bool, keep_blank_lines: bool) -> str:
    """``part`` with every line stripped of spaces and tabs, except the outer side of its
    first line unless it ``starts`` the markup and of its last line unless it ``ends`` it."""
    lines = part.split("\n")
    stripped = list(map(str.strip, lines, itertools.repeat(" \t")))
    stripped[0] = _strip_sides(lines[0], left=starts, right=len(lines) > 1 or ends)
    if len(lines) == 1:
        return stripped[0]
    stripped[-1] = _strip_sides(lines[-1], left=True, right=ends)
    if not keep_blank_lines:  # the first and last line stay: they end the line of a <pre>
        return "\n".join([stripped[0], *filter(None, stripped[1:-1]), stripped[-1]])
    tidied = "\n".join(stripped)
    while "\n\n\n" in tidied:  # blank line runs squeezed to one (each pass shortens them)
        tidied = tidied.replace("\n\n\n", "\n\n")
    return tidied


def _strip_sides(line: str, left: bool, right: bool) -> str:
    if left:
        line = line.lstrip(" \t")
    return line.rstrip(" \t") if right else line


# An <img> or <a> start tag up to its src/href: in the strict output only <img> has a src and
# only <a> an href, and nh3 double-quotes every attribute value.
_URL_IN_TAG = re.compile(
    r'<(?:img|a)(?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*?\s+(src|href)="([^"]*)"')


def extract_urls(markup: str) -> tuple[list[str], list[str]]:
    """Absolute image and link URLs of cleaned markup, each list deduplicated, in order.

    ``markup`` is nh3 output (double-quoted attributes), so a tag pattern is exact here.
    """
    found: dict[str, dict[str, None]] = {"src": {}, "href": {}}
    for attribute, value in _URL_IN_TAG.findall(markup):
        url = html.unescape(value) if "&" in value else value
        if url.startswith(("http://", "https://")):
            found[attribute].setdefault(url)
    return list(found["src"]), list(found["href"])


def render_footer(template: str, original_link: str, title: str, site_name: str) -> str:
    """The footer template with placeholders filled; only the values are HTML-escaped."""
    if not template:
        return ""
    values = {"original_link": original_link, "title": title, "site_name": site_name}
    parts = list(_template_parts(template))
    for index in range(1, len(parts), 2):  # odd parts are placeholder names
        parts[index] = html.escape(valid_utf8(values[parts[index]]), quote=True)
    filled = "".join(parts).strip()
    if "\n" not in filled and not _has_pre(filled):
        return filled  # one line, its ends stripped: all tidy_lines would do
    return tidy_lines(filled)


@lru_cache(maxsize=16)
def _template_parts(template: str) -> tuple[str, ...]:
    """A site's header or footer template split at its placeholders (literal, name, literal,
    ..., literal), once per template."""
    return tuple(_PLACEHOLDER.split(valid_utf8(template)))


def compose_body(clean: CleanBody, footer: str, header: str = "",
                 body_format: str = "html") -> tuple[str, list[str]]:
    """Header, post content and footer as one body, guarded against patch interpretation.

    ``html``: the parts are joined and made Markdown-proof (see ``markdown_proof``).
    ``markdown``: the cleaned HTML is converted; header and footer stay as written (HTML is
    allowed in Markdown bodies), each separated by a blank line.
    """
    if body_format == "markdown":
        from mappings.markdown import html_to_markdown  # markdownify loads BeautifulSoup

        parts = [header.strip(), html_to_markdown(clean.html), footer.strip()]
        body = "\n\n".join(part for part in parts if part)
    else:
        parts = [header.strip("\n"), clean.html.strip("\n"), footer.strip("\n")]
        has_pre = _has_pre(clean.html, lowercase_tags=True) or _has_pre(header) or _has_pre(footer)
        body = markdown_proof("\n".join(part for part in parts if part), has_pre)
    if looks_like_patch(body):
        return PATCH_GUARD + body, ["body looked like a diff-match-patch patch; guarded"]
    return body, []


def markdown_proof(markup: str, has_pre: bool | None = None) -> str:
    """HTML that Markdown frontends pass through untouched.

    remarkable (condenser, ecency) treats a chunk that starts with a block tag as raw HTML up to
    the next blank line, and renders anything else as Markdown (``*``, ``_``, indentation and
    line breaks then change the text). So blank lines are removed (inside ``<pre>`` the second
    newline of a pair is written as ``&#10;``, which a browser shows the same), and a body that
    does not start with a block tag is wrapped in a ``<div>``: the whole body is one HTML block.
    ``has_pre``: whether ``markup`` may hold a ``<pre>``, when the caller knows.
    """
    if has_pre is None:
        has_pre = _has_pre(markup)
    parts = _PRE_BLOCK.split(markup) if has_pre else [markup]
    for index, part in enumerate(parts):
        if index % 2 == 1:
            parts[index] = _BLANK_LINE_RUNS.sub(_encoded_newlines, part)
        else:
            parts[index] = _BLANK_LINE_RUNS.sub("\n", part)
    proofed = "".join(parts).strip("\n")
    if proofed and not _MARKDOWN_HTML_BLOCK.match(proofed):
        proofed = f"<div>\n{proofed}\n</div>"
    return proofed


def _encoded_newlines(match: re.Match[str]) -> str:
    return "\n" + "&#10;" * (match.group(0).count("\n") - 1)


def looks_like_patch(body: str) -> bool:
    """True when steemd could apply ``body`` as a patch instead of replacing the old body.

    steemd's C++ parser skips empty lines, Python's does not, so both forms are tried.
    """
    # Both parsers read the first (non-empty) line as a patch header "@@ -…" or fail.
    if not body.lstrip("\n").startswith("@@ -"):
        return False
    parser = diff_match_patch()
    without_blank_lines = "\n".join(line for line in body.split("\n") if line)
    for candidate in (body, without_blank_lines):
        try:
            if parser.patch_fromText(candidate):
                return True
        except Exception:  # noqa: BLE001 - any parse failure means "not a patch"
            continue
    return False
