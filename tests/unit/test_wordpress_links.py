"""The REST link desk: the feed is read only when the change feed said it moved, rows come out
typed, verdicts go in one request, and a plugin without the routes is named as such."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses

from bridge.failures import Code, TerminalError
from bridge.ports import LinkVerdict
from connectors.wordpress_links import WordPressLinks
from connectors.wordpress_rest import WordPressRest

BASE = "http://wp.test"
LINKS = f"{BASE}/wp-json/wp-steem-bridge/v1/links"
CHANGES = f"{BASE}/wp-json/wp-steem-bridge/v1/changes"


def desk() -> WordPressLinks:
    return WordPressLinks(WordPressRest(BASE, "bridge", "secret pass"))


@responses.activate
def test_the_feed_is_read_only_when_the_change_feed_says_it_moved() -> None:
    links = desk()
    responses.add(responses.GET, CHANGES, json={"changes": [], "last": 0, "links": 4})
    responses.add(responses.GET, LINKS, json={"seq": 4, "requests": [
        {"user_id": 7, "account": "carol", "state": "pending", "challenge": "c",
         "signature": "", "expires": 1796094000, "grant": False},
        {"user_id": 8, "account": "dave", "state": "linked", "grant": True},
        {"user_id": 9, "account": "odd", "state": "refused"}]})
    links.rest.changes(0)
    assert links.link_requests(4) is None and len(responses.calls) == 1  # nothing new
    feed = links.link_requests(3)
    assert feed is not None and feed.seq == 4
    assert [(r.user_id, r.account, r.state, r.grant) for r in feed.requests] == [
        (7, "carol", "pending", False), (8, "dave", "linked", True)]
    assert feed.requests[0].expires == datetime.fromtimestamp(1796094000, UTC)
    assert feed.requests[1].expires is None


@responses.activate
def test_verdicts_go_in_one_request() -> None:
    responses.add(responses.POST, f"{LINKS}/verdicts", json={"results": ["linked", "refused"]})
    desk().write_link_verdicts([LinkVerdict(7, "carol", "linked", "granted", grant=True),
                                LinkVerdict(8, "dave", "refused", "wrong signature")])
    sent = json.loads(responses.calls[0].request.body)["verdicts"]
    assert sent == [
        {"user_id": 7, "account": "carol", "verdict": "linked", "reason": "granted", "grant": True},
        {"user_id": 8, "account": "dave", "verdict": "refused", "reason": "wrong signature",
         "grant": False}]


@responses.activate
def test_a_plugin_without_the_routes_is_named() -> None:
    responses.add(responses.GET, LINKS, status=404, json={
        "code": "rest_no_route", "message": "No route was found", "data": {"status": 404}})
    with pytest.raises(TerminalError) as raised:
        desk().link_requests(0)
    assert raised.value.code is Code.PLUGIN_MISSING
