"""What a reader sees: visible text, images and links of an HTML page, and how two pages compare.

Definitions (the yardstick of issue 4; both sides are measured with the same rules):

Visible text
    The text content of the HTML with entities decoded, minus what a browser does not show:
    the content of ``script``, ``style``, ``template``, ``noscript``, ``iframe``, ``object``,
    ``audio`` and ``video`` (the last three only show their fallback content in browsers that
    cannot play media) and elements WordPress hides visually with the ``screen-reader-text``
    class. Tokens that are bare ``http(s)://`` URLs are removed from the text: they are links,
    checked as links, and frontends replace them by embeds or previews. Whitespace is removed
    before counting, so a table cell or line break rendered differently does not count as lost.
    "Kept" is the share of WordPress's visible characters that appear, in order, in the
    frontend's text (diff-match-patch equalities / WordPress length); text we add (the footer,
    captions turned into paragraphs) does not lower it and is reported separately.

Images
    ``img[src]`` values. WordPress's are resolved against the post's permalink (what the browser
    does). The frontend's are the original URLs behind its image proxy (``/p/<base58>``
    decoded); the thumbnails it generates for video links are not counted. URLs compare after
    entity and percent decoding with a lowercased scheme and host.

Links
    ``a[href]`` values, plus the ``src`` of ``iframe``, ``audio``, ``video``, ``source`` and
    ``embed`` on the WordPress side: the mapping promises to turn media it cannot embed into a
    link to it, so they are held to the same 100 %. Fragment links (``#top``) resolve against the
    permalink and so point at the WordPress page, as the mapping writes them. On the frontend
    side ``a[data-href]`` and video links (``data-youtube``) count too; YouTube URLs of every
    form compare by video id. Only links that point nowhere are left out on the WordPress side,
    because the cleaner drops them on purpose: URLs whose scheme is not http(s)/mailto after
    resolving (the corpus's typo ``ttps://...``) and http(s) URLs without a host (the Social
    Icons block's placeholder ``https://`` and ``https://#3fgfhgfh``). Browsers cannot follow
    them either.

Forbidden in the frontend HTML
    ``<!--``, "html comment removed", raw WordPress core shortcodes (``[caption``, ``[gallery``,
    ``[embed``, ``[audio``, ``[video``, ``[playlist``, ``[wp_caption``), ``<script`` and any
    ``on*=`` event-handler attribute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from diff_match_patch import diff_match_patch

HIDDEN_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "audio", "video",
                  "title"}  # fmt: skip
MEDIA_SOURCES = {"iframe", "audio", "video", "source", "embed"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
             "track", "wbr"}  # fmt: skip
SHORTCODE = re.compile(r"\[/?(?:caption|wp_caption|gallery|embed|audio|video|playlist)\b", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
BARE_URL = re.compile(r"https?://\S+")
WHITESPACE = re.compile(r"\s+")
PROXIED = re.compile(r"^https?://[^/]+/p/([1-9A-HJ-NP-Za-km-z]+)")
YOUTUBE_ID = re.compile(
    r"(?:youtube(?:-nocookie)?\.com/(?:watch\?(?:.*&)?v=|embed/|v/|shorts/)|youtu\.be/)"
    r"([A-Za-z0-9_-]{11})"
)
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass
class Page:
    """The reader-visible parts of one HTML document."""

    text: str = ""  # whitespace-collapsed visible text
    images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self, base_url: str, frontend: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.frontend = frontend
        self.page = Page()
        self.parts: list[str] = []
        self.hidden: list[str] = []  # stack of open elements whose content is not shown

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self._collect(tag, values)
        hides = tag in HIDDEN_CONTENT or "screen-reader-text" in values.get("class", "").split()
        if tag not in VOID_TAGS and (hides or self.hidden):
            self.hidden.append(tag)
        if tag in ("br", "p", "div", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._collect(tag, {name: value or "" for name, value in attrs})

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and tag in self.hidden:
            while self.hidden and self.hidden.pop() != tag:
                pass
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)

    def _collect(self, tag: str, values: dict[str, str]) -> None:
        if tag == "img" and values.get("src"):
            if self.frontend and "video-thumbnail" in values.get("class", ""):
                return
            self.page.images.append(self._url(values["src"]))
        elif tag == "a":
            for name in ("href", "data-href"):
                if values.get(name):
                    self.page.links.append(self._url(values[name]))
            if values.get("data-youtube"):
                self.page.links.append(f"youtube:{values['data-youtube']}")
        elif tag in MEDIA_SOURCES and values.get("src") and not self.frontend:
            self.page.links.append(self._url(values["src"]))
        if not self.frontend:
            self.page.links = [url for url in self.page.links if is_navigable(url)]

    def _url(self, value: str) -> str:
        url = value.strip()
        if self.frontend:
            url = unproxy(url)
        return normalize_url(urljoin(self.base_url, url))


def read_page(markup: str, base_url: str, *, frontend: bool) -> Page:
    """Text, images and links of ``markup``; ``frontend`` selects render-helper's conventions."""
    parser = _PageParser(base_url, frontend)
    parser.feed(markup)
    parser.close()
    text = WHITESPACE.sub(" ", "".join(parser.parts).replace("\u00a0", " ")).strip()
    parser.page.text = text
    return parser.page


def unproxy(url: str) -> str:
    """The original URL behind an ``https://<proxy>/p/<base58>`` image URL (else ``url``)."""
    match = PROXIED.match(url)
    if not match:
        return url
    number = 0
    for char in match.group(1):
        number = number * 58 + BASE58.index(char)
    decoded = number.to_bytes((number.bit_length() + 7) // 8, "big")
    try:
        return decoded.decode("utf-8")
    except UnicodeDecodeError:
        return url


def is_navigable(url: str) -> bool:
    """False for links a browser cannot follow (unknown scheme, http(s) without a host)."""
    if url.startswith("youtube:"):
        return True
    parts = urlsplit(url)
    if parts.scheme == "mailto":
        return True
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def normalize_url(url: str) -> str:
    """Comparable form: YouTube by id; else decoded, scheme and host lowercased."""
    youtube = YOUTUBE_ID.search(url)
    if youtube:
        return f"youtube:{youtube.group(1)}"
    try:
        parts = urlsplit(unquote(url.strip()))
    except ValueError:
        return url.strip()
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query,
                       parts.fragment))  # fmt: skip


def countable_text(text: str) -> str:
    """Visible text as counted: bare URLs dropped, all whitespace removed."""
    return WHITESPACE.sub("", BARE_URL.sub(" ", text))


@dataclass(frozen=True)
class TextComparison:
    source_chars: int
    kept_chars: int
    added_chars: int

    @property
    def kept_ratio(self) -> float:
        return 1.0 if self.source_chars == 0 else self.kept_chars / self.source_chars


def compare_text(source: str, rendered: str, ignore_added: str = "") -> TextComparison:
    """How much of ``source`` text survives, in order, in ``rendered``."""
    wanted, got = countable_text(source), countable_text(rendered)
    differ = diff_match_patch()
    differ.Diff_Timeout = 5.0
    diffs = differ.diff_main(wanted, got, False)
    kept = sum(len(chunk) for op, chunk in diffs if op == differ.DIFF_EQUAL)
    added = sum(len(chunk) for op, chunk in diffs if op == differ.DIFF_INSERT)
    return TextComparison(len(wanted), kept, max(added - len(countable_text(ignore_added)), 0))


def missing(expected: list[str], found: list[str]) -> list[str]:
    """Expected URLs (deduplicated, in order) that ``found`` does not hold."""
    have = set(found)
    result: list[str] = []
    for url in expected:
        if url not in have and url not in result:
            result.append(url)
    return result


def forbidden_markup(rendered_html: str, rendered_text: str) -> list[str]:
    """Everything the frontend HTML must not contain, described."""
    problems = []
    if "<!--" in rendered_html:
        problems.append("HTML comment")
    if "html comment removed" in rendered_html.lower():
        problems.append("'html comment removed' text")
    shortcode = SHORTCODE.search(rendered_text)
    if shortcode:
        problems.append(f"raw shortcode {shortcode.group(0)!r}")
    if re.search(r"<script\b", rendered_html, re.I):
        problems.append("<script>")
    if EVENT_ATTRIBUTE.search(rendered_html):
        problems.append("on*= attribute")
    return problems
