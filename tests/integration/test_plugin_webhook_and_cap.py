"""The companion plugin's webhook events and its bridge capability, against the real local
WordPress (site "test"): what pokes (and what must not: the bridge's own writes, over REST or
XML-RPC), the capped id list, and who gets, keeps and loses `wpsb_write_chain_data`."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from connectors.wordpress_xmlrpc import WordPressXmlrpc
from tests.integration.test_plugin_security import make_user
from tests.support.wordpress import ensure_wordpress, run_wp_local, wordpress_request
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
SECRET = "test-webhook-secret-abcdefghij"
CAP = "wpsb_write_chain_data"


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


class PokeRecorder:
    """A local HTTP endpoint keeping the JSON body of every poke it receives."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                recorder.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

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


@pytest.fixture
def pokes(site: dict[str, Any]) -> Iterator[PokeRecorder]:
    recorder = PokeRecorder()
    os.environ["WPSB_WEBHOOK_SECRET"] = SECRET
    try:
        run_wp_local("webhook", "test", f"http://127.0.0.1:{recorder.port}/poke")
    finally:
        del os.environ["WPSB_WEBHOOK_SECRET"]
    try:
        yield recorder
    finally:
        run_wp_local("webhook", "test", "off")
        recorder.server.shutdown()


def test_author_changes_poke_but_the_bridges_own_writes_never_do(
        site: dict[str, Any], pokes: PokeRecorder) -> None:
    created = wordpress_request(site, "POST", "/wp/v2/posts", as_user="iguazi123", json={
        "title": "poke me", "content": "<p>x</p>", "status": "publish"})
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    pokes.wait_for(post_id, "publish")
    edited = wordpress_request(site, "POST", f"/wp/v2/posts/{post_id}", as_user="iguazi123",
                               json={"title": "poke me again"})
    assert edited.status_code == 200, edited.text
    pokes.wait_for(post_id, "update")
    seen = len(pokes.bodies)

    xmlrpc = WordPressXmlrpc(site["url"], site["admin_user"], site["app_password"], timeout=30)
    stored = xmlrpc.write_chain_meta(post_id, {"steem_status": "published"})
    by_rest = wordpress_request(site, "POST", f"/wp/v2/posts/{post_id}",
                                json={"meta": {"steem_status": "confirmed"}})
    deleted = wordpress_request(site, "DELETE", f"/wp/v2/posts/{post_id}", as_user="iguazi123",
                                params={"force": "true"})

    assert stored["meta"]["steem_status"] == "published"
    assert by_rest.status_code == 200, by_rest.text
    assert deleted.status_code == 200, deleted.text
    pokes.wait_for(post_id, "delete")
    later = [p["event"] for body in pokes.bodies[seen:] for p in body["posts"]
             if p["id"] == post_id]
    assert later == ["delete"], later  # neither bridge write (XML-RPC, REST) poked


def test_a_poke_lists_at_most_100_posts_then_says_more(site: dict[str, Any]) -> None:
    body = wp_php("test", """
        add_filter('pre_http_request', function ($pre, $args) {
            echo $args['body'];
            return array('headers' => array(), 'body' => '', 'response' => array('code' => 204, 'message' => ''), 'cookies' => array());
        }, 10, 2);
        for ($id = 1; $id <= 150; $id++) {
            wpsb_webhook_note(new WP_Post((object) array('ID' => $id, 'post_type' => 'post', 'post_status' => 'publish', 'filter' => 'raw')), 'update');
        }
        wpsb_webhook_send();
    """, prelude="""
        define('WPSB_WEBHOOK_URL', 'http://127.0.0.1:9/poke');
        define('WPSB_WEBHOOK_SECRET', 'x-secret-for-a-local-test');
    """)
    poke = json.loads(body)

    assert [p["id"] for p in poke["posts"]] == list(range(1, 101))
    assert poke["more"] is True
    assert len(body) < 64 * 1024


def has_cap(login: str) -> bool:
    return wp_php("test", f"echo get_user_by('login', '{login}')->has_cap('{CAP}') ? 'yes' : 'no';"
                  ) == "yes"


def test_the_capability_comes_back_after_an_upgrade(site: dict[str, Any]) -> None:
    try:
        wp_php("test", f"""
            get_user_by('login', 'bridge')->remove_cap('{CAP}');
            update_option('wpsb_version', '0.1.0');
        """)
        assert not has_cap("bridge")
        requests.get(f"{site['url']}/wp-admin/admin-ajax.php", params={"action": "none"},
                     timeout=30)  # runs admin_init

        assert has_cap("bridge")
        assert wp_php("test", "echo get_option('wpsb_version') === WPSB_VERSION ? 'same' : 'old';") == "same"
    finally:
        wp_php("test", f"get_user_by('login', 'bridge')->add_cap('{CAP}');")


def test_only_an_editor_or_admin_named_by_wpsb_bridge_user_gets_the_capability(
        site: dict[str, Any]) -> None:
    make_user(site, "sec-subscriber", "subscriber")
    make_user(site, "sec-editor", "editor")
    grant = "echo wpsb_grant_write_cap() ? 'granted' : 'refused';"
    try:
        as_subscriber = wp_php("test", grant, prelude="define('WPSB_BRIDGE_USER', 'sec-subscriber');")
        as_editor = wp_php("test", grant, prelude="define('WPSB_BRIDGE_USER', 'sec-editor');")

        assert (as_subscriber, has_cap("sec-subscriber")) == ("refused", False)
        assert (as_editor, has_cap("sec-editor")) == ("granted", True)
    finally:
        wp_php("test", f"get_user_by('login', 'sec-editor')->remove_cap('{CAP}');")


def test_administrators_are_told_when_no_user_holds_the_capability(site: dict[str, Any]) -> None:
    notice = f"""
        wp_set_current_user({site['admin_id']});
        $bridge = get_user_by('login', 'bridge');
        ob_start();
        wpsb_missing_bridge_user_notice();
        echo $remove ? '' : ob_get_clean();
        if ($remove) {{
            $bridge->remove_cap('{CAP}');
            ob_end_clean();
            ob_start();
            wpsb_missing_bridge_user_notice();
            $text = ob_get_clean();
            $bridge->add_cap('{CAP}');
            echo $text;
        }}
    """
    missing = wp_php("test", "$remove = true;" + notice,
                     prelude="define('WPSB_BRIDGE_USER', 'nobody-by-that-name');")
    present = wp_php("test", "$remove = false;" + notice)

    assert f"no user holds the {CAP} capability" in missing
    assert "WPSB_BRIDGE_USER" in missing and "nobody-by-that-name" in missing
    assert present == ""
    assert has_cap("bridge")


def test_uninstall_removes_the_capability(site: dict[str, Any]) -> None:
    after = wp_php("test", f"""
        $bridge = get_user_by('login', 'bridge');
        include WP_PLUGIN_DIR . '/wp-steem-bridge/uninstall.php';
        clean_user_cache($bridge->ID);
        $after = get_user_by('login', 'bridge')->has_cap('{CAP}') ? 'kept' : 'removed';
        $option = false === get_option('wpsb_version') ? 'gone' : 'kept';
        get_user_by('login', 'bridge')->add_cap('{CAP}');
        update_option('wpsb_version', WPSB_VERSION);
        echo "$after $option";
    """, prelude="define('WP_UNINSTALL_PLUGIN', 'wp-steem-bridge/wp-steem-bridge.php');")

    assert after == "removed gone"
    assert has_cap("bridge")
