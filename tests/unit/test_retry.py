"""The one retry layer: transient reads are retried with backoff, Retry-After honoured, writes of
signed transactions never."""

from __future__ import annotations

import pytest
import responses
from responses.registries import OrderedRegistry

from bridge import retry
from bridge.failures import TerminalError, TransientError
from bridge.retry import retrying_chain, retrying_wordpress
from connectors.wordpress_rest import WordPressRest

URL = "http://wp.test/wp-json/wp/v2/posts"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(retry, "SLEEP", waits.append)
    return waits


@responses.activate(registry=OrderedRegistry)
def test_listing_survives_two_503s_and_honours_retry_after(no_sleep) -> None:
    responses.get(URL, status=503, headers={"Retry-After": "4"})
    responses.get(URL, status=503, headers={"Retry-After": "0"})
    responses.get(URL, json=[{"id": 1}], headers={"X-WP-TotalPages": "1"})
    api = retrying_wordpress(WordPressRest("http://wp.test", "u", "secret pass"))
    assert [p["id"] for p in api.posts_modified_since(None)] == [1]
    assert len(responses.calls) == 3
    assert no_sleep[0] == 4.0  # the server asked for longer than the backoff


@responses.activate(registry=OrderedRegistry)
def test_gives_up_after_three_attempts_with_the_transient_error(no_sleep) -> None:
    for _ in range(3):
        responses.get(URL, status=502)
    api = retrying_wordpress(WordPressRest("http://wp.test", "u", "secret pass"))
    with pytest.raises(TransientError) as info:
        list(api.posts_modified_since(None))
    assert "HTTP 502" in info.value.message and "secret" not in info.value.message
    assert len(responses.calls) == 3


@responses.activate
def test_terminal_errors_are_not_retried() -> None:
    responses.get(URL, status=401)
    api = retrying_wordpress(WordPressRest("http://wp.test", "u", "secret pass"))
    with pytest.raises(TerminalError):
        list(api.posts_modified_since(None))
    assert len(responses.calls) == 1


def test_broadcast_is_never_retried_by_this_layer() -> None:
    class Chain:
        calls = 0

        def broadcast(self, signed) -> None:
            Chain.calls += 1
            raise TransientError("connection reset")

    with pytest.raises(TransientError):
        retrying_chain(Chain()).broadcast(object())
    assert Chain.calls == 1


@responses.activate(registry=OrderedRegistry)
def test_a_timeout_is_transient_and_retried() -> None:
    import requests

    responses.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    responses.get(URL, json=[], headers={"X-WP-TotalPages": "1"})
    api = retrying_wordpress(WordPressRest("http://wp.test", "u", "secret pass"))
    assert list(api.posts_modified_since(None)) == []
    assert len(responses.calls) == 2
