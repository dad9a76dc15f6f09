"""How the companion plugin shows mirrored rewards, on the real local WordPress (site "test"):
VESTS as Steem Power once the bridge stored the chain globals (POST /mirror/globals, bridge
only, validated) and as VESTS without them; chain times in the site's date format, time format
and time zone; votes strongest first; "pays out in 3 days" before payout and "paid X on <date>"
after; and the plugin's own strings in Simplified Chinese for a zh_CN site or user."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from bs4 import BeautifulSoup

from tests.integration.test_plugin_security import a_bridged_post
from tests.support.wordpress import ensure_wordpress, wordpress_request
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
GLOBALS_PATH = "/wp-steem-bridge/v1/mirror/globals"
# 1 VESTS = 0.0005 STEEM: 4000 VESTS are 2 SP
GLOBALS = {"total_vesting_fund_steem": "1000.000 STEEM",
           "total_vesting_shares": "2000000.000000 VESTS",
           "updated_at": "2024-01-31T00:00:00", "symbol": "STEEM"}
SITE_FORMAT = {"timezone": "Asia/Shanghai", "date_format": "d/m/Y", "time_format": "H:i"}


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


@pytest.fixture
def bridged_post(site: dict[str, Any]) -> Iterator[dict[str, Any]]:
    with a_bridged_post(site) as post:
        yield post


@pytest.fixture
def site_format(site: dict[str, Any]) -> Iterator[None]:
    before = wordpress_request(site, "GET", "/wp/v2/settings").json()
    response = wordpress_request(site, "POST", "/wp/v2/settings", json=SITE_FORMAT)
    assert response.status_code == 200, response.text
    try:
        yield
    finally:
        wordpress_request(site, "POST", "/wp/v2/settings",
                          json={k: before[k] for k in SITE_FORMAT})


@pytest.fixture
def chain_globals(site: dict[str, Any]) -> Iterator[None]:
    response = wordpress_request(site, "POST", GLOBALS_PATH, json=GLOBALS)
    assert response.status_code == 200, response.text
    try:
        yield
    finally:
        wp_php("test", "delete_option('wpsb_chain_globals');")


def mirror_post(site: dict[str, Any], post_id: int, **meta: Any) -> None:
    response = wordpress_request(site, "POST", f"/wp-steem-bridge/v1/mirror/posts/{post_id}",
                                 json={"steem_mirror_block": 9, **meta})
    assert response.status_code == 200, response.text


def rewards_box(post: dict[str, Any]) -> BeautifulSoup:
    page = requests.get(post["link"], timeout=30)
    assert page.status_code == 200
    box = BeautifulSoup(page.text, "html.parser").select_one(".wpsb-rewards")
    assert box is not None, page.text[-2000:]
    return box


def vote(voter: str, rshares: str, time: str, weight: str = "0") -> dict[str, Any]:
    return {"voter": voter, "weight": weight, "rshares": rshares, "percent": 10000, "time": time}


PAID = {
    "steem_paid_out": True, "steem_payout_time": "2024-01-31T20:30:00",
    "steem_author_payout": "1234.500 SBD", "steem_curator_payout": "0.500 SBD",
    "steem_author_sbd": "1.000 SBD", "steem_author_steem": "0.000 STEEM",
    "steem_author_vests": "4000.000000 VESTS", "steem_vote_count": 4,
    "steem_beneficiary_payouts": [{"account": "alice", "sbd": "0.100 SBD",
                                   "steem": "0.000 STEEM", "vests": "2000.000000 VESTS"}],
    "steem_votes": [vote("small", "10", "2024-01-25T00:00:00"),
                    vote("later", "300", "2024-01-26T00:00:00"),
                    vote("earlier", "300", "2024-01-24T00:00:00"),
                    vote("whale", "99999999999999999999", "2024-01-27T00:00:00")],
}


def test_paid_post_shows_power_site_dates_and_votes_strongest_first(
        site: dict[str, Any], bridged_post: dict[str, Any], site_format: None,
        chain_globals: None) -> None:
    mirror_post(site, bridged_post["id"], **PAID)

    box = rewards_box(bridged_post)
    text = box.get_text(" ", strip=True)
    assert "VESTS" not in text
    assert box.select_one(".wpsb-author-split").get_text() == \
        "Author received 1.000 SBD, 0.000 STEEM, and 2.000 SP"
    assert "@alice received 0.100 SBD, 0.000 STEEM, and 1.000 SP" in text
    # 20:30 UTC is 04:30 the next day in Shanghai, in the site's d/m/Y and H:i
    assert box.select_one(".wpsb-payout-time").get_text() == "01/02/2024 at 04:30"
    assert box.select_one(".wpsb-total-payout").get_text() == "1,235.000 SBD"
    assert box.select_one(".wpsb-author-payout").get_text() == "1,234.500 SBD"
    assert [v.get_text() for v in box.select(".wpsb-voter")] == \
        ["@whale", "@earlier", "@later", "@small"]
    assert box.select(".wpsb-vote-time")[0].get_text() == "27/01/2024 at 08:00"


def test_vests_stay_vests_without_mirrored_globals(
        site: dict[str, Any], bridged_post: dict[str, Any]) -> None:
    wp_php("test", "delete_option('wpsb_chain_globals');")
    mirror_post(site, bridged_post["id"], **PAID)

    split = rewards_box(bridged_post).select_one(".wpsb-author-split").get_text()
    assert split == "Author received 1.000 SBD, 0.000 STEEM, and 4,000.000000 VESTS"


def test_pending_post_says_when_it_pays_out(
        site: dict[str, Any], bridged_post: dict[str, Any]) -> None:
    cashout = datetime.now(UTC) + timedelta(days=3, hours=2)
    mirror_post(site, bridged_post["id"], steem_paid_out=False,
                steem_pending_payout="1.234 SBD",
                steem_payout_time=cashout.strftime("%Y-%m-%dT%H:%M:%S"))

    payout = rewards_box(bridged_post).select_one(".wpsb-payout").get_text(" ", strip=True)
    assert payout.startswith("Pending payout 1.234 SBD , pays out in 3 days"), payout


def test_only_the_bridge_stores_valid_globals(site: dict[str, Any]) -> None:
    wrong_symbol = {**GLOBALS, "symbol": "HIVE"}
    zero = {**GLOBALS, "total_vesting_shares": "0.000000 VESTS"}
    for body in (wrong_symbol, zero, {**GLOBALS, "total_vesting_shares": "12 VESTS"},
                 {**GLOBALS, "extra": 1}, {k: v for k, v in GLOBALS.items() if k != "symbol"}):
        response = wordpress_request(site, "POST", GLOBALS_PATH, json=body)
        assert response.status_code == 400, (body, response.text)
    member = wordpress_request(site, "POST", GLOBALS_PATH, json=GLOBALS, as_user="iguazi123")
    assert member.status_code == 403, member.text
    assert wp_php("test", "var_export(get_option('wpsb_chain_globals', null));") == "NULL"

    hive = {**GLOBALS, "total_vesting_fund_steem": "1000.000 HIVE", "symbol": "HIVE"}
    try:
        stored = wordpress_request(site, "POST", GLOBALS_PATH, json=hive)
        assert stored.status_code == 200 and stored.json() == hive, stored.text
        shown = wp_php("test", "echo wpsb_format_asset('4000.000000 VESTS');")
    finally:
        wp_php("test", "delete_option('wpsb_chain_globals');")
    assert shown == "2.000 HP"


@pytest.fixture
def chinese_site(site: dict[str, Any]) -> Iterator[None]:
    """The site's language set to zh_CN as Settings > General does (core's zh_CN pack comes
    from Debian's wordpress-l10n, which wp-local installs)."""
    response = wordpress_request(site, "POST", "/wp/v2/settings", json={"language": "zh_CN"})
    assert response.status_code == 200 and response.json()["language"] == "zh_CN", response.text
    try:
        yield
    finally:
        wordpress_request(site, "POST", "/wp/v2/settings", json={"language": ""})


def test_a_chinese_site_shows_the_plugin_in_chinese(
        site: dict[str, Any], bridged_post: dict[str, Any], chinese_site: None) -> None:
    mirror_post(site, bridged_post["id"], **PAID)

    text = rewards_box(bridged_post).get_text(" ", strip=True)
    assert "作者获得" in text and "在 Steem 上查看" in text, text
    assert "Author received" not in text


def logged_in(site: dict[str, Any], login: str) -> requests.Session:
    password = secrets.token_urlsafe(18)
    user_id = site["users"][login]["id"] if login in site["users"] else site["admin_id"]
    changed = wordpress_request(site, "POST", f"/wp/v2/users/{user_id}", json={"password": password})
    assert changed.status_code == 200, changed.text
    session = requests.Session()
    session.get(site["url"] + "/wp-login.php", timeout=30)
    answer = session.post(site["url"] + "/wp-login.php", timeout=30, data={
        "log": login, "pwd": password, "wp-submit": "Log In", "testcookie": "1"})
    assert any(c.name.startswith("wordpress_logged_in") for c in session.cookies), answer.text[:500]
    return session


@pytest.fixture
def chinese_admin(site: dict[str, Any]) -> Iterator[requests.Session]:
    """The administrator with their own language set to zh_CN; the site stays English."""
    admin = site["admin_user"]
    response = wordpress_request(site, "POST", "/wp/v2/users/me", json={"locale": "zh_CN"},
                                 params={"context": "edit"})
    assert response.status_code == 200 and response.json()["locale"] == "zh_CN", response.text
    try:
        yield logged_in(site, admin)
    finally:
        wordpress_request(site, "POST", "/wp/v2/users/me", json={"locale": ""})


def test_an_admin_with_chinese_locale_sees_the_posts_column_in_chinese(
        site: dict[str, Any], bridged_post: dict[str, Any],
        chinese_admin: requests.Session) -> None:
    mirror_post(site, bridged_post["id"], **PAID)

    page = chinese_admin.get(site["url"] + "/wp-admin/edit.php", timeout=30)
    row = BeautifulSoup(page.text, "html.parser").select_one(f"#post-{bridged_post['id']}")
    assert row is not None, page.text[:500]
    assert row.select_one(".wpsb-column-status").get_text() == "已发布"
    assert row.select_one(".wpsb-column-state").get_text() == "(已发放)"
    assert row.select_one(".wpsb-column-votes").get_text() == "4 票"
    front = requests.get(bridged_post["link"], timeout=30).text
    assert "作者获得" not in front  # the site itself stays English
