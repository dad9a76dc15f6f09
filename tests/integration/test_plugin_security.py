"""The companion plugin's permission and sanitizing fixes, against the real local WordPress
(site "test"): who may link chain accounts and write chain state, what anonymous readers see,
slashes, reply sanitizing, dates and post types. Shared helpers for the other plugin tests."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.support.wordpress import ensure_wordpress, wordpress_request

pytestmark = pytest.mark.integration
PRIVATE_KEYS = {"steem_error", "steem_opt_out", "steem_tags", "steem_beneficiaries", "steem_payout"}
PUBLIC_KEYS = {"steem_author", "steem_permlink", "steem_tx_id", "steem_block", "steem_status"}


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


def make_user(site: dict[str, Any], login: str, role: str) -> tuple[int, tuple[str, str]]:
    """A user with ``role`` and a fresh Application Password; returns its id and auth pair."""
    found = wordpress_request(site, "GET", "/wp/v2/users",
                              params={"search": login, "context": "edit", "roles": role}).json()
    match = [u["id"] for u in found if u["username"] == login]
    if match:
        user_id = match[0]
    else:
        created = wordpress_request(site, "POST", "/wp/v2/users", json={
            "username": login, "email": f"{login}@example.invalid", "roles": [role],
            "password": f"pw-{time.time()}"})
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
    path = f"/wp/v2/users/{user_id}/application-passwords"
    wordpress_request(site, "DELETE", path)
    password = wordpress_request(site, "POST", path, json={"name": "security-tests"})
    assert password.status_code == 201, password.text
    return user_id, (login, password.json()["password"])


@pytest.fixture(scope="module")
def subscriber(site: dict[str, Any]) -> tuple[int, tuple[str, str]]:
    return make_user(site, "sec-subscriber", "subscriber")


@pytest.fixture(scope="module")
def editor(site: dict[str, Any]) -> tuple[int, tuple[str, str]]:
    """An editor without the bridge capability: it may edit every post, but is not the bridge."""
    return make_user(site, "sec-editor", "editor")


@contextmanager
def a_bridged_post(site: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A published post by iguazi123 whose chain state the bridge (the admin) has written."""
    created = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": "security scratch", "content": "<p>scratch</p>", "status": "publish",
        "author": site["users"]["iguazi123"]["id"]})
    assert created.status_code == 201, created.text
    post = created.json()
    permlink = f"sec-{post['id']}-{int(time.time() * 1000)}"
    chain = wordpress_request(site, "POST", chain_path(post["id"]), json={
        "steem_author": "iguazi123", "steem_permlink": permlink, "steem_status": "published",
        "steem_error": "secret detail", "steem_beneficiaries": "alice:100", "steem_tags": "cn"})
    assert chain.status_code == 200, chain.text
    try:
        yield {**post, "permlink": permlink}
    finally:
        wordpress_request(site, "DELETE", f"/wp/v2/posts/{post['id']}", params={"force": "true"})


@pytest.fixture
def bridged_post(site: dict[str, Any]) -> Iterator[dict[str, Any]]:
    with a_bridged_post(site) as post:
        yield post


def chain_path(post_id: int) -> str:
    return f"/wp-steem-bridge/v1/posts/{post_id}/chain"


def user_account(site: dict[str, Any], user_id: int) -> str:
    return wordpress_request(site, "GET", f"/wp/v2/users/{user_id}",
                             params={"context": "edit"}).json()["meta"]["steem_account"]


# 1 -- steem_account


def test_members_cannot_link_their_own_chain_account(
        site: dict[str, Any], subscriber: tuple[int, tuple[str, str]]) -> None:
    sub_id, sub_auth = subscriber
    iguazi = site["users"]["iguazi123"]["id"]

    by_subscriber = wordpress_request(site, "POST", "/wp/v2/users/me", auth=sub_auth,
                                      json={"meta": {"steem_account": "wenchao"}})
    by_author = wordpress_request(site, "POST", f"/wp/v2/users/{iguazi}", as_user="iguazi123",
                                  json={"meta": {"steem_account": "wenchao"}})
    fresh_name = wordpress_request(site, "POST", "/wp/v2/users/me", as_user="iguazi123",
                                   json={"meta": {"steem_account": "unlinked-name"}})

    assert by_subscriber.status_code == 403, by_subscriber.text
    assert by_author.status_code == 403, by_author.text
    assert fresh_name.status_code == 403, fresh_name.text
    assert user_account(site, sub_id) == ""
    assert user_account(site, iguazi) == "iguazi123"


def test_an_account_linked_to_another_user_is_refused_with_400(
        site: dict[str, Any], subscriber: tuple[int, tuple[str, str]]) -> None:
    sub_id, _ = subscriber
    path = f"/wp/v2/users/{sub_id}"
    try:
        taken = wordpress_request(site, "POST", path, json={"meta": {"steem_account": "Wenchao"}})
        free = wordpress_request(site, "POST", path, json={"meta": {"steem_account": "sec-sub"}})
        again = wordpress_request(site, "POST", path, json={"meta": {"steem_account": "sec-sub"}})

        assert taken.status_code == 400, taken.text
        assert taken.json()["code"] == "wpsb_account_taken"
        assert "already linked to another WordPress user" in taken.json()["message"]
        assert free.status_code == 200 and free.json()["meta"]["steem_account"] == "sec-sub"
        assert again.status_code == 200  # the same user keeping its own link is fine
    finally:
        wordpress_request(site, "POST", path, json={"meta": {"steem_account": ""}})
    assert user_account(site, site["users"]["wenchao"]["id"]) == "wenchao"


# 2 -- chain state is the bridge's


def test_authors_and_editors_cannot_write_chain_state_but_may_set_overrides(
        site: dict[str, Any], bridged_post: dict[str, Any],
        editor: tuple[int, tuple[str, str]]) -> None:
    post_id = bridged_post["id"]
    _, editor_auth = editor
    forged = {"steem_author": "wenchao", "steem_status": "published"}

    route_author = wordpress_request(site, "POST", chain_path(post_id), json=forged,
                                     as_user="iguazi123")
    route_editor = wordpress_request(site, "POST", chain_path(post_id), json=forged,
                                     auth=editor_auth)
    core_author = wordpress_request(site, "POST", f"/wp/v2/posts/{post_id}",
                                    json={"meta": {"steem_author": "wenchao"}}, as_user="iguazi123")
    override = wordpress_request(site, "POST", f"/wp/v2/posts/{post_id}",
                                 json={"meta": {"steem_payout": "decline"}}, as_user="iguazi123")
    override_route = wordpress_request(site, "POST", chain_path(post_id),
                                       json={"steem_opt_out": True}, as_user="iguazi123")
    read_own = wordpress_request(site, "GET", chain_path(post_id), as_user="iguazi123")

    assert route_author.status_code == 403 and "Only the bridge" in route_author.json()["message"]
    assert route_editor.status_code == 403, route_editor.text
    assert core_author.status_code == 403, core_author.text
    assert override.status_code == 200, override.text
    assert override_route.status_code == 200, override_route.text
    assert read_own.status_code == 200
    meta = wordpress_request(site, "GET", chain_path(post_id)).json()["meta"]
    assert meta["steem_author"] == "iguazi123" and meta["steem_payout"] == "decline"
    assert meta["steem_opt_out"] is True


def test_the_chain_route_does_not_reveal_which_post_ids_exist(
        site: dict[str, Any], subscriber: tuple[int, tuple[str, str]]) -> None:
    _, sub_auth = subscriber
    existing = wordpress_request(site, "GET", "/wp/v2/posts", params={"per_page": 1}).json()[0]
    missing_id = 987654321

    for post_id in (existing["id"], missing_id):
        assert wordpress_request(site, "GET", chain_path(post_id), auth=None).status_code == 401
        assert wordpress_request(site, "GET", chain_path(post_id), auth=sub_auth).status_code == 403
        assert wordpress_request(site, "POST", chain_path(post_id), as_user="wenchao",
                                 json={"steem_tags": "x"}).status_code == 403
    assert wordpress_request(site, "GET", chain_path(missing_id)).status_code == 404  # the bridge


# 4 -- what anonymous readers see


def test_anonymous_readers_see_only_the_public_chain_address(
        site: dict[str, Any], bridged_post: dict[str, Any]) -> None:
    path = f"/wp/v2/posts/{bridged_post['id']}"

    public = wordpress_request(site, "GET", path, auth=None)
    edit = wordpress_request(site, "GET", path, params={"context": "edit"})

    assert public.status_code == 200, public.text
    assert PUBLIC_KEYS <= set(public.json()["meta"])
    assert not PRIVATE_KEYS & set(public.json()["meta"])
    assert "secret detail" not in public.text
    assert (PUBLIC_KEYS | PRIVATE_KEYS) <= set(edit.json()["meta"])
    assert edit.json()["meta"]["steem_error"] == "secret detail"


# 10 -- slashes


def test_the_chain_route_keeps_backslashes(site: dict[str, Any],
                                           bridged_post: dict[str, Any]) -> None:
    error = r"node said: C:\path\to\x \"quoted\" \\ end"

    written = wordpress_request(site, "POST", chain_path(bridged_post["id"]),
                                json={"steem_error": error})

    assert written.status_code == 200, written.text
    assert written.json()["meta"]["steem_error"] == error
    assert wordpress_request(site, "GET", chain_path(bridged_post["id"])).json()["meta"][
        "steem_error"] == error


# 5, 11 -- replies


def reply_item(post: dict[str, Any], permlink: str, content: str = "hello", **extra: Any
               ) -> dict[str, Any]:
    return {"post_id": post["id"], "author": "voter-one", "permlink": permlink,
            "parent_author": "iguazi123", "parent_permlink": post["permlink"],
            "content": content, "date_gmt": "2024-01-31T12:00:00",
            "author_url": f"https://steemit.com/@voter-one/{permlink}", **extra}


def mirror_comments(site: dict[str, Any], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = wordpress_request(site, "POST", "/wp-steem-bridge/v1/mirror/comments",
                                 json={"comments": items})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def raw_comment(site: dict[str, Any], comment_id: int) -> str:
    return wordpress_request(site, "GET", f"/wp/v2/comments/{comment_id}",
                             params={"context": "edit"}).json()["content"]["raw"]


def test_replies_are_cleaned_like_visitor_comments_with_ugc_links(
        site: dict[str, Any], bridged_post: dict[str, Any]) -> None:
    html = ('<p>Hi <strong>there</strong> <a href="https://example.com/x" data-track="1">link</a>'
            '<img src="https://tracker.example/p.gif" width="1"><span style="color:red">red</span>'
            '<button onclick="x()">click</button><textarea>t</textarea>'
            '<div data-secret="1">div</div></p>')

    (created,) = mirror_comments(site, [reply_item(bridged_post, "re-clean", html)])
    raw = raw_comment(site, created["comment_id"])

    assert created["status"] == "created", created
    for banned in ("<img", "tracker.example", "style=", "<button", "onclick", "<textarea",
                   "data-", "<div", "<span"):
        assert banned not in raw, (banned, raw)
    assert "<strong>there</strong>" in raw
    assert re.search(r'<a href="https://example.com/x" rel="nofollow ugc">link</a>', raw), raw
    # sent again, the same cleaned text compares equal: nothing is rewritten
    (again,) = mirror_comments(site, [reply_item(bridged_post, "re-clean", html)])
    assert again["status"] == "unchanged", again


def test_impossible_dates_and_parents_on_other_posts_are_refused(
        site: dict[str, Any], bridged_post: dict[str, Any]) -> None:
    other = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": "other", "status": "publish", "author": site["users"]["wenchao"]["id"]}).json()
    try:
        wordpress_request(site, "POST", chain_path(other["id"]), json={
            "steem_author": "wenchao", "steem_permlink": f"other-{other['id']}"})
        other_post = {**other, "permlink": f"other-{other['id']}"}
        (elsewhere,) = mirror_comments(site, [{**reply_item(other_post, "re-elsewhere"),
                                               "parent_author": "wenchao"}])
        assert elsewhere["status"] == "created", elsewhere

        results = mirror_comments(site, [
            reply_item(bridged_post, "re-feb", date_gmt="2024-02-31T12:00:00"),
            reply_item(bridged_post, "re-hour", date_gmt="2024-01-31T25:00:00"),
            reply_item(bridged_post, "re-cross", parent_author="voter-one",
                       parent_permlink="re-elsewhere"),
        ])

        assert [r["status"] for r in results] == ["error", "error", "error"], results
        assert "date_gmt" in results[0]["message"] and "date_gmt" in results[1]["message"]
        assert "not mirrored yet" in results[2]["message"]
    finally:
        wordpress_request(site, "DELETE", f"/wp/v2/posts/{other['id']}", params={"force": "true"})


def test_mirror_posts_route_accepts_only_posts(site: dict[str, Any]) -> None:
    page = wordpress_request(site, "POST", "/wp/v2/pages", json={"title": "a page",
                                                                 "status": "publish"}).json()
    try:
        response = wordpress_request(site, "POST", f"/wp-steem-bridge/v1/mirror/posts/{page['id']}",
                                     json={"steem_vote_count": 3})
        assert response.status_code == 404, response.text
    finally:
        wordpress_request(site, "DELETE", f"/wp/v2/pages/{page['id']}", params={"force": "true"})


# Routes a member or an author calls on purpose (each has its own tests); every other route of
# the plugin's namespace is the bridge's alone.
NOT_BRIDGE_ONLY = {
    "/wp-steem-bridge/v1",  # the namespace index
    "/wp-steem-bridge/v1/link", "/wp-steem-bridge/v1/link/signature",  # a member links
    "/wp-steem-bridge/v1/posts/(?P<id>\\d+)/like",  # a member likes
    "/wp-steem-bridge/v1/sync", "/wp-steem-bridge/v1/posts/(?P<id>\\d+)/retry",  # editors press
    "/wp-steem-bridge/v1/site-health/webhook",  # administrators' Site Health
    "/wp-steem-bridge/v1/posts/(?P<id>\\d+)/chain",  # anyone reads the public chain address
    # rendered posts for the XML-RPC connector: to whoever may edit them, as context=edit
    "/wp-steem-bridge/v1/posts/rendered",
}


SAMPLES: dict[Any, Any] = {"integer": 1, "number": 1, "string": "x", "boolean": False,
                           "array": [], "object": {}}


def sample(arg: dict[str, Any]) -> Any:
    """A value of the shape an argument's schema asks for (enum, date-time, minimum, type)."""
    if arg.get("enum"):
        return arg["enum"][0]
    if arg.get("format") == "date-time":
        return "2026-01-01T00:00:00"
    kind = arg.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind in ("integer", "number"):
        return max(1, arg.get("minimum", 1))
    return SAMPLES.get(kind, "x")


def test_every_other_route_of_the_plugin_is_the_bridges_alone(
        site: dict[str, Any], editor: tuple[int, tuple[str, str]],
        subscriber: tuple[int, tuple[str, str]]) -> None:
    """Siblings of the findings: each route the plugin registers (as the namespace index lists
    them, so a route added later is covered too) answers 401 to anonymous callers and 403 to a
    subscriber and to an editor who is not the bridge, before looking at anything it was sent."""
    index = wordpress_request(site, "GET", "/wp-json/wp-steem-bridge/v1").json()["routes"]
    checked = []
    for route, info in index.items():
        if route in NOT_BRIDGE_ONLY:
            continue
        path = "/wp-json" + route.replace("(?P<id>\\d+)", "1")
        for endpoint in info["endpoints"]:
            method = endpoint["methods"][0]
            # core validates the arguments before it asks the route's permission: send values of
            # the right shape, so the answer is the permission's
            args = {name: sample(arg) for name, arg in
                    (endpoint.get("args") or {}).items() if arg.get("required")}
            for who, auth, expected in (("anonymous", None, 401),
                                        ("subscriber", subscriber[1], 403),
                                        ("editor", editor[1], 403)):
                sent = {"params": args} if method == "GET" else {"json": args}
                answer = wordpress_request(site, method, path, auth=auth, **sent)
                assert answer.status_code == expected, (method, route, who, answer.text[:200])
            checked.append(f"{method} {route}")
    for who, auth, expected in (("anonymous", None, 401), ("subscriber", subscriber[1], 403)):
        answer = wordpress_request(site, "GET", "/wp-json/wp-steem-bridge/v1/posts/rendered",
                                   auth=auth, params={"include": "1"})
        assert answer.status_code == expected, (who, answer.text[:200])
    # the feeds and write-backs of every stream are among them
    assert {"GET /wp-steem-bridge/v1/changes", "GET /wp-steem-bridge/v1/comments",
            "GET /wp-steem-bridge/v1/likes", "GET /wp-steem-bridge/v1/points/feed",
            "GET /wp-steem-bridge/v1/links", "POST /wp-steem-bridge/v1/links/verdicts",
            "POST /wp-steem-bridge/v1/points/balances",
            "POST /wp-steem-bridge/v1/comments/(?P<id>\\d+)/chain"} <= set(checked), checked
