"""Members' actions on a post that is not on chain YET wait for it (deferred on the post, woken
by its binding) and go out once; on a post that never will be, they are skipped with the reason.

One engine with the posts, comments and likes streams over the fake chain, on both state stores.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bridge.comment_stream import CommentPlanner
from bridge.like_stream import like_stream
from bridge.model import ChainLink, Intent, MappingContext, PostRecord, Skip, later
from bridge.post_stream import PostPlanner
from bridge.status import render_status
from bridge.store import StateStore
from bridge.streams import OutboundStream
from connectors.wordpress_likes import WordPressLikes
from mappings.comments import CommentOptions
from mappings.likes import LikeRules
from tests.engine.test_comments_engine import CommentSource, clocked_engine, comment
from tests.engine.test_engine import ListSource, record, simple_mapper
from tests.engine.test_likes import LikeFeed
from tests.support.fake_chain import FakeChain

KEYS = {"alice": "5K-alice", "bob": "5K-bob", "carol": "5K-carol", "dave": "5K-dave"}
DELAY = timedelta(hours=1)  # the posts' [mapping] publish_delay_minutes, in short
SOON = "2025-12-31T23:05:00"  # published so that its delay ends at 00:05, the engine's start


class Sink:
    def __init__(self) -> None:
        self.meta: dict[tuple[str, int], dict[str, Any]] = {}

    def write_meta(self, writes: Any) -> list[Any]:
        for write in writes:
            self.meta.setdefault((write.target, write.object_id), {}).update(write.values)
        return [None for _ in writes]


@pytest.fixture
def world(state_target):
    store = StateStore(state_target, site="t")
    chain = FakeChain(keys=dict(KEYS))
    posts, comments, feed, sink = ListSource(), CommentSource(), LikeFeed(), Sink()
    opted_out: set[str] = set()

    def mapper(post: PostRecord, ctx: MappingContext, link: ChainLink | None) -> Intent | Skip:
        """The posts' mapping with a publish delay and an opt-out, as mappings/posts.py."""
        if post.source.object_id in opted_out:
            return Skip(post.source, "opted out of the chain (steem_skip)")
        due = later(post.date_gmt, DELAY)
        if link is None and ctx.now < due:
            return Skip(post.source, "publish delay", terminal=False, retry_at=due)
        return simple_mapper(post, ctx, link)

    likes = WordPressLikes(feed, "t")
    streams = [
        OutboundStream(posts, PostPlanner(posts.name, mapper, lambda: "v1")),
        OutboundStream(comments, CommentPlanner(comments.name, CommentOptions(), lambda: "v1",
                                                store.facts),
                       revisit=("approved", "unreadable")),
        like_stream(likes, LikeRules(weight=100), store.facts),
    ]
    tick = clocked_engine(store, chain, streams, sink, KEYS)

    yield store, chain, posts, comments, feed, tick, opted_out
    store.close()


def votes(chain: FakeChain) -> dict[str, int]:
    return chain.votes.get(("alice", "p1"), {})


def replies(chain: FakeChain) -> dict[tuple[str, str], dict[str, Any]]:
    return {k: v for k, v in chain.posts.items() if v.get("parent_author")}


def test_a_like_before_the_post_is_on_chain_is_one_vote_once_it_is(world) -> None:
    store, chain, posts, comments, feed, tick, _ = world
    posts.put(record(1, "alice", "One", modified=SOON))
    feed.add(1, 3)  # carol likes the post during its publish delay
    first = tick()
    assert first.enqueued == 0 and chain.broadcast_calls == 0
    assert len(store.deferred()) == 2  # the post and the like, nothing lost
    assert "waiting for the post to reach the chain" in render_status(store)
    # the delay is over before the like's own next look: the post's binding wakes it, and
    # both are enqueued in the same tick
    assert tick(290).enqueued == 2
    for _ in range(3):
        tick()
    assert ("alice", "p1") in chain.posts and votes(chain) == {"carol": 10000}
    assert store.deferred() == []
    sent = chain.broadcast_calls
    for _ in range(3):
        tick(600)
    assert chain.broadcast_calls == sent  # exactly once


def test_like_then_unlike_while_waiting_ends_with_no_vote(world) -> None:
    store, chain, posts, comments, feed, tick, _ = world
    posts.put(record(1, "alice", "One"))
    feed.add(1, 3)
    tick()
    feed.add(1, 3, "unlike")  # the member changes their mind before the post is on chain
    feed.add(1, 4)  # dave's like waits beside it
    tick()
    assert chain.broadcast_calls == 0
    tick(3600)
    for _ in range(4):
        tick()
    # the member's latest event went out (an unlike where there is no vote: nothing to do)
    assert votes(chain) == {"dave": 10000}
    assert store.deferred() == [] and "carol" not in votes(chain)
    assert "waiting" not in render_status(store)


def test_a_like_of_an_opted_out_post_is_skipped_with_its_reason(world) -> None:
    store, chain, posts, comments, feed, tick, opted_out = world
    opted_out.add("1")
    posts.put(record(1, "alice", "One"))
    feed.add(1, 3)
    report = tick()
    assert report.skipped == 2 and chain.broadcast_calls == 0 and store.deferred() == []
    status = render_status(store)
    assert "like of post 1 by user 3: the post is not bridged to the chain (skipped" in status


def test_a_post_opted_out_while_a_like_waits_lets_the_like_go_with_its_reason(world) -> None:
    store, chain, posts, comments, feed, tick, opted_out = world
    posts.put(record(1, "alice", "One"))
    feed.add(1, 3)
    tick()
    opted_out.add("1")
    tick(3600)  # the post comes due and is skipped; the like, looked at again, follows
    tick(900)
    assert chain.broadcast_calls == 0 and store.deferred() == []
    assert "the post is not bridged to the chain (skipped" in render_status(store)


def test_a_like_waits_at_most_a_payout_window(world) -> None:
    store, chain, posts, comments, feed, tick, _ = world
    feed.add(7, 3)  # a post the bridge has not seen (backfill may bring it): it waits
    tick()
    assert len(store.deferred()) == 1
    tick(7 * 86400)
    assert store.deferred() == [] and chain.broadcast_calls == 0
    assert "gave up waiting for the post to reach the chain" in render_status(store)


def test_a_comment_on_a_post_published_later_is_replied_once_after_it(world) -> None:
    store, chain, posts, comments, feed, tick, _ = world
    posts.put(record(1, "alice", "One", modified=SOON))
    comments.put(comment(10, "bob", "First!"))
    tick()
    assert "waiting for post 1 to reach the chain" in render_status(store)
    assert tick(290).confirmed == 1  # the post; its binding woke the comment, whose reply
    assert tick().enqueued == 1  # waits for the post's create to be confirmed, then goes
    for _ in range(4):
        tick()
    on_chain = replies(chain)
    assert list(on_chain) == [("bob", "re-p1-10-t")]
    assert (on_chain[("bob", "re-p1-10-t")]["parent_author"],
            on_chain[("bob", "re-p1-10-t")]["parent_permlink"]) == ("alice", "p1")
    sent = chain.broadcast_calls
    for _ in range(3):
        tick(900)
    assert chain.broadcast_calls == sent and store.deferred() == []


def test_a_comment_on_an_opted_out_post_is_skipped_with_its_reason(world) -> None:
    store, chain, posts, comments, feed, tick, opted_out = world
    opted_out.add("1")
    posts.put(record(1, "alice", "One"))
    comments.put(comment(10, "bob", "First!"))
    tick()
    assert not replies(chain) and store.deferred() == []
    assert "post 1 is not on chain (its stream skipped" in render_status(store)
