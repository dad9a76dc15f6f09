"""Loads the shared seed posts into a local WordPress site through its REST API.

Owns the reading of ``fixtures/seed-posts/*.txt`` (YAML-ish front matter + body, as mirrored from
Steem into a static blog) and their creation as published posts with tags and authors. Idempotent:
posts are matched by slug (the Steem permlink, or the fixture's id when it has none), so a second run
creates nothing. Prints ``{"created": {slug: id}, "existing": {slug: id}}``.

Usage: seed.py SITE_JSON SEED_DIR
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

# The static-blog mirror appended this; it is not part of the post.
MIRROR_FOOTER = re.compile(r"\n\s*- - -\s*\n+This page is synchronized from the post:.*\Z", re.S)
FOOTER_AUTHOR = re.compile(
    r"This page is synchronized from the post:.*?steemit\.com/@([a-z0-9.-]+)/"
)
FRONT_MATTER = re.compile(r"\A\s*---\n(.*?)\n---\n", re.S)
HTML_BLOCK = re.compile(r"<(p|div|section|center|html)\b", re.I)
TIMEOUT_SECONDS = 30

sys.path.insert(0, str(Path(__file__).resolve().parent))
from admin_rest import AdminRest  # noqa: E402 - a sibling script module


@dataclass(frozen=True)
class SeedPost:
    slug: str
    title: str
    date_gmt: str  # "YYYY-MM-DDTHH:MM:SS", UTC
    tags: tuple[str, ...]
    author: str  # WordPress login == Steem account
    content_html: str


def parse_scalar(text: str) -> str:
    """Unquotes a YAML scalar as the fixtures write them ('...' with '' escapes, or "...")."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def parse_front_matter(block: str) -> dict[str, str | list[str]]:
    """Top-level ``key: value`` scalars and ``key:`` + ``- item`` lists; nested maps are ignored."""
    fields: dict[str, str | list[str]] = {}
    current_list: list[str] | None = None
    for line in block.splitlines():
        if line.startswith("- ") and current_list is not None:
            current_list.append(parse_scalar(line[2:]))
            continue
        if not line or line[0].isspace() or ":" not in line:
            continue
        key, _, value = line.partition(":")
        if value.strip():
            fields[key.strip()] = parse_scalar(value)
            current_list = None
        else:
            current_list = []
            fields[key.strip()] = current_list
    return fields


def as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else value.split()


def to_utc(date_text: str) -> str:
    """Dates without an offset are UTC (they came from Steem); others are converted."""
    for pattern in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S"):
        try:
            parsed = datetime.strptime(date_text.strip(), pattern)
        except ValueError:
            continue
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return parsed.strftime("%Y-%m-%dT%H:%M:%S")
    raise ValueError(f"unknown date format: {date_text!r}")


def body_to_html(body: str) -> str:
    """Bodies that already hold HTML are kept as written; plain Markdown bodies are rendered."""
    if HTML_BLOCK.search(body):
        return body
    try:
        import markdown  # only needed for Markdown fixtures
    except ImportError as error:
        raise RuntimeError(
            "the Markdown fixture needs python-markdown: pip install markdown"
        ) from error
    return markdown.markdown(body, extensions=["extra"])


def parse_seed_file(path: Path) -> SeedPost:
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if match is None:
        raise ValueError(f"{path}: no front matter")
    fields = parse_front_matter(match.group(1))
    body = text[match.end() :]
    footer_author = FOOTER_AUTHOR.search(body)
    author = str(fields.get("author") or (footer_author.group(1) if footer_author else ""))
    if not author:
        raise ValueError(f"{path}: no author in front matter or footer")
    slug = str(fields.get("permlink") or path.stem.split("_", 1)[-1])
    tags = as_list(fields.get("tags")) or as_list(fields.get("categories"))
    return SeedPost(
        slug=slug,
        title=str(fields["title"]),
        date_gmt=to_utc(str(fields["date"])),
        tags=tuple(tags),
        author=author,
        content_html=body_to_html(MIRROR_FOOTER.sub("", body).strip()),
    )


class WordPressClient(AdminRest):
    """The few REST calls seeding needs, authenticated with the site's application password."""

    def __init__(self, site: dict[str, Any]) -> None:
        super().__init__(site, timeout=TIMEOUT_SECONDS)

    def posts_by_slug(self, slugs: list[str]) -> dict[str, int]:
        params = {"slug": ",".join(slugs), "status": "any", "context": "edit", "per_page": 100}
        return {post["slug"]: post["id"] for post in self.call("GET", "/posts", params=params)}

    def tag_id(self, name: str) -> int:
        response = self.session.post(
            self.api + "/tags", json={"name": name}, timeout=TIMEOUT_SECONDS
        )
        body = response.json()
        if response.status_code == 400 and body.get("code") == "term_exists":
            return int(body["data"]["term_id"])
        if response.status_code >= 400:
            raise RuntimeError(f"POST /tags {name!r}: HTTP {response.status_code}: {body}")
        return int(body["id"])

    def create_post(self, post: SeedPost, author_id: int) -> int:
        payload = {
            "title": post.title,
            "content": post.content_html,
            "status": "publish",
            "date_gmt": post.date_gmt,
            "slug": post.slug,
            "author": author_id,
            "tags": [self.tag_id(name) for name in post.tags],
        }
        created = self.call("POST", "/posts", json=payload)
        if created["slug"] != post.slug:
            raise RuntimeError(f"WordPress changed slug {post.slug!r} to {created['slug']!r}")
        return int(created["id"])


def seed(site: dict[str, Any], seed_dir: Path) -> dict[str, dict[str, int]]:
    posts = [parse_seed_file(path) for path in sorted(seed_dir.glob("*.txt"))]
    client = WordPressClient(site)
    existing = client.posts_by_slug([post.slug for post in posts])
    created: dict[str, int] = {}
    for post in posts:
        if post.slug in existing:
            continue
        if post.author not in site["users"]:
            raise RuntimeError(f"{post.slug}: author {post.author!r} is not a user of the site")
        created[post.slug] = client.create_post(post, int(site["users"][post.author]["id"]))
    return {"created": created, "existing": existing}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    site = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    try:
        result = seed(site, Path(argv[2]))
    except (RuntimeError, ValueError, requests.RequestException) as error:
        print(f"seed.py: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
