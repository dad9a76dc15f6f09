"""The XML-RPC connector against a fake xmlrpc.php served through ``responses``."""

from __future__ import annotations

import subprocess
import sys
import xmlrpc.client
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses

from bridge.failures import RateLimited, TerminalError, TransientError
from connectors.wordpress_xmlrpc import PAGE_OVERLAP, PAGE_SIZE, WordPressXmlrpc
from tests.support.wordpress import REPO_ROOT

BASE = "https://blog.example"
ENDPOINT = f"{BASE}/xmlrpc.php"
PASSWORD = "abcd EFGH ijkl MNOP qrst UVWX"
Handler = Callable[[tuple[Any, ...]], Any]


def xml_response(value: Any) -> str:
    if isinstance(value, xmlrpc.client.Fault):
        return xmlrpc.client.dumps(value, methodresponse=True)
    return xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True)


def wp_time(day: int, second: int = 0) -> xmlrpc.client.DateTime:
    return xmlrpc.client.DateTime(f"202401{day:02d}T10:00:{second:02d}")


def raw_post(post_id: int, day: int, second: int = 0, **extra: Any) -> dict[str, Any]:
    post = {
        "post_id": str(post_id), "post_title": f"Post {post_id}", "post_name": f"post-{post_id}",
        "post_date": wp_time(day, second), "post_date_gmt": wp_time(day, second),
        "post_modified": wp_time(day, second), "post_modified_gmt": wp_time(day, second),
        "post_status": "publish", "post_type": "post", "post_author": "2",
        "post_password": "", "post_excerpt": "", "post_content": f"<p>body {post_id}</p>",
        "link": f"{BASE}/post-{post_id}/", "post_thumbnail": [],
        "terms": [{"term_id": "3", "name": "cn", "taxonomy": "post_tag", "count": 1},
                  {"term_id": "1", "name": "News", "taxonomy": "category", "count": 1}],
        "custom_fields": [],
    }
    post.update(extra)
    return post


class FakeXmlrpc:
    """A tiny xmlrpc.php: handlers by method name; ``calls`` records (method, params)."""

    def __init__(self, handlers: dict[str, Handler]) -> None:
        self.handlers = {"mt.supportedMethods": lambda _p: sorted(self.handlers), **handlers}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        params, method = xmlrpc.client.loads(request.body)
        self.calls.append((method, params))
        return 200, {"Content-Type": "text/xml"}, xml_response(self.handlers[method](params))

    def called(self, method: str) -> list[tuple[Any, ...]]:
        return [params for name, params in self.calls if name == method]


def serve(handlers: dict[str, Handler]) -> FakeXmlrpc:
    fake = FakeXmlrpc(handlers)
    responses.add_callback(responses.POST, ENDPOINT, callback=fake)
    return fake


def fault(code: int, text: str) -> Handler:
    def handler(_params: tuple[Any, ...]) -> Any:
        return xmlrpc.client.Fault(code, text)
    return handler


def connector() -> WordPressXmlrpc:
    return WordPressXmlrpc(BASE, "bridge", PASSWORD, timeout=5)


# -- the shim --------------------------------------------------------------------------------

def test_library_fails_without_the_shim_and_works_with_it() -> None:
    script = (
        "import collections\n"
        "from wordpress_xmlrpc.methods.posts import GetPosts\n"
        "try:\n"
        "    GetPosts().process_result([{'post_id': '1'}])\n"
        "except AttributeError as exc:\n"
        "    print('without:', exc)\n"
        "import connectors.wordpress_xmlrpc_transport as c\n"
        "c.install_py311_compat()\n"
        "import collections.abc\n"
        "assert collections.Iterable is collections.abc.Iterable\n"
        "print('with:', GetPosts().process_result([{'post_id': '1'}])[0].id)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=60, check=True)
    assert "without: module 'collections' has no attribute 'Iterable'" in done.stdout
    assert "with: 1" in done.stdout


# -- transport failures ----------------------------------------------------------------------

@responses.activate
def test_timeout_is_transient() -> None:
    responses.add(responses.POST, ENDPOINT, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(TransientError) as caught:
        connector().site_info()
    assert "ReadTimeout" in caught.value.message and PASSWORD not in caught.value.message


@responses.activate
def test_connection_refused_is_transient() -> None:
    responses.add(responses.POST, ENDPOINT,
                  body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(TransientError):
        list(connector().posts_modified_since(None))


@responses.activate
def test_http_5xx_is_transient_with_retry_after() -> None:
    responses.add(responses.POST, ENDPOINT, status=503, body="busy",
                  headers={"Retry-After": "7"})
    with pytest.raises(TransientError) as caught:
        connector().site_info()
    assert "HTTP 503" in caught.value.message
    assert caught.value.retry_after == 7


@pytest.mark.parametrize("status", [403, 405])
@responses.activate
def test_blocked_xmlrpc_php_is_terminal_and_points_to_rest(status: int) -> None:
    responses.add(responses.POST, ENDPOINT, status=status, body="<html>blocked</html>")
    with pytest.raises(TerminalError) as caught:
        connector().site_info()
    assert f"HTTP {status}" in caught.value.message
    assert "REST connector" in caught.value.message


@responses.activate
def test_http_429_is_rate_limited() -> None:
    responses.add(responses.POST, ENDPOINT, status=429, headers={"Retry-After": "42"})
    with pytest.raises(RateLimited) as caught:
        connector().site_info()
    assert caught.value.retry_after == 42


@responses.activate
def test_a_page_that_is_not_xml_is_transient() -> None:
    responses.add(responses.POST, ENDPOINT, status=200, body="<html><p>Just a moment</html>")
    with pytest.raises(TransientError) as caught:
        connector().site_info()
    assert "not XML-RPC" in caught.value.message


# -- faults ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "text", "error_type", "expected"), [
    (403, "Incorrect username or password.", TerminalError, "application password"),
    (403, "Invalid post type.", TerminalError, "capability"),
    (401, "Sorry, you are not allowed to edit this post.", TerminalError, "capability"),
    (404, "Invalid post ID.", TerminalError, "fault 404"),
    (405, "XML-RPC services are disabled on this site.", TerminalError, "REST connector"),
    (500, "Sorry, the post could not be updated.", TransientError, "fault 500"),
    (429, "Slow down", RateLimited, "fault 429"),
    (-32601, "server error. requested method does not exist.", TerminalError, "-32601"),
])
@responses.activate
def test_faults_are_classified(code: int, text: str, error_type: type, expected: str) -> None:
    serve({"wp.getPost": fault(code, text)})
    with pytest.raises(error_type) as caught:
        connector().chain_meta(5)
    assert expected in caught.value.message
    assert type(caught.value) is error_type


@responses.activate
def test_disabled_text_wins_over_any_code() -> None:
    serve({"wp.getOptions": fault(403, "XML-RPC services are disabled on this site.")})
    with pytest.raises(TerminalError) as caught:
        connector().site_info()
    assert "REST connector" in caught.value.message


@responses.activate
def test_the_password_never_reaches_a_message() -> None:
    echoed = f"Bad login for bridge/{PASSWORD} ({PASSWORD.replace(' ', '')})"
    serve({"wp.getOptions": fault(403, echoed)})
    with pytest.raises(TerminalError) as caught:
        connector().site_info()
    assert PASSWORD not in str(caught.value)
    assert PASSWORD.replace(" ", "") not in str(caught.value)
    assert "***" in caught.value.message
    assert caught.value.__context__ is None and caught.value.__cause__ is None  # nothing chained


@responses.activate
def test_a_method_the_site_removed_is_terminal() -> None:
    fake = serve({})
    fake.handlers["mt.supportedMethods"] = lambda _p: ["wp.getOptions"]
    with pytest.raises(TerminalError) as caught:
        list(connector().posts_modified_since(None))
    assert "wp.getPosts" in caught.value.message


# -- listing ---------------------------------------------------------------------------------

def posts_server(stored: list[dict[str, Any]]) -> FakeXmlrpc:
    """wp.getPosts over ``stored``, ordered by (modified, id) descending, like WP_Query."""
    def get_posts(params: tuple[Any, ...]) -> list[dict[str, Any]]:
        query = params[3]
        assert query["orderby"] == "modified ID" and query["order"] == "DESC"
        ordered = sorted(stored, key=lambda p: (p["post_modified"].value, int(p["post_id"])),
                         reverse=True)
        return ordered[query["offset"]:query["offset"] + query["number"]]
    return serve({"wp.getPosts": get_posts})


@responses.activate
def test_posts_come_oldest_first_in_rest_shape() -> None:
    thumb = {"attachment_id": "77", "link": f"{BASE}/img.jpg"}
    posts_server([raw_post(10, 3), raw_post(11, 1, post_thumbnail=thumb,
                  custom_fields=[{"id": "9", "key": "steem_block", "value": "123"},
                                 {"id": "8", "key": "steem_opt_out", "value": "1"},
                                 {"id": "7", "key": "other", "value": "x"}])])
    wp = connector()
    found = list(wp.posts_modified_since(None))
    assert [p["id"] for p in found] == [11, 10]
    first = found[0]
    assert first["modified"] == first["modified_gmt"] == "2024-01-01T10:00:00"
    assert first["title"] == {"raw": "Post 11", "rendered": ""}
    assert first["content"]["raw"] == "<p>body 11</p>"
    assert (first["tags"], first["tag_names"]) == ([3], ["cn"])
    assert (first["categories"], first["category_names"]) == ([1], ["News"])
    assert first["author"] == 2 and first["featured_media"] == 77
    assert first["meta"] == {"steem_block": 123, "steem_opt_out": True}
    calls_before = len(responses.calls)
    assert wp.term_names("tags", [3]) == {3: "cn"}
    assert wp.media_url(77) == f"{BASE}/img.jpg"
    assert len(responses.calls) == calls_before  # served from the listing's cache
    assert wp.user_steem_account(2) == ""


@responses.activate
def test_paging_stops_at_the_cursor() -> None:
    stored = [raw_post(i, 1 + i // 60, i % 60) for i in range(1, 300)]
    fake = posts_server(stored)
    cursor = "2024-01-03T10:00:30"  # posts 121..299 are newer (days 3..5)
    found = list(connector().posts_modified_since(cursor))
    assert [p["id"] for p in found] == list(range(151, 300))
    assert all(p["modified"] > cursor for p in found)
    offsets = [params[3]["offset"] for params in fake.called("wp.getPosts")]
    assert offsets == [0, PAGE_SIZE - PAGE_OVERLAP]  # the third page is never read


def unpublish_during_paging(stored: list[dict[str, Any]], fake: FakeXmlrpc,
                            doomed: slice) -> None:
    """After the first page is served, the posts in ``doomed`` (oldest first) leave the list."""
    original = fake.handlers["wp.getPosts"]
    done: list[bool] = []

    def get_posts(params: tuple[Any, ...]) -> Any:
        page = original(params)
        if not done:
            done.append(True)
            del stored[doomed]
        return page
    fake.handlers["wp.getPosts"] = get_posts


@responses.activate
def test_a_seen_post_leaving_the_list_while_paging_skips_no_other() -> None:
    stored = [raw_post(i, 1 + i // 60, i % 60) for i in range(1, 250)]
    fake = posts_server(stored)
    unpublish_during_paging(stored, fake, slice(-50, -49))  # seen: the rest shift up by one
    found = [p["id"] for p in connector().posts_modified_since(None)]
    assert found == list(range(1, 250))  # post 200 was read before it left; none skipped
    step = PAGE_SIZE - PAGE_OVERLAP
    assert [c[3]["offset"] for c in fake.called("wp.getPosts")] == [0, step, 2 * step]


@responses.activate
def test_paging_restarts_when_pages_stop_overlapping() -> None:
    stored = [raw_post(i, 1 + i // 60, i % 60) for i in range(1, 250)]
    fake = posts_server(stored)
    unpublish_during_paging(stored, fake, slice(-20, -10))  # ten seen: more than the overlap
    found = [p["id"] for p in connector().posts_modified_since(None)]
    assert found == sorted(int(p["post_id"]) for p in stored)
    offsets = [c[3]["offset"] for c in fake.called("wp.getPosts")]
    assert offsets.count(0) == 2  # restarted once


# -- writing ---------------------------------------------------------------------------------

def meta_server(fields: list[dict[str, str]], editable: Callable[[str], bool]) -> FakeXmlrpc:
    def get_post(_params: tuple[Any, ...]) -> dict[str, Any]:
        return {"post_id": "5", "custom_fields": [dict(f) for f in fields]}

    def edit_post(params: tuple[Any, ...]) -> bool:
        for change in params[4]["custom_fields"]:
            if not editable(change["key"]):
                continue  # WordPress skips what the user may not edit, silently
            if "id" in change:
                next(f for f in fields if f["id"] == change["id"])["value"] = change["value"]
            else:
                fields.append({"id": str(100 + len(fields)), "key": change["key"],
                               "value": change["value"]})
        return True
    return serve({"wp.getPost": get_post, "wp.editPost": edit_post})


@responses.activate
def test_write_chain_meta_updates_existing_rows_and_adds_new_ones() -> None:
    fields = [{"id": "40", "key": "steem_status", "value": "pending"}]
    fake = meta_server(fields, lambda key: True)
    stored = connector().write_chain_meta(5, {"steem_status": "confirmed", "steem_block": 9,
                                              "steem_error": None})
    assert stored == {"id": 5, "meta": {"steem_status": "confirmed", "steem_block": 9,
                                         "steem_error": ""}}
    sent = fake.called("wp.editPost")[0][4]["custom_fields"]
    assert {"id": "40", "key": "steem_status", "value": "confirmed"} in sent
    assert {"key": "steem_block", "value": "9"} in sent
    assert len(fields) == 3  # no duplicate steem_status row


@responses.activate
def test_write_chain_meta_reports_fields_wordpress_ignored() -> None:
    meta_server([], lambda key: key != "steem_tx_id")
    with pytest.raises(TerminalError) as caught:
        connector().write_chain_meta(5, {"steem_tx_id": "ab" * 20, "steem_status": "x"})
    assert "steem_tx_id" in caught.value.message and "companion plugin" in caught.value.message


def test_write_chain_meta_refuses_other_keys() -> None:
    with pytest.raises(TerminalError):
        connector().write_chain_meta(5, {"_edit_lock": "1"})
