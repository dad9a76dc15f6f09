"""Test-side loader: the seed posts in /work/shared/fixtures/seed-posts as PostRecords.

Each seed file is a YAML front matter block plus the post content as WordPress sent it, then a
mirror line ("This page is synchronized from the post") that the static blog added and that
is dropped here. The WordPress-only fields (slug, link, excerpt) are built the way WordPress
builds them: CJK slugs percent-encoded in lowercase, pretty permalinks, excerpts ending "[…]".
Seed 002 is Markdown; it is rendered to HTML with the ``markdown`` package, as a Markdown
plugin would before WordPress serves ``content.rendered``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import markdown
import yaml

from bridge.model import MappingContext, PostRecord, SourceRef

SEED_DIR = Path("/work/shared/fixtures/seed-posts")
SITE_URL = "http://127.0.0.1:8088"

_FRONT_MATTER = re.compile(r"\A\s*---\n(?P<yaml>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)
_MIRROR_LINE = re.compile(r"\n- - -\n\s*This page is synchronized from the post:.*\Z", re.DOTALL)
_AUTHOR_IN_MIRROR = re.compile(r"steemit\.com/@(?P<author>[a-z0-9.-]+)/")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9%_-]+")
_ASCII_PUNCTUATION = re.compile(r"[!-,./:-@\[-\^`{-~]")  # all but "-" and "_"
_DASH_RUN = re.compile(r"-{2,}")


def golden_context() -> MappingContext:
    """The fixed context every golden case is mapped with."""
    return MappingContext(
        site_id="demo",
        site_url=SITE_URL,
        site_name="Demo Blog",
        now="2026-11-21T12:00:00",
    )


def seed_paths() -> list[Path]:
    return sorted(SEED_DIR.glob("*.txt"))


def wordpress_slug(title: str) -> str:
    """Roughly WordPress's sanitize_title: lowercase, dashes, non-ASCII percent-encoded."""
    ascii_punctuation_dropped = _ASCII_PUNCTUATION.sub("", title.strip().lower())
    lowered = re.sub(r"\s+", "-", ascii_punctuation_dropped)
    slug = ""
    for char in _DASH_RUN.sub("-", lowered).strip("-"):
        encoded = _SLUG_UNSAFE.sub("", quote(char, safe="-_").lower())
        if len(slug) + len(encoded) > 200:  # WordPress never splits an encoded character
            break
        slug += encoded
    return slug.strip("-")


def wordpress_excerpt(text: str, words: int = 55) -> str:
    """WordPress's generated excerpt: the first ``words`` words, then " [&hellip;]"."""
    plain = re.sub(r"<[^>]+>", " ", text)
    chosen = plain.split()
    if len(chosen) <= words:
        return f"<p>{' '.join(chosen)}</p>\n"
    return f"<p>{' '.join(chosen[:words])} [&hellip;]</p>\n"


def load_seed(path: Path) -> PostRecord:
    """One seed file as the PostRecord the engine would build from WordPress's REST answer."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    assert match, f"{path.name}: no front matter"
    front = yaml.safe_load(match.group("yaml"))
    raw_body = match.group("body")
    mirror = _MIRROR_LINE.search(raw_body)
    author_match = _AUTHOR_IN_MIRROR.search(mirror.group(0)) if mirror else None
    content_raw = raw_body[: mirror.start()] if mirror else raw_body
    number = str(int(path.name.split("_", 1)[0]))
    title = str(front["title"])
    date = str(front["date"])[:19].replace(" ", "T")
    slug = wordpress_slug(title)
    is_markdown = "layout" in front
    rendered = markdown.markdown(content_raw) if is_markdown else content_raw
    return PostRecord(
        source=SourceRef("wp", "demo", "post", number),
        post_type="post",
        status="publish",
        slug=slug,
        link=f"{SITE_URL}/{date[:4]}/{date[5:7]}/{date[8:10]}/{slug}/",
        title_raw=title,
        title_rendered=title,
        content_raw=content_raw,
        content_rendered=rendered,
        excerpt_raw="",
        excerpt_rendered=wordpress_excerpt(rendered),
        date_gmt=date,
        modified_gmt=date,
        author_id=int(number),
        author_account=author_match.group("author") if author_match else str(front["author"]),
        tags=tuple(str(tag) for tag in front.get("tags") or ()),
        categories=_categories(front.get("categories")),
        featured_image=str(front.get("thumbnail") or ""),
    )


def _categories(value: object) -> tuple[str, ...]:
    if isinstance(value, str):  # Jekyll style: space-separated
        return tuple(value.split())
    return tuple(str(item) for item in value or ())


def load_seeds() -> dict[str, PostRecord]:
    """All seeds keyed by case name ("seed-001", ...)."""
    return {f"seed-{path.name[:3]}": load_seed(path) for path in seed_paths()}


def with_changes(post: PostRecord, **changes: object) -> PostRecord:
    return replace(post, **changes)
