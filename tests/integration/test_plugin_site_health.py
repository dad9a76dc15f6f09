"""The bridge's heartbeat and the Site Health tests built on it, against the real local WordPress
(site "test"): only the bridge may report, a stale or missing heartbeat is critical and a fresh
one good (threshold configurable), failed items and missing posting-authority grants are
flagged with the next step, and the webhook test asks the daemon's /health next to the poke URL."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.test_plugin_security import make_user
from tests.integration.test_plugin_sync_and_retry import BridgeListener, webhook_to
from tests.support.wordpress import ensure_wordpress, wordpress_request
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
HEARTBEAT = "/wp-steem-bridge/v1/heartbeat"
WEBHOOK_TEST = "/wp-steem-bridge/v1/site-health/webhook"


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


def iso(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def beat(site: dict[str, Any], minutes_ago: float, **extra: Any) -> dict[str, Any]:
    """Reports a heartbeat as the bridge (the site's admin holds its capability)."""
    answer = wordpress_request(site, "POST", HEARTBEAT, json={
        "last_tick": iso(minutes_ago), "version": "9.9.9", "summary": "12 posts in sync",
        **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def health(test: str, prelude: str = "") -> dict[str, Any]:
    return json.loads(wp_php("test", f"echo wp_json_encode(wpsb_test_{test}());", prelude))


def test_only_the_bridge_reports_its_heartbeat_and_it_is_stored(site: dict[str, Any]) -> None:
    editor = make_user(site, "sec-editor", "editor")[1]
    body = {"last_tick": iso(1), "failed": 1}

    by_editor = wordpress_request(site, "POST", HEARTBEAT, auth=editor, json=body)
    by_author = wordpress_request(site, "POST", HEARTBEAT, as_user="iguazi123", json=body)
    anonymous = wordpress_request(site, "POST", HEARTBEAT, auth=None, json=body)
    bad_time = wordpress_request(site, "POST", HEARTBEAT, json={"last_tick": "soon"})
    stored = beat(site, 1, problems=["node slow"], failed=2, grants={"iguazi123": True})

    assert (by_editor.status_code, by_author.status_code) == (403, 403)
    assert anonymous.status_code == 401
    assert bad_time.status_code == 400
    option = json.loads(wp_php("test", "echo wp_json_encode(get_option('wpsb_heartbeat'));"))
    assert option == stored
    assert option["failed"] == 2 and option["problems"] == ["node slow"]
    assert option["version"] == "9.9.9" and option["grants"] == {"iguazi123": True}
    assert option["last_tick"].endswith("Z")


def test_a_stale_or_missing_heartbeat_is_critical_and_a_fresh_one_good(
        site: dict[str, Any]) -> None:
    wp_php("test", "delete_option('wpsb_heartbeat');")
    never = health("heartbeat")
    beat(site, 60)
    stale = health("heartbeat")
    patient = health("heartbeat", prelude="define('WPSB_HEARTBEAT_STALE_MINUTES', 90);")
    beat(site, 2, problems=["wenchao: key missing"])
    fresh = health("heartbeat")

    assert never["status"] == "critical" and "never reported" in never["label"]
    assert stale["status"] == "critical" and "last reported 1 hour ago" in stale["label"]
    assert "wp-steem-bridge check" in stale["description"]
    assert patient["status"] == "good"
    assert fresh["status"] == "good" and "9.9.9" in fresh["description"]
    assert "wenchao: key missing" in fresh["description"]


def test_failed_items_and_missing_grants_are_recommended_with_the_next_step(
        site: dict[str, Any]) -> None:
    beat(site, 1, failed=3, grants={"iguazi123": False, "wenchao": True, "nobody-here": False})
    failed, grants = health("failed_items"), health("author_grants")
    beat(site, 1, failed=0, grants={"iguazi123": True})
    no_failed, all_granted = health("failed_items"), health("author_grants")

    assert failed["status"] == "recommended" and failed["label"].startswith("3 chain items")
    assert "wp-steem-bridge status" in failed["description"]
    assert "wp-steem-bridge retry --failed" in failed["description"]
    assert "wpsb_status=failed" in failed["actions"]
    assert grants["status"] == "recommended" and grants["label"].startswith("2 authors")
    assert "@iguazi123 (" in grants["description"] and "@nobody-here" in grants["description"]
    assert "@wenchao" not in grants["description"]
    assert (no_failed["status"], all_granted["status"]) == ("good", "good")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_health_tests() -> dict[str, Any]:
    return json.loads(wp_php("test", """
        require_once ABSPATH . 'wp-admin/includes/class-wp-site-health.php';
        $tests = WP_Site_Health::get_tests();
        echo wp_json_encode(array('direct' => array_keys($tests['direct']),
                                  'async' => array_keys($tests['async'])));
    """))


def test_the_webhook_test_runs_only_with_a_webhook_and_asks_its_health(
        site: dict[str, Any]) -> None:
    without = site_health_tests()
    not_set_up = wordpress_request(site, "GET", WEBHOOK_TEST)
    daemon = BridgeListener()
    try:
        with webhook_to(f"http://127.0.0.1:{daemon.port}/poke"):
            listed = site_health_tests()
            reachable = wordpress_request(site, "GET", WEBHOOK_TEST)
            by_editor = wordpress_request(site, "GET", WEBHOOK_TEST, as_user="iguazi123")
    finally:
        daemon.server.shutdown()
    with webhook_to(f"http://127.0.0.1:{free_port()}/poke"):
        unreachable = wordpress_request(site, "GET", WEBHOOK_TEST)

    assert "wpsb_heartbeat" in without["direct"] and "wpsb_webhook" not in without["async"]
    assert not_set_up.status_code == 404
    assert "wpsb_webhook" in listed["async"]
    assert reachable.status_code == 200, reachable.text
    assert reachable.json()["status"] == "good"
    assert f"127.0.0.1:{daemon.port}/health" in reachable.json()["description"]
    assert by_editor.status_code == 403
    assert unreachable.json()["status"] == "recommended"
    assert "wp-steem-bridge run --webhook" in unreachable.json()["description"]
