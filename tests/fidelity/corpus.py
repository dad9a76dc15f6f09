"""The corpus as PostRecords: the real local WordPress site "corpus" (port 8104) and its captures.

Owns starting and loading the site (seed posts via wp-local, the Theme Unit Test WXR files via
``deploy/wordpress/load_corpus.py``), reading every published post and page over REST with
``context=edit``, and turning each into the ``PostRecord`` the engine would build, through the
source's own ``connectors.wordpress_posts.WordPressPosts.to_record``. Terms, media and users are
read once per run instead of once per post (a ``WordPressApi`` that answers from memory), which also makes
a capture: everything ``to_record`` needs for one post, as JSON, replayable without WordPress.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bridge.model import MappingContext, PostRecord
from connectors.wordpress_posts import WordPressPosts
from tests.support.wordpress import REPO_ROOT, ensure_wordpress, wordpress_request

SITE_NAME = "corpus"
SITE_PORT = 8104
POST_TYPES = ("posts", "pages")
FIXED_NOW = "2026-11-21T12:00:00"


@dataclass
class RecordedApi:
    """A ``connectors.wordpress_posts.WordPressApi`` answering from recorded terms, media and users."""

    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # post type -> raw
    terms: dict[str, dict[int, str]] = field(default_factory=dict)  # taxonomy -> id -> name
    media: dict[int, str] = field(default_factory=dict)
    accounts: dict[int, str] = field(default_factory=dict)

    def posts_modified_since(self, modified_after: str | None, *, post_type: str = "posts",
                             status: str = "publish") -> Iterator[dict[str, Any]]:
        yield from (p for p in self.posts.get(post_type, []) if p.get("status") == status)

    def term_names(self, taxonomy: str, ids: list[int]) -> dict[int, str]:
        known = self.terms.get(taxonomy, {})
        return {i: known[i] for i in ids if i in known}

    def term_counts(self, taxonomy: str, ids: list[int]) -> dict[int, int]:
        return {}  # use counts were not recorded: unknown, as on a site that does not say

    def media_url(self, media_id: int) -> str:
        return self.media.get(media_id, "")

    def user_steem_account(self, user_id: int) -> str:
        return self.accounts.get(user_id, "")

    def capture(self, post_type: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Everything ``to_record`` reads for ``raw``, as JSON (golden-file input)."""
        return {
            "post_type": post_type,
            "post": raw,
            "terms": {tax: {str(i): self.terms.get(tax, {}).get(i, "") for i in raw.get(tax) or []
                            if i in self.terms.get(tax, {})} for tax in ("tags", "categories")},
            "media": {str(m): self.media[m] for m in [int(raw.get("featured_media") or 0)]
                      if m in self.media},
            "accounts": {str(a): self.accounts.get(a, "") for a in [int(raw.get("author") or 0)]},
        }  # fmt: skip

    @classmethod
    def from_capture(cls, captured: dict[str, Any]) -> RecordedApi:
        return cls(
            posts={captured["post_type"]: [captured["post"]]},
            terms={tax: {int(k): v for k, v in names.items()}
                   for tax, names in captured["terms"].items()},  # fmt: skip
            media={int(k): v for k, v in captured["media"].items()},
            accounts={int(k): v for k, v in captured["accounts"].items()},
        )


def record_from_capture(captured: dict[str, Any], site_id: str = SITE_NAME) -> PostRecord:
    api = RecordedApi.from_capture(captured)
    return WordPressPosts(api, site_id, captured["post_type"]).to_record(captured["post"])


def _load_corpus_module() -> Any:
    path = REPO_ROOT / "deploy" / "wordpress" / "load_corpus.py"
    spec = importlib.util.spec_from_file_location("load_corpus", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@cache
def corpus_site() -> dict[str, Any]:
    """The running, fully loaded corpus site (idempotent; about a second when already loaded)."""
    site = ensure_wordpress(SITE_NAME, SITE_PORT, seed=True)
    _load_corpus_module().load_corpus(site)
    return site


def _all(site: dict[str, Any], route: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        response = wordpress_request(site, "GET", route,
                                     params={"per_page": 100, "page": page, **params})
        response.raise_for_status()
        pages = int(response.headers.get("X-WP-TotalPages", "1") or 1)
        found += response.json()
        page += 1
    return found


def read_site(site: dict[str, Any]) -> RecordedApi:
    """Published posts and pages plus all terms, media and users of ``site``, read once."""
    from connectors.wordpress_rest import POST_FIELDS

    api = RecordedApi()
    for post_type in POST_TYPES:
        api.posts[post_type] = _all(site, f"/wp/v2/{post_type}", context="edit",
                                    status="publish", _fields=POST_FIELDS)  # fmt: skip
    for taxonomy in ("tags", "categories"):
        api.terms[taxonomy] = {int(t["id"]): t["name"] for t in _all(site, f"/wp/v2/{taxonomy}")}
    api.media = {int(m["id"]): m["source_url"] for m in _all(site, "/wp/v2/media")}
    for user in _all(site, "/wp/v2/users", context="edit"):
        meta = user.get("meta") or {}
        api.accounts[int(user["id"])] = str(meta.get("steem_account") or "") if meta else ""
    return api


def published_records(api: RecordedApi) -> Iterator[tuple[PostRecord, dict[str, Any]]]:
    """(record, raw REST post) for every published post and page."""
    for post_type in POST_TYPES:
        source = WordPressPosts(api, SITE_NAME, post_type)
        for raw in api.posts_modified_since(None, post_type=post_type):
            yield source.to_record(raw), raw


def corpus_context(site: dict[str, Any], body_format: str = "html") -> MappingContext:
    return MappingContext(site_id=SITE_NAME, site_url=site["url"], site_name="Corpus Blog",
                          now=FIXED_NOW, body_format=body_format)  # fmt: skip
