"""The XML-RPC connector against the real local WordPress (site "xmlrpc"), checked
against what the same site says over REST."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import pytest

from bridge.failures import TerminalError
from connectors.wordpress_xmlrpc import WordPressXmlrpc
from tests.support.wordpress import ensure_wordpress, wordpress_request

pytestmark = pytest.mark.integration

SEED_SLUGS = {
    "e13u2tv1bj",
    "e28def196f2a3666",
    "smart-media-tokens-bring-interest-communities-schools-and-communities-into-the-blockchain-world-or-smts",
}
COMPARED = ("id", "date_gmt", "modified", "modified_gmt", "slug", "status", "type", "link",
            "author", "featured_media", "password")


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("xmlrpc", seed=True)


@pytest.fixture()
def wp(site: dict[str, Any]) -> WordPressXmlrpc:
    return WordPressXmlrpc(site["url"], site["admin_user"], site["app_password"], timeout=30)


@pytest.fixture()
def scratch_post(site: dict[str, Any]) -> Iterator[int]:
    created = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": "xmlrpc scratch", "content": "<p>scratch</p>", "status": "publish",
        "date_gmt": "2020-01-02T03:04:05"})
    assert created.status_code == 201, created.text
    post_id = int(created.json()["id"])
    yield post_id
    wordpress_request(site, "DELETE", f"/wp/v2/posts/{post_id}", params={"force": "true"})


def rest_posts(site: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = wordpress_request(site, "GET", "/wp/v2/posts",
                              params={"context": "edit", "per_page": 100, "status": "publish"})
    assert found.status_code == 200, found.text
    return {post["slug"]: post for post in found.json()}


def test_xmlrpc_accepts_the_application_password(site: dict[str, Any],
                                                 wp: WordPressXmlrpc) -> None:
    index = wordpress_request(site, "GET", "/").json()
    info = wp.site_info()
    assert info["name"] == index["name"]
    assert info["url"] == index["home"]


def test_seed_posts_match_rest(site: dict[str, Any], wp: WordPressXmlrpc) -> None:
    over_rest = rest_posts(site)
    over_xmlrpc = {post["slug"]: post for post in wp.posts_modified_since(None)}
    assert SEED_SLUGS <= set(over_xmlrpc)
    for slug in SEED_SLUGS:
        mine, theirs = over_xmlrpc[slug], over_rest[slug]
        assert {k: mine[k] for k in COMPARED} == {k: theirs[k] for k in COMPARED}
        assert mine["title"]["raw"] == theirs["title"]["raw"]
        assert mine["content"]["raw"] == theirs["content"]["raw"]
        assert sorted(mine["tags"]) == sorted(theirs["tags"])
        assert sorted(mine["categories"]) == sorted(theirs["categories"])
        rest_tag_names = wordpress_request(site, "GET", "/wp/v2/tags", params={
            "include": ",".join(map(str, theirs["tags"])), "per_page": 100}).json()
        assert sorted(mine["tag_names"]) == sorted(t["name"] for t in rest_tag_names)
        assert wp.term_names("tags", mine["tags"]) == {t["id"]: t["name"] for t in rest_tag_names}


def test_listing_is_oldest_change_first_and_respects_the_cursor(wp: WordPressXmlrpc) -> None:
    everything = list(wp.posts_modified_since(None))
    modified = [post["modified"] for post in everything]
    assert modified == sorted(modified)
    cursor = everything[0]["modified"]
    newer = list(wp.posts_modified_since(cursor))
    assert [p["id"] for p in newer] == [p["id"] for p in everything if p["modified"] > cursor]
    assert list(wp.posts_modified_since(everything[-1]["modified"])) == []


def test_write_chain_meta_round_trips(site: dict[str, Any], wp: WordPressXmlrpc,
                                      scratch_post: int) -> None:
    values = {"steem_author": "iguazi123", "steem_permlink": "xmlrpc-scratch",
              "steem_tx_id": "0123456789abcdef0123456789abcdef01234567", "steem_block": 4242,
              "steem_status": "confirmed", "steem_error": ""}
    stored = wp.write_chain_meta(scratch_post, values)
    assert stored == {"id": scratch_post, "meta": values}
    over_rest = wordpress_request(site, "GET", f"/wp-steem-bridge/v1/posts/{scratch_post}/chain")
    assert over_rest.status_code == 200, over_rest.text
    assert {k: over_rest.json()["meta"][k] for k in values} == values

    wp.write_chain_meta(scratch_post, {"steem_status": "failed", "steem_error": "boom"})
    again = wp.chain_meta(scratch_post)["meta"]
    assert (again["steem_status"], again["steem_error"], again["steem_block"]) == \
        ("failed", "boom", 4242)
    raw = xmlrpc.client.ServerProxy(f"{site['url']}/xmlrpc.php").wp.getPost(
        0, site["admin_user"], site["app_password"], scratch_post, ["custom_fields"])
    keys = [field["key"] for field in raw["custom_fields"]]
    assert len(keys) == len(set(keys))  # existing rows were updated, not duplicated


def test_write_chain_meta_bumps_the_modified_date(site: dict[str, Any], wp: WordPressXmlrpc,
                                                   scratch_post: int) -> None:
    """A known difference from the REST connector's plugin route: wp.editPost always saves the
    post, so its modified date moves and the next poll sees it again."""
    route = f"/wp/v2/posts/{scratch_post}"
    before = wordpress_request(site, "GET", route, params={"context": "edit"}).json()
    wp.write_chain_meta(scratch_post, {"steem_status": "pending"})
    after = wordpress_request(site, "GET", route, params={"context": "edit"}).json()
    assert after["modified_gmt"] > before["modified_gmt"]
    assert after["content"]["raw"] == before["content"]["raw"]


def test_a_missing_post_is_terminal(wp: WordPressXmlrpc) -> None:
    with pytest.raises(TerminalError) as caught:
        wp.chain_meta(987654)
    assert "fault 404" in caught.value.message


def test_a_wrong_password_is_terminal_and_not_echoed(site: dict[str, Any]) -> None:
    wrong = "abcd efgh ijkl mnop qrst uvwx"
    wp = WordPressXmlrpc(site["url"], site["admin_user"], wrong)
    with pytest.raises(TerminalError) as caught:
        list(wp.posts_modified_since(None))
    assert "application password" in caught.value.message
    assert wrong not in str(caught.value) and site["app_password"] not in str(caught.value)


def test_user_meta_is_read_through_the_companion_plugin(site: dict[str, Any],
                                                        wp: WordPressXmlrpc) -> None:
    """Core XML-RPC exposes no user meta; the plugin's wpsb.rest method serves it."""
    user = site["users"]["iguazi123"]
    assert user["steem_account"]
    assert wp.user_steem_account(user["id"]) == user["steem_account"]
    assert wp.users_with_steem_account()[user["steem_account"]] == user["id"]
    with pytest.raises(TerminalError):
        wp.user_steem_account(987654)
