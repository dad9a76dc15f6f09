"""A site owner's day in a real browser (Debian's chromium + chromium-driver) against the local
WordPress site "test": an editor opens a bridged post in the block editor and sees its chain
status, address, block and payout in the "Steem" panel, changes an override there and saves;
opening a failed post shows the failure as an editor notice and its Retry reaches the
bridge's feed; an editor whose own language is zh_CN sees the panel in Chinese (the plugin's
script translations, languages/*.json made by make-pot.sh); an administrator sees Site Health
flag a stale heartbeat. Titles and reasons are Chinese, so CJK must render (fonts-noto-cjk).
Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from tests.integration.test_plugin_security import chain_path
from tests.support.browser import ARTIFACTS, chromium, log_in
from tests.support.wordpress import ensure_wordpress, wordpress_request
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
PANEL = "wpsb-chain/wpsb-chain-panel"
FAILED_REASON = "签名被拒绝：missing required posting authority (iguazi123)"


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


@contextmanager
def bridged_post(site: dict[str, Any], title: str, chain: dict[str, Any],
                 mirror: dict[str, Any] | None = None) -> Iterator[int]:
    """A published post by iguazi123 with chain state (and mirrored rewards) as the bridge
    writes them (the site's admin holds the bridge capability)."""
    created = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": title, "content": "<p>在区块链上发布。</p>", "status": "publish",
        "author": site["users"]["iguazi123"]["id"]})
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    try:
        written = wordpress_request(site, "POST", chain_path(post_id), json=chain)
        assert written.status_code == 200, written.text
        if mirror:
            mirrored = wordpress_request(site, "POST",
                                         f"/wp-steem-bridge/v1/mirror/posts/{post_id}",
                                         json=mirror)
            assert mirrored.status_code == 200, mirrored.text
        yield post_id
    finally:
        wordpress_request(site, "DELETE", f"/wp/v2/posts/{post_id}", params={"force": "true"})


def open_in_editor(driver: webdriver.Chrome, site: dict[str, Any], post_id: int) -> WebElement:
    """Opens the post in the block editor, past the welcome guide; returns the Steem panel."""
    driver.get(f"{site['url']}/wp-admin/post.php?post={post_id}&action=edit")
    driver.find_element(By.CSS_SELECTOR, ".edit-post-layout")
    driver.execute_script("""
        const edit = wp.data.select('core/edit-post');
        if (edit.isFeatureActive('welcomeGuide')) {
            wp.data.dispatch('core/edit-post').toggleFeature('welcomeGuide');
        }
        wp.data.dispatch('core/edit-post').openGeneralSidebar('edit-post/document');
    """)
    panel = driver.find_element(By.CSS_SELECTOR, ".wpsb-chain-panel")
    if "is-opened" not in (panel.get_attribute("class") or ""):
        panel.find_element(By.CSS_SELECTOR, ".components-panel__body-toggle").click()
    driver.find_element(By.CSS_SELECTOR, ".wpsb-chain-panel .wpsb-status")
    return panel


def within(panel: WebElement, selector: str) -> str:
    return panel.find_element(By.CSS_SELECTOR, selector).text.strip()


def snapshot(driver: webdriver.Chrome, element: WebElement, name: str) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", element)
    time.sleep(0.5)  # let the sidebar settle after scrolling
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))


def wait_until_saved(driver: webdriver.Chrome, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if driver.execute_script("const e = wp.data.select('core/editor');"
                                 "return !e.isSavingPost() && !e.isEditedPostDirty();"):
            return
        time.sleep(0.2)
    notices = driver.execute_script(
        "return wp.data.select('core/notices').getNotices().map(n => n.content);")
    raise AssertionError(f"the post was not saved; the editor says: {notices}")


def payout_in_three_days() -> str:
    """A pending payout's chain time (UTC) three days and an hour from now."""
    due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3, hours=1)
    return due.strftime("%Y-%m-%dT%H:%M:%S")


def site_time(site_name: str, utc: str) -> str:
    """``utc`` in the site's own date and time format and time zone, as WordPress writes it."""
    return wp_php(site_name, f"""
        $t = strtotime('{utc} UTC');
        echo wp_date(get_option('date_format') . ' ' . get_option('time_format'), $t);
    """).strip()


def test_an_editor_sees_chain_status_and_payout_and_saves_an_override(
        browser: webdriver.Chrome) -> None:
    site = ensure_wordpress("test", seed=True)
    permlink = f"lian-shang-{int(time.time())}"
    chain = {"steem_author": "iguazi123", "steem_permlink": permlink,
             "steem_status": "published", "steem_block": 4321, "steem_error": ""}
    due = payout_in_three_days()
    mirror = {"steem_pending_payout": "1.234 SBD", "steem_payout_time": due,
              "steem_vote_count": 2, "steem_mirror_block": 4400}
    log_in(browser, site, "panel-editor", "editor")
    with bridged_post(site, "链上的第一篇文章", chain, mirror) as post_id:
        panel = open_in_editor(browser, site, post_id)
        snapshot(browser, panel, "editor-panel-published.png")

        assert within(panel, ".wpsb-status") == "Published on chain"
        link = panel.find_element(By.CSS_SELECTOR, ".wpsb-address a")
        assert link.text.startswith(f"@iguazi123/{permlink}")
        assert link.get_attribute("href") == f"https://steemit.com/@iguazi123/{permlink}"
        assert within(panel, ".wpsb-block") == "In block 4321"
        # the site's own date and time format and zone, and how long until then
        assert within(panel, ".wpsb-payout") == (
            f"Pending payout 1.234 SBD, pays out in 3 days ({site_time('test', due)})")
        assert within(panel, ".wpsb-votes") == "2 votes"

        tags = panel.find_element(By.CSS_SELECTOR, ".wpsb-overrides input[type=text]")
        tags.send_keys("cn, 生活")
        browser.find_element(By.CSS_SELECTOR, ".editor-post-publish-button").click()
        wait_until_saved(browser)
        stored = wordpress_request(site, "GET", chain_path(post_id)).json()["meta"]
        assert stored["steem_tags"] == "cn,生活"
        assert stored["steem_status"] == "published"
        assert not browser.find_elements(By.CSS_SELECTOR, ".components-notice.is-error")


@contextmanager
def user_language(site: dict[str, Any], login: str, locale: str) -> Iterator[None]:
    """User ``login``'s own language (Profile > Language) set to ``locale``; the site's stays."""
    found = wordpress_request(site, "GET", "/wp/v2/users",
                              params={"search": login, "context": "edit"}).json()
    user_id = next(user["id"] for user in found if user["username"] == login)
    changed = wordpress_request(site, "POST", f"/wp/v2/users/{user_id}", json={"locale": locale},
                                params={"context": "edit"})
    assert changed.status_code == 200 and changed.json()["locale"] == locale, changed.text
    try:
        yield
    finally:
        wordpress_request(site, "POST", f"/wp/v2/users/{user_id}", json={"locale": ""})


def test_an_editor_whose_language_is_chinese_sees_the_panel_in_chinese(
        browser: webdriver.Chrome) -> None:
    site = ensure_wordpress("test", seed=True)
    permlink = f"zhong-wen-{int(time.time())}"
    chain = {"steem_author": "iguazi123", "steem_permlink": permlink,
             "steem_status": "published", "steem_block": 4321, "steem_error": ""}
    mirror = {"steem_pending_payout": "1.234 SBD", "steem_payout_time": payout_in_three_days(),
              "steem_vote_count": 2, "steem_mirror_block": 4400}
    log_in(browser, site, "panel-editor-zh", "editor")
    with user_language(site, "panel-editor-zh", "zh_CN"), \
            bridged_post(site, "中文编辑看到的文章", chain, mirror) as post_id:
        panel = open_in_editor(browser, site, post_id)
        snapshot(browser, panel, "editor-panel-zh.png")

        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
        assert within(panel, ".components-panel__body-title") == "Steem"
        assert within(panel, ".wpsb-status") == "已发布到区块链"
        assert within(panel, ".wpsb-block") == "位于区块 4321"
        assert re.fullmatch(r"待发放收益 1\.234 SBD，3\s?天后发放（[^（）]*2026[^（）]*）",
                            within(panel, ".wpsb-payout")), within(panel, ".wpsb-payout")
        assert within(panel, ".wpsb-votes") == "2 票"
        labels = [label.text.strip() for label in panel.find_elements(
            By.CSS_SELECTOR, ".wpsb-overrides label")]
        assert {"不将这篇文章发布到区块链", "区块链标签", "受益人", "收益发放"} <= set(labels), labels
        options = [option.text.strip() for option in panel.find_elements(
            By.CSS_SELECTOR, ".wpsb-overrides select option")]
        assert options[:2] == ["站点默认", "50% 流动收益，50% 蒸汽能量（SP）"]
        assert "受益人和收益发放方式" in within(panel, ".wpsb-overrides-note")


def test_a_failed_post_opens_with_an_error_notice_and_the_reason(
        browser: webdriver.Chrome) -> None:
    site = ensure_wordpress("test", seed=True)
    chain = {"steem_status": "failed", "steem_error": FAILED_REASON}
    log_in(browser, site, "panel-editor", "editor")
    with bridged_post(site, "没能上链的文章", chain) as post_id:
        panel = open_in_editor(browser, site, post_id)
        notice = browser.find_element(By.CSS_SELECTOR, ".components-notice.is-error")
        snapshot(browser, panel, "editor-panel-failed.png")

        assert "did not reach the Steem chain" in notice.text and FAILED_REASON in notice.text
        assert "Retry" in notice.text
        assert within(panel, ".wpsb-status") == "Failed"
        assert within(panel, ".wpsb-reason") == FAILED_REASON
        assert "wp-steem-bridge retry --failed" in within(panel, ".wpsb-next-step")

        panel.find_element(By.CSS_SELECTOR, "button.wpsb-retry").click()
        snackbar = browser.find_element(By.CSS_SELECTOR, ".components-snackbar")
        assert "Retry requested." in snackbar.text
        requests = wordpress_request(site, "GET", "/wp-steem-bridge/v1/retries").json()
        assert requests[-1]["post_id"] == post_id


def test_an_administrator_sees_site_health_flag_a_stale_heartbeat(
        browser: webdriver.Chrome) -> None:
    site = ensure_wordpress("test", seed=True)
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    beat = wordpress_request(site, "POST", "/wp-steem-bridge/v1/heartbeat", json={
        "last_tick": two_hours_ago, "version": "0.9.0", "summary": "同步了 12 篇文章",
        "failed": 1, "grants": {"iguazi123": False}})
    assert beat.status_code == 200, beat.text
    log_in(browser, site, "panel-admin", "administrator")
    browser.get(f"{site['url']}/wp-admin/site-health.php")
    title = browser.find_element(By.XPATH,
                                  "//*[contains(text(), 'The Steem bridge last reported')]")
    trigger = title.find_element(By.XPATH, "./ancestor::button")
    trigger.click()
    snapshot(browser, browser.find_element(By.CSS_SELECTOR, ".site-status-has-issues"),
             "site-health-stale.png")

    critical = browser.find_element(By.ID, "health-check-site-status-critical")
    assert "The Steem bridge last reported 2 hours ago" in critical.text
    assert "同步了 12 篇文章" in critical.text
    recommended = browser.find_element(By.ID, "health-check-site-status-recommended")
    assert "1 chain item failed and waits for a person" in recommended.text
    assert "1 author no longer grants the bridge posting authority" in recommended.text
