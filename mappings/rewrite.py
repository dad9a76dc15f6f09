"""Structural rewrites between two nh3 passes: WordPress markup -> what Steem frontends show.

Only markup holding something rewritten here (``needs_rewrite_pass``) takes the two passes; other
markup is sanitized once and only its bare URLs are rewritten (``rewrite_bare_urls``).

Input is nh3's serialization (well-formed, lowercase tags, double-quoted attributes, every
non-void element closed), so a tag tokenizer with an element stack is exact here; the strict
allow-list pass that follows makes the result safe whatever this step emits.

What it does, and why:
- media a frontend will not embed (``iframe``, ``embed``, ``audio``, ``video``) become a paragraph
  of links to their sources (frontends turn YouTube/Vimeo links back into players); the fallback
  content inside ``audio``/``video`` is dropped, as browsers drop it;
- ``select`` lists (archive/category dropdowns) become lists, options with URL values as links;
  a form's ``button`` becomes a link to the form's GET action (a search form stays usable);
- tags frontends strip keep their meaning in tags they keep: ``figcaption``/``summary``/``dt``
  become paragraphs, ``q`` gets quotation marks, ``s`` -> ``del``, ``kbd``/``samp``/``tt``/``var``
  -> ``code``, ``cite``/``dfn`` -> ``em``;
- elements WordPress hides visually (``screen-reader-text``, ``hidden``, ``aria-hidden`` spacers)
  are dropped with their content, since a frontend without the theme's CSS would show them;
- a ``background-image`` (older Cover blocks) becomes an ``img`` before the element's content;
- a text node that is only a URL (an embed WordPress could not fetch) becomes a link to it,
  or the image when it names one (as frontends show bare image URLs).
"""

from __future__ import annotations

import html
import re

from mappings.text import valid_utf8_and_ascii

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s\"'>/=]+(?:=\"[^\"]*\")?)*)\s*/?>")
_ATTRIBUTE = re.compile(r"([^\s\"'>/=]+)(?:=\"([^\"]*)\")?")
_BACKGROUND_URL = re.compile(r"background(?:-image)?\s*:[^;]*url\(\s*['\"]?([^'\")]+)")
_BARE_URL = re.compile(r"^https?://[^\s<>\"]+$")
_IMAGE_URL = re.compile(r"^[^?#]+\.(?:jpe?g|png|gif|webp)(?:[?#]\S*)?$", re.IGNORECASE)
_HTTP = re.compile(r"^(?:https?:)?//", re.IGNORECASE)

VOID = {"area", "br", "col", "embed", "hr", "img", "input", "source", "track", "wbr"}
MEDIA = {"audio", "video", "iframe", "object"}
RENAMED = {
    "figcaption": ("<p><em>", "</em></p>"),
    "summary": ("<p><strong>", "</strong></p>"),
    "dt": ("<p><strong>", "</strong></p>"),
    "dd": ("<p>", "</p>"),
    "q": ("\u201c", "\u201d"),
    "s": ("<del>", "</del>"),
    "kbd": ("<code>", "</code>"),
    "samp": ("<code>", "</code>"),
    "tt": ("<code>", "</code>"),
    "var": ("<code>", "</code>"),
    "cite": ("<em>", "</em>"),
    "dfn": ("<em>", "</em>"),
    "select": ("<ul>", "</ul>"),
    "caption": ("<p><strong>", "</strong></p>"),
}
_NOTABLE_ATTRIBUTES = re.compile(r"hidden|screen-reader|sr-only|background")
_WALKED_TAGS = ("iframe", "embed", "object", "audio", "video", "select", "option", "form",
                "button", "figcaption", "summary", "dt", "dd", "q", "s", "kbd", "samp", "tt",
                "var", "cite", "dfn", "caption")  # fmt: skip


def _start_tag_pattern(names: tuple[str, ...]) -> str:
    """A start tag of one of ``names``, the names grouped by first letter (the regex engine
    then tries one branch per letter, not every name, at each "<")."""
    by_letter: dict[str, list[str]] = {}
    for name in names:
        by_letter.setdefault(name[0], []).append(re.escape(name[1:]))
    branches = (f"{letter}(?:{'|'.join(rests)})" for letter, rests in by_letter.items())
    return f"<(?:{'|'.join(branches)})[\\s>]"


_WALKED_TAG = re.compile(_start_tag_pattern(_WALKED_TAGS))
_NOTABLE_WORDS = ("hidden", "screen-reader", "sr-only", "background")
_NOTABLE_BYTES = tuple(word.encode() for word in _NOTABLE_WORDS)
_WALKED_TAG_BYTES = re.compile(_WALKED_TAG.pattern.encode())
# A URL that ends a text node (led by "http": a literal the regex engine finds without trying
# the pattern at every position); whether it also starts one is looked at for each find.
_URL_ENDING_TEXT = re.compile(r"https?://[^\s<>\"]++(?=\s*(?:<|$))")
SPECIAL = {*RENAMED, "option", "form", "button"}
HIDING_CLASSES = {"screen-reader-text", "sr-only", "visually-hidden", "hidden"}


def attributes(text: str) -> dict[str, str]:
    return {name.lower(): html.unescape(value or "") for name, value in _ATTRIBUTE.findall(text)}


def link_paragraph(urls: list[str]) -> str:
    unique = [u for i, u in enumerate(urls) if u and u not in urls[:i]]
    if not unique:
        return ""
    links = "<br>".join(f'<a href="{html.escape(u)}">{html.escape(u)}</a>' for u in unique)
    return f"<p>{links}</p>"


def bare_url_markup(url: str) -> str:
    """WordPress leaves an embed it could not fetch as its bare URL: a link to it, or the image
    it names (frontends show a bare image URL as the image)."""
    return f'<img src="{url}">' if _IMAGE_URL.match(url) else f'<a href="{url}">{url}</a>'


def _bare_url_in_text(markup: str, match: re.Match[str]) -> str:
    """The URL ``match`` found as its link or image when it is a whole text node (only
    whitespace between it and the tag before, or the start) outside a link, <pre> or <code>."""
    start = match.start()
    while start and markup[start - 1].isspace():
        start -= 1
    if start and markup[start - 1] != ">":
        return match.group(0)  # the end of a sentence
    for tag in ("a", "pre", "code"):  # nested too (<code> can be); the rest of "<" is escaped
        opened = markup.count(f"<{tag} ", 0, start) + markup.count(f"<{tag}>", 0, start)
        if opened > markup.count(f"</{tag}>", 0, start):
            return match.group(0)
    return bare_url_markup(match.group(0))


def _is_hidden(tag: str, values: dict[str, str]) -> bool:
    if "hidden" in values:
        return True
    if HIDING_CLASSES & set(values.get("class", "").split()):
        return True
    # An aria-hidden element with no text is a spacer; aria-hidden with text is decoration.
    return values.get("aria-hidden") == "true" and tag in ("div", "span")


class _Rewriter:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.closers: list[tuple[str, str]] = []  # (tag, what to write at its end tag)
        self.skip_depth = 0  # > 0 while inside an element dropped with its content
        self.media_urls: list[str] | None = None  # sources collected inside audio/video
        self.form_action = ""

    def start(self, tag: str, raw_attributes: str, token: str) -> None:
        if self.skip_depth:
            if self.media_urls is not None and tag in ("source", "a", "track"):
                values = attributes(raw_attributes)
                self.media_urls.append(values.get("src") or values.get("href") or "")
            if tag not in VOID:
                self.skip_depth += 1
            return
        if tag in MEDIA or tag == "embed":
            values = attributes(raw_attributes)
            urls = [values.get("src") or values.get("data") or ""]
            if tag in VOID:
                self.out.append(link_paragraph(urls))
                return
            self.skip_depth, self.media_urls = 1, urls
            return
        if tag not in SPECIAL and not _NOTABLE_ATTRIBUTES.search(raw_attributes):
            # The common case: attributes that the strict pass will drop anyway.
            self.out.append(token)
            if tag not in VOID:
                self.closers.append((tag, f"</{tag}>"))
            return
        values = attributes(raw_attributes)
        if tag not in VOID and _is_hidden(tag, values):
            self.skip_depth = 1
            return
        self._background(values)
        self.out.append(self._open(tag, values, token))

    def _background(self, values: dict[str, str]) -> None:
        found = _BACKGROUND_URL.search(values.get("style", ""))
        if found:
            self.out.append(f'<p><img src="{html.escape(found.group(1).strip())}"></p>')

    def _open(self, tag: str, values: dict[str, str], token: str) -> str:
        if tag in VOID:
            return token
        closer, opener = f"</{tag}>", token
        if tag in RENAMED:
            opener, closer = RENAMED[tag]
        elif tag == "option":
            value = values.get("value", "")
            opener, closer = ("<li>", "</li>")
            if _HTTP.match(value):
                opener, closer = f'<li><a href="{html.escape(value)}">', "</a></li>"
        elif tag == "form":
            method = values.get("method", "get").lower()
            self.form_action = values.get("action", "") if method == "get" else ""
            opener, closer = "<div>", "</div>"
        elif tag == "button" and self.form_action:
            opener, closer = f'<a href="{html.escape(self.form_action)}">', "</a> "
        self.closers.append((tag, closer))
        return opener

    def end(self, tag: str) -> None:
        if self.skip_depth:
            self.skip_depth -= 1
            if not self.skip_depth and self.media_urls is not None:
                self.out.append(link_paragraph(self.media_urls))
                self.media_urls = None
            return
        for index in range(len(self.closers) - 1, -1, -1):
            if self.closers[index][0] == tag:
                for _tag, closer in reversed(self.closers[index:]):
                    self.out.append(closer)
                del self.closers[index:]
                if tag == "form":
                    self.form_action = ""
                return

    def text(self, chunk: str) -> None:
        if not chunk or self.skip_depth:
            return
        bare = chunk.strip() if "://" in chunk else ""
        if (bare and _BARE_URL.match(bare)
                and not any(tag in ("a", "pre", "code") for tag, _ in self.closers)):  # fmt: skip
            chunk = chunk.replace(bare, bare_url_markup(bare))
        self.out.append(chunk)


def needs_walk(markup: str) -> bool:
    """True when ``rewrite`` changes more than bare URLs in ``markup`` (nh3 output)."""
    return (any(word in markup for word in _NOTABLE_WORDS) or bool(_WALKED_TAG.search(markup))
            or markup.lstrip().startswith("http"))


def needs_rewrite_pass(raw: str, ascii_lowered: bytes | None = None) -> bool:
    """True when the sanitized form of ``raw`` (any HTML) may hold something ``rewrite``
    changes beyond bare URLs: an element it converts, or a word it reads in attributes.

    A superset of ``needs_walk`` over the first pass's output (that output's tags and words all
    come from ``raw``, names lowercased), so markup for which this is False loses nothing when
    it is sanitized with the strict allow-list alone; a text node that is only a URL is then
    ``rewrite_bare_urls``' job on that output.
    ``ascii_lowered``: ``raw``'s ASCII characters, letters lowercased, when the caller has
    them: the words and names looked for are ASCII, and dropping the other characters can only
    join text into a false find (a second pass for nothing), never hide one.
    """
    # bytes: ASCII-only lowering (as the HTML parser lowers names), fast substring search
    lowered = valid_utf8_and_ascii(raw)[1] if ascii_lowered is None else ascii_lowered
    return (any(word in lowered for word in _NOTABLE_BYTES)
            or bool(_WALKED_TAG_BYTES.search(lowered)))


def rewrite_bare_urls(markup: str) -> str:
    """``markup`` (nh3 output) with each text node that is only an http(s) URL made its link
    or image (what ``rewrite`` does to such text; the rest of ``rewrite`` is not applied)."""
    if "://" not in markup:
        return markup
    return _URL_ENDING_TEXT.sub(lambda match: _bare_url_in_text(markup, match), markup)


def rewrite(markup: str, walk: bool | None = None) -> str:
    """``markup`` (nh3 output) with the rewrites above applied (``walk``: ``needs_walk``'s
    answer, when the caller has it)."""
    if not (needs_walk(markup) if walk is None else walk):
        return rewrite_bare_urls(markup)
    rewriter = _Rewriter()
    position = 0
    for match in _TAG.finditer(markup):
        rewriter.text(markup[position : match.start()])
        position = match.end()
        closing, tag = match.group(1), match.group(2).lower()
        if closing:
            rewriter.end(tag)
        else:
            rewriter.start(tag, match.group(3), match.group(0))
    rewriter.text(markup[position:])
    return "".join(rewriter.out)


def block_boundaries(markup: str) -> list[int]:
    """Offsets in ``markup`` where a top-level element ends (places a body can be cut)."""
    cuts: list[int] = []
    depth = 0
    for match in _TAG.finditer(markup):
        tag = match.group(2).lower()
        if tag in VOID or match.group(0).endswith("/>"):
            if depth == 0:
                cuts.append(match.end())
            continue
        depth += -1 if match.group(1) else 1
        if depth <= 0:
            depth = 0
            if match.group(1):
                cuts.append(match.end())
    return cuts
