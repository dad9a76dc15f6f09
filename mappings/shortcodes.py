"""Fallback for WordPress core shortcodes left unexpanded in a body.

The engine maps ``content.rendered``, where WordPress has already expanded shortcodes with the
real attachment URLs. Raw shortcodes only reach the mapping when a post has no rendered content
(or a plugin printed them verbatim); then this module turns them into plain markup so no reader
sees ``[caption ...]``: ``[caption]`` -> its image and caption, ``[embed]``/``[audio]``/``[video]``
-> a link to the media, ``[gallery]``/``[playlist]`` (which need the attachments API) -> removed,
with a note. Shortcodes of plugins are left alone: WordPress shows those as text too.
"""

from __future__ import annotations

import html
import re

_ATTRIBUTE = re.compile(r"([\w-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|(\S+))|(\S+)")
_ENCLOSED = re.compile(r"\[(caption|wp_caption|embed)\b([^\]]*)\](.*?)\[/\1\]", re.DOTALL | re.I)
_SELF_CLOSING = re.compile(r"\[(audio|video|gallery|playlist|embed)\b([^\]]*)\](?:\[/\1\])?", re.I)
_MEDIA_KEYS = ("src", "url", "mp3", "m4a", "ogg", "wav", "mp4", "m4v", "webm", "ogv", "flv")
_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>\]]+")


def shortcode_attributes(text: str) -> dict[str, str]:
    """WordPress's shortcode_parse_atts: named values, bare words as positional ``0``, ``1``..."""
    values: dict[str, str] = {}
    position = 0
    for name, double, single, bare, positional in _ATTRIBUTE.findall(text):
        if name:
            values[name.lower()] = double or single or bare
        else:
            values[str(position)] = positional.strip("\"'")
            position += 1
    return values


def _caption(attributes: dict[str, str], inner: str) -> str:
    caption = attributes.get("caption", "")
    inner = inner.strip()
    if not caption:  # WordPress 3.4+: the caption is the text after the image
        split = re.match(r"(\s*(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)", inner, re.DOTALL)
        if split:
            inner, caption = split.group(1), split.group(2).strip()
    caption_html = f"<p><em>{caption}</em></p>" if caption else ""
    return f"<p>{inner}</p>{caption_html}"


def _link(url: str) -> str:
    escaped = html.escape(html.unescape(url.strip()), quote=True)
    return f'<p><a href="{escaped}">{escaped}</a></p>' if escaped else ""


def _media_url(attributes: dict[str, str], inner: str = "") -> str:
    for key in (*_MEDIA_KEYS, "0"):
        if attributes.get(key, "").startswith(("http://", "https://", "/")):
            return attributes[key]
    found = _URL_IN_TEXT.search(inner)
    return found.group(0) if found else ""


def expand_shortcodes(markup: str) -> tuple[str, list[str]]:
    """``markup`` with core shortcodes replaced, and notes about what could not be kept."""
    if "[" not in markup:
        return markup, []
    notes: list[str] = []

    def enclosed(match: re.Match[str]) -> str:
        name, attributes = match.group(1).lower(), shortcode_attributes(match.group(2))
        if name == "embed":
            return _link(match.group(3))
        return _caption(attributes, match.group(3))

    def self_closing(match: re.Match[str]) -> str:
        name, attributes = match.group(1).lower(), shortcode_attributes(match.group(2))
        if name in ("gallery", "playlist"):
            notes.append(f"[{name}] shortcode removed: its attachments are not in the post's "
                         "rendered content")  # fmt: skip
            return ""
        return _link(_media_url(attributes))

    return _SELF_CLOSING.sub(self_closing, _ENCLOSED.sub(enclosed, markup)), notes
