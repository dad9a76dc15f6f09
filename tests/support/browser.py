"""Real Chromium for browser tests (Debian's chromium + chromium-driver, headless) and signing in
to a local WordPress site through its login form. Screenshots (``save_full_page`` for a whole
page) go to ``ARTIFACTS`` (git-ignored)."""

from __future__ import annotations

import base64
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.wordpress import REPO_ROOT, wordpress_request

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
DASHBOARD_SECONDS = 60
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,1600", "--lang=en-US")


@contextmanager
def chromium(implicit_wait: float = 20) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a throw-away profile, quit afterwards."""
    with tempfile.TemporaryDirectory(prefix="wpsb-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options,
                                  service=Service(executable_path="/usr/bin/chromedriver"))
        driver.set_page_load_timeout(90)
        driver.implicitly_wait(implicit_wait)
        try:
            yield driver
        finally:
            driver.quit()


def with_password(site: dict[str, Any], login: str, role: str) -> str:
    """Gives user ``login`` (created with ``role`` when missing) a fresh password; returns it."""
    password = secrets.token_urlsafe(18)
    found = wordpress_request(site, "GET", "/wp/v2/users",
                              params={"search": login, "context": "edit"}).json()
    match = [u for u in found if u["username"] == login]
    if match:
        response = wordpress_request(site, "POST", f"/wp/v2/users/{match[0]['id']}",
                                     json={"password": password, "roles": [role]})
    else:
        response = wordpress_request(site, "POST", "/wp/v2/users", json={
            "username": login, "email": f"{login}@example.invalid", "password": password,
            "roles": [role]})
    assert response.status_code in (200, 201), response.text
    return password


def log_in(driver: webdriver.Chrome, site: dict[str, Any], login: str, role: str) -> None:
    """Signs ``login`` in through wp-login.php and waits for the dashboard."""
    password = with_password(site, login, role)
    driver.delete_all_cookies()
    driver.get(site["url"] + "/wp-login.php")
    # wp-login.php focuses and selects the user name field 200 ms after loading: keys typed
    # across that moment replace what was typed before it, so both fields are set at once
    driver.execute_script("arguments[0].value = arguments[1]; arguments[2].value = arguments[3];",
                          driver.find_element(By.ID, "user_login"), login,
                          driver.find_element(By.ID, "user_pass"), password)  # fmt: skip
    driver.find_element(By.ID, "wp-submit").click()
    try:  # a cold site's first dashboard can take longer than the implicit wait
        WebDriverWait(driver, DASHBOARD_SECONDS).until(
            lambda page: page.find_elements(By.ID, "wpadminbar"))
    except TimeoutException:
        error = " ".join(e.text for e in driver.find_elements(By.ID, "login_error"))
        raise AssertionError(f"no dashboard {DASHBOARD_SECONDS} s after signing in as {login}: "
                             f"{driver.current_url} ({driver.title}) {error}") from None


def save_full_page(driver: webdriver.Chrome, path: Path) -> None:
    """Saves a PNG of the whole page, beyond the window's height (Chromium's DevTools)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))
