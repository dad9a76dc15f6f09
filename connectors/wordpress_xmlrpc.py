"""WordPress over XML-RPC (``xmlrpc.php``), for sites whose REST API is unusable.

Owns: listing posts changed since a cursor in the REST connector's ``context=edit`` shape,
term/media look-ups, and the writes (through the companion plugin, or ``wp.editPost``).
Mirrors ``connectors.wordpress_rest.WordPressRest`` wherever XML-RPC can; differences:

* ``wp.getPosts`` has no modified-since filter. We page newest-change-first
  (``orderby="modified ID"``, ``DESC``, ``number``/``offset``) until a post is not newer than the
  cursor, then yield oldest first (``posts_published_since`` the same by ``date``). Cost: every
  poll reads at least one page; the whole window is held in memory; the first poll (no cursor)
  reads every post of the type. Pages overlap so that a post leaving the list mid-poll (trashed,
  unpublished) cannot shift an unseen post past us. ``posts_by_id`` costs one ``wp.getPost`` each.
* ``site_info()["namespaces"]`` is empty: XML-RPC cannot see REST namespaces.

What core XML-RPC lacks comes from the companion plugin's XML-RPC method ``wpsb.rest``, which
runs the plugin's own REST routes inside WordPress (``connectors.wordpress_xmlrpc_plugin``): the
rendered title/content/excerpt, the typed ``steem_*`` meta, the authors' ``steem_account`` and
every write (``write_meta``, mirrored meta, reply comments, points), so chain meta is written
without bumping the post's modified date, exactly as over REST. Posts then become the same
``PostRecord``s as over REST (tests/contract/test_source_contract.py), except that ``meta`` holds
only the plugin's ``steem_*`` post keys (REST's also holds every other registered key).

Without the plugin (or with one older than ``wpsb.rest``) the reads degrade to core XML-RPC:
``rendered`` is ``""`` (consumers fall back to raw), ``meta`` holds only the ``steem_*`` custom
fields that exist, ``user_steem_account`` is ``""`` (as over REST without the plugin), and
``write_meta`` raises ``Code.PLUGIN_MISSING``. The older ``write_chain_meta`` still writes custom
fields through ``wp.editPost``, which bumps the post's modified date (the next poll sees the post
again; idempotent intent keys drop the repeat).

Calls go through ``connectors.wordpress_xmlrpc_transport.XmlrpcCaller``: every failure leaves
as a classified ``ConnectorError`` whose message never contains the password.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import requests
from wordpress_xmlrpc import WordPressPost
from wordpress_xmlrpc.fieldmaps import DateTimeFieldMap
from wordpress_xmlrpc.methods import media, options, posts, taxonomies

from bridge.model import to_text
from bridge.ports import MetaWrite, RetryRequest, SiteState
from connectors.failures import (
    ConnectorError,
    TerminalError,
    TransientError,
)
from connectors.wordpress_rest import SITE_STATE_ROUTES, with_reply_failures
from connectors.wordpress_xmlrpc_plugin import PluginRoutes
from connectors.wordpress_xmlrpc_transport import XmlrpcCaller

PAGE_SIZE = 100
# Consecutive pages share this many posts; the previous page's last post must reappear.
PAGE_OVERLAP = 5
MAX_PAGING_RESTARTS = 3
POST_FIELDS = ["post", "terms", "custom_fields"]
# REST route names -> XML-RPC post type / taxonomy names.
POST_TYPES = {"posts": "post", "pages": "page"}
TAXONOMIES = {"categories": "category", "tags": "post_tag"}
META_PREFIX = "steem_"
INT_META = {"steem_block"}
BOOL_META = {"steem_opt_out"}


class XmlrpcPost(WordPressPost):
    """The library's post, plus the site-local dates it leaves out (the cursor is local time)."""

    definition = dict(WordPressPost.definition,
                      date_local=DateTimeFieldMap("post_date"),
                      modified_local=DateTimeFieldMap("post_modified"))


class WordPressXmlrpc:
    """One WordPress site, through xmlrpc.php."""

    def __init__(self, base_url: str, user: str, app_password: str, *, timeout: float = 20,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.endpoint = f"{self.base_url}/xmlrpc.php"
        self.user = user
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "wp-steem-bridge"
        self.caller = XmlrpcCaller(self.endpoint, user, app_password, self.session, timeout)
        self._call = self.caller.call
        # Filled while listing posts, so the engine's follow-up look-ups cost no extra calls.
        self._terms: dict[str, dict[int, str]] = {}
        self._term_counts: dict[int, int] = {}  # term id -> use count, as the listing said
        self._newest_retry: int | None = None  # the newest Retry press, as the change feed said
        self._media: dict[int, str] = {}
        self._accounts: dict[int, str] = {}
        self.plugin = PluginRoutes(self._call, self.caller.supported_methods)

    # -- reads --------------------------------------------------------------------------------

    def site_info(self) -> dict[str, Any]:
        found = self._call(options.GetOptions(["blog_title", "home_url", "blog_url"]),
                           "reading the site options")
        values = {option.name: option.value for option in found or []}
        return {"name": values.get("blog_title", ""),
                "url": values.get("home_url") or values.get("blog_url", ""), "namespaces": []}

    def posts_modified_since(self, modified_after: str | None, *, post_type: str = "posts",
                             status: str = "publish") -> Iterator[dict[str, Any]]:
        """Posts with ``modified`` (site-local time) after the cursor, oldest change first."""
        self._terms, self._media = {}, {}
        cursor = (modified_after or "")[:19]
        newest_first = self._newer_than(cursor, POST_TYPES.get(post_type, post_type), status)
        yield from self._shaped(reversed(newest_first))

    def posts_published_since(self, published_after: str | None, *, post_type: str = "posts",
                              status: str = "publish") -> Iterator[dict[str, Any]]:
        """Posts with ``date`` after the cursor (scheduled posts WordPress published), oldest
        first; paged newest-date-first like ``posts_modified_since``."""
        self._terms, self._media = {}, {}
        cursor = (published_after or "")[:19]
        newest_first = self._newer_than(cursor, POST_TYPES.get(post_type, post_type), status,
                                        by="date")
        yield from self._shaped(reversed(newest_first))

    def posts_by_id(self, ids: list[int], *, post_type: str = "posts",
                    status: str = "publish,trash") -> list[dict[str, Any]]:
        """These posts when they exist, are of this type and in one of these statuses (as the
        REST ``include`` listing), in modified order; one ``wp.getPost`` each."""
        self._terms, self._media = {}, {}
        wanted_type, statuses = POST_TYPES.get(post_type, post_type), set(status.split(","))
        found: list[XmlrpcPost] = []
        for post_id in dict.fromkeys(ids):
            try:
                post = self._call(posts.GetPost(post_id, POST_FIELDS, results_class=XmlrpcPost),
                                  f"reading post {post_id} over XML-RPC")
            except TerminalError:
                continue  # deleted (fault 404) or not the bridge's to read: left out, as REST
            if post.post_type == wanted_type and post.post_status in statuses:
                found.append(post)
        found.sort(key=lambda p: (_local(p.modified_local), int(p.id)))
        return self._shaped(found)

    def posts_between(self, since: str | None, until: str | None, *, ids: Sequence[int] = (),
                      categories: Sequence[str] = (), post_type: str = "posts",
                      status: str = "publish") -> Iterator[dict[str, Any]]:
        """As the REST connector's, oldest first; XML-RPC has no date window, id or category
        filter, so they are applied here (categories by name or id)."""
        found = self.posts_by_id(list(ids), post_type=post_type, status=status) if ids else \
            list(self.posts_published_since(since, post_type=post_type, status=status))
        wanted = {name.casefold() for name in categories}
        for post in sorted(found, key=lambda p: (p["date"], p["id"])):
            names = {str(i) for i in post["categories"]} | \
                {name.casefold() for name in post["category_names"]}
            if (since and post["date"] <= since[:19]) or (until and post["date"] >= until[:19]) \
                    or (wanted and not wanted & names):
                continue
            yield post

    def changes(self, after: int, *, post_type: str = "post", limit: int = 100) -> dict[str, Any]:
        """The companion plugin's change feed, through ``wpsb.rest`` (as the REST connector)."""
        found = self.plugin.get("changes", "reading the change feed", after=str(after),
                                type=post_type, limit=str(limit))
        if isinstance(found, dict) and isinstance(found.get("retries"), int):
            self._newest_retry = found["retries"]
        return found if isinstance(found, dict) else {}

    def comments_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        """The companion plugin's comment records (``wp-steem-bridge/v1/comments``)."""
        if not ids:
            return []
        found = self.plugin.get("comments", "reading comments",
                                include=",".join(map(str, ids)))
        return [c for c in found or [] if isinstance(c, dict)]

    def _newer_than(self, cursor: str, post_type: str, status: str,
                    by: str = "modified") -> list[XmlrpcPost]:
        for _attempt in range(MAX_PAGING_RESTARTS):
            found = self._page_until(cursor, post_type, status, by)
            if found is not None:
                return found
        raise TransientError(f"listing {post_type} over XML-RPC: the post list kept changing "
                             f"while paging; try again")

    def _page_until(self, cursor: str, post_type: str, status: str,
                    by: str = "modified") -> list[XmlrpcPost] | None:
        """Newest ``by`` (modified or date) first; ``None`` when pages stopped overlapping
        (the list changed while paging)."""
        seen: dict[int, XmlrpcPost] = {}
        offset, previous_last = 0, None
        while True:
            page = self._call(posts.GetPosts(
                {"post_type": post_type, "post_status": status, "orderby": f"{by} ID",
                 "order": "DESC", "number": PAGE_SIZE, "offset": offset}, POST_FIELDS,
                results_class=XmlrpcPost), f"listing {post_type} over XML-RPC") or []
            ids = [int(post.id) for post in page]
            if previous_last is not None and page and previous_last not in ids:
                return None
            for post in page:
                if cursor and _local(getattr(post, f"{by}_local")) <= cursor:
                    return list(seen.values())
                seen.setdefault(int(post.id), post)
            if len(page) < PAGE_SIZE:
                return list(seen.values())
            previous_last, offset = ids[-1], offset + PAGE_SIZE - PAGE_OVERLAP

    def _shaped(self, found: Iterable[XmlrpcPost]) -> list[dict[str, Any]]:
        """The REST shape; with the companion plugin, also the rendered HTML, the typed
        ``steem_*`` meta and the authors' accounts (one ``wpsb.rest`` call per 49 posts)."""
        shaped = [self._to_rest_shape(post) for post in found]
        if not shaped or not self.plugin.available():
            return shaped
        what = "reading rendered posts and chain meta through the companion plugin"
        rendered, meta = self.plugin.post_details([p["id"] for p in shaped], what)
        for post in shaped:
            for field in ("title", "content", "excerpt"):
                post[field]["rendered"] = str(rendered.get(post["id"], {}).get(field) or "")
            post["meta"] = meta.get(post["id"], post["meta"])
        authors = sorted({p["author"] for p in shaped if p["author"]} - set(self._accounts))
        if authors:
            self._accounts.update(self.plugin.accounts(authors, "reading the posts' authors"))
        return shaped

    def _to_rest_shape(self, post: XmlrpcPost) -> dict[str, Any]:
        by_taxonomy: dict[str, dict[int, str]] = {name: {} for name in TAXONOMIES}
        rest_names = {v: k for k, v in TAXONOMIES.items()}
        for term in getattr(post, "terms", []):
            rest_name = rest_names.get(getattr(term, "taxonomy", ""))
            if rest_name:
                by_taxonomy[rest_name][int(term.id)] = term.name
                self._terms.setdefault(rest_name, {})[int(term.id)] = term.name
                if str(getattr(term, "count", "")).isdigit():
                    self._term_counts[int(term.id)] = int(term.count)
        thumbnail = getattr(post, "thumbnail", None)
        if not isinstance(thumbnail, dict):
            thumbnail = {}
        featured = int(thumbnail.get("attachment_id") or 0)
        if featured:
            self._media[featured] = str(thumbnail.get("link") or "")
        return {
            "id": int(post.id), "date": _local(post.date_local), "date_gmt": _local(post.date),
            "modified": _local(post.modified_local), "modified_gmt": _local(post.date_modified),
            "slug": getattr(post, "slug", ""), "status": getattr(post, "post_status", ""),
            "type": getattr(post, "post_type", "post"), "link": getattr(post, "link", ""),
            "title": {"raw": getattr(post, "title", ""), "rendered": ""},
            "content": {"raw": getattr(post, "content", ""), "rendered": ""},
            "excerpt": {"raw": getattr(post, "excerpt", ""), "rendered": ""},
            "author": int(getattr(post, "user", 0) or 0), "featured_media": featured,
            "categories": list(by_taxonomy["categories"]), "tags": list(by_taxonomy["tags"]),
            "category_names": list(by_taxonomy["categories"].values()),
            "tag_names": list(by_taxonomy["tags"].values()),
            "meta": _chain_meta(getattr(post, "custom_fields", [])),
            "password": getattr(post, "password", ""),
        }

    def term_counts(self, taxonomy: str, ids: list[int]) -> dict[int, int]:
        """Use counts of the terms the last listing carried (wp.getPost's terms have them)."""
        return {i: self._term_counts[i] for i in ids if i in self._term_counts}

    def term_names(self, taxonomy: str, ids: list[int]) -> dict[int, str]:
        """From the last listing's terms; ids it did not see cost one ``wp.getTerm`` each."""
        known = self._terms.setdefault(taxonomy, {})
        for term_id in (i for i in ids if i not in known):
            try:
                term = self._call(taxonomies.GetTerm(TAXONOMIES.get(taxonomy, taxonomy), term_id),
                                  f"reading {taxonomy} {term_id}")
            except TerminalError:
                continue  # deleted term: the post goes out without it, as over REST
            known[term_id] = term.name or getattr(term, "slug", "")
        return {i: known[i] for i in ids if i in known}

    def media_url(self, media_id: int) -> str:
        if not media_id:
            return ""
        if media_id not in self._media:
            try:
                item = self._call(media.GetMediaItem(media_id), "reading featured image")
            except TerminalError:
                return ""  # deleted or private attachment: the post still goes out, without it
            self._media[media_id] = str(getattr(item, "link", "") or "")
        return self._media[media_id]

    def user_steem_account(self, user_id: int) -> str:
        """The user's ``steem_account`` through the companion plugin (cached from the last
        listing); a user that does not exist is terminal, as over REST. Without the plugin
        ``""``: core XML-RPC exposes no user meta (wp.getUser has fixed fields only)."""
        if user_id not in self._accounts:
            if not self.plugin.available():
                return ""
            self._accounts.update(self.plugin.accounts([user_id], "reading the post's author"))
        if user_id not in self._accounts:
            raise TerminalError(f"reading the post's author: user {user_id} does not exist or "
                                f"is hidden from the bridge's user")
        return self._accounts[user_id]

    def users_with_steem_account(self) -> dict[str, int]:
        """Chain account -> WordPress user id (companion plugin's ``accounts`` route)."""
        linked: dict[str, int] = {}
        for user_id, account in sorted(self.plugin.accounts(None, "listing users").items()):
            if account:
                linked.setdefault(account, user_id)
        return linked

    def retry_requests(self, after: int) -> list[RetryRequest]:
        """Retry presses in WordPress (companion plugin's ``retries`` route; none without it)."""
        if not self.plugin.available() or (self._newest_retry is not None
                                           and self._newest_retry <= after):
            return []  # the change feed just said no press is newer
        found = self.plugin.get("retries", "reading retry requests", after=str(after))
        return [RetryRequest(int(r["id"]), int(r["post_id"])) for r in found or []
                if isinstance(r, dict) and "id" in r and "post_id" in r]

    def chain_meta(self, post_id: int) -> dict[str, Any]:
        post = self._call(posts.GetPost(post_id, ["custom_fields"]), "reading chain meta")
        return {"id": post_id, "meta": _chain_meta(getattr(post, "custom_fields", []))}

    # -- writes -------------------------------------------------------------------------------

    def write_chain_meta(self, post_id: int, values: dict[str, Any]) -> dict[str, Any]:
        """Store ``steem_*`` post meta as custom fields; verified by reading them back.

        WordPress silently skips custom fields the user may not edit (protected ``_`` keys,
        or keys the companion plugin did not register), hence the read-back."""
        unknown = sorted(k for k in values if not k.startswith(META_PREFIX))
        if unknown:
            raise TerminalError(f"writing chain meta to post {post_id}: not steem_* keys: "
                                f"{', '.join(unknown)}")
        what = f"writing chain meta to post {post_id}"
        current = self._call(posts.GetPost(post_id, ["custom_fields"]), what)
        meta_ids = {f["key"]: f["id"] for f in getattr(current, "custom_fields", [])}
        fields = [dict({"key": key, "value": _meta_text(value)},
                       **({"id": meta_ids[key]} if key in meta_ids else {}))
                  for key, value in values.items()]
        edit = WordPressPost()
        edit.custom_fields = fields
        self._call(posts.EditPost(post_id, edit), what)
        stored = self.chain_meta(post_id)
        missing = sorted(k for k in values if k not in stored["meta"])
        if missing:
            raise TerminalError(f"{what}: WordPress ignored {', '.join(missing)} (is the "
                                f"wp-steem-bridge companion plugin active? it registers steem_* "
                                f"as editable meta)")
        return stored

    def write_meta(self, writes: Sequence[MetaWrite]) -> list[ConnectorError | None]:
        """``bridge.ports.SiteWriter.write_meta`` through the companion plugin's routes (as the
        REST connector): chain meta leaves the post's modified date alone."""
        return self.plugin.write_meta(writes) if writes else []

    def write_site_state(self, kind: SiteState, values: dict[str, Any]) -> None:
        self.plugin.post(SITE_STATE_ROUTES[kind].removeprefix("wp-steem-bridge/v1/"), values,
                         f"writing the site's {kind}")

    def write_reply_comments(self, comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return with_reply_failures(self.plugin.post_list(
            "mirror/comments", "comments", comments, "writing chain replies as comments"))

    def award_vote_points(self, awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self.plugin.post_list("mirror/points", "awards", awards,
                                     "awarding points for votes")


def _local(value: Any) -> str:
    """A library datetime as REST writes it: ``YYYY-MM-DDTHH:MM:SS``."""
    return to_text(value) if value is not None else ""


def _meta_text(value: Any) -> str:
    if value is None or value is False:
        return ""
    return "1" if value is True else str(value)


def _chain_meta(custom_fields: list[dict[str, Any]]) -> dict[str, Any]:
    """``steem_*`` custom fields, typed as the REST ``meta`` object types them."""
    meta: dict[str, Any] = {}
    for field in custom_fields or []:
        key, value = str(field.get("key", "")), field.get("value", "")
        if not key.startswith(META_PREFIX) or key in meta:
            continue
        if key in INT_META:
            meta[key] = int(value) if str(value).isdigit() else 0
        elif key in BOOL_META:
            meta[key] = str(value) not in ("", "0", "false")
        else:
            meta[key] = str(value)
    return meta
