"""The companion plugin's REST routes, reached over XML-RPC through its ``wpsb.rest`` method.

Owns what the XML-RPC connector cannot get from core XML-RPC: rendered title/content/excerpt
(``posts/rendered``), a post's typed ``steem_*`` meta (``posts/<id>/chain``), authors' and members'
``steem_account`` (``accounts``), and every write the REST connector makes through the plugin
(chain meta without bumping ``modified``, mirrored meta, reply comments, vote points). The plugin
runs each request inside WordPress with ``rest_do_request`` as the signed-in user, so validation
and permissions are the REST routes' own, and a site whose REST API is disabled over HTTP still
serves them (deploy/wordpress-plugin/wp-steem-bridge/includes/xmlrpc.php).

``call`` is the XML-RPC connector's classified caller; answers are ``(status, decoded body)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from wordpress_xmlrpc.base import AuthenticatedMethod

from bridge.ports import MetaWrite
from connectors.failures import Code, ConnectorError, TerminalError, TransientError, http_error
from connectors.wordpress_rest import batch_outcome, item_results, meta_route

METHOD = "wpsb.rest"
MAX_REQUESTS = 50  # per wpsb.rest call (WPSB_XMLRPC_MAX_REQUESTS in the plugin)
NAMESPACE = "/wp-steem-bridge/v1"
MISSING_HINT = ("the wp-steem-bridge companion plugin (with its XML-RPC method wpsb.rest) is "
                "needed for this; install or update deploy/wordpress-plugin")
Answer = tuple[int, Any]


class WpsbRest(AuthenticatedMethod):
    method_name = METHOD
    method_args = ("requests",)


class PluginRoutes:
    def __init__(self, call: Callable[[Any, str], Any], supported: Callable[[], list[str]]
                 ) -> None:
        self._call = call
        self._supported = supported

    def available(self) -> bool:
        return METHOD in self._supported()

    def requests(self, items: Sequence[dict[str, Any]], what: str) -> list[Answer]:
        """``items``: ``{"method", "route", "query"?, "body"?}``; one answer per item."""
        if not self.available():
            raise TerminalError(f"{what}: {MISSING_HINT}", code=Code.PLUGIN_MISSING)
        answers: list[Answer] = []
        for start in range(0, len(items), MAX_REQUESTS):
            chunk = [_wire(item) for item in items[start:start + MAX_REQUESTS]]
            found = self._call(WpsbRest(chunk), what)
            if not isinstance(found, list) or len(found) != len(chunk):
                raise TransientError(f"{what}: the plugin's answer does not have one result per "
                                     f"request")
            answers.extend(_answer(a) for a in found)
        return answers

    def get(self, route: str, what: str, **query: str) -> Any:
        status, body = self.requests([{"method": "GET", "route": route, "query": query}], what)[0]
        _raise_for(status, body, what)
        return body

    def accounts(self, user_ids: Sequence[int] | None, what: str) -> dict[int, str]:
        """User id -> steem_account for these users (missing ids: no such user), or for every
        linked user when ``user_ids`` is None."""
        query = {"include": ",".join(map(str, user_ids))} if user_ids else {}
        found = self.get("accounts", what, **query)
        return {int(u["id"]): str(u.get("steem_account") or "") for u in found or []}

    def post_details(self, post_ids: Sequence[int], what: str
                     ) -> tuple[dict[int, dict[str, str]], dict[int, dict[str, Any]]]:
        """Rendered fields and typed chain meta of these posts, in one call per 49 posts (no
        meta for a post the chain route does not serve, such as a page)."""
        rendered: dict[int, dict[str, str]] = {}
        meta: dict[int, dict[str, Any]] = {}
        ids = list(post_ids)
        for start in range(0, len(ids), MAX_REQUESTS - 1):
            chunk = ids[start:start + MAX_REQUESTS - 1]
            items = [{"method": "GET", "route": "posts/rendered",
                      "query": {"include": ",".join(map(str, chunk))}}]
            items += [{"method": "GET", "route": f"posts/{i}/chain"} for i in chunk]
            answers = self.requests(items, what)
            _raise_for(*answers[0], what)
            rendered.update({int(r["id"]): r for r in answers[0][1] or []})
            for post_id, (status, body) in zip(chunk, answers[1:], strict=True):
                if status < 400 and isinstance(body, dict):  # the route serves type "post" only
                    meta[post_id] = dict(body.get("meta") or {})
        return rendered, meta

    def write_meta(self, writes: Sequence[MetaWrite]) -> list[ConnectorError | None]:
        items = [{"method": "POST", "route": meta_route(w).removeprefix("wp-steem-bridge/v1/"),
                  "body": w.values} for w in writes]
        answers = self.requests(items, "writing meta")
        return [batch_outcome(w, {"status": status, "body": body})
                for w, (status, body) in zip(writes, answers, strict=True)]

    def post(self, route: str, body: dict[str, Any], what: str) -> Any:
        status, answer = self.requests([{"method": "POST", "route": route, "body": body}],
                                       what)[0]
        _raise_for(status, answer, what)
        return answer

    def post_list(self, route: str, field: str, items: list[dict[str, Any]],
                  what: str) -> list[dict[str, Any]]:
        """The plugin's list routes (``mirror/comments``, ``mirror/points``): one result per
        item, as the REST connector's ``_list_route``."""
        results: list[dict[str, Any]] = []
        for start in range(0, len(items), MAX_REQUESTS):
            chunk = items[start:start + MAX_REQUESTS]
            status, body = self.requests([{"method": "POST", "route": route,
                                           "body": {field: chunk}}], what)[0]
            _raise_for(status, body, what)
            results.extend(item_results(body, len(chunk), what))
        return results


def _wire(item: dict[str, Any]) -> dict[str, Any]:
    wire = {"method": item["method"], "path": f"{NAMESPACE}/{item['route']}",
            "query": {k: str(v) for k, v in (item.get("query") or {}).items()}}
    if "body" in item:
        wire["body"] = json.dumps(item["body"])
    return wire


def _answer(raw: Any) -> Answer:
    if not isinstance(raw, dict):
        return 500, None
    try:
        body = json.loads(str(raw.get("body") or "null"))
    except ValueError:
        body = None
    return int(raw.get("status") or 500), body


def _raise_for(status: int, body: Any, what: str) -> None:
    if status < 400:
        return
    message = body.get("message", "") if isinstance(body, dict) else ""
    if isinstance(body, dict) and body.get("code") == "rest_no_route":
        raise TerminalError(f"{what}: HTTP 404 ({MISSING_HINT})", code=Code.PLUGIN_MISSING)
    error = http_error(status, what)
    raise error.with_message(f"{error.message}: {message}" if message else error.message)
