"""What members see, in a real browser: headless Chromium (Debian's chromium + chromium-driver)
against the local WordPress site "mirror". After the bridge publishes, accounts vote, the devnet
pays out and the mirror runs, the post page shows the devnet's payout and vote count, the
member's profile shows their reward total, and the admin "Steem" column shows the payout.
Screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from connectors.steem import SteemChain
from deploy.devstack import localstack
from devnet.genesis import CHAIN_ID, INITMINER
from mappings.rewards import format_asset, parse_asset
from tests.conftest import REPO_ROOT, make_bridge
from tests.integration.test_mirror import keys, new_mirror, post_meta, rpc, vote
from tests.support.browser import chromium, log_in
from tests.support.wordpress import ensure_wordpress, wordpress_request

pytestmark = pytest.mark.integration
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
VIEWER = "browser-editor"


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with chromium(implicit_wait=10) as driver:
        yield driver


def text(driver: webdriver.Chrome, selector: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, selector).text.strip()


def test_post_page_profile_and_admin_column_show_the_devnet_numbers(
        tmp_path: Path, devnet: Any, browser: webdriver.Chrome) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    site = ensure_wordpress("mirror")
    author = site["users"]["iguazi123"]
    created = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": "Rewards in the browser", "content": "<p>Shown with its rewards.</p>",
        "status": "publish", "author": author["id"]})
    assert created.status_code == 201, created.text
    post = created.json()
    try:
        bridge = make_bridge(tmp_path, site, devnet.url)
        assert bridge.cli("sync", "--once").returncode == 0
        meta = post_meta(site, post["id"])
        chain, wifs = SteemChain([devnet.url], CHAIN_ID), keys(bridge)
        for voter in (INITMINER, "wenchao"):
            vote(chain, wifs[voter], voter, meta["steem_author"], meta["steem_permlink"], 10000)
        localstack.generate_blocks(devnet.url, 201600 + 20)
        mirror, store = new_mirror(bridge)
        assert not mirror.run().problems
        store.close()

        content = rpc(bridge, "condenser_api.get_content",
                      [meta["steem_author"], meta["steem_permlink"]])
        (account,) = rpc(bridge, "condenser_api.get_accounts", [["iguazi123"]])

        browser.get(post["link"])
        browser.save_screenshot(str(ARTIFACTS / "mirror-post.png"))
        assert text(browser, ".wpsb-author-payout") == content["total_payout_value"]
        assert text(browser, ".wpsb-curator-payout") == content["curator_payout_value"]
        assert parse_asset(content["total_payout_value"])[0] > 0
        assert int(text(browser, ".wpsb-vote-count")) == len(content["active_votes"]) == 2
        voters = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".wpsb-voter")}
        assert voters == {"@initminer", "@wenchao"}

        log_in(browser, site, "iguazi123", "author")
        browser.get(site["url"] + "/wp-admin/profile.php")
        row = browser.find_element(By.CSS_SELECTOR, ".wpsb-member-rewards .wpsb-total-rewards")
        browser.execute_script("arguments[0].scrollIntoView()", row)
        browser.save_screenshot(str(ARTIFACTS / "mirror-profile.png"))
        total = int(account["posting_rewards"]) + int(account["curation_rewards"])
        assert row.find_element(By.CSS_SELECTOR, ".wpsb-value").text == format_asset(total,
                                                                                     "STEEM")
        assert total > 0

        log_in(browser, site, VIEWER, "editor")
        browser.get(site["url"] + "/wp-admin/edit.php")
        cell = browser.find_element(By.CSS_SELECTOR, f"#post-{post['id']} .wpsb-column-payout")
        browser.save_screenshot(str(ARTIFACTS / "mirror-admin-column.png"))
        paid = parse_asset(content["total_payout_value"])[0] + parse_asset(
            content["curator_payout_value"])[0]
        assert cell.text == format_asset(paid, "SBD")
    finally:
        wordpress_request(site, "DELETE", f"/wp/v2/posts/{post['id']}", params={"force": "true"})
