"""Many sites and workers sharing one PostgreSQL state store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from bridge.store import StateStore
from tests.conftest import make_bridge
from tests.support.postgres import fresh_schema
from tests.support.wordpress import delete_all_posts, ensure_wordpress, wordpress_request

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_url() -> Any:
    with fresh_schema() as url:
        yield url


def test_two_sites_share_one_postgres_and_workers_of_a_site_take_turns(
        tmp_path: Path, seed_site: dict[str, Any], devnet: Any, pg_url: str) -> None:
    other = ensure_wordpress("testshare")
    delete_all_posts(other)
    wordpress_request(other, "POST", "/wp/v2/posts", json={
        "title": "From the second site", "content": "<p>hello</p>", "status": "publish",
        "author": other["users"]["wenchao"]["id"]}).raise_for_status()

    shared = {"WPSB__STATE__URL": pg_url}
    first = make_bridge(tmp_path / "a", seed_site, devnet.url)
    second = make_bridge(tmp_path / "b", other, devnet.url, keys_file=first.keys_file)

    # a second worker of the first site waits its turn: it does nothing and says why
    holder = StateStore(pg_url)
    with holder.exclusive("test"):
        blocked = first.cli("sync", "--once", env=shared)
        other_site = second.cli("sync", "--once", env=shared)  # another site is not blocked
    holder.close()
    assert blocked.returncode == 75 and "PostgreSQL advisory lock" in blocked.stderr
    assert other_site.returncode == 0, other_site.stderr

    assert first.cli("sync", "--once", env=shared).returncode == 0
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT source_ref, status FROM intents").fetchall()
    sites = {ref.split(":")[1] for ref, _ in rows}
    assert sites == {"test", "testshare"}
    assert ("confirmed" in {s for ref, s in rows if ":testshare:" in ref})
    assert not first.state.exists()  # nothing went to SQLite
    # each site's worker sees its own rows only
    status = first.cli("status", env=shared)
    assert "postgresql:///wpsb_test" in status.stdout
    assert "wp:test:posts" in status.stdout and "wp:testshare:posts" not in status.stdout
    other_status = second.cli("status", env=shared)
    assert "wp:testshare:posts" in other_status.stdout
    assert "wp:test:posts" not in other_status.stdout
