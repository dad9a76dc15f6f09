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
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import nh3
from diff_match_patch import diff_match_patch

from mappings.rewrite import rewrite
from mappings.shortcodes import expand_shortcodes
from mappings.text import html_to_text, valid_utf8

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
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|<br>)*</p>|<div>(?:\s|&nbsp;|<br>)*</div>")
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")
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


def _sanitize(fragment: str, tags: set[str], attributes: dict[str, set[str]], base: str,
              generic: set[str] | None = None) -> str:
    return nh3.clean(
        fragment,
        tags=tags,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes={**attributes, "*": generic} if generic else attributes,
        strip_comments=True,
        link_rel=None,
        url_schemes=URL_SCHEMES,
        url_relative=("rewrite_with_base", base),
    )


def clean_html(fragment: str, site_url: str, base_url: str = "") -> CleanBody:
    """Allow-list clean ``fragment`` and tidy it for Markdown-rendering frontends.

    Relative URLs resolve against ``base_url`` (the post's permalink, as a browser resolves
    them), else the site URL.
    """
    base = _base_url(base_url if _is_http(base_url) else site_url)
    expanded, notes = expand_shortcodes(valid_utf8(fragment))
    wide = _sanitize(expanded, FIRST_PASS_TAGS, FIRST_PASS_ATTRIBUTES, base,
                     GENERIC_FIRST_PASS_ATTRIBUTES)  # fmt: skip
    cleaned = _sanitize(rewrite(wide), ALLOWED_TAGS, ALLOWED_ATTRIBUTES, base)
    if "<img" in cleaned:
        cleaned = _IMG_WITHOUT_SRC.sub("", cleaned)
    previous = None
    while previous != cleaned:  # removing one empty <p> can leave another behind
        previous, cleaned = cleaned, _EMPTY_PARAGRAPH.sub("", cleaned)
    cleaned = tidy_lines(cleaned, lowercase_tags=True)
    images, links = extract_urls(cleaned)
    return CleanBody(html=cleaned, images=images, links=links, notes=tuple(notes))


def _is_http(url: str) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://"))


def _base_url(url: str) -> str:
    """The document URL relative links resolve against; a bare host gets its root "/"."""
    base = (url or "").strip()
    parts = urlsplit(base) if "://" in base else None
    if parts is not None and not parts.path and not parts.query:
        return base + "/"
    return base


_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_LEADING_SPACE = re.compile(r"\n[ \t]+")
_PRE_SPELLINGS = tuple("<" + "".join(c) for c in itertools.product("pP", "rR", "eE"))


def _has_pre(markup: str, lowercase_tags: bool = False) -> bool:
    """Whether ``markup`` may hold a <pre> element (any case), with plain substring scans.
    ``lowercase_tags``: ``markup`` is nh3 output, whose tags are all lowercase."""
    if lowercase_tags:
        return "<pre" in markup
    return any(spelling in markup for spelling in _PRE_SPELLINGS)


def tidy_lines(markup: str, lowercase_tags: bool = False) -> str:
    """Strip indentation and trailing spaces of every line outside <pre>; squeeze blank lines.
    ``lowercase_tags``: ``markup`` is nh3 output (a ``<pre`` can only be lowercase)."""
    parts = _PRE_BLOCK.split(markup) if _has_pre(markup, lowercase_tags) else [markup]
    last = len(parts) - 1
    tidied: list[str] = []
    for index, part in enumerate(parts):
        if index % 2 == 1:  # a <pre> block: whitespace is content there
            tidied.append(part)
            continue
        # text right after a </pre> continues its line, text right before a <pre> too
        if " \n" in part or "\t\n" in part:
            part = _TRAILING_SPACE.sub("\n", part)
        if "\n " in part or "\n\t" in part:
            part = _LEADING_SPACE.sub("\n", part)
        if index == 0:
            part = part.lstrip(" \t")
        if index == last:
            part = part.rstrip(" \t")
        tidied.append(_BLANK_LINES.sub("\n\n", part) if "\n\n\n" in part else part)
    return "".join(tidied).strip("\n")


_URL_TAG = re.compile(r"<(img|a)((?:\s+[^\s\"'>/=]+(?:=\"[^\"]*\")?)*)\s*/?>")
_URL_ATTRIBUTE = {"img": re.compile(r'\ssrc="([^"]*)"'), "a": re.compile(r'\shref="([^"]*)"')}


def extract_urls(markup: str) -> tuple[list[str], list[str]]:
    """Absolute image and link URLs of cleaned markup, each list deduplicated, in order.

    ``markup`` is nh3 output (double-quoted attributes), so a tag pattern is exact here.
    """
    found: dict[str, dict[str, None]] = {"img": {}, "a": {}}
    for match in _URL_TAG.finditer(markup):
        tag = match.group(1)
        value = _URL_ATTRIBUTE[tag].search(match.group(2))
        if value:
            url = html.unescape(value.group(1))
            if url.startswith(("http://", "https://")):
                found[tag].setdefault(url)
    return list(found["img"]), list(found["a"])


def render_footer(template: str, original_link: str, title: str, site_name: str) -> str:
    """The footer template with placeholders filled; only the values are HTML-escaped."""
    values = {"original_link": original_link, "title": title, "site_name": site_name}
    filled = _PLACEHOLDER.sub(
        lambda match: html.escape(valid_utf8(values[match.group(1)]), quote=True),
        valid_utf8(template or ""),
    )
    return tidy_lines(filled.strip())


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
        body = markdown_proof("\n".join(part for part in parts if part))
    if looks_like_patch(body):
        return PATCH_GUARD + body, ["body looked like a diff-match-patch patch; guarded"]
    return body, []


def markdown_proof(markup: str) -> str:
    """HTML that Markdown frontends pass through untouched.

    remarkable (condenser, ecency) treats a chunk that starts with a block tag as raw HTML up to
    the next blank line, and renders anything else as Markdown (``*``, ``_``, indentation and
    line breaks then change the text). So blank lines are removed (inside ``<pre>`` the second
    newline of a pair is written as ``&#10;``, which a browser shows the same), and a body that
    does not start with a block tag is wrapped in a ``<div>``: the whole body is one HTML block.
    """
    parts = _PRE_BLOCK.split(markup) if _has_pre(markup) else [markup]
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
