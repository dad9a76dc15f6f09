"""The companion plugin and the seeding, checked against the real local WordPress (site "test")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.wordpress import ensure_wordpress, run_wp_local, wordpress_request

pytestmark = pytest.mark.integration

CHAIN_META_KEYS = {
    "steem_author",
    "steem_permlink",
    "steem_tx_id",
    "steem_block",
    "steem_status",
    "steem_error",
    "steem_opt_out",
    "steem_tags",
    "steem_beneficiaries",
    "steem_payout",
}
SEED_POSTS = {
    # slug: (author login, tag names)
    "e13u2tv1bj": ("iguazi123", {"steempress", "cn", "blockchain", "steem", "wherein"}),
    "e28def196f2a3666": ("wenchao", {"blockchain", "token", "community"}),
    "smart-media-tokens-bring-interest-communities-schools-and-communities-into-the-blockchain-world-or-smts": (
        "iguazi123",
        {"cn", "steem", "steemit", "wherein", "blockchain"},
    ),
}
PAST_DATE_GMT = "2020-01-02T03:04:05"


def chain_path(post_id: int) -> str:
    return f"/wp-steem-bridge/v1/posts/{post_id}/chain"


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


@pytest.fixture
def iguazi_post(site: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A throw-away post by iguazi123, dated in the past so its modified date is too."""
    payload = {
        "title": "scratch post for plugin tests",
        "content": "<p>scratch</p>",
        "status": "publish",
        "date_gmt": PAST_DATE_GMT,
        "author": site["users"]["iguazi123"]["id"],
    }
    response = wordpress_request(site, "POST", "/wp/v2/posts", json=payload)
    assert response.status_code == 201, response.text
    post = response.json()
    yield post
    wordpress_request(site, "DELETE", f"/wp/v2/posts/{post['id']}", params={"force": "true"})


def test_application_password_authenticates_the_admin(site: dict[str, Any]) -> None:
    response = wordpress_request(site, "GET", "/wp/v2/users/me", params={"context": "edit"})

    assert response.status_code == 200, response.text
    assert response.json()["username"] == site["admin_user"]
    assert "administrator" in response.json()["roles"]


def test_wrong_application_password_is_refused(site: dict[str, Any]) -> None:
    response = wordpress_request(
        site, "GET", "/wp/v2/users/me", auth=(site["admin_user"], "abcd efgh ijkl mnop qrst uvwx")
    )

    assert response.status_code == 401


def test_posts_in_edit_context_carry_the_registered_meta(site: dict[str, Any]) -> None:
    response = wordpress_request(site, "GET", "/wp/v2/posts", params={"context": "edit"})

    assert response.status_code == 200, response.text
    assert response.json()
    for post in response.json():
        assert CHAIN_META_KEYS <= set(post["meta"])
        assert isinstance(post["meta"]["steem_block"], int)
        assert isinstance(post["meta"]["steem_opt_out"], bool)


def test_chain_route_stores_meta_without_changing_modified(
    site: dict[str, Any], iguazi_post: dict[str, Any]
) -> None:
    chain = {
        "steem_author": "iguazi123",
        "steem_permlink": "scratch-post-for-plugin-tests",
        "steem_tx_id": "0123456789abcdef0123456789abcdef01234567",
        "steem_block": 4242,
        "steem_status": "confirmed",
    }

    written = wordpress_request(site, "POST", chain_path(iguazi_post["id"]), json=chain)
    read_back = wordpress_request(site, "GET", chain_path(iguazi_post["id"]))
    post = wordpress_request(
        site, "GET", f"/wp/v2/posts/{iguazi_post['id']}", params={"context": "edit"}
    ).json()

    assert written.status_code == 200, written.text
    assert {key: written.json()["meta"][key] for key in chain} == chain
    assert read_back.json() == written.json()
    assert {key: post["meta"][key] for key in chain} == chain
    assert post["modified_gmt"] == iguazi_post["modified_gmt"] == PAST_DATE_GMT
    assert post["modified"] == iguazi_post["modified"]


def test_chain_route_sanitizes_overrides(site: dict[str, Any], iguazi_post: dict[str, Any]) -> None:
    overrides = {
        "steem_opt_out": True,
        "steem_tags": "CN, Steem  wherein",
        "steem_beneficiaries": "alice:1000, bob:500",
        "steem_payout": "power_up",
    }

    response = wordpress_request(site, "POST", chain_path(iguazi_post["id"]), json=overrides)

    assert response.status_code == 200, response.text
    meta = response.json()["meta"]
    assert meta["steem_opt_out"] is True
    assert meta["steem_tags"] == "cn,steem,wherein"
    assert meta["steem_beneficiaries"] == "alice:1000,bob:500"
    assert meta["steem_payout"] == "power_up"


@pytest.mark.parametrize(
    "bad",
    [
        {"steem_author": "Bad_Name"},
        {"steem_author": "ab"},
        {"steem_tx_id": "not-hex"},
        {"steem_block": -1},
        {"steem_payout": "everything"},
        {"steem_unknown": "x"},
    ],
)
def test_chain_route_rejects_invalid_input_and_stores_nothing(
    site: dict[str, Any], iguazi_post: dict[str, Any], bad: dict[str, Any]
) -> None:
    response = wordpress_request(
        site, "POST", chain_path(iguazi_post["id"]), json={"steem_status": "failed", **bad}
    )
    stored = wordpress_request(site, "GET", chain_path(iguazi_post["id"])).json()["meta"]

    assert response.status_code == 400, response.text
    assert stored["steem_status"] == ""


def test_author_cannot_touch_chain_meta_of_another_authors_post(
    site: dict[str, Any], iguazi_post: dict[str, Any]
) -> None:
    path = chain_path(iguazi_post["id"])

    write = wordpress_request(site, "POST", path, json={"steem_status": "x"}, as_user="wenchao")
    read = wordpress_request(site, "GET", path, as_user="wenchao")
    own = wordpress_request(site, "POST", path, json={"steem_tags": "cn"}, as_user="iguazi123")
    anonymous = wordpress_request(site, "GET", path, auth=None)

    assert write.status_code == 403
    assert read.status_code == 403
    assert own.status_code == 200, own.text
    assert anonymous.status_code == 401
    assert wordpress_request(site, "GET", path).json()["meta"]["steem_status"] == ""


def test_steem_account_user_meta_is_readable_and_validated(site: dict[str, Any]) -> None:
    user_id = site["users"]["wenchao"]["id"]
    user_path = f"/wp/v2/users/{user_id}"

    readable = wordpress_request(site, "GET", user_path, params={"context": "edit"})
    invalid = wordpress_request(site, "POST", user_path, json={"meta": {"steem_account": "No!"}})
    by_other_author = wordpress_request(
        site, "POST", user_path, json={"meta": {"steem_account": "mallory"}}, as_user="iguazi123"
    )
    after = wordpress_request(site, "GET", user_path, params={"context": "edit"})

    assert readable.status_code == 200, readable.text
    assert readable.json()["meta"]["steem_account"] == "wenchao"
    assert invalid.status_code == 400
    assert by_other_author.status_code in (401, 403)
    assert after.json()["meta"]["steem_account"] == "wenchao"


def test_steem_account_accepts_a_valid_name(site: dict[str, Any]) -> None:
    user_path = f"/wp/v2/users/{site['users']['iguazi123']['id']}"
    try:
        changed = wordpress_request(
            site, "POST", user_path, json={"meta": {"steem_account": "cn-steem.bot"}}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["meta"]["steem_account"] == "cn-steem.bot"
    finally:
        wordpress_request(site, "POST", user_path, json={"meta": {"steem_account": "iguazi123"}})


def test_seed_is_idempotent_and_posts_have_tags_and_authors(site: dict[str, Any]) -> None:
    second_run = json.loads(run_wp_local("seed", "test"))
    response = wordpress_request(
        site, "GET", "/wp/v2/posts", params={"slug": ",".join(SEED_POSTS), "_embed": "1"}
    )
    users_by_id = {user["id"]: login for login, user in site["users"].items()}

    assert second_run["created"] == {}
    assert set(second_run["existing"]) == set(SEED_POSTS)
    assert response.status_code == 200, response.text
    posts = {post["slug"]: post for post in response.json()}
    assert set(posts) == set(SEED_POSTS)
    for slug, (author, tags) in SEED_POSTS.items():
        post = posts[slug]
        tag_names = {
            term["name"]
            for group in post["_embedded"]["wp:term"]
            for term in group
            if term["taxonomy"] == "post_tag"
        }
        assert users_by_id[post["author"]] == author
        assert tag_names == tags
        assert post["status"] == "publish"
        assert "This page is synchronized from the post" not in post["content"]["rendered"]
