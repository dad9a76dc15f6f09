"""Sites sharing one state store never see (or change) each other's rows, whatever their ids.

The store is used below config validation here, so ids the config now refuses (``blog_a``,
``blog%``) still show that the SQL compares exact prefixes, not LIKE patterns.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bridge.errors import LockHeld
from bridge.model import Intent, IntentKind, IntentStatus, SourceRef
from bridge.store import Outbox, StateStore
from tests.support.postgres import fresh_schema

# "_" and "%" are LIKE wildcards: "wp:blog_a:%" matches blog-a's rows, "wp:blog%:%" both
SITES = ("blog_a", "blog-a", "blog%")


@pytest.fixture
def stores(state_target: str) -> Iterator[dict[str, StateStore]]:
    opened = {site: StateStore(state_target, site=site) for site in SITES}
    for number, (site, store) in enumerate(opened.items()):
        fill(store, site, author=f"author{number}")
    yield opened
    for store in opened.values():
        store.close()


def ref(site: str, object_id: int) -> SourceRef:
    return SourceRef("wp", site, "post", str(object_id))


def intent(site: str, object_id: int, author: str) -> Intent:
    comment = {"author": author, "permlink": f"p{object_id}", "body": site}
    return Intent(key=f"create_post:{ref(site, object_id)}:v1", kind=IntentKind.CREATE_POST,
                  account=author, source=ref(site, object_id),
                  operations=(("comment", comment),), author=author,
                  permlink=f"p{object_id}")


def fill(store: StateStore, site: str, author: str) -> None:
    """One row of every kind for ``site``: pending, failed and signed intents, a link, a
    problem, a write-back, a deferred post, two cursors and a mirror row."""
    outbox = store.outbox
    failed, signed = (_enqueued(outbox, intent(site, n, author)) for n in (2, 3))
    outbox.enqueue(intent(site, 1, author))
    outbox.mark_failed(failed, "terminal", f"refused for {site}")
    outbox.mark_signed(signed, f"tx-{site}", datetime.now(UTC) + timedelta(minutes=1), {})
    store.reserve_link(ref(site, 1), author, "p1", "blog", "hash")
    store.record_problem(str(ref(site, 1)), "map", "skipped", f"skipped on {site}")
    store.queue_writeback(ref(site, 1), 1, {"steem_permlink": f"p1-{site}"})
    store.defer(ref(site, 4), f"wp:{site}:posts", "publish delay", "2026-01-01T00:00:00")
    store.set_cursor(f"wp:{site}:posts", "{}")
    store.set_cursor(store.scoped("mirror"), "{}")
    store.put_mirror_row("posts", "p1", 1, {"site": site}, {}, 0)


def _enqueued(outbox: Outbox, new: Intent) -> int:
    outbox.enqueue(new)
    return int(outbox.db.execute("SELECT id FROM intents WHERE key=?", (new.key,)).fetchone()["id"])


def sites_of(refs: list[str]) -> set[str]:
    return {SourceRef.parse(text).site for text in refs}


def test_each_site_sees_only_its_own_rows(stores: dict[str, StateStore]) -> None:
    for site, store in stores.items():
        outbox = store.outbox
        assert sites_of([r["source_ref"] for r in store.links()]) == {site}, site
        assert sites_of([r["source_ref"] for r in store.problems()]) == {site}, site
        assert sites_of([r["source_ref"] for r in store.deferred()]) == {site}, site
        writebacks = store.pending_writebacks()
        assert [r["payload"] for r in writebacks] == [f'{{"steem_permlink":"p1-{site}"}}'], site
        assert [r["source"] for r in store.cursors()] == [f"mirror@{site}", f"wp:{site}:posts"]
        assert {str(e.source) for e in outbox.dispatchable()} == {str(ref(site, 1))}, site
        assert [e.tx_id for e in outbox.in_flight()] == [f"tx-{site}"], site
        assert [e.reason for e in outbox.rows(IntentStatus.FAILED)] == [f"refused for {site}"]
        assert outbox.count_by_status() == {"pending": 1, "failed": 1, "signed": 1}, site
        assert [r["written"] for r in store.mirror_rows("posts").values()] == [
            f'{{"site":"{site}"}}']


def test_retrying_one_sites_failures_leaves_the_others_failed(
        stores: dict[str, StateStore]) -> None:
    assert stores["blog_a"].outbox.retry_failed() == 1
    assert stores["blog%"].outbox.retry_failed() == 1
    assert [e.reason for e in stores["blog-a"].outbox.rows(IntentStatus.FAILED)] == [
        "refused for blog-a"]


def test_the_run_lock_of_one_site_does_not_hold_a_similar_site() -> None:
    with fresh_schema() as url:
        first, second, again = (StateStore(url, site=s) for s in ("blog_a", "blog-a", "blog_a"))
        try:
            with first.exclusive("blog_a"):
                with second.exclusive("blog-a"):
                    pass
                with pytest.raises(LockHeld), again.exclusive("blog_a"):
                    pass
        finally:
            for store in (first, second, again):
                store.close()
