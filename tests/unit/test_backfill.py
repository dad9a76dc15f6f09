"""Backfill: the plan's chain-time math, the dry run writing nothing, and a resumable real run
that never publishes a post twice (a fake chain, an in-memory source, a SQLite store)."""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bridge.backfill import render_plan, schedule
from bridge.backfill_run import Backfill, Progress
from bridge.engine import Engine
from bridge.model import IntentStatus, MappingContext, PostRecord
from bridge.ports import PostSelection
from bridge.store import StateStore
from tests.engine.test_engine import KEYS, ListSource, MetaSink, build_engine, record
from tests.support.fake_chain import FakeChain

T0 = datetime(2026, 1, 1, tzinfo=UTC)
S = timedelta(seconds=1)
KEYS.setdefault("carol", "5K-carol")


class SelectableSource(ListSource):
    """The test source, also answering a backfill's selection (ids and a date window)."""

    def select(self, selection: PostSelection) -> list[PostRecord]:
        found = sorted(self.posts.values(), key=lambda p: (p.date_gmt, int(p.source.object_id)))
        return [p for p in found
                if (not selection.ids or int(p.source.object_id) in selection.ids)
                and (not selection.since or p.date_gmt > selection.since)
                and (not selection.until or p.date_gmt < selection.until)]


@pytest.fixture
def world(tmp_path):
    state = tmp_path / "state.db"
    store = StateStore(state)
    chain = FakeChain(now=T0 + 10 * S, keys=dict(KEYS))
    source = SelectableSource()
    sink = MetaSink()
    context = MappingContext(site_id="t", site_url="http://wp", site_name="T",
                             now="2026-01-01T00:00:00")
    engine = build_engine(store, chain, source, sink, lambda: context)
    yield store, chain, source, sink, engine, state
    store.close()


def make_backfill(store: StateStore, chain: FakeChain, source: SelectableSource,
                  engine: Engine, sleep: Any = None) -> Backfill:
    ticking = Engine(store, [], engine.dispatcher, engine.writeback, engine.context)
    return Backfill(store, engine.streams[0], source, chain, engine.context, ticking.tick,
                    lambda: nullcontext(), poll_interval=3.0,
                    sleep=sleep or (lambda seconds: chain.advance(int(seconds))))


def put_posts(source: SelectableSource, authors: list[str], count: int) -> None:
    for n in range(count):
        stamp = f"2020-01-{1 + n // 10:02d}T00:00:{n % 10:02d}"
        source.put(record(n + 1, authors[n % len(authors)], f"Post {n + 1}", modified=stamp))


# -- the plan's math -------------------------------------------------------------------------------

def test_one_authors_posts_go_out_five_minutes_and_a_second_apart_from_the_last_root_post():
    # blocks at T0 + 1 s + 3k: the first may go at T0 + 301 s; each next one 301 s after the
    # block the previous landed in, which is a block time only 303 s later
    times = schedule(T0 + 1 * S, T0, [None, None, None])
    assert times == [T0 + 301 * S, T0 + 604 * S, T0 + 907 * S]
    # without blocks to wait for (a 1-second grid) it is exactly T0 + 301 s, + 602 s, ...
    assert schedule(T0, T0, [None] * 3, block=S) == [T0 + 301 * S, T0 + 602 * S, T0 + 903 * S]
    # an author who never posted starts at the head block time
    assert schedule(T0 + 10 * S, None, [None, None]) == [T0 + 10 * S, T0 + 313 * S]
    # a rule that allows a moment between two blocks waits for the next block
    assert schedule(T0 + 10 * S, T0, [None, None]) == [T0 + 301 * S, T0 + 604 * S]
    # a row already scheduled keeps its own time when that is later
    assert schedule(T0 + 10 * S, T0, [T0 + 400 * S]) == [T0 + 400 * S]


def test_plan_times_each_author_in_parallel_and_the_eta_is_the_latest(world):
    store, chain, source, _sink, engine, _state = world
    chain.clocks["alice"] = {"root": T0}  # alice posted at T0: her first waits for T0 + 301 s
    put_posts(source, ["alice", "bob"], 5)  # alice 3 posts, bob 2
    backfill = make_backfill(store, chain, source, engine)
    _records, plan = backfill.plan(PostSelection())
    times = {p.post_id: p.not_before for p in plan.posts}
    # blocks at T0 + 10 s + 3k
    assert [times[1], times[3], times[5]] == [T0 + 301 * S, T0 + 604 * S, T0 + 907 * S]
    assert [times[2], times[4]] == [T0 + 10 * S, T0 + 313 * S]  # bob: from the head time
    assert plan.eta == T0 + 907 * S
    assert plan.author_etas() == {"alice": (3, T0 + 907 * S), "bob": (2, T0 + 313 * S)}
    assert {p.permlink for p in plan.posts} == {f"p{n}" for n in range(1, 6)}
    text = render_plan(plan)
    assert "@alice/p5" in text and "2026-01-01T00:15:07" in text
    assert "ETA: 2026-01-01T00:15:07 chain time (in 14m 57s from head block" in text


def test_a_post_already_bridged_by_sync_is_on_chain_and_not_planned_again(world):
    store, chain, source, _sink, engine, _state = world
    source.put(record(1, "alice", "Old", modified="2020-01-01T00:00:00"))
    engine.tick()  # sync published it
    source.put(record(2, "alice", "New", modified="2020-01-02T00:00:00"))
    _records, plan = make_backfill(store, chain, source, engine).plan(PostSelection())
    states = {p.post_id: p.state for p in plan.posts}
    assert states == {1: "on chain", 2: "publish"}
    # post 2 waits for the 5-minute rule after post 1 went out
    assert plan.posts[1].not_before == chain.clocks["alice"]["root"] + 303 * S  # next block
    assert plan.posts[0].not_before is None


def test_the_dry_run_plan_writes_nothing(world):
    store, chain, source, sink, engine, state = world
    put_posts(source, ["alice", "bob"], 4)
    before = _dump(state)
    _records, plan = make_backfill(store, chain, source, engine).plan(PostSelection())
    assert len(plan.sending) == 4
    assert _dump(state) == before  # no intents, links, records, meta or problems
    assert chain.broadcast_calls == 0 and not chain.applied
    assert sink.meta == {}


def _dump(path) -> dict[str, list[Any]]:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: db.execute(f"SELECT * FROM {t}").fetchall() for t in tables}  # noqa: S608


# -- the real run ------------------------------------------------------------------------------------

def test_the_real_run_meets_the_eta_within_one_block_per_author(world):
    store, chain, source, _sink, engine, _state = world
    authors = ["alice", "bob", "carol"]
    put_posts(source, authors, 12)
    backfill = make_backfill(store, chain, source, engine)
    records, plan = backfill.plan(PostSelection())
    stored = backfill.start(PostSelection(), records, plan)
    seen: list[Progress] = []
    progress = backfill.run(stored, lambda: False, seen.append)
    assert (progress.total, progress.confirmed, progress.failed, progress.live) == (12, 12, 0, 0)
    assert seen[-1].done and seen[0].confirmed < 12
    posted = {tx["ops"][0][1]["permlink"]: tx for tx in chain.applied}
    assert sorted(posted) == sorted(f"p{n}" for n in range(1, 13))  # each exactly once
    slack = timedelta(seconds=3 * len(authors))
    for account, (_count, eta) in plan.author_etas().items():
        last = chain.clocks[account]["root"]
        assert eta <= last <= eta + slack, (account, eta, last)
    assert backfill.resumable() is None  # finished: a later `backfill` starts afresh


def test_a_stopped_backfill_resumes_without_replanning_or_publishing_twice(world):
    store, chain, source, _sink, engine, _state = world
    put_posts(source, ["alice", "bob"], 6)
    backfill = make_backfill(store, chain, source, engine)
    selection = PostSelection(since="2020-01-01T00:00:00")  # leaves post 1 out
    records, plan = backfill.plan(selection)
    stored = backfill.start(selection, records, plan)
    # SIGTERM once two posts went out: the step finishes, the run stops
    progress = backfill.run(stored, lambda: len(chain.applied) >= 2, lambda p: None)
    assert not progress.done and progress.confirmed == 2  # one per author went out
    # a new process: the stored selection is continued, what went out is on chain
    again = make_backfill(store, chain, source, engine)
    resumed = again.resumable()
    assert resumed is not None and resumed.post_ids == (2, 3, 4, 5, 6)
    records, plan = again.plan(PostSelection(ids=resumed.post_ids))
    states = sorted(p.state for p in plan.posts)
    assert states == ["on chain", "on chain", "queued", "queued", "queued"]
    stored = again.start(PostSelection(), records, plan, resumed)
    progress = again.run(stored, lambda: False, lambda p: None)
    assert (progress.confirmed, progress.live) == (5, 0)
    permlinks = [tx["ops"][0][1]["permlink"] for tx in chain.applied]
    assert sorted(permlinks) == ["p2", "p3", "p4", "p5", "p6"]  # once each; p1 not selected
    assert store.outbox.count_by_status() == {IntentStatus.CONFIRMED.value: 5}


def test_sync_after_a_backfill_finds_every_backfilled_post_unchanged(world):
    store, chain, source, _sink, engine, _state = world
    put_posts(source, ["alice"], 3)
    backfill = make_backfill(store, chain, source, engine)
    records, plan = backfill.plan(PostSelection())
    backfill.start(PostSelection(), records, plan)
    report = engine.tick()  # the normal sync polls the same posts
    assert report.enqueued == 0 and report.unchanged == 3
    assert len(store.outbox.rows(IntentStatus.PENDING, IntentStatus.SCHEDULED,
                                 IntentStatus.CONFIRMED)) == 3
