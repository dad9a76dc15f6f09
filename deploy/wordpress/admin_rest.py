"""The WordPress REST calls the local-site scripts (seed.py, load_corpus.py) share: a session
authenticated with the site's administrator application password, JSON calls that fail loudly,
and paging by ``X-WP-TotalPages``. Development tooling, not part of the bridge."""

from __future__ import annotations

from typing import Any

import requests


class AdminRest:
    def __init__(self, site: dict[str, Any], timeout: float = 60) -> None:
        self.api = site["url"].rstrip("/") + "/wp-json/wp/v2"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (site["admin_user"], site["app_password"].replace(" ", ""))

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, self.api + path, timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}: "
                               f"{response.text[:400]}")
        return response.json()

    def all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page, pages = 1, 1
        while page <= pages:
            response = self.session.get(self.api + path, timeout=self.timeout,
                                        params={"per_page": 100, "page": page, **params})
            if response.status_code >= 400:
                raise RuntimeError(f"GET {path}: HTTP {response.status_code}: "
                                   f"{response.text[:400]}")
            pages = int(response.headers.get("X-WP-TotalPages", "1") or 1)
            found += response.json()
            page += 1
        return found
