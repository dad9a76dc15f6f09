"""The comments stream in the engine, over the fake chain: replies exactly once, threaded in
order, edited, deleted (or visibly kept), comments from the chain never sent back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bridge.comment_stream import CommentPlanner
from bridge.dispatch import Dispatcher
from bridge.engine import Engine
from bridge.model import CommentRecord, MappingContext, SourceRef, later
from bridge.post_stream import PostPlanner
from bridge.status import render_status
from bridge.store import StateStore
from bridge.streams import OutboundStream
from bridge.writeback import WriteBack
from mappings.comments import CommentOptions
from tests.engine.test_engine import ListSource, record, simple_mapper
from tests.support.fake_chain import FakeChain

KEYS = {"alice": "5K-alice", "bob": "5K-bob", "carol": "5K-carol", "app": "5K-app"}


class CommentSource:
    name = "wp:t:comments"

    def __init__(self) -> None:
        self.comments: dict[int, CommentRecord] = {}
        self.seq = 0
        self.log: list[tuple[int, int]] = []  # (seq, comment id), as the plugin's feed

    def put(self, comment: CommentRecord) -> None:
        self.comments[int(comment.source.object_id)] = comment
        self.seq += 1
        self.log.append((self.seq, int(comment.source.object_id)))

    def changed_since(self, cursor: dict[str, str]) -> Iterator[tuple[CommentRecord, dict]]:
        after = int(cursor.get("seq", "0"))
        for seq, object_id in self.log:
            if seq > after:
                yield self.comments[object_id], {"seq": str(seq).zfill(20)}

    def fetch(self, object_ids: list[int]) -> list[CommentRecord]:
        return [self.comments[i] for i in object_ids if i in self.comments]


class Sink:
    def __init__(self) -> None:
        self.meta: dict[tuple[str, int], dict[str, Any]] = {}

    def write_meta(self, writes: Any) -> list[Any]:
        for write in writes:
            self.meta.setdefault((write.target, write.object_id), {}).update(write.values)
        return [None for _ in writes]


def comment(comment_id: int, account: str, text: str, *, parent: int = 0,
            status: str = "approved", at: str = "2026-01-01T00:00:00", **fields: Any
            ) -> CommentRecord:
    return CommentRecord(source=SourceRef("wp", "t", "comment", str(comment_id)), post_id=1,
                         post_type="post", status=status, content=text, parent_id=parent,
                         author_account=account, author_name=account or "Visitor",
                         changed_gmt=at, link=f"http://wp/p1#comment-{comment_id}", **fields)


def clocked_engine(store: StateStore, chain: FakeChain, streams: list[Any], sink: Any,
                   keys: dict[str, str]) -> Callable[..., Any]:
    """An engine over ``streams``; ``tick(seconds)`` moves chain and wall time ``seconds`` on
    from the last tick (the first from 2026-01-01T00:00:00) and runs one tick."""
    holder = {"ctx": MappingContext(site_id="t", site_url="http://wp", site_name="T",
                                    now="2026-01-01T00:00:00")}
    dispatcher = Dispatcher(store, chain, lambda account, _a: keys.get(account),
                            confirm_timeout=0)
    engine = Engine(store, streams, dispatcher, WriteBack(store, sink), lambda: holder["ctx"])

    def tick(seconds: int = 10) -> Any:
        chain.advance(seconds)
        holder["ctx"] = replace(holder["ctx"], now=later(holder["ctx"].now,
                                                         timedelta(seconds=seconds)))
        return engine.tick()

    return tick


@pytest.fixture
def world(tmp_path):
    store = StateStore(str(tmp_path / "state.db"), site="t")
    chain = FakeChain(keys=dict(KEYS))
    posts, comments, sink = ListSource(), CommentSource(), Sink()
    planner = CommentPlanner(comments.name, CommentOptions(unlinked="app_account",
                                                           app_account="app"),
                             lambda: "settings-v1", store.facts)
    streams = [OutboundStream(posts, PostPlanner(posts.name, simple_mapper, lambda: "v1")),
               OutboundStream(comments, planner, revisit=("approved", "unreadable"))]
    tick = clocked_engine(store, chain, streams, sink, KEYS)

    yield store, chain, posts, comments, sink, tick
    store.close()


def replies(chain: FakeChain) -> dict[tuple[str, str], dict[str, Any]]:
    return {k: v for k, v in chain.posts.items() if v.get("parent_author")}


def test_a_thread_goes_on_chain_once_in_order(world) -> None:
    store, chain, posts, comments, sink, tick = world
    posts.put(record(1, "alice", "One"))
    comments.put(comment(10, "bob", "First!"))
    comments.put(comment(11, "carol", "Reply to bob", parent=10))
    comments.put(comment(12, "", "A visitor's word"))  # unlinked: the app account, attributed
    first = tick()
    assert first.enqueued == 1 and not replies(chain)  # the replies wait for the post
    for _ in range(4):
        tick()
    on_chain = replies(chain)
    assert len(on_chain) == 3
    top = on_chain[("bob", "re-p1-10-t")]
    assert (top["parent_author"], top["parent_permlink"]) == ("alice", "p1")
    child = on_chain[("carol", "re-p1-11-t")]
    assert (child["parent_author"], child["parent_permlink"]) == ("bob", "re-p1-10-t")
    visitor = on_chain[("app", "re-p1-12-t")]
    assert "— Visitor on" in visitor["body"]
    assert sink.meta[("comment", 10)]["steem_permlink"] == "re-p1-10-t"
    assert sink.meta[("comment", 11)]["steem_status"] == "published"
    # nothing goes twice, however often it is looked at
    sent = len(chain.applied)
    comments.put(comments.comments[10])
    tick()
    tick()
    assert len(chain.applied) == sent


def test_edit_then_trash_then_a_refused_delete_is_kept(world) -> None:
    store, chain, posts, comments, sink, tick = world
    posts.put(record(1, "alice", "One"))
    comments.put(comment(10, "bob", "First!"))
    comments.put(comment(11, "carol", "Reply", parent=10))
    for _ in range(4):
        tick()
    assert len(replies(chain)) == 2
    comments.put(comment(10, "bob", "First! (edited)", at="2026-01-01T01:00:00"))
    tick()
    assert chain.posts[("bob", "re-p1-10-t")]["body"] == "First! (edited)"
    # trashed while its reply has a reply: the chain keeps it, visibly, no retry loop
    comments.put(comment(10, "bob", "First! (edited)", status="trash",
                         at="2026-01-01T02:00:00"))
    report = tick()
    assert report.kept == 1 and ("bob", "re-p1-10-t") in chain.posts
    assert sink.meta[("comment", 10)]["steem_status"] == "kept_on_chain"
    assert "kept on chain" in render_status(store)
    calls = chain.broadcast_calls
    tick()
    assert chain.broadcast_calls == calls
    # the reply to it is spammed: deleted on chain
    comments.put(comment(11, "carol", "Reply", parent=10, status="spam",
                         at="2026-01-01T03:00:00"))
    tick()
    assert ("carol", "re-p1-11-t") not in chain.posts
    assert sink.meta[("comment", 11)]["steem_status"] == "deleted"
    # approved again: replied anew, under the same permlink
    comments.put(comment(11, "carol", "Reply", parent=10, at="2026-01-01T04:00:00"))
    tick()
    assert ("carol", "re-p1-11-t") in chain.posts
    # deleted for good in WordPress (the feed's tombstone): deleted on chain; then the chain
    # lets its parent go too, once WordPress trashes it again (a kept delete is final until the
    # comment changes: restored, nothing to send; trashed, deleted)
    comments.put(comment(11, "", "", parent=0, status="deleted", at="2026-01-01T05:00:00"))
    tick()
    assert ("carol", "re-p1-11-t") not in chain.posts
    comments.put(comment(10, "bob", "First! (edited)", at="2026-01-01T06:00:00"))
    assert tick().enqueued == 0
    comments.put(comment(10, "bob", "First! (edited)", status="trash",
                         at="2026-01-01T07:00:00"))
    tick()
    assert not replies(chain)
    assert sink.meta[("comment", 10)]["steem_status"] == "deleted"


def test_chain_comments_likes_and_held_comments_stay_in_wordpress(world) -> None:
    store, chain, posts, comments, sink, tick = world
    posts.put(record(1, "alice", "One"))
    tick()
    comments.put(comment(20, "", "from the chain", origin="chain"))
    comments.put(comment(21, "bob", "", comment_type="like"))
    comments.put(comment(22, "bob", "held", status="unapproved"))
    tick()
    tick()
    assert not replies(chain)
    status = render_status(store)
    assert "came from the chain" in status and "'like' is not a reply" in status


def test_a_comment_on_a_post_not_on_chain_waits_then_gives_up_with_its_reason(world) -> None:
    store, chain, posts, comments, sink, tick = world
    comments.put(comment(30, "bob", "hello"))
    tick()
    assert not replies(chain)
    assert "waiting for post 1 to reach the chain" in render_status(store)
    tick(7 * 86400)  # a payout window later the post is still not there: given up, visibly
    assert not replies(chain) and store.deferred() == []
    assert "post 1 is not on chain: gave up waiting" in render_status(store)
