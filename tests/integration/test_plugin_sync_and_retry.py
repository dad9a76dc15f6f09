"""What a site owner asks of the bridge from WordPress, against the real local WordPress (site
"test"): "Sync now" and "Retry" (who may, what they poke, the retry feed only the bridge reads,
ids increasing), the posts list filter by chain status and its row actions, and block editor
saves that carry the whole meta object (chain state included) from a user who is not the bridge."""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.integration.test_plugin_security import chain_path, make_user
from tests.support.wordpress import ensure_wordpress, run_wp_local, wordpress_request

pytestmark = pytest.mark.integration
SECRET = "test-webhook-secret-abcdefghij"
Auth = tuple[str, str]


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


@pytest.fixture(scope="module")
def editor(site: dict[str, Any]) -> Auth:
    """An editor without the bridge capability."""
    return make_user(site, "sec-editor", "editor")[1]


class BridgeListener:
    """A stand-in for the daemon's webhook: keeps each poke's JSON body, answers GET /health."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                listener.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(202)
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802
                body = b'{"ok": true}'
                self.send_response(200 if self.path == "/health" else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, post_id: int) -> list[str]:
        return [p["event"] for body in list(self.bodies) for p in body["posts"]
                if p["id"] == post_id]

    def wait_for(self, post_id: int, event: str, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if event in self.events(post_id):
                return
            time.sleep(0.1)
        raise AssertionError(f"no {event} poke for post {post_id}: {self.bodies}")


@contextmanager
def webhook_to(url: str) -> Iterator[None]:
    """Points the site's webhook at ``url`` for the duration."""
    os.environ["WPSB_WEBHOOK_SECRET"] = SECRET
    try:
        run_wp_local("webhook", "test", url)
    finally:
        del os.environ["WPSB_WEBHOOK_SECRET"]
    try:
        yield
    finally:
        run_wp_local("webhook", "test", "off")


@pytest.fixture
def listener(site: dict[str, Any]) -> Iterator[BridgeListener]:
    bridge = BridgeListener()
    try:
        with webhook_to(f"http://127.0.0.1:{bridge.port}/poke"):
            yield bridge
    finally:
        bridge.server.shutdown()


@contextmanager
def posts_with_status(site: dict[str, Any], statuses: list[str | None],
                      author: str = "iguazi123") -> Iterator[list[int]]:
    """Published posts by ``author``, each with the chain status the bridge wrote (None: none)."""
    ids = []
    try:
        for status in statuses:
            created = wordpress_request(site, "POST", "/wp/v2/posts", json={
                "title": f"status {status}", "content": "<p>x</p>", "status": "publish",
                "author": site["users"][author]["id"]})
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
            if status is not None:
                written = wordpress_request(site, "POST", chain_path(ids[-1]), json={
                    "steem_status": status, "steem_error": f"why {status}"})
                assert written.status_code == 200, written.text
        yield ids
    finally:
        for post_id in ids:
            wordpress_request(site, "DELETE", f"/wp/v2/posts/{post_id}",
                              params={"force": "true"})


def retry(site: dict[str, Any], post_id: int, **auth: Any) -> requests.Response:
    return wordpress_request(site, "POST", f"/wp-steem-bridge/v1/posts/{post_id}/retry", **auth)


def feed(site: dict[str, Any], after: int, **auth: Any) -> requests.Response:
    return wordpress_request(site, "GET", "/wp-steem-bridge/v1/retries",
                             params={"after": after}, **auth)


def test_retry_requests_get_increasing_ids_and_only_the_bridge_reads_the_feed(
        site: dict[str, Any], editor: Auth, listener: BridgeListener) -> None:
    with posts_with_status(site, ["failed", "failed", "published"]) as (first, second, fine):
        by_editor = retry(site, first, auth=editor)
        by_author = retry(site, second, as_user="iguazi123")
        not_failed = retry(site, fine, auth=editor)
        by_stranger = retry(site, first, as_user="wenchao")  # an author, not of this post
        anonymous = retry(site, first, auth=None)

        assert by_editor.status_code == 202, by_editor.text
        assert by_author.status_code == 202, by_author.text
        assert not_failed.status_code == 409 and "failed" in not_failed.json()["message"]
        assert by_stranger.status_code == 403, by_stranger.text
        assert anonymous.status_code == 401, anonymous.text
        first_id, second_id = by_editor.json()["id"], by_author.json()["id"]
        assert second_id == first_id + 1
        assert by_editor.json()["poked"] is True
        listener.wait_for(first, "retry")
        listener.wait_for(second, "retry")

        bridge_view = feed(site, first_id - 1)
        assert bridge_view.status_code == 200, bridge_view.text
        items = bridge_view.json()
        assert [(i["id"], i["post_id"]) for i in items] == [(first_id, first), (second_id, second)]
        assert set(items[0]) == {"id", "post_id", "requested_at"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", items[0]["requested_at"])
        assert feed(site, second_id).json() == []
        assert feed(site, 0, auth=editor).status_code == 403
        assert feed(site, 0, as_user="iguazi123").status_code == 403
        assert feed(site, 0, auth=None).status_code == 401


def test_sync_now_pokes_the_bridge_for_posts_the_user_may_edit(
        site: dict[str, Any], listener: BridgeListener) -> None:
    with posts_with_status(site, ["published"]) as (post_id,):
        own = wordpress_request(site, "POST", "/wp-steem-bridge/v1/sync", as_user="iguazi123",
                                json={"post_id": post_id})
        other = wordpress_request(site, "POST", "/wp-steem-bridge/v1/sync", as_user="wenchao",
                                  json={"post_id": post_id})
        anonymous = wordpress_request(site, "POST", "/wp-steem-bridge/v1/sync", auth=None,
                                      json={"post_id": post_id})

        assert own.status_code == 200, own.text
        assert own.json()["poked"] is True
        listener.wait_for(post_id, "sync")
        assert other.status_code == 403, other.text
        assert anonymous.status_code == 401, anonymous.text
        assert listener.events(post_id).count("sync") == 1


def test_sync_without_a_webhook_says_when_the_bridge_will_look(site: dict[str, Any]) -> None:
    with posts_with_status(site, [None]) as (post_id,):
        answer = wordpress_request(site, "POST", "/wp-steem-bridge/v1/sync",
                                   as_user="iguazi123", json={"post_id": post_id})

    assert answer.status_code == 200, answer.text
    assert answer.json()["poked"] is False
    assert "next tick" in answer.json()["message"]


def logged_in(site: dict[str, Any], login: str, role: str) -> requests.Session:
    """A browser-like session of a user with ``role`` (cookies, as wp-admin needs)."""
    user_id = make_user(site, login, role)[0]
    password = secrets.token_urlsafe(18)
    changed = wordpress_request(site, "POST", f"/wp/v2/users/{user_id}",
                                json={"password": password})
    assert changed.status_code == 200, changed.text
    session = requests.Session()
    session.cookies.set("wordpress_test_cookie", "WP Cookie check")
    answer = session.post(f"{site['url']}/wp-login.php", timeout=30, data={
        "log": login, "pwd": password, "testcookie": "1",
        "redirect_to": f"{site['url']}/wp-admin/"})
    assert "wpadminbar" in answer.text, answer.text[:500]
    return session


def listed_posts(session: requests.Session, site: dict[str, Any], status: str) -> tuple[set[int], str]:
    page = session.get(f"{site['url']}/wp-admin/edit.php", timeout=30,
                       params={"wpsb_status": status, "posts_per_page": 200, "post_status": "all"})
    assert page.status_code == 200
    return {int(n) for n in re.findall(r'<tr id="post-(\d+)"', page.text)}, page.text


def test_the_posts_list_filters_by_chain_status_and_offers_retry_on_failed_posts(
        site: dict[str, Any]) -> None:
    session = logged_in(site, "owner-editor", "editor")
    statuses = ["published", "failed", None, "kept_on_chain", "waiting", "deleted"]
    with posts_with_status(site, statuses) as ids:
        published, failed, untouched, kept, waiting, deleted = ids
        only_failed, page = listed_posts(session, site, "failed")
        not_on_chain, _ = listed_posts(session, site, "not_on_chain")
        everything, _ = listed_posts(session, site, "")

    mine = set(ids)
    assert only_failed & mine == {failed}
    assert not_on_chain & mine == {failed, untouched, waiting, deleted}
    assert everything & mine == mine
    assert '<select name="wpsb_status"' in page and 'value="not_on_chain"' in page
    assert re.search(rf'data-wpsb-action="retry" data-wpsb-post="{failed}"', page)
    assert re.search(rf'data-wpsb-action="sync" data-wpsb-post="{failed}"', page)
    assert "assets/admin-list.js" in page
    assert published not in only_failed and kept not in not_on_chain


def test_an_editor_saves_overrides_with_the_whole_meta_object_but_never_chain_state(
        site: dict[str, Any], editor: Auth) -> None:
    """The block editor sends every registered meta key once one is edited."""
    with posts_with_status(site, ["published"]) as (post_id,):
        mirrored = wordpress_request(site, "POST", f"/wp-steem-bridge/v1/mirror/posts/{post_id}",
                                     json={"steem_vote_count": 3, "steem_mirror_block": 7})
        assert mirrored.status_code == 200, mirrored.text
        meta = wordpress_request(site, "GET", f"/wp/v2/posts/{post_id}", auth=editor,
                                 params={"context": "edit"}).json()["meta"]
        assert meta["steem_status"] == "published" and meta["steem_paid_out"] is False

        saved = wordpress_request(site, "POST", f"/wp/v2/posts/{post_id}", auth=editor, json={
            "meta": {**meta, "steem_tags": "cn, life", "steem_opt_out": True}})
        forged = wordpress_request(site, "POST", f"/wp/v2/posts/{post_id}", auth=editor, json={
            "meta": {**meta, "steem_status": "deleted"}})
        forged_votes = wordpress_request(site, "POST", f"/wp/v2/posts/{post_id}", auth=editor,
                                         json={"meta": {"steem_vote_count": 99}})
        after = wordpress_request(site, "GET", chain_path(post_id)).json()["meta"]

    assert saved.status_code == 200, saved.text
    assert forged.status_code == 403, forged.text
    assert forged_votes.status_code == 403, forged_votes.text
    assert after["steem_tags"] == "cn,life" and after["steem_opt_out"] is True
    assert after["steem_status"] == "published"
