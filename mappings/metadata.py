"""The ``json_metadata`` object of a post and its compact JSON string.

Keys follow what Steem frontends read: ``tags`` (a list; beem would split a string), ``image``
(cover first; omitted rather than empty, since an empty list hides the body-scan fallback),
``description`` (preview text), ``canonical_url`` (condenser's CanonicalLinker reads exactly
this key and only for http(s) URLs), ``links``, ``app`` and ``format``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

from mappings.invisible import strip_invisible
from mappings.text import collapse_whitespace, cut_chars, html_to_text, valid_utf8

MAX_DESCRIPTION_CHARS = 160
MAX_LINKS = 20

_HTTP_URL = re.compile(r"^https?://", re.IGNORECASE)
# An absolute http(s) URL that urljoin returns unchanged: ASCII, lowercase scheme, a host, and
# nothing urllib splits off or checks (params, query, fragment, brackets, whitespace).
_PLAIN_ABSOLUTE = re.compile(r"https?://[!$-.0-:=@-Z_a-z~][!$-:=@-Z_a-z~]*\Z")
# WordPress ends generated excerpts with "[…]" (or "[...]"); it says nothing in a preview.
_EXCERPT_MORE = ("[…]", "[...]")
# Markdown image syntax and bare URLs are noise in a preview line. Text holding only one kind
# is scanned with that pattern alone (it starts with a literal, which the regex engine finds
# without trying every position); text holding both with the two as one scan, left to right.
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_BARE_URL = re.compile(r"https?://\S+")
_PREVIEW_NOISE = re.compile(f"{_MARKDOWN_IMAGE.pattern}|{_BARE_URL.pattern}")


def absolute_url(url: str, site_url: str) -> str:
    """``url`` resolved against the site URL; "" unless the result is http(s)."""
    candidate = valid_utf8(url or "").strip()
    if not candidate:
        return ""
    if _PLAIN_ABSOLUTE.match(candidate):
        return candidate  # what urljoin gives back for it, without splitting and joining it
    try:
        resolved = urljoin(site_url.rstrip("/") + "/", candidate)
    except ValueError:
        return ""
    return resolved if _HTTP_URL.match(resolved) and " " not in resolved else ""


# Text past this many characters of a preview cannot change its first 160 (the cut's word
# break looks 20 back; a markdown image still open there is looked for in the whole span).
_SETTLED_CHARS = 2 * MAX_DESCRIPTION_CHARS
_FIRST_SLICE = 512  # HTML characters read first; four times more each time that is too few
# Where the parser moves text out of document order (foster parenting), a prefix of the
# markup is not a prefix of the text.
_REORDERING = re.compile(r"<[tT][aA][bB][lL][eE]")  # a literal first: no per-position tries


def description_text(excerpt_html: str, body_html: str) -> str:
    """Preview text: the excerpt (else the body start), whitespace collapsed, <= 160 chars."""
    text = _preview_of(excerpt_html or "", excerpt=True)
    if not text:
        text = _preview_of(body_html or "", excerpt=False)
    # (the preview text is collapsed already) stripped again after the cut: a cut inside an
    # emoji sequence leaves a dangling joiner
    return strip_invisible(cut_chars(text, MAX_DESCRIPTION_CHARS))


def _preview_of(markup: str, excerpt: bool) -> str:
    """The preview text of ``markup``, read only as far as its first 160 characters need.

    A cut anywhere in HTML changes only the text at the cut (a tag, entity or comment left
    open is dropped or read literally there), so a prefix whose preview runs well past the
    settled length, with no markdown image still open in that span, gives the same first
    characters as the whole. Tables (foster parenting) and short markup are read whole."""
    size = _FIRST_SLICE
    while size < len(markup) and not _REORDERING.search(markup, 0, size):
        text = _preview_text(html_to_text(markup[:size]), excerpt)
        if len(text) > _SETTLED_CHARS and "![" not in text[:_SETTLED_CHARS]:
            return text[:_SETTLED_CHARS]
        size *= 4
    return _preview_text(html_to_text(markup), excerpt)


def _preview_text(text: str, excerpt: bool = False) -> str:
    """Frontends show the description like a title: no bidi controls or invisible characters."""
    if excerpt:
        text = _without_more_mark(text)
    image, url = "![" in text, "://" in text
    if image or url:
        noise = _PREVIEW_NOISE if image and url else _MARKDOWN_IMAGE if image else _BARE_URL
        text = noise.sub(" ", text)
    return collapse_whitespace(strip_invisible(text))


def _without_more_mark(text: str) -> str:
    """``text`` without WordPress's trailing "[…]" and the whitespace around it."""
    trimmed = text.rstrip()
    for mark in _EXCERPT_MORE:
        if trimmed.endswith(mark):
            return trimmed[: -len(mark)].rstrip()
    return text


def build_metadata(
    *,
    tags: list[str],
    featured_image: str,
    body_images: list[str],
    body_links: list[str],
    description: str,
    canonical_url: str,
    app: str,
    body_format: str,
    community: str = "",
) -> dict[str, Any]:
    """The json_metadata object, keys in a fixed order so the string is deterministic."""
    metadata: dict[str, Any] = {"app": app, "format": body_format, "tags": list(tags)}
    if community and community in tags:
        metadata["community"] = community
    images = _dedupe([featured_image, *body_images])
    if images:
        metadata["image"] = images
    if description:
        metadata["description"] = description
    if canonical_url and _HTTP_URL.match(canonical_url):
        metadata["canonical_url"] = canonical_url
    links = _dedupe(body_links)[:MAX_LINKS]
    if links:
        metadata["links"] = links
    return metadata


_COMPACT_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def metadata_json(metadata: dict[str, Any]) -> str:
    """Compact JSON string (beem passes strings through unchanged; dicts it re-dumps)."""
    return _COMPACT_ENCODER.encode(metadata)


def _dedupe(urls: list[str]) -> list[str]:
    seen: list[str] = []
    for url in urls:
        if url and url not in seen:
            seen.append(url)
    return seen
