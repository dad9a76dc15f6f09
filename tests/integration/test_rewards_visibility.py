"""The rewards box ([steem_rewards id=N], the post-rewards block, the box under a post) and the REST
meta show a post's chain data only to viewers who may read that post, against the real local
WordPress (site "test"): an author embedding someone else's private post, a draft, a trashed or a
password-protected post shows nothing of it to anonymous readers and subscribers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.integration.test_plugin_security import chain_path, make_user
from tests.support.wordpress import ensure_wordpress, wordpress_request

pytestmark = pytest.mark.integration
PASSWORD = "open-sesame"
SECRET_VOTER = "secretvoter"


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


@pytest.fixture(scope="module")
def subscriber(site: dict[str, Any]) -> tuple[str, str]:
    return make_user(site, "vis-subscriber", "subscriber")[1]


def bridged_target(site: dict[str, Any], status: str, password: str = "") -> dict[str, Any]:
    """A post by wenchao with chain state and mirrored votes/payout, in ``status``."""
    created = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": f"target {status}", "content": "<p>target</p>", "password": password,
        "status": "publish" if status == "trash" else status,
        "author": site["users"]["wenchao"]["id"]})
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    permlink = f"vis-{status}-{post_id}-{int(time.time() * 1000)}"
    chain = wordpress_request(site, "POST", chain_path(post_id), json={
        "steem_author": "wenchao", "steem_permlink": permlink, "steem_status": "published"})
    assert chain.status_code == 200, chain.text
    mirrored = wordpress_request(site, "POST", f"/wp-steem-bridge/v1/mirror/posts/{post_id}", json={
        "steem_mirror_block": 7, "steem_vote_count": 1, "steem_pending_payout": "9.876 SBD",
        "steem_payout_time": "2030-01-01T00:00:00",
        "steem_votes": [{"voter": SECRET_VOTER, "weight": "1", "rshares": "100",
                         "percent": 10000, "time": "2024-01-01T00:00:00"}]})
    assert mirrored.status_code == 200, mirrored.text
    if status == "trash":
        assert wordpress_request(site, "DELETE", f"/wp/v2/posts/{post_id}").status_code == 200
    return {"id": post_id, "permlink": permlink, "link": created.json()["link"]}


def embedding_post(site: dict[str, Any], target_id: int) -> dict[str, Any]:
    """A published post by iguazi123 (an author) embedding the target by shortcode and block."""
    content = (f"<p>before</p>\n[steem_rewards id={target_id}]\n"
               f'<!-- wp:wp-steem-bridge/post-rewards {{"postId":{target_id}}} /-->')
    created = wordpress_request(site, "POST", "/wp/v2/posts", as_user="iguazi123", json={
        "title": f"embeds {target_id}", "content": content, "status": "publish"})
    assert created.status_code == 201, created.text
    return created.json()


@pytest.fixture(scope="module")
def targets(site: dict[str, Any]) -> Iterator[dict[str, dict[str, Any]]]:
    made = {status: bridged_target(site, status)
            for status in ("publish", "private", "draft", "pending", "trash")}
    made["protected"] = bridged_target(site, "publish", PASSWORD)
    for target in made.values():
        target["embed"] = embedding_post(site, target["id"])
    yield made
    for target in made.values():
        for post_id in (target["id"], target["embed"]["id"]):
            wordpress_request(site, "DELETE", f"/wp/v2/posts/{post_id}", params={"force": "true"})


def boxes(html: str, target: dict[str, Any]) -> int:
    """How many rewards boxes of ``target`` a page shows."""
    return html.count(f'data-wpsb-post="{target["id"]}"')


def leaks(html: str, target: dict[str, Any]) -> list[str]:
    return [part for part in (f'data-wpsb-post="{target["id"]}"', SECRET_VOTER, "9.876 SBD",
                              target["permlink"]) if part in html]


def rendered_for(site: dict[str, Any], post_id: int, **auth: Any) -> str:
    response = wordpress_request(site, "GET", f"/wp/v2/posts/{post_id}", **auth)
    assert response.status_code == 200, response.text
    return response.json()["content"]["rendered"]


def public_page(url: str, session: requests.Session | None = None) -> str:
    response = (session or requests).get(url, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response.text


def test_a_public_target_shows_its_rewards_to_everyone(
        site: dict[str, Any], targets: dict[str, dict[str, Any]]) -> None:
    target = targets["publish"]
    assert boxes(public_page(target["embed"]["link"]), target) == 2  # shortcode and block
    assert boxes(public_page(target["link"]), target) == 1  # the box under the post itself


@pytest.mark.parametrize("status", ["private", "draft", "pending", "trash", "protected"])
def test_anonymous_readers_and_subscribers_see_nothing_of_a_hidden_target(
        site: dict[str, Any], targets: dict[str, dict[str, Any]], subscriber: tuple[str, str],
        status: str) -> None:
    target = targets[status]
    embed_id = target["embed"]["id"]

    assert leaks(public_page(target["embed"]["link"]), target) == []
    assert leaks(rendered_for(site, embed_id, auth=None), target) == []
    assert leaks(rendered_for(site, embed_id, auth=subscriber), target) == []
    # nor does the author who embedded it, unless they may read it themselves
    assert leaks(rendered_for(site, embed_id, as_user="iguazi123"), target) == []


@pytest.mark.parametrize("status", ["private", "draft", "pending"])
def test_viewers_who_may_read_the_target_see_its_rewards(
        site: dict[str, Any], targets: dict[str, dict[str, Any]], status: str) -> None:
    target = targets[status]
    embed_id = target["embed"]["id"]

    assert boxes(rendered_for(site, embed_id, as_user="wenchao"), target) == 2  # its author
    assert boxes(rendered_for(site, embed_id), target) == 2  # an administrator


def test_a_password_protected_post_shows_its_rewards_only_after_the_password(
        site: dict[str, Any], targets: dict[str, dict[str, Any]]) -> None:
    target = targets["protected"]
    meta_path = f"/wp/v2/posts/{target['id']}"

    own_page = public_page(target["link"])
    anonymous_meta = wordpress_request(site, "GET", meta_path, auth=None).json()["meta"]
    with_password = wordpress_request(site, "GET", meta_path, auth=None,
                                      params={"password": PASSWORD}).json()["meta"]
    session = requests.Session()
    session.post(f"{site['url']}/wp-login.php?action=postpass", data={"post_password": PASSWORD},
                 headers={"Referer": target["link"]}, allow_redirects=False, timeout=30)

    assert leaks(own_page, target) == []
    assert not [key for key in anonymous_meta if key.startswith("steem_")], anonymous_meta
    assert with_password["steem_vote_count"] == 1
    assert with_password["steem_permlink"] == target["permlink"]
    assert any(c.name.startswith("wp-postpass_") for c in session.cookies)
    assert boxes(public_page(target["link"], session), target) == 1
    assert boxes(public_page(target["embed"]["link"], session), target) == 2
