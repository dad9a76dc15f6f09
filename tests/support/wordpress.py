"""Test access to the real local WordPress sites that ``deploy/wordpress/wp-local`` runs.

Owns starting (install + start + optional seed), resetting and calling a site over REST with its
Application Password. Site facts come from ``.run/wordpress-<name>/site.json`` written by wp-local:
``{"name", "url", "db_name", "admin_user", "admin_id", "app_password",
"users": {login: {"id", "steem_account", "app_password"}}}``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
WP_LOCAL = REPO_ROOT / "deploy" / "wordpress" / "wp-local"
REQUEST_TIMEOUT_SECONDS = 30
# A cold install may have to apt-get packages; a running site answers in well under a second.
WP_LOCAL_TIMEOUT_SECONDS = 900


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


def ensure_wordpress(name: str = "test", port: int = 8089, seed: bool = False) -> dict[str, Any]:
    """Makes sure site ``name`` runs on ``port`` (installing it if needed) and returns site.json."""
    run_wp_local("install")
    run_wp_local("start", name, str(port))
    if seed:
        run_wp_local("seed", name)
    return json.loads(site_json_path(name).read_text(encoding="utf-8"))


def reset_wordpress(name: str = "test", port: int = 8089) -> dict[str, Any]:
    """Drops the site's database and files, then starts a fresh install; returns the new site.json."""
    run_wp_local("reset", name)
    return ensure_wordpress(name, port)


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
        found = wordpress_request(site, "GET", "/wp/v2/posts", params={
            "status": status, "per_page": 100, "_fields": "id", "context": "edit"}).json()
        for post in found:
            wordpress_request(site, "DELETE", f"/wp/v2/posts/{post['id']}",
                              params={"force": "true"})
