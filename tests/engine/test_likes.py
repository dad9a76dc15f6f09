"""The likes stream over a fake chain: each like one vote, each unlike one removal, and every
chain rule about votes a scheduled or recorded outcome, never a retry loop."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.dispatch import Dispatcher
from bridge.engine import Engine
from bridge.like_stream import like_stream
from bridge.model import IntentStatus, MappingContext, SourceRef
from bridge.status import collect_status
from bridge.store import StateStore
from bridge.writeback import WriteBack
from connectors.failures import rpc_error
from connectors.wordpress_likes import WordPressLikes
from mappings.likes import LikeRules
from tests.support.fake_chain import FakeChain

KEYS = {"alice": "5K-alice", "carol": "5K-carol", "dave": "5K-dave"}
ACCOUNTS = {3: "carol", 4: "dave", 5: ""}  # user id -> linked account (5: not linked)


class LikeFeed:
    """The plugin's like-events feed, in memory (the same answer shape)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.reads = 0

    def add(self, post_id: int, user_id: int, event: str = "like") -> None:
        self.rows.append({"id": len(self.rows) + 1, "post_id": post_id, "user_id": user_id,
                          "event": event, "source": "wanzi", "at": "2026-01-01T00:00:00",
                          "steem_account": ACCOUNTS[user_id]})

    def like_events(self, after: int, limit: int = 100) -> dict[str, Any]:
        self.reads += 1
        rows = [r for r in self.rows if r["id"] > after][:limit]
        return {"events": rows, "last": rows[-1]["id"] if rows else after}


class Sink:
    def __init__(self) -> None:
        self.votes: dict[int, int] = {}

    def write_meta(self, writes: Any) -> list[Any]:
        for write in writes:
            assert write.target == "likes"
            self.votes[write.object_id] = write.values["steem_liked_votes"]
        return [None for _ in writes]


@pytest.fixture
def world(state_target):
    store = StateStore(state_target, site="t")
    chain = FakeChain(keys=dict(KEYS))
    for post_id, permlink in ((12, "hello"), (13, "second")):
        chain.posts[("alice", permlink)] = {"author": "alice", "permlink": permlink,
                                            "parent_author": ""}
        with store.transaction():
            ref = SourceRef("wp", "t", "post", str(post_id))
            store.reserve_link(ref, "alice", permlink, "blog", "h")
            store.confirm_link(ref, "tx", 1)
    feed, sink = LikeFeed(), Sink()
    source = WordPressLikes(feed, "t")
    dispatcher = Dispatcher(store, chain, lambda account, _a: KEYS.get(account),
                            confirm_timeout=0)
    context = MappingContext(site_id="t", site_url="http://wp", site_name="T",
                             now="2026-01-01T00:00:00")
    engine = Engine(store, [like_stream(source, LikeRules(weight=100), store.facts)], dispatcher,
                    WriteBack(store, sink), lambda: context)
    yield store, chain, feed, sink, engine
    store.close()


def votes(chain: FakeChain, permlink: str = "hello") -> dict[str, int]:
    return chain.votes.get(("alice", permlink), {})


def test_a_like_is_one_vote_and_a_second_sync_changes_nothing(world) -> None:
    store, chain, feed, sink, engine = world
    feed.add(12, 3)
    report = engine.tick()
    assert report.confirmed == 1 and votes(chain) == {"carol": 10000}
    assert sink.votes == {12: 1}  # WordPress shows the post's likes that are votes on chain
    calls = chain.broadcast_calls
    again = engine.tick()
    assert again.enqueued == 0 and chain.broadcast_calls == calls


def test_an_unlike_removes_the_vote(world) -> None:
    store, chain, feed, sink, engine = world
    feed.add(12, 3)
    feed.add(12, 4)
    engine.tick()
    feed.add(12, 3, "unlike")
    chain.advance(3)
    report = engine.tick()
    assert report.confirmed == 1 and votes(chain) == {"carol": 0, "dave": 10000}
    assert sink.votes == {12: 1}


def test_like_then_unlike_before_anything_was_sent_leaves_no_vote(world) -> None:
    store, chain, feed, sink, engine = world
    feed.add(12, 3)
    feed.add(12, 3, "unlike")
    report = engine.tick()
    # the unsent like is replaced; the unlike finds no vote to remove: already as meant
    assert votes(chain) == {} and report.failed == 0
    rows = store.outbox.rows(IntentStatus.CONFIRMED, IntentStatus.SUPERSEDED)
    assert sorted(r.status.value for r in rows) == ["confirmed", "superseded"]
    assert "no vote of this account to remove" in (rows[-1].reason or rows[0].reason or "")


def test_one_members_votes_keep_the_three_second_rule_without_rejections(world) -> None:
    store, chain, feed, sink, engine = world
    feed.add(12, 3)
    feed.add(13, 3)
    feed.add(12, 4)  # another account's vote goes out in the same round
    report = engine.tick()  # rounds: carol's second vote is held until her first has landed
    assert report.confirmed == 3 and report.failed == 0 and not report.problems
    assert chain.broadcast_calls == 3  # none was sent to be refused
    assert votes(chain, "second") == {"carol": 10000}


def test_an_identical_vote_already_on_chain_is_applied_not_failed(world) -> None:
    store, chain, feed, sink, engine = world
    chain.votes[("alice", "hello")] = {"carol": 10000}
    feed.add(12, 3)
    report = engine.tick()
    assert report.failed == 0 and report.confirmed == 1
    [row] = store.outbox.rows(IntentStatus.CONFIRMED)
    assert row.block_num == 0 and "already on chain" in (row.reason or "")
    assert sink.votes == {12: 1}


def test_a_vote_on_a_paid_out_post_is_kept_with_its_reason_and_never_sent(world) -> None:
    store, chain, feed, sink, engine = world
    chain.posts[("alice", "hello")]["cashout_time"] = "1969-12-31T23:59:59"
    feed.add(12, 3)
    report = engine.tick()
    assert chain.broadcast_calls == 0 and report.kept == 1 and report.failed == 0
    problems = collect_status(store)["problems"]
    assert any("paid out" in p["reason"] for p in problems)
    engine.tick()
    assert chain.broadcast_calls == 0


def test_the_sixth_vote_change_is_kept_with_its_reason(world) -> None:
    store, chain, feed, sink, engine = world
    chain.votes[("alice", "hello")] = {"carol": 5000}
    chain.vote_changes[("alice", "hello", "carol")] = 5
    feed.add(12, 3)
    report = engine.tick()
    assert report.kept == 1 and report.failed == 0 and chain.broadcast_calls == 1
    assert store.outbox.count_by_status() == {"kept_on_chain": 1}
    assert any("5 changes" in p["reason"] for p in collect_status(store)["problems"])
    engine.tick()
    assert chain.broadcast_calls == 1  # recorded, not retried


def test_low_voting_mana_is_scheduled_with_its_reason(world) -> None:
    store, chain, feed, sink, engine = world
    chain.fail_next_broadcast.append(rpc_error(
        "Assert Exception:voter.voting_manabar.has_mana( used_mana.to_int64() ): Account does "
        "not have enough mana to vote."))
    feed.add(12, 3)
    report = engine.tick()
    assert report.scheduled == 1 and report.failed == 0
    [row] = collect_status(store)["scheduled"]
    assert "voting mana" in row["reason"]
    engine.tick()
    assert chain.broadcast_calls == 1  # waits for its hour, no retry loop


def test_a_member_without_a_linked_account_is_skipped_visibly(world) -> None:
    store, chain, feed, sink, engine = world
    feed.add(12, 5)
    report = engine.tick()
    assert report.skipped == 1 and chain.broadcast_calls == 0
    assert any("no linked Steem account" in p["reason"]
               for p in collect_status(store)["problems"])


def test_a_vote_on_a_post_not_yet_on_chain_waits_for_it(world) -> None:
    store, chain, feed, sink, engine = world
    del chain.posts[("alice", "hello")]
    feed.add(12, 3)
    report = engine.tick()
    assert report.scheduled == 1 and chain.broadcast_calls == 0
    chain.posts[("alice", "hello")] = {"author": "alice", "permlink": "hello"}
    chain.advance(30)
    assert engine.tick().confirmed == 1 and votes(chain) == {"carol": 10000}


def test_the_feed_is_read_from_its_cursor(world) -> None:
    store, chain, feed, sink, engine = world
    feed.add(12, 3)
    engine.tick()
    reads = feed.reads
    engine.tick()
    assert feed.reads == reads + 1  # an idle tick is one request
    cursor = next(c for c in collect_status(store)["cursors"] if c["source"] == "wp:t:likes")
    assert int(cursor["position"]["event"]) == 1


def test_a_waiting_vote_on_a_post_deleted_meanwhile_is_kept_not_waiting(world) -> None:
    store, chain, feed, sink, engine = world
    del chain.posts[("alice", "hello")]  # not on chain yet: the vote waits
    feed.add(12, 3)
    assert engine.tick().scheduled == 1
    with store.transaction():  # then WordPress's post is deleted on chain
        store.mark_link_deleted(SourceRef("wp", "t", "post", "12"), "tx", 2)
    chain.advance(30)
    report = engine.tick()
    assert report.kept == 1 and chain.broadcast_calls == 0
    assert store.outbox.count_by_status() == {"kept_on_chain": 1}
    assert any("deleted on chain" in p["reason"] for p in collect_status(store)["problems"])
