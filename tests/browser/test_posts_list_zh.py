"""The posts list in Simplified Chinese, in a real browser (Debian's chromium + chromium-driver)
against the local WordPress site "test": an administrator whose own language is zh_CN (core's
pack from Debian's wordpress-l10n, the plugin's from its languages/ folder) opens Posts > All
Posts with two bridged posts, one published on chain and one failed, and sees WordPress itself in
Chinese, the "Steem" column with each post's chain status in Chinese, the row actions 立即同步
(Sync now) on both and 重试 (Retry) only on the failed one, and the chain-status filter; 重试 asks
the bridge and answers in Chinese. A full-page screenshot goes to tests/artifacts/ (CJK must
render: fonts-noto-cjk)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from tests.browser.test_editor_panel import bridged_post
from tests.support.browser import ARTIFACTS, chromium, log_in, save_full_page
from tests.support.wordpress import ensure_wordpress, wordpress_request

pytestmark = pytest.mark.integration
LOGIN = "zh-admin"
FAILED_REASON = "签名被拒绝：missing required posting authority (iguazi123)"
SCREENSHOT = "posts-list-zh.png"


@pytest.fixture
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


@pytest.fixture
def chinese_admin(site: dict[str, Any], browser: webdriver.Chrome) -> Iterator[int]:
    """Signs in an administrator whose own language is zh_CN (Profile > Language); the site
    stays English. Returns the user's id."""
    log_in(browser, site, LOGIN, "administrator")
    found = wordpress_request(site, "GET", "/wp/v2/users",
                              params={"search": LOGIN, "context": "edit"}).json()
    user_id = next(user["id"] for user in found if user["username"] == LOGIN)
    changed = wordpress_request(site, "POST", f"/wp/v2/users/{user_id}",
                                json={"locale": "zh_CN"}, params={"context": "edit"})
    assert changed.status_code == 200 and changed.json()["locale"] == "zh_CN", changed.text
    try:
        yield user_id
    finally:
        wordpress_request(site, "POST", f"/wp/v2/users/{user_id}", json={"locale": ""})


def row_of(browser: webdriver.Chrome, post_id: int) -> WebElement:
    return browser.find_element(By.ID, f"post-{post_id}")


def text_of(within: WebElement | webdriver.Chrome, selector: str) -> str:
    return within.find_element(By.CSS_SELECTOR, selector).text.strip()


def row_actions(row: WebElement) -> dict[str, str]:
    """The plugin's row actions of a row: action ("sync", "retry") => link text."""
    return {link.get_attribute("data-wpsb-action"): link.text.strip()
            for link in row.find_elements(By.CSS_SELECTOR, ".row-actions a.wpsb-row-action")}


def show_row_actions(browser: webdriver.Chrome, *rows: WebElement) -> None:
    """Shows the rows' actions as WordPress does while a row is hovered or has keyboard focus
    (.row-actions.visible), so they can be read and seen in the screenshot."""
    for row in rows:
        browser.execute_script(
            "arguments[0].querySelector('.row-actions').classList.add('visible')", row)


def test_a_chinese_administrator_sees_the_posts_list_with_steem_column_and_actions(
        site: dict[str, Any], browser: webdriver.Chrome, chinese_admin: int) -> None:
    stamp = int(time.time())
    published = {"steem_author": "iguazi123", "steem_permlink": f"lian-shang-{stamp}",
                 "steem_status": "published", "steem_block": 4321, "steem_error": ""}
    failed = {"steem_status": "failed", "steem_error": FAILED_REASON}
    with bridged_post(site, "已经上链的文章", published) as published_id, \
            bridged_post(site, "没能上链的文章", failed) as failed_id:
        browser.get(f"{site['url']}/wp-admin/edit.php")
        published_row, failed_row = row_of(browser, published_id), row_of(browser, failed_id)
        show_row_actions(browser, published_row, failed_row)
        ARTIFACTS.mkdir(exist_ok=True)
        save_full_page(browser, ARTIFACTS / SCREENSHOT)

        # WordPress itself in Chinese (core's zh_CN pack), for this user only.
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
        assert text_of(browser, "h1.wp-heading-inline") == "文章"
        assert text_of(browser, "#menu-posts .wp-menu-name") == "文章"
        assert text_of(browser, "#menu-posts .wp-submenu .current") == "所有文章"
        assert browser.find_element(By.ID, "post-query-submit").get_attribute("value") == "筛选"

        # The "Steem" column: each post's chain status in Chinese, the address, the reason.
        assert text_of(browser, "th#wpsb_steem") == "Steem"
        assert text_of(published_row, ".wpsb-column-status") == "已发布"
        assert f"@iguazi123/lian-shang-{stamp}" in text_of(published_row, "td.column-wpsb_steem")
        assert text_of(failed_row, ".wpsb-column-status") == "失败"
        assert FAILED_REASON in text_of(failed_row, "td.column-wpsb_steem")

        # Row actions: Sync now on both, Retry only on the failed post; core's own in Chinese.
        assert row_actions(published_row) == {"sync": "立即同步"}
        assert row_actions(failed_row) == {"sync": "立即同步", "retry": "重试"}
        assert text_of(failed_row, ".row-actions .edit a") == "编辑"

        # The chain-status filter, its labels in Chinese.
        status_filter = browser.find_element(By.ID, "wpsb-status-filter")
        options = [o.text.strip() for o in status_filter.find_elements(By.TAG_NAME, "option")]
        assert options[0] == "所有区块链状态"
        assert {"已发布", "失败"} <= set(options)

        # 重试 asks the bridge; the answer (from the plugin's REST route) is in Chinese too.
        failed_row.find_element(By.CSS_SELECTOR, "a.wpsb-row-action[data-wpsb-action=retry]").click()
        answer = failed_row.find_element(By.CSS_SELECTOR, ".wpsb-row-answer")
        wait_for_text(answer, "已请求重试。")
        retries = wordpress_request(site, "GET", "/wp-steem-bridge/v1/retries").json()
        assert retries[-1]["post_id"] == failed_id


def wait_for_text(element: WebElement, expected: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if expected in element.text:
            return
        time.sleep(0.2)
    raise AssertionError(f"{expected!r} not in {element.text!r}")
