"""Test access to the real local WordPress sites that ``deploy/wordpress/wp-local`` runs.

Owns starting (install + start + optional seed), resetting, stopping what this test session
started, and calling a site over REST with its Application Password. Sites belong to this
checkout (own databases, configs and plugins directory ``PLUGINS_DIR``); their ports are free ones
wp-local picks (``auto``). Site facts come from ``.run/wordpress-<name>/site.json`` written by
wp-local: ``{"name", "url", "db_name", "config", "admin_user", "admin_id", "app_password",
"users": {login: {"id", "steem_account", "app_password"}}}``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
WP_LOCAL = REPO_ROOT / "deploy" / "wordpress" / "wp-local"
REQUEST_TIMEOUT_SECONDS = 30
# A cold install may have to apt-get packages; a running site answers in well under a second.
WP_LOCAL_TIMEOUT_SECONDS = 900
# WP_PLUGIN_DIR of this checkout's sites (wp-local links the companion plugin there)
PLUGINS_DIR = REPO_ROOT / ".run" / "wp-plugins"
TEST_PLUGINS = REPO_ROOT / "tests" / "support" / "wp-plugins"
# The real third-party plugins (myCRED, GamiPress, bbPress, 微慕, 丸子), as released: unpacked
# at test time into this checkout's .run, never copied into the repository.
THIRD_PARTY_ARCHIVES = REPO_ROOT.parent / "shared" / "wordpress-plugins"
THIRD_PARTY_DIR = REPO_ROOT / ".run" / "third-party-plugins"
_started: set[str] = set()  # sites this test session started or reset


def site_json_path(name: str) -> Path:
    return REPO_ROOT / ".run" / f"wordpress-{name}" / "site.json"


def run_wp_local(*args: str) -> str:
    """Runs wp-local and returns its stdout; raises with its output when it fails."""
    completed = subprocess.run(
        [str(WP_LOCAL), *args],
        capture_output=True,
        text=True,
        timeout=WP_LOCAL_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"wp-local {' '.join(args)} exited {completed.returncode}:\n"
            f"{completed.stderr}{completed.stdout}"
        )
    return completed.stdout


def ensure_wordpress(name: str = "test", port: int | str = "auto",
                     seed: bool = False) -> dict[str, Any]:
    """Makes sure site ``name`` runs (installing it if needed) and returns site.json; ``port``
    "auto" lets wp-local pick a free one. The site is stopped when the test session ends."""
    run_wp_local("install")
    _started.add(name)
    run_wp_local("start", name, str(port))
    if seed:
        run_wp_local("seed", name)
    return json.loads(site_json_path(name).read_text(encoding="utf-8"))


def reset_wordpress(name: str = "test", port: int | str = "auto") -> dict[str, Any]:
    """Drops the site's database and files, then starts a fresh install; returns the new site.json."""
    run_wp_local("reset", name)
    return ensure_wordpress(name, port)


def stop_started_sites() -> list[str]:
    """Stops every site this session started (this checkout's only); returns their names."""
    stopped = sorted(_started)
    for name in stopped:
        run_wp_local("stop", name)
    _started.clear()
    return stopped


def link_test_plugin(slug: str) -> None:
    """Puts test plugin ``slug`` (tests/support/wp-plugins) into this checkout's plugins dir."""
    link = PLUGINS_DIR / slug
    if link.is_symlink() and link.resolve() == (TEST_PLUGINS / slug).resolve():
        return
    link.unlink(missing_ok=True)
    link.symlink_to(TEST_PLUGINS / slug)


def link_third_party_plugin(slug: str) -> Path:
    """Unpacks the real plugin ``slug`` (``mycred``, ``gamipress``, ``bbpress``,
    ``rest-api-to-miniprogram``, ``wp-mini-program``) from ../shared/wordpress-plugins once and
    puts it into this checkout's plugins dir; its folder. Activating it is the test's business
    (through ``/wp/v2/plugins``, as an administrator would)."""
    archives = sorted(THIRD_PARTY_ARCHIVES.glob(f"{slug}-[0-9]*.tar.gz"))
    if not archives:
        raise FileNotFoundError(f"no {slug}-<version>.tar.gz in {THIRD_PARTY_ARCHIVES}")
    unpacked = THIRD_PARTY_DIR / archives[-1].name.removesuffix(".tar.gz")
    if not (unpacked / slug).is_dir():
        partial = unpacked.with_name(unpacked.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        with tarfile.open(archives[-1]) as archive:
            archive.extractall(partial, filter="data")
        shutil.rmtree(unpacked, ignore_errors=True)
        partial.rename(unpacked)
    link = PLUGINS_DIR / slug
    PLUGINS_DIR.mkdir(parents=True, exist_ok=True)
    if not (link.is_symlink() and link.resolve() == (unpacked / slug).resolve()):
        link.unlink(missing_ok=True)
        link.symlink_to(unpacked / slug)
    return unpacked / slug


def api_url(site: dict[str, Any], path: str) -> str:
    """``/wp/v2/posts`` -> ``<url>/wp-json/wp/v2/posts``; full URLs and ``/wp-json/...`` pass through."""
    if path.startswith(("http://", "https://")):
        return path
    if path.startswith("/wp-json/"):
        return site["url"].rstrip("/") + path
    return site["url"].rstrip("/") + "/wp-json/" + path.lstrip("/")


def wordpress_request(site: dict[str, Any], method: str, path: str, **kw: Any) -> requests.Response:
    """One REST call authenticated with an Application Password.

    Acts as the administrator unless ``as_user=<login>`` names one of ``site["users"]``, or
    ``auth=`` is given explicitly (``auth=None`` sends the request anonymously).
    """
    as_user = kw.pop("as_user", None)
    if "auth" not in kw:
        if as_user is None:
            kw["auth"] = (site["admin_user"], site["app_password"])
        else:
            kw["auth"] = (as_user, site["users"][as_user]["app_password"])
    kw.setdefault("timeout", REQUEST_TIMEOUT_SECONDS)
    return requests.request(method, api_url(site, path), **kw)


def delete_all_posts(site: dict[str, Any]) -> None:
    """Empty a test site: every post in any status, the trash included, deleted for good."""
    for status in ("publish,future,draft,pending,private", "trash"):
        while found := wordpress_request(site, "GET", "/wp/v2/posts", params={
                "status": status, "per_page": 100, "_fields": "id", "context": "edit"}).json():
            for post in found:
                wordpress_request(site, "DELETE", f"/wp/v2/posts/{post['id']}",
                                  params={"force": "true"})
