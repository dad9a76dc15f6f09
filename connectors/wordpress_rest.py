"""WordPress over its REST API, authenticated with an Application Password.

Owns: listing published posts changed since a cursor (``orderby=modified`` ascending, paged by
``X-WP-TotalPages``), resolving the terms, media and users a post refers to, reading the site's
name and URL, and writing the chain result back into post meta through the companion plugin's
``wp-steem-bridge/v1/posts/<id>/chain`` route (which, unlike ``/wp/v2/posts``, does not bump the
post's modified date and so does not look like an edit on the next poll).

``write_meta`` (``bridge.ports.SiteWriter``) writes chain meta (that route) and mirrored post and
user meta (the plugin's ``wp-steem-bridge/v1/mirror/...`` routes), up to ``MAX_BATCH`` writes per
request through WordPress's ``/batch/v1`` endpoint (WP >= 5.6); ``meta_route`` and
``batch_outcome`` are shared with the XML-RPC connector, which reaches the same routes. WordPress
answering "no such route" for a plugin route raises ``Code.PLUGIN_MISSING``.

For the rewards mirror: listing the users linked to a chain account. Optionally, chain
replies as held comments (``mirror/comments``) and points for votes (``mirror/points``), each a
list route taking up to ``ITEMS_PER_REQUEST`` items and answering one result per item.

Returns plain JSON dicts; every failure leaves as a classified ``ConnectorError``. The application
password is only ever put in the Authorization header, never in a message.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import requests

from bridge.ports import MetaWrite, RetryRequest, SiteState
from connectors.failures import (
    Code,
    ConnectorError,
    FailureClass,
    TerminalError,
    TransientError,
    http_error,
)

PER_PAGE = 100
MAX_BATCH = 25  # WordPress's /batch/v1 limit (rest_get_max_batch_size)
MIRROR_ROUTES = {"post": "wp-steem-bridge/v1/mirror/posts", "user": "wp-steem-bridge/v1/mirror/users"}
ITEMS_PER_REQUEST = 50  # comments or awards per call of the plugin's list routes
POST_FIELDS = (
    "id,date,date_gmt,modified,modified_gmt,slug,status,type,link,title,content,excerpt,author,"
    "featured_media,categories,tags,meta,password"
)


class WordPressRest:
    """One WordPress site."""

    def __init__(self, base_url: str, user: str, app_password: str, *, timeout: float = 20,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.auth = (user, app_password)
        self.session.headers["User-Agent"] = "wp-steem-bridge"
        self._newest_retry: int | None = None  # the newest Retry press, as the change feed said

    # -- transport ----------------------------------------------------------------------------

    def _request(self, method: str, route: str, what: str, missing_hint: str = "",
                 **kwargs: Any) -> requests.Response:
        """``missing_hint``: the route is the companion plugin's, so WordPress answering that
        no such route exists means the plugin is missing or old (``Code.PLUGIN_MISSING``)."""
        url = f"{self.base_url}/wp-json/{route.lstrip('/')}"
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise TransientError(f"{what}: {type(exc).__name__} reaching {self.base_url}") from exc
        if missing_hint and _no_such_route(response):
            raise TerminalError(f"{what} ({method} {route}): HTTP 404 ({missing_hint})",
                                code=Code.PLUGIN_MISSING)
        if response.status_code >= 400:
            raise http_error(response.status_code, f"{what} ({method} {route})",
                             response.headers.get("Retry-After"))
        return response

    def _json(self, method: str, route: str, what: str, **kwargs: Any) -> Any:
        return self._decode(self._request(method, route, what, **kwargs), what)

    def _decode(self, response: requests.Response, what: str) -> Any:
        """JSON or a transient error: a PHP notice printed before the JSON (common with
        misbehaving plugins) or a proxy's HTML page must not crash the tick."""
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(f"{what}: WordPress answered with something that is not JSON "
                                 f"(is {self.base_url} a WordPress site with pretty "
                                 f"permalinks or /wp-json enabled?)") from exc

    # -- reads --------------------------------------------------------------------------------

    def site_info(self) -> dict[str, Any]:
        info = self._json("GET", "/", "reading the site index")
        return {"name": info.get("name", ""), "url": info.get("home") or info.get("url", ""),
                "namespaces": info.get("namespaces", [])}

    def posts_modified_since(self, modified_after: str | None, *, post_type: str = "posts",
                             status: str = "publish") -> Iterator[dict[str, Any]]:
        """Posts with ``modified`` (site-local time) after the cursor, oldest change first."""
        window = {"modified_after": modified_after} if modified_after else {}
        yield from self._list_posts(post_type, status, "modified", window)

    def posts_published_since(self, published_after: str | None, *, post_type: str = "posts",
                              status: str = "publish") -> Iterator[dict[str, Any]]:
        """Posts with ``date`` after the cursor: catches scheduled posts, which WordPress
        publishes without changing their modified date."""
        window = {"after": published_after} if published_after else {}
        yield from self._list_posts(post_type, status, "date", window)

    def posts_by_id(self, ids: list[int], *, post_type: str = "posts",
                    status: str = "publish,trash") -> list[dict[str, Any]]:
        if not ids:
            return []
        return list(self._list_posts(post_type, status, "modified",
                                     {"include": ",".join(map(str, ids))}))

    def posts_between(self, since: str | None, until: str | None, *, ids: Sequence[int] = (),
                      categories: Sequence[str] = (), post_type: str = "posts",
                      status: str = "publish") -> Iterator[dict[str, Any]]:
        """Posts published after ``since`` and before ``until`` (site-local dates), narrowed
        to ``ids`` and to posts in any of ``categories`` (slugs, names or ids), oldest first."""
        window: dict[str, str] = {}
        if since:
            window["after"] = since
        if until:
            window["before"] = until
        if ids:
            window["include"] = ",".join(map(str, ids))
        if categories:
            window["categories"] = ",".join(map(str, self.category_ids(categories)))
        yield from self._list_posts(post_type, status, "date", window)

    def category_ids(self, names: Sequence[str]) -> list[int]:
        """Category ids for slugs, names or ids; an unknown one is a TerminalError naming it."""
        known = [(int(c["id"]), str(c.get("slug", "")), str(c.get("name", "")))
                 for c in self._pages("wp/v2/categories", "listing categories", {
                     "per_page": PER_PAGE, "_fields": "id,name,slug", "hide_empty": "false"})]
        ids: list[int] = []
        for name in names:
            match = [i for i, slug, label in known
                     if name in (str(i), slug) or name.casefold() == label.casefold()]
            if not match:
                raise TerminalError(f"WordPress has no category {name!r} (give its slug, name "
                                    f"or id)")
            ids += match
        return ids

    def _list_posts(self, post_type: str, status: str, order_by: str,
                    window: dict[str, str]) -> Iterator[dict[str, Any]]:
        # featured image and terms come embedded in the page: no request per post for them
        params: dict[str, Any] = {
            "context": "edit", "status": status, "orderby": order_by, "order": "asc",
            "per_page": PER_PAGE, "_fields": POST_FIELDS + ",_links,_embedded",
            "_embed": "wp:featuredmedia,wp:term", **window,
        }
        yield from self._pages(f"wp/v2/{post_type}", "listing posts", params)

    def _pages(self, route: str, what: str, params: dict[str, Any]) -> Iterator[Any]:
        """Every item of a collection, page by page as ``X-WP-TotalPages`` says."""
        page, total_pages = 1, 1
        while page <= total_pages:
            response = self._request("GET", route, what, params=dict(params, page=page))
            total_pages = int(response.headers.get("X-WP-TotalPages", "1") or 1)
            yield from self._decode(response, what)
            page += 1

    def changes(self, after: int, *, post_type: str = "post", limit: int = 100) -> dict[str, Any]:
        """The companion plugin's change feed after sequence ``after`` (``limit=0``: only its
        current end); ``Code.PLUGIN_MISSING`` when the plugin has no feed."""
        found = self._json("GET", "wp-steem-bridge/v1/changes", "reading the change feed",
                           missing_hint="a companion plugin without the change feed",
                           params={"after": after, "type": post_type, "limit": limit})
        if isinstance(found, dict) and isinstance(found.get("retries"), int):
            self._newest_retry = found["retries"]
        return found if isinstance(found, dict) else {}

    def like_events(self, after: int, limit: int = 100) -> dict[str, Any]:
        """The companion plugin's like-events feed after event ``after`` (like-events.php)."""
        found = self._json("GET", "wp-steem-bridge/v1/likes", "reading the like events",
                           missing_hint="a companion plugin without the like-events feed",
                           params={"after": after, "limit": limit})
        return found if isinstance(found, dict) else {}

    def comments_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        """The companion plugin's comment records (``wp-steem-bridge/v1/comments``) of those
        of ``ids`` that still exist."""
        if not ids:
            return []
        found = self._json("GET", "wp-steem-bridge/v1/comments", "reading comments",
                           missing_hint="a companion plugin without the comments feed",
                           params={"include": ",".join(map(str, ids))})
        return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []

    def term_names(self, taxonomy: str, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        found = self._json("GET", f"wp/v2/{taxonomy}", f"reading {taxonomy}",
                           params={"include": ",".join(map(str, ids)), "per_page": PER_PAGE,
                                   "_fields": "id,name,slug"})
        return {int(t["id"]): t.get("name") or t.get("slug", "") for t in found}

    def term_counts(self, taxonomy: str, ids: list[int]) -> dict[int, int]:
        """How many posts use each term (the ``view`` context carries ``count``)."""
        if not ids:
            return {}
        found = self._json("GET", f"wp/v2/{taxonomy}", f"reading {taxonomy} use counts",
                           params={"include": ",".join(map(str, ids)), "per_page": PER_PAGE,
                                   "_fields": "id,count"})
        return {int(t["id"]): int(t.get("count") or 0) for t in found if isinstance(t, dict)}

    def media_url(self, media_id: int) -> str:
        if not media_id:
            return ""
        try:
            media = self._json("GET", f"wp/v2/media/{media_id}", "reading featured image",
                               params={"_fields": "id,source_url"})
        except TerminalError:
            return ""  # deleted or private attachment: the post still goes out, without it
        return str(media.get("source_url") or "")

    def user_steem_account(self, user_id: int) -> str:
        user = self._json("GET", f"wp/v2/users/{user_id}", "reading the post's author",
                          params={"context": "edit", "_fields": "id,meta"})
        meta = user.get("meta") or {}
        return str(meta.get("steem_account") or "") if isinstance(meta, dict) else ""

    def users_with_steem_account(self) -> dict[str, int]:
        """Chain account -> WordPress user id, for every user with a ``steem_account``."""
        linked: dict[str, int] = {}
        params = {"context": "edit", "per_page": PER_PAGE, "_fields": "id,meta", "orderby": "id"}
        for user in self._pages("wp/v2/users", "listing users", params):
            meta = user.get("meta") if isinstance(user.get("meta"), dict) else {}
            account = str(meta.get("steem_account") or "")
            if account:
                linked.setdefault(account, int(user["id"]))
        return linked

    def retry_requests(self, after: int) -> list[RetryRequest]:
        """Retry presses in WordPress after request id ``after`` (the plugin keeps the last
        500); an old plugin without the route has none. No request when the change feed just
        said that no press is newer than ``after``."""
        if self._newest_retry is not None and self._newest_retry <= after:
            return []
        try:
            found = self._json("GET", "wp-steem-bridge/v1/retries", "reading retry requests",
                               missing_hint="an older companion plugin", params={"after": after})
        except TerminalError as exc:
            if exc.code is Code.PLUGIN_MISSING:
                return []
            raise
        return [RetryRequest(int(r["id"]), int(r["post_id"])) for r in found
                if isinstance(r, dict) and "id" in r and "post_id" in r]

    def chain_meta(self, post_id: int) -> dict[str, Any]:
        meta: dict[str, Any] = self._json("GET", f"wp-steem-bridge/v1/posts/{post_id}/chain",
                                          "reading chain meta")
        return meta

    # -- writes -------------------------------------------------------------------------------

    def write_chain_meta(self, post_id: int, values: dict[str, Any]) -> dict[str, Any]:
        """Store ``steem_*`` post meta without touching the post itself."""
        stored: dict[str, Any] = self._plugin_json(
            f"wp-steem-bridge/v1/posts/{post_id}/chain", f"writing chain meta to post {post_id}",
            "is the wp-steem-bridge companion plugin active? see deploy/wordpress-plugin",
            json=values)
        return stored

    def _plugin_json(self, route: str, what: str, missing_hint: str, **kwargs: Any) -> Any:
        """POST to a route the companion plugin provides; "no such route" means it is missing
        or old (``Code.PLUGIN_MISSING``)."""
        return self._json("POST", route, what, missing_hint=missing_hint, **kwargs)

    def write_meta(self, writes: Sequence[MetaWrite]) -> list[ConnectorError | None]:
        """``bridge.ports.SiteWriter.write_meta``: chain, post and user meta, MAX_BATCH writes
        per ``/batch/v1`` request; one outcome per write (None when stored). A failure of the
        whole request (WordPress down, plugin missing) raises instead."""
        outcomes: list[ConnectorError | None] = []
        for start in range(0, len(writes), MAX_BATCH):
            chunk = writes[start:start + MAX_BATCH]
            requests_ = [{"method": "POST", "path": "/" + meta_route(w), "body": w.values}
                         for w in chunk]
            answer = self._plugin_json("batch/v1", "writing meta",
                                       "WordPress >= 5.6 with the companion plugin is needed; "
                                       "see deploy/wordpress-plugin",
                                       json={"validation": "normal", "requests": requests_})
            responses = answer.get("responses", []) if isinstance(answer, dict) else []
            outcomes.extend(batch_outcome(w, r) for w, r in zip(chunk, responses, strict=False))
            outcomes.extend(TransientError("WordPress's batch answer was cut short")
                            for _ in range(len(chunk) - len(responses)))
        return outcomes

    def write_reply_comments(self, comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Create or update mirrored chain replies as comments; one result per comment:
        ``{"key", "status": created|updated|unchanged|kept|error, "comment_id", "message"}``;
        an error also carries ``"failure"``: TERMINAL when the plugin says sending that item again
        cannot succeed (``"permanent": true``), else TRANSIENT."""
        results = self._list_route("mirror/comments", "comments", comments,
                                   "writing chain replies as comments")
        return with_reply_failures(results)

    def award_vote_points(self, awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Award points for votes; one result per award:
        ``{"key", "status": awarded|already|unavailable|error, "message"}``."""
        return self._list_route("mirror/points", "awards", awards, "awarding points for votes")

    def write_site_state(self, kind: SiteState, values: dict[str, Any]) -> None:
        self._plugin_json(SITE_STATE_ROUTES[kind], f"writing the site's {kind}",
                          "is the companion plugin up to date? see deploy/wordpress-plugin",
                          json=values)

    def _list_route(self, route: str, field: str, items: list[dict[str, Any]],
                    what: str) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for start in range(0, len(items), ITEMS_PER_REQUEST):
            chunk = items[start:start + ITEMS_PER_REQUEST]
            answer = self._plugin_json(f"wp-steem-bridge/v1/{route}", what,
                                       "is the companion plugin up to date? see "
                                       "deploy/wordpress-plugin", json={field: chunk})
            results.extend(item_results(answer, len(chunk), what))
        return results


def item_results(answer: Any, count: int, what: str) -> list[dict[str, Any]]:
    """The ``results`` of one of the plugin's list routes: exactly one dict per item sent."""
    found = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(found, list) or len(found) != count:
        raise TransientError(f"{what}: the plugin's answer does not have one result per item")
    return [r if isinstance(r, dict) else {"status": "error"} for r in found]


def with_reply_failures(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each failed reply marked with what it means for that reply (``reply_failure``)."""
    return [{**r, "failure": reply_failure(r)} if r.get("status") == "error" else r
            for r in results]


def reply_failure(result: dict[str, Any]) -> FailureClass:
    """What one failed item of the plugin's comments route means for that item."""
    return FailureClass.TERMINAL if result.get("permanent") is True else FailureClass.TRANSIENT


SITE_STATE_ROUTES: dict[str, str] = {"heartbeat": "wp-steem-bridge/v1/heartbeat",
                                     "globals": "wp-steem-bridge/v1/mirror/globals"}


def meta_route(write: MetaWrite) -> str:
    """The companion plugin's route for one meta write (both connectors use these routes)."""
    if write.target == "chain":
        return f"wp-steem-bridge/v1/posts/{write.object_id}/chain"
    if write.target == "likes":  # a post's count of likes voted on chain (like-events.php)
        return f"wp-steem-bridge/v1/posts/{write.object_id}/likes-chain"
    if write.target == "comment":
        return f"wp-steem-bridge/v1/comments/{write.object_id}/chain"
    if write.target in MIRROR_ROUTES:
        return f"{MIRROR_ROUTES[write.target]}/{write.object_id}"
    raise ValueError(f"unknown meta target {write.target!r} (chain, comment, post or user)")


def batch_outcome(write: MetaWrite, response: Any) -> ConnectorError | None:
    """One sub-answer of /batch/v1 (or of the plugin's XML-RPC ``wpsb.rest``): None when stored."""
    status = int(response.get("status", 500)) if isinstance(response, dict) else 500
    if status < 400:
        return None
    body = response.get("body") if isinstance(response, dict) else None
    body = body if isinstance(body, dict) else {}
    what = f"writing {write.target} meta to {write.object_id}"
    if body.get("code") in ("rest_no_route", "rest_batch_not_allowed"):
        return TerminalError(f"{what}: HTTP {status}: {body.get('message', '')} (update the "
                             f"companion plugin; see deploy/wordpress-plugin)",
                             code=Code.PLUGIN_MISSING)
    error = http_error(status, what)
    message = str(body.get("message") or "")
    code = Code.ITEM_REFUSED if isinstance(error, TerminalError) else Code.NONE
    if status == 404 and body.get("code") in ("rest_post_invalid_id", "rest_comment_invalid_id"):
        code = Code.GONE  # deleted for good: its chain status has nowhere to go
    return type(error)(f"{error.message}: {message}" if message else error.message,
                       retry_after=error.retry_after, code=code)


def _no_such_route(response: requests.Response) -> bool:
    """WordPress's own "no route" 404 (``rest_no_route``), not a 404 for a missing post."""
    if response.status_code != 404:
        return False
    try:
        body = response.json()
    except ValueError:
        return True  # not WordPress's REST answer at all: no such route here either
    return not isinstance(body, dict) or body.get("code") in ("rest_no_route", None)
