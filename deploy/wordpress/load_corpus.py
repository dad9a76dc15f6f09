"""Loads the WordPress Theme Unit Test corpus (WXR files) into a local site through its REST API.

Owns reading ``fixtures/wordpress/*.xml`` (WXR 1.2, both the ``http`` and ``https`` namespace
spellings) and recreating, with the administrator's application password: authors (users with
``steem_account`` = their login when that is a valid chain name), categories (with parents), tags,
attachments, then every post and page with its status (publish, draft, private, future), password,
dates, slug, sticky flag, post format, parent, menu order, terms and featured image.

Attachments: there is no internet, so each attachment is uploaded as a tiny generated stand-in
file (a 2x2 image of the right type; a minimal MP3/QuickTime header for media) under the original
file name, with the WXR title, caption, alt text and date; the original URL is appended to its
description. WordPress then serves it from its own uploads directory, so ``[gallery]`` shortcodes
(by ``ids`` or by parent post), gallery blocks and featured images resolve to the site's real
attachment URLs. Image URLs written literally in post content keep pointing at the original host.
Attachments are shared between the two files by original URL. WXR ids in ``[gallery ids=...]``
are rewritten to the new attachment ids (unknown ids are dropped so they cannot hit an unrelated
attachment). Comments and menus are not loaded.

Idempotent: objects are matched by natural keys (user login, term slug, and for posts, pages and
attachments the (title, date_gmt) pair the WXR gives them), so a second run creates nothing.
Prints ``{"created": {...}, "existing": {...}}`` counts.

Usage: python deploy/wordpress/load_corpus.py --site corpus [--fixtures DIR]
(start the site first: deploy/wordpress/wp-local start corpus 8104)
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "wordpress"
TIMEOUT_SECONDS = 60

sys.path.insert(0, str(Path(__file__).resolve().parent))
from admin_rest import AdminRest  # noqa: E402 - a sibling script module

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
LOADED_TYPES = {"post": "posts", "page": "pages"}
STATUSES = "publish,future,draft,pending,private"
ACCOUNT_NAME = re.compile(r"^(?=.{3,16}$)[a-z][a-z0-9-]*[a-z0-9](\.[a-z][a-z0-9-]*[a-z0-9])*$")
GALLERY_IDS = re.compile(r'(\[gallery\b[^\]]*?\b(?:ids|include|exclude)=)("?)([0-9, ]*)\2')

# Stand-in files: valid enough for WordPress's file-type checks, a few bytes each.
STAND_INS = {
    "jpg": ("image/jpeg", (
        "/9j/4AAQSkZJRgABAQEAYABgAAD//gA7Q1JFQVRPUjogZ2QtanBlZyB2MS4wICh1c2luZyBJSkcgSlBF"
        "RyB2NjIpLCBxdWFsaXR5ID0gNTAK/9sAQwAQCwwODAoQDg0OEhEQExgoGhgWFhgxIyUdKDozPTw5Mzg3"
        "QEhcTkBEV0U3OFBtUVdfYmdoZz5NcXlwZHhcZWdj/9sAQwEREhIYFRgvGhovY0I4QmNjY2NjY2NjY2Nj"
        "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj/8AAEQgAAgACAwEiAAIRAQMRAf/E"
        "AB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUS"
        "ITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RV"
        "VldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TF"
        "xsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/EAB8BAAMBAQEBAQEBAQEAAAAAAAABAgME"
        "BQYHCAkKC//EALURAAIBAgQEAwQHBQQEAAECdwABAgMRBAUhMQYSQVEHYXETIjKBCBRCkaGxwQkjM1Lw"
        "FWJy0QoWJDThJfEXGBkaJicoKSo1Njc4OTpDREVGR0hJSlNUVVZXWFlaY2RlZmdoaWpzdHV2d3h5eoKD"
        "hIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uLj5OXm5+jp"
        "6vLz9PX29/j5+v/aAAwDAQACEQMRAD8A8/ooooA//9k="
    )),
    "png": ("image/png", "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAACXBIWXMAAA7EAAAOxAGVKw4b"
            "AAAAFklEQVQImWM8UaHBwMDAxMDAwMDAAAARqgFsH8MKRgAAAABJRU5ErkJggg=="),
    "gif": ("image/gif", "R0lGODdhAgACAIAAAMx6LAAAACwAAAAAAgACAAACAoRRADs="),
    "mp3": ("audio/mpeg", base64.b64encode(b"ID3\x03\x00\x00\x00\x00\x00\x00"
                                           + b"\xff\xfb\x90\x64" + b"\x00" * 413).decode()),
    "mov": ("video/quicktime", base64.b64encode(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  "
                                                + b"\x00\x00\x00\x08free").decode()),
}  # fmt: skip
STAND_INS["jpeg"] = STAND_INS["jpg"]


@dataclass
class Item:
    """One WXR ``<item>`` (post, page or attachment)."""

    source: str  # WXR file stem: ids are only unique within one file
    wxr_id: int
    post_type: str
    status: str
    title: str
    content: str
    excerpt: str
    slug: str
    date_gmt: str
    author: str
    parent: int
    menu_order: int
    password: str
    sticky: bool
    comment_status: str
    ping_status: str
    attachment_url: str
    terms: list[tuple[str, str, str]] = field(default_factory=list)  # (taxonomy, slug, name)
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class Wxr:
    authors: dict[str, dict[str, str]]  # login -> {email, display_name}
    categories: list[dict[str, str]]  # slug, name, parent slug, description
    tags: list[dict[str, str]]
    items: list[Item]


def _wxr_namespace(root: ET.Element) -> str:
    for element in root.iter():
        if element.tag.startswith("{") and element.tag.endswith("}wxr_version"):
            return element.tag[1 : element.tag.index("}")]
    raise ValueError("not a WXR file: no wxr_version element")


def parse_wxr(path: Path) -> Wxr:
    root = ET.parse(path).getroot()
    wp = _wxr_namespace(root)
    ns = {"wp": wp, "content": CONTENT_NS, "dc": DC_NS, "excerpt": wp + "excerpt/"}
    channel = root.find("channel")
    assert channel is not None

    def text(element: ET.Element, name: str) -> str:
        return (element.findtext(name, default="", namespaces=ns) or "").strip("\n")

    authors = {text(a, "wp:author_login"): {"email": text(a, "wp:author_email"),
                                            "display_name": text(a, "wp:author_display_name")}
               for a in channel.findall("wp:author", ns)}  # fmt: skip
    categories = [{"slug": text(c, "wp:category_nicename"), "name": text(c, "wp:cat_name"),
                   "parent": text(c, "wp:category_parent"),
                   "description": text(c, "wp:category_description")}
                  for c in channel.findall("wp:category", ns)]  # fmt: skip
    tags = [{"slug": text(t, "wp:tag_slug"), "name": text(t, "wp:tag_name"),
             "description": text(t, "wp:tag_description")} for t in channel.findall("wp:tag", ns)]
    items = []
    for element in channel.findall("item"):
        item = Item(
            source=path.stem, wxr_id=int(text(element, "wp:post_id") or 0),
            post_type=text(element, "wp:post_type"), status=text(element, "wp:status"),
            title=element.findtext("title", default="") or "",
            content=text(element, "content:encoded"), excerpt=text(element, "excerpt:encoded"),
            slug=text(element, "wp:post_name"), date_gmt=text(element, "wp:post_date_gmt"),
            author=text(element, "dc:creator"), parent=int(text(element, "wp:post_parent") or 0),
            menu_order=int(text(element, "wp:menu_order") or 0),
            password=text(element, "wp:post_password"),
            sticky=text(element, "wp:is_sticky") == "1",
            comment_status=text(element, "wp:comment_status"),
            ping_status=text(element, "wp:ping_status"),
            attachment_url=text(element, "wp:attachment_url"),
        )  # fmt: skip
        item.terms = [(c.get("domain", ""), c.get("nicename", ""), c.text or "")
                      for c in element.findall("category")]  # fmt: skip
        item.meta = {text(m, "wp:meta_key"): text(m, "wp:meta_value")
                     for m in element.findall("wp:postmeta", ns)}  # fmt: skip
        items.append(item)
    return Wxr(authors, categories, tags, items)


def rest_date(wxr_date: str) -> str | None:
    """``2010-09-10 14:24:14`` -> ``2010-09-10T14:24:14``; the WXR's zero date -> None."""
    if not wxr_date or wxr_date.startswith("0000"):
        return None
    return wxr_date.replace(" ", "T")


class Site(AdminRest):
    """The REST calls loading needs, as the site's administrator."""

    def __init__(self, site: dict[str, Any]) -> None:
        super().__init__(site, timeout=TIMEOUT_SECONDS)


class Loader:
    def __init__(self, site: Site, files: list[Wxr]) -> None:
        self.site = site
        self.files = files
        self.created: Counter[str] = Counter()
        self.existing: Counter[str] = Counter()
        self.users: dict[str, int] = {}
        self.terms: dict[tuple[str, str], int] = {}  # (taxonomy, slug) -> id
        self.ids: dict[tuple[str, int], int] = {}  # (WXR file, WXR id) -> WordPress id

    def count(self, kind: str, created: bool) -> None:
        (self.created if created else self.existing)[kind] += 1

    # -- users and terms -----------------------------------------------------------------------

    def load_users(self) -> None:
        users = self.site.all("/users", context="edit")
        known = {u["username"]: u["id"] for u in users}
        emails = {u.get("email", "") for u in users}
        for wxr in self.files:
            for login, author in wxr.authors.items():
                if login in self.users:
                    continue
                self.count("users", login not in known)
                if login not in known:
                    email = author["email"]
                    if not email or email in emails:  # WordPress wants one address per user
                        email = f"{login}@example.invalid"
                    emails.add(email)
                    payload: dict[str, Any] = {
                        "username": login, "email": email,
                        "name": author["display_name"] or login, "roles": ["author"],
                        "password": secrets.token_urlsafe(24),
                    }  # fmt: skip
                    if ACCOUNT_NAME.match(login):
                        payload["meta"] = {"steem_account": login}
                    known[login] = self.site.call("POST", "/users", json=payload)["id"]
                self.users[login] = int(known[login])

    def load_terms(self) -> None:
        for taxonomy, route in (("category", "/categories"), ("post_tag", "/tags")):
            for term in self.site.all(route, context="edit", hide_empty="false"):
                self.terms[(taxonomy, term["slug"])] = int(term["id"])
        wanted: list[tuple[str, dict[str, str]]] = []
        for wxr in self.files:
            wanted += [("category", c) for c in wxr.categories]
            wanted += [("post_tag", t) for t in wxr.tags]
            for item in wxr.items:
                wanted += [(tax, {"slug": slug, "name": name}) for tax, slug, name in item.terms
                           if tax in ("category", "post_tag")]  # fmt: skip
        pending = wanted
        while pending:  # categories whose parent is not there yet wait for the next round
            waiting = [(tax, term) for tax, term in pending if not self._ensure_term(tax, term)]
            if len(waiting) == len(pending):
                raise RuntimeError(f"categories with unknown parents: {waiting[:3]}")
            pending = waiting

    def _ensure_term(self, taxonomy: str, term: dict[str, str]) -> bool:
        key = (taxonomy, term["slug"])
        if key in self.terms:
            return True
        payload: dict[str, Any] = {"slug": term["slug"], "name": term["name"] or term["slug"],
                                   "description": term.get("description", "")}  # fmt: skip
        if term.get("parent"):
            parent = self.terms.get(("category", term["parent"]))
            if parent is None:
                return False
            payload["parent"] = parent
        route = "/categories" if taxonomy == "category" else "/tags"
        self.terms[key] = int(self.site.call("POST", route, json=payload)["id"])
        self.count("categories" if taxonomy == "category" else "tags", True)
        return True

    def author_id(self, login: str) -> int | None:
        """The user for a ``dc:creator``; one Theme Unit Test item says ">themereviewteam"."""
        cleaned = re.sub(r"[^A-Za-z0-9._@-]", "", login)
        return self.users.get(login) or self.users.get(cleaned)

    # -- attachments -----------------------------------------------------------------------------

    def load_attachments(self) -> None:
        known = {_key(m): int(m["id"]) for m in self.site.all("/media", context="edit")}
        by_url: dict[str, int] = {}
        for wxr in self.files:
            for item in wxr.items:
                if item.post_type != "attachment":
                    continue
                if item.attachment_url in by_url:
                    self.ids[(item.source, item.wxr_id)] = by_url[item.attachment_url]
                    continue
                key = (item.title, rest_date(item.date_gmt) or "")
                media_id = known.get(key)
                self.count("attachments", media_id is None)
                if media_id is None:
                    media_id = self._upload(item)
                    known[key] = media_id
                by_url[item.attachment_url] = media_id
                self.ids[(item.source, item.wxr_id)] = media_id

    def _upload(self, item: Item) -> int:
        name = item.attachment_url.rsplit("/", 1)[-1] or f"attachment-{item.wxr_id}.jpg"
        extension = name.rsplit(".", 1)[-1].lower()
        mime, data = STAND_INS.get(extension, STAND_INS["png"])
        params = {"title": item.title, "caption": item.excerpt, "date_gmt": rest_date(item.date_gmt),
                  "alt_text": item.meta.get("_wp_attachment_image_alt", ""),
                  "description": f"{item.content}\n\nOriginal: {item.attachment_url}".strip(),
                  "author": self.author_id(item.author)}  # fmt: skip
        created = self.site.call(
            "POST", "/media", data=base64.b64decode(data),
            params={k: v for k, v in params.items() if v not in (None, "")},
            headers={"Content-Type": mime, "Content-Disposition": f'attachment; filename="{name}"'},
        )
        return int(created["id"])

    def attach_to_parents(self) -> None:
        """Sets each attachment's parent post ([gallery] without ids lists a post's children)."""
        current = {int(m["id"]): int(m.get("post") or 0)
                   for m in self.site.all("/media", context="edit")}  # fmt: skip
        for wxr in self.files:
            for item in wxr.items:
                if item.post_type != "attachment" or not item.parent:
                    continue
                media_id = self.ids[(item.source, item.wxr_id)]
                parent = self.ids.get((item.source, item.parent), 0)
                if parent and current.get(media_id) == 0:
                    self.site.call("POST", f"/media/{media_id}", json={"post": parent})
                    current[media_id] = parent

    # -- posts and pages -----------------------------------------------------------------------

    def load_posts(self) -> None:
        known: dict[tuple[str, str, str], int] = {}
        for post_type, route in LOADED_TYPES.items():
            for post in self.site.all("/" + route, context="edit", status=STATUSES):
                known[(post_type, *_key(post))] = int(post["id"])
        pending = [i for wxr in self.files for i in wxr.items if i.post_type in LOADED_TYPES]
        while pending:  # pages whose parent page is not there yet wait for the next round
            waiting = []
            for item in pending:
                if item.parent and (item.source, item.parent) not in self.ids:
                    waiting.append(item)
                    continue
                key = (item.post_type, item.title, rest_date(item.date_gmt) or "")
                post_id = known.get(key)
                self.count(LOADED_TYPES[item.post_type], post_id is None)
                if post_id is None:
                    post_id = self._create_post(item)
                    known[key] = post_id
                self.ids[(item.source, item.wxr_id)] = post_id
            if len(waiting) == len(pending):
                raise RuntimeError(f"items with unknown parents: {[i.wxr_id for i in waiting]}")
            pending = waiting

    def _create_post(self, item: Item) -> int:
        payload: dict[str, Any] = {
            "title": item.title, "content": self.remap_gallery_ids(item), "excerpt": item.excerpt,
            "status": item.status, "slug": item.slug, "author": self.author_id(item.author),
            "comment_status": item.comment_status or "open",
            "ping_status": item.ping_status or "open", "password": item.password,
            "menu_order": item.menu_order,
        }  # fmt: skip
        if rest_date(item.date_gmt):
            payload["date_gmt"] = rest_date(item.date_gmt)
        featured = self.ids.get((item.source, int(item.meta.get("_thumbnail_id") or 0)))
        if featured:
            payload["featured_media"] = featured
        if item.post_type == "post":
            payload["sticky"] = item.sticky
            payload["categories"] = self._term_ids(item, "category")
            payload["tags"] = self._term_ids(item, "post_tag")
            formats = [slug for tax, slug, _ in item.terms if tax == "post_format"]
            if formats:
                payload["format"] = formats[0].removeprefix("post-format-")
        else:
            payload["parent"] = self.ids.get((item.source, item.parent), 0)
        return int(self.site.call("POST", "/" + LOADED_TYPES[item.post_type], json=payload)["id"])

    def _term_ids(self, item: Item, taxonomy: str) -> list[int]:
        return [self.terms[(taxonomy, slug)] for tax, slug, _ in item.terms if tax == taxonomy]

    def remap_gallery_ids(self, item: Item) -> str:
        def remap(match: re.Match[str]) -> str:
            ids = [self.ids.get((item.source, int(n))) for n in re.findall(r"[0-9]+", match[3])]
            return f'{match[1]}"{",".join(str(i) for i in ids if i)}"'

        return GALLERY_IDS.sub(remap, item.content)

    def run(self) -> dict[str, dict[str, int]]:
        self.load_users()
        self.load_terms()
        self.load_attachments()
        self.load_posts()
        self.attach_to_parents()
        return {"created": dict(self.created), "existing": dict(self.existing)}


def _key(post: dict[str, Any]) -> tuple[str, str]:
    title = post.get("title") or {}
    raw_title = title.get("raw", "") if isinstance(title, dict) else str(title)
    return raw_title, str(post.get("date_gmt") or "")


def load_corpus(site: dict[str, Any], fixtures: Path = DEFAULT_FIXTURES) -> dict[str, Any]:
    """Loads every WXR file under ``fixtures`` into ``site`` (a wp-local site.json dict)."""
    files = [parse_wxr(path) for path in sorted(fixtures.glob("*.xml"))]
    return Loader(Site(site), files).run()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="wp-local site name, e.g. corpus")
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    args = parser.parse_args(argv)
    site_json = REPO_ROOT / ".run" / f"wordpress-{args.site}" / "site.json"
    if not site_json.exists():
        print(f"load_corpus.py: {site_json} missing; run deploy/wordpress/wp-local start "
              f"{args.site} PORT first", file=sys.stderr)  # fmt: skip
        return 2
    try:
        result = load_corpus(json.loads(site_json.read_text(encoding="utf-8")), args.fixtures)
    except (RuntimeError, ValueError, requests.RequestException) as error:
        print(f"load_corpus.py: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
