"""Engine behaviour over a fake chain and an in-memory source: exactly-once, in order, visible."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from bridge.dispatch import Dispatcher
from bridge.engine import Engine
from bridge.errors import ExitStatus
from bridge.failures import Code, TerminalError, TransientError
from bridge.model import (
    ChainLink,
    Intent,
    IntentKind,
    IntentStatus,
    MappingContext,
    PostRecord,
    Skip,
    SourceRef,
    Unreadable,
    content_hash,
    intent_key,
    tombstone,
)
from bridge.post_stream import PostPlanner
from bridge.report import TickReport
from bridge.runner import exit_status
from bridge.status import render_status
from bridge.store import StateStore
from bridge.streams import OutboundStream
from bridge.writeback import WriteBack
from tests.support.fake_chain import FakeChain

KEYS = {"alice": "5K-alice", "bob": "5K-bob"}


def record(post_id: int, author: str, title: str, modified: str = "2026-01-01T00:00:00",
           status: str = "publish") -> PostRecord:
    return PostRecord(
        source=SourceRef("wp", "t", "post", str(post_id)), post_type="post", status=status,
        slug=f"p{post_id}", link=f"http://wp/p{post_id}", title_raw=title, title_rendered=title,
        content_raw=f"<p>{title} body</p>", content_rendered=f"<p>{title} body</p>",
        excerpt_raw="", excerpt_rendered="", date_gmt=modified, modified_gmt=modified,
        author_id=1, author_account=author)


def simple_mapper(post: PostRecord, ctx: MappingContext, link: ChainLink | None) -> Intent | Skip:
    if post.status != "publish":
        return Skip(post.source, "not published")
    body_hash = content_hash([post.title_raw, post.content_rendered])
    permlink = link.permlink if link else f"p{post.source.object_id}"
    author = link.author if link else post.author_account
    comment = {"parent_author": "", "parent_permlink": "blog", "author": author,
               "permlink": permlink, "title": post.title_raw, "body": post.content_rendered,
               "json_metadata": "{}"}
    kind = IntentKind.EDIT_POST if link else IntentKind.CREATE_POST
    return Intent(key=intent_key(kind, post.source, f"{post.modified_gmt}:{body_hash}"),
                  kind=kind, account=author, source=post.source,
                  operations=(("comment", comment),), body_hash=body_hash, author=author,
                  permlink=permlink, category="blog", title=post.title_raw)


class ListSource:
    name = "wp:t:posts"

    def __init__(self) -> None:
        self.posts: dict[int, PostRecord] = {}
        self.fail_after: int | None = None
        self.unreadable: set[int] = set()

    def put(self, post: PostRecord) -> None:
        self.posts[int(post.source.object_id)] = post

    def changed_since(self, cursor: dict[str, str]) -> Iterator[tuple[PostRecord, dict]]:
        ordered = sorted(self.posts.values(), key=lambda p: p.modified_gmt)
        for n, post in enumerate(ordered):
            if self.fail_after is not None and n >= self.fail_after:
                raise TransientError("listing posts: HTTP 503")
            if post.modified_gmt >= cursor.get("modified", ""):
                if int(post.source.object_id) in self.unreadable:
                    yield Unreadable(post.source, "reading the post's author: HTTP 403"), {
                        "modified": post.modified_gmt}
                    continue
                yield post, {"modified": post.modified_gmt}

    def fetch(self, object_ids: list[int]) -> list[PostRecord]:
        return [self.posts[i] for i in object_ids if i in self.posts]


class MetaSink:
    def __init__(self) -> None:
        self.meta: dict[int, dict[str, Any]] = {}

    states: dict[str, dict[str, Any]]
    retries: list[Any]

    def write_site_state(self, kind: str, values: dict[str, Any]) -> None:
        self.__dict__.setdefault("states", {})[kind] = values

    def retry_requests(self, after: int) -> list[Any]:
        return [r for r in self.__dict__.get("retries", []) if r.request_id > after]

    def write_meta(self, writes: Any) -> list[Any]:
        for write in writes:
            assert write.target == "chain"
            self.meta.setdefault(write.object_id, {}).update(write.values)
        return [None for _ in writes]


def build_engine(store: StateStore, chain: Any, source: Any, sink: Any,
                 context: Any, mapper: Any = simple_mapper) -> Engine:
    """An engine over one posts stream, with the test doubles; ``engine.planner`` is the
    stream's planner (tests swap its ``mapper``)."""
    planner = PostPlanner(source.name, mapper, lambda: "settings-v1")
    dispatcher = Dispatcher(store, chain, lambda account, _authority: KEYS.get(account),
                            confirm_timeout=0)
    engine = Engine(store, [OutboundStream(source, planner)], dispatcher,
                    WriteBack(store, sink), context)
    engine.planner = planner  # type: ignore[attr-defined]
    return engine


@pytest.fixture
def world(state_target):
    store = StateStore(state_target)
    chain = FakeChain(keys=dict(KEYS))
    source = ListSource()
    sink = MetaSink()
    holder = {"ctx": MappingContext(site_id="t", site_url="http://wp", site_name="T",
                                    now="2026-01-01T00:00:00")}
    engine = build_engine(store, chain, source, sink, lambda: holder["ctx"])
    engine.holder = holder  # type: ignore[attr-defined]
    yield store, chain, source, sink, engine
    store.close()


def statuses(store: StateStore) -> dict[str, int]:
    return store.outbox.count_by_status()


def test_publish_once_and_write_back(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    report = engine.tick()
    assert report.confirmed == 1 and len(chain.applied) == 1
    assert sink.meta[1]["steem_permlink"] == "p1" and sink.meta[1]["steem_status"] == "published"
    again = engine.tick()
    assert again.enqueued == 0 and len(chain.applied) == 1


def test_second_root_post_waits_for_chain_time_not_a_retry_loop(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One", "2026-01-01T00:00:01"))
    source.put(record(2, "alice", "Two", "2026-01-01T00:00:02"))
    report = engine.tick()
    assert report.confirmed == 1 and report.scheduled == 1
    assert chain.broadcast_calls == 1  # the second was never sent to be rejected
    engine.tick()
    assert chain.broadcast_calls == 1 and statuses(store)["scheduled"] == 1
    chain.advance(300)
    assert engine.tick().confirmed == 1
    assert len(chain.posts) == 2


def test_edit_goes_out_once_with_the_same_permlink(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    source.put(replace(record(1, "alice", "One, edited", "2026-01-01T01:00:00")))
    report = engine.tick()
    assert report.enqueued == 1 and report.confirmed == 1
    assert chain.posts[("alice", "p1")]["title"] == "One, edited"
    assert len(chain.posts) == 1
    # a modified date bump with the same content is not an edit
    source.put(record(1, "alice", "One, edited", "2026-01-01T02:00:00"))
    assert engine.tick().enqueued == 0


def test_an_edit_saved_within_the_same_second_goes_out(world) -> None:
    """WordPress keeps ``modified`` in whole seconds: an edit saved in the second the post was
    published (or last read) has the same modified time and must still be seen as an edit."""
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    source.put(record(1, "alice", "One, fixed at once"))  # same modified second
    report = engine.tick()
    assert report.enqueued == 1 and report.confirmed == 1
    assert chain.posts[("alice", "p1")]["title"] == "One, fixed at once"
    source.put(record(1, "alice", "One, fixed at once"))  # read again, nothing new: not mapped
    assert engine.tick().enqueued == 0


def test_a_post_version_is_what_the_author_wrote_not_what_wordpress_renders() -> None:
    """Read again, a post is mapped again only when its version changed: an edit within the
    second changes it, and so does an override in its meta; WordPress rendering it anew (a
    gallery in random order), the mirror's meta or a term's site-wide count do not."""
    from bridge.post_stream import post_version

    first = record(1, "alice", "One")
    version = post_version(first, "settings")
    assert post_version(replace(first, content_rendered="<p>shuffled</p>"), "settings") == version
    assert post_version(replace(first, meta={"steem_votes": 3}, tag_counts=(9,)),
                        "settings") == version  # fmt: skip
    assert post_version(replace(first, content_raw="<p>fixed</p>"), "settings") != version
    assert post_version(replace(first, meta={"steem_tags": "a,b"}), "settings") != version
    assert post_version(first, "other settings") != version


def test_lost_acknowledgement_is_confirmed_not_resent(world) -> None:
    store, chain, source, sink, engine = world
    chain.lose_ack_next = 1
    source.put(record(1, "alice", "One"))
    first = engine.tick()
    assert first.transient_problems and statuses(store) == {"signed": 1}
    second = engine.tick()
    assert second.confirmed == 1 and len(chain.applied) == 1


def test_signed_but_never_sent_is_resent_as_the_same_transaction(world) -> None:
    store, chain, source, sink, engine = world
    chain.fail_next_broadcast.append(TransientError("connection refused"))
    source.put(record(1, "alice", "One"))
    engine.tick()
    (entry,) = store.outbox.in_flight()
    engine.tick()
    assert chain.txs.get(entry.tx_id) and len(chain.applied) == 1


def test_expired_unseen_transaction_is_signed_again(world) -> None:
    store, chain, source, sink, engine = world
    chain.fail_next_broadcast.append(TransientError("connection refused"))
    source.put(record(1, "alice", "One"))
    engine.tick()
    (entry,) = store.outbox.in_flight()
    chain.advance(120)  # past the 60 s expiration
    engine.tick()  # reconcile re-queues it; the dispatch step signs a new one
    assert len(chain.applied) == 1 and entry.tx_id not in chain.txs
    assert statuses(store) == {"confirmed": 1}


def test_wrong_key_fails_one_author_and_the_others_go_through(world) -> None:
    store, chain, source, sink, engine = world
    chain.keys["alice"] = "5K-the-real-one"
    source.put(record(1, "alice", "One", "2026-01-01T00:00:01"))
    source.put(record(2, "bob", "Two", "2026-01-01T00:00:02"))
    report = engine.tick()
    assert report.failed == 1 and report.confirmed == 1
    assert ("bob", "p2") in chain.posts
    text = render_status(store)
    assert "missing required posting authority" in text
    assert sink.meta[1]["steem_status"] == "failed"
    assert "retry --failed" in text


def test_failure_while_listing_keeps_what_was_read_and_the_cursor_behind(world) -> None:
    store, chain, source, sink, engine = world
    for n in range(1, 4):
        source.put(record(n, ["alice", "bob"][n % 2], f"P{n}", f"2026-01-01T00:00:0{n}"))
    source.fail_after = 2
    report = engine.tick()
    assert report.transient_problems and report.polled == 2
    assert '"2026-01-01T00:00:02"' in store.get_cursor("wp:t:posts")
    source.fail_after = None
    engine.tick()
    assert statuses(store).get("confirmed", 0) + statuses(store).get("scheduled", 0) == 3


def test_a_mapping_bug_is_recorded_and_does_not_stop_other_posts(world) -> None:
    store, chain, source, sink, engine = world

    def flaky(post, ctx, link):
        if post.source.object_id == "1":
            raise ValueError("boom")
        return simple_mapper(post, ctx, link)

    engine.planner.mapper = flaky
    source.put(record(1, "alice", "One", "2026-01-01T00:00:01"))
    source.put(record(2, "bob", "Two", "2026-01-01T00:00:02"))
    report = engine.tick()
    assert report.confirmed == 1 and report.skipped == 0
    # a bug is not a skip: it needs a person (sync exits 1), status and WordPress say so
    assert exit_status(report) is ExitStatus.FAILURES
    assert any("internal error while mapping (ValueError: boom)" in p
               for p in report.terminal_problems)
    assert "internal error while mapping (ValueError: boom)" in render_status(store)
    assert sink.meta[1]["steem_status"] == "failed"
    # the same version read again is not mapped again, and the problem stays visible
    calls: list[str] = []
    engine.planner.mapper = lambda post, ctx, link: calls.append(post.source.object_id) or flaky(
        post, ctx, link)
    engine.tick()
    assert calls == [] and "internal error while mapping" in render_status(store)


def test_enqueueing_the_same_intent_twice_does_nothing(world) -> None:
    store, chain, source, sink, engine = world
    intent = simple_mapper(record(1, "alice", "One"), None, None)  # type: ignore[arg-type]
    outbox = store.outbox
    with store.transaction():
        assert outbox.enqueue(intent) is True
        assert outbox.enqueue(intent) is False
    assert statuses(store) == {IntentStatus.PENDING.value: 1}


def test_a_trashed_post_is_deleted_on_chain(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    source.put(record(1, "alice", "One", "2026-01-01T03:00:00", status="trash"))
    report = engine.tick()
    assert report.confirmed == 1 and ("alice", "p1") not in chain.posts
    assert sink.meta[1]["steem_status"] == "deleted"


def test_a_trashed_post_with_votes_is_kept_on_chain_once(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    chain.posts[("alice", "p1")]["net_rshares"] = 5_000_000
    source.put(record(1, "alice", "One", "2026-01-01T03:00:00", status="trash"))
    calls = chain.broadcast_calls
    report = engine.tick()
    assert report.kept == 1 and chain.broadcast_calls == calls
    assert ("alice", "p1") in chain.posts
    assert sink.meta[1]["steem_status"] == "kept_on_chain"
    assert "net positive votes" in render_status(store)
    assert engine.tick().kept == 0 and chain.broadcast_calls == calls  # no retry loop


def test_trashing_a_post_that_never_reached_the_chain_does_nothing(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One", status="trash"))
    report = engine.tick()
    assert report.enqueued == 0 and chain.broadcast_calls == 0


def test_publish_delay_defers_then_publishes_without_a_new_edit(world) -> None:
    store, chain, source, sink, engine = world

    def delaying(post, ctx, link):
        if ctx.now < "2026-01-01T01:00:00":
            return Skip(post.source, "publish delay: goes out after 2026-01-01T01:00:00",
                        terminal=False, retry_at="2026-01-01T01:00:00")
        return simple_mapper(post, ctx, link)

    engine.planner.mapper = delaying
    engine.holder["ctx"] = replace(engine.holder["ctx"], now="2026-01-01T00:10:00")
    source.put(record(1, "alice", "One", "2026-01-01T00:00:00"))
    first = engine.tick()
    assert first.enqueued == 0 and chain.broadcast_calls == 0
    assert "publish delay: goes out after 2026-01-01T01:00:00" in render_status(store)
    engine.holder["ctx"] = replace(engine.holder["ctx"], now="2026-01-01T01:00:00")
    second = engine.tick()
    assert second.confirmed == 1 and store.deferred() == []
    assert "publish delay" not in render_status(store)


def test_author_without_account_is_deferred_and_picked_up_once_fixed(world) -> None:
    store, chain, source, sink, engine = world

    def needs_account(post, ctx, link):
        if not post.author_account:
            return Skip(post.source, "no steem_account", terminal=False)
        return simple_mapper(post, ctx, link)

    engine.planner.mapper = needs_account
    source.put(record(1, "", "One"))
    engine.tick()
    assert "no steem_account" in render_status(store)
    source.put(record(1, "alice", "One"))  # the owner fixed the profile; the post is unchanged
    engine.holder["ctx"] = replace(engine.holder["ctx"], now="2026-01-01T00:20:00")
    assert engine.tick().confirmed == 1


def test_an_author_without_a_chain_account_fails_with_a_clear_reason(world) -> None:
    store, chain, source, sink, engine = world
    chain.account_times = lambda name: None  # type: ignore[method-assign]
    source.put(record(1, "ghost", "One"))
    report = engine.tick()
    assert report.failed == 1 and chain.broadcast_calls == 0
    assert "the chain has no account @ghost" in render_status(store)


def test_an_unreachable_side_is_recorded_and_cleared_when_it_comes_back(world) -> None:
    store, chain, source, sink, engine = world
    source.fail_after = 0
    source.put(record(1, "alice", "One"))
    engine.tick()
    text = render_status(store)
    assert "tick [poll, transient] listing posts: HTTP 503" in text
    assert "last tick:" in text and "never" not in text
    source.fail_after = None
    engine.tick()
    assert "[poll, transient]" not in render_status(store)


def test_an_unknown_error_after_sending_is_looked_up_not_failed_or_resent(world) -> None:
    """beem's CallRetriesReached (empty text) after the node took the tx: the row waits for
    reconcile, which finds the tx in a block; nothing is signed twice."""
    store, chain, source, sink, engine = world
    from connectors.failures import rpc_error

    real_broadcast = chain.broadcast

    def lands_then_garbles(signed) -> None:
        real_broadcast(signed)
        raise rpc_error("CallRetriesReached")

    chain.broadcast = lands_then_garbles  # type: ignore[method-assign]
    source.put(record(1, "alice", "One"))
    first = engine.tick()
    assert first.failed == 0 and statuses(store) == {"signed": 1}
    chain.broadcast = real_broadcast  # type: ignore[method-assign]
    engine.tick()
    assert statuses(store) == {"confirmed": 1} and len(chain.applied) == 1


def test_retrying_a_failed_signed_intent_looks_it_up_before_signing_again(world) -> None:
    store, chain, source, sink, engine = world
    from bridge.failures import TerminalError as Terminal

    source.put(record(1, "alice", "One"))
    real_broadcast = chain.broadcast

    def lands_then_unknown_rejection(signed) -> None:
        real_broadcast(signed)
        raise Terminal("missing required posting authority:Missing Posting Authority alice",
                       rejected=True)

    chain.broadcast = lands_then_unknown_rejection  # type: ignore[method-assign]
    engine.tick()  # a (here: lying) node rejection marks it failed
    assert statuses(store) == {"failed": 1}
    chain.broadcast = real_broadcast  # type: ignore[method-assign]
    with store.transaction():
        store.outbox.retry_failed()
    engine.tick()
    assert statuses(store) == {"confirmed": 1} and len(chain.applied) == 1


def test_a_transaction_that_never_lands_is_given_up_after_five_attempts(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))

    def swallowed(signed) -> None:
        raise TransientError("read timed out")

    chain.broadcast = swallowed  # type: ignore[method-assign]
    for _ in range(12):
        engine.tick()
        chain.advance(150)
    (entry,) = store.outbox.rows(IntentStatus.FAILED)
    assert "5 signed attempts never reached a block" in (entry.reason or "")


def test_a_post_trashed_before_it_reached_the_chain_is_never_published(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One", "2026-01-01T00:00:01"))
    source.put(record(2, "alice", "Two", "2026-01-01T00:00:02"))
    engine.tick()  # post 2 waits for the 5-minute rule
    source.put(record(2, "alice", "Two", "2026-01-01T00:10:00", status="trash"))
    chain.advance(300)
    engine.tick()
    assert ("alice", "p2") not in chain.posts and len(chain.applied) == 1
    assert store.get_link(SourceRef("wp", "t", "post", "2")) is None


def test_restoring_a_trashed_post_cancels_its_delete_and_a_deleted_post_comes_back(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    real_sign = chain.sign

    def node_down(operations, wif):
        raise TransientError("node down")

    chain.sign = node_down  # type: ignore[method-assign]
    source.put(record(1, "alice", "One", "2026-01-01T01:00:00", status="trash"))
    engine.tick()  # the delete could not even be signed
    chain.sign = real_sign  # type: ignore[method-assign]
    source.put(record(1, "alice", "One", "2026-01-01T02:00:00"))  # restored, same text
    engine.tick()
    assert ("alice", "p1") in chain.posts  # the stale delete did not go out
    # trash it for real, then restore it: it is created again, with its options
    source.put(record(1, "alice", "One", "2026-01-01T03:00:00", status="trash"))
    engine.tick()
    assert ("alice", "p1") not in chain.posts
    chain.advance(300)
    source.put(record(1, "alice", "One", "2026-01-01T04:00:00"))
    engine.tick()
    assert ("alice", "p1") in chain.posts
    kinds = [r["kind"] for r in store.db.execute("SELECT kind FROM intents WHERE status="
                                                 "'confirmed' ORDER BY id")]
    assert kinds == ["create_post", "delete_post", "create_post"]


def test_one_unreadable_post_is_reported_and_the_others_go_on(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One", "2026-01-01T00:00:01"))
    source.put(record(2, "bob", "Two", "2026-01-01T00:00:02"))
    source.unreadable.add(1)
    report = engine.tick()
    assert report.confirmed == 1 and ("bob", "p2") in chain.posts
    assert "reading the post's author: HTTP 403" in render_status(store)
    assert '"2026-01-01T00:00:02"' in store.get_cursor("wp:t:posts")


def test_a_skip_reason_reaches_wordpress_once_and_is_not_remapped(world) -> None:
    """A post skipped by design (password-protected, too large) says why in WordPress, and
    reading the same version again (the poll's overlap window) neither maps nor records it."""
    store, chain, source, sink, engine = world
    calls: list[str] = []

    def protected(post, ctx, link):
        calls.append(post.source.object_id)
        return Skip(post.source, "password-protected posts are not published")

    engine.planner.mapper = protected
    source.put(record(1, "alice", "One"))
    report = engine.tick()
    assert report.skipped == 1 and exit_status(report) is ExitStatus.OK
    assert sink.meta[1] == {"steem_status": "skipped",
                            "steem_error": "password-protected posts are not published"}
    (problem,) = [p for p in store.problems() if p["stage"] == "map"]
    assert engine.tick().skipped == 0 and calls == ["1"]
    (again,) = [p for p in store.problems() if p["stage"] == "map"]
    assert again["count"] == problem["count"] == 1
    engine.planner.mapper = simple_mapper  # the author removed the password: a new version
    source.put(record(1, "alice", "One", "2026-01-01T00:05:00"))
    assert engine.tick().confirmed == 1 and sink.meta[1]["steem_status"] == "published"


def _token_intent(n: int) -> Intent:
    payload = {"required_auths": ["treasury"], "required_posting_auths": [], "id": "ssc-mainnet1",
               "json": '{"contractName":"tokens","contractAction":"transfer","contractPayload":'
                       f'{{"symbol":"PTS","to":"alice","quantity":"{n}","memo":"ledger {n}"}}}}'}
    source = SourceRef("wp", "t", "points", str(n))
    return Intent(key=intent_key(IntentKind.CUSTOM_JSON, source, "v1"), kind=IntentKind.CUSTOM_JSON,
                  account="treasury", source=source, operations=(("custom_json", payload),))


class Receipts:
    """A sidechain log: tx id -> errors (None: not processed yet)."""

    def __init__(self) -> None:
        self.log: dict[str, tuple[str, ...] | None] = {}

    def find_sidechain_transaction(self, tx_id: str) -> Any:
        from bridge.ports import SidechainReceipt

        errors = self.log.get(tx_id)
        return None if errors is None else SidechainReceipt(tx_id, 1, errors)


def test_a_token_operation_signs_with_the_active_key_and_waits_for_the_sidechain(
        state_target) -> None:
    """Adding a kind is a table row: custom_json takes the active key from its own source, no
    rate rule, and is confirmed by the sidechain's log, not by its block."""
    from bridge.kinds import Authority

    store, chain, receipts = StateStore(state_target), FakeChain(keys={}), Receipts()
    chain.create_account("treasury", "5K-treasury-posting", "5K-treasury-active")
    asked: list[tuple[str, Authority]] = []

    def keys(account: str, authority: Authority) -> str | None:
        asked.append((account, authority))
        return "5K-treasury-active" if authority is Authority.ACTIVE else None

    dispatcher = Dispatcher(store, chain, keys, sidechain=receipts, confirm_timeout=0)
    with store.transaction():
        for n in (1, 2):
            store.outbox.enqueue(_token_intent(n))
    report = TickReport()
    dispatcher.dispatch(report, lambda: False)
    assert asked == [("treasury", Authority.ACTIVE)] * 2 and report.broadcast == 2
    assert statuses(store) == {"broadcast": 2}  # in a block, but the sidechain has not said
    first, second = store.outbox.rows(IntentStatus.BROADCAST)
    receipts.log[first.tx_id or ""] = ()
    receipts.log[second.tx_id or ""] = ("overdrawn balance",)
    dispatcher.reconcile(TickReport())
    assert statuses(store) == {"confirmed": 1, "failed": 1}
    (failed,) = store.outbox.rows(IntentStatus.FAILED)
    assert "sidechain refused it: overdrawn balance" in (failed.reason or "")
    assert len(chain.applied) == 2  # each sent once
    store.close()


def test_a_token_operation_without_an_active_key_says_where_the_key_goes(state_target) -> None:
    store, chain = StateStore(state_target), FakeChain(keys={})
    chain.create_account("treasury", "5K-treasury-posting", "5K-treasury-active")
    dispatcher = Dispatcher(store, chain, lambda account, authority: None, confirm_timeout=0)
    with store.transaction():
        store.outbox.enqueue(_token_intent(1))
    dispatcher.dispatch(TickReport(), lambda: False)
    (failed,) = store.outbox.rows(IntentStatus.FAILED)
    assert "no active key for @treasury: set WPSB_ACTIVE_KEY_TREASURY" in (failed.reason or "")
    assert chain.broadcast_calls == 0
    store.close()


def test_each_tick_leaves_a_heartbeat_and_a_retry_press_in_wordpress_requeues_the_post(
        state_target) -> None:
    """The heartbeat Site Health reads, and the posts list's Retry: the failed post's intent goes
    back to the queue and goes out once its cause is fixed, without a person on the host."""
    from bridge.heartbeat import Heartbeat
    from bridge.ports import RetryRequest
    from bridge.retries import RetryRequests

    store, source, sink = StateStore(state_target), ListSource(), MetaSink()
    chain = FakeChain(keys={"alice": "5K-the-real-one"})
    engine = build_engine(store, chain, source, sink, lambda: MappingContext(
        site_id="t", site_url="http://wp", site_name="T", now="2026-01-01T00:00:00"))
    engine.heartbeat = Heartbeat(store, sink, "9.9.9")
    engine.retries = RetryRequests(store, sink, "t", source.name)
    source.put(record(1, "alice", "One"))
    engine.tick()
    assert statuses(store) == {"failed": 1}
    beat = sink.states["heartbeat"]
    assert beat["version"] == "9.9.9" and beat["failed"] == 1 and beat["last_tick"]
    assert any("missing required posting authority" in p for p in beat["problems"])
    chain.keys["alice"] = KEYS["alice"]  # the author fixed the key
    assert engine.tick().confirmed == 0  # nobody asked for a retry yet
    sink.retries = [RetryRequest(7, 1)]
    report = engine.tick()
    assert report.confirmed == 1 and statuses(store) == {"confirmed": 1}
    assert sink.states["heartbeat"]["failed"] == 0
    assert engine.tick().requeued == 0  # the feed's cursor moved: the press counts once
    store.close()


def test_a_round_sends_every_due_intent_then_confirms_them_with_one_look_up(state_target) -> None:
    """Pipelined dispatch: posts of twelve authors go out in one round and are confirmed by one
    batched look-up, not one wait per transaction; the second post of one author is held back
    by its own round and scheduled on the chain's clock, never sent to be refused."""
    keys = {f"user{n}": f"5K-user{n}" for n in range(12)}
    store, source, sink = StateStore(state_target), ListSource(), MetaSink()
    chain = FakeChain(keys=dict(keys))
    planner = PostPlanner(source.name, simple_mapper, lambda: "settings-v1")
    dispatcher = Dispatcher(store, chain, lambda account, _authority: keys.get(account),
                            confirm_timeout=0)
    engine = Engine(store, [OutboundStream(source, planner)], dispatcher, WriteBack(store, sink),
                    lambda: MappingContext(site_id="t", site_url="http://wp", site_name="T",
                                           now="2026-01-01T00:00:00"))
    for n in range(12):
        source.put(record(n + 1, f"user{n}", f"Post {n}", f"2026-01-01T00:00:{n:02d}"))
    source.put(record(99, "user0", "Second of user0", "2026-01-01T00:00:59"))
    report = engine.tick()
    assert report.broadcast == report.confirmed == 12 and chain.broadcast_calls == 12
    assert chain.lookups == 1  # one batched look-up confirmed the whole round
    assert statuses(store) == {"confirmed": 12, "scheduled": 1}
    (held,) = store.outbox.rows(IntentStatus.SCHEDULED)
    assert held.account == "user0" and "5 minutes" in (held.reason or "")
    store.close()


def test_an_idle_tick_writes_no_heartbeat_until_it_is_due(state_target) -> None:
    """The heartbeat goes out when something in it changed, else every five minutes: an idle
    tick costs WordPress no request for it."""
    from bridge.heartbeat import Heartbeat

    store, sink = StateStore(state_target), MetaSink()
    now = [1000.0]
    heartbeat = Heartbeat(store, sink, "1.0", every=300, clock=lambda: now[0])
    writes: list[dict[str, Any]] = []
    sink.write_site_state = lambda kind, values: writes.append(values)  # type: ignore[method-assign]
    idle = TickReport()
    heartbeat.beat(idle)
    heartbeat.beat(idle)
    now[0] += 299
    heartbeat.beat(idle)
    assert len(writes) == 1
    now[0] += 2
    heartbeat.beat(idle)
    assert len(writes) == 2
    busy = TickReport(confirmed=1)
    heartbeat.beat(busy)
    assert len(writes) == 3  # something changed: at once
    store.close()


# -- unpublishing, permanent deletes and the tombstone edit ------------------------------------

@pytest.mark.parametrize("status", ["draft", "pending", "private", "future"])
def test_an_unpublished_post_is_deleted_on_chain_like_a_trashed_one(world, status) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    source.put(record(1, "alice", "One", "2026-01-01T03:00:00", status=status))
    report = engine.tick()
    assert report.confirmed == 1 and ("alice", "p1") not in chain.posts
    assert sink.meta[1]["steem_status"] == "deleted"


def test_a_post_deleted_permanently_comes_as_a_tombstone_and_is_deleted_on_chain(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    source.put(tombstone(SourceRef("wp", "t", "post", "1"), "2026-01-01T03:00:00", "One"))
    report = engine.tick()
    assert report.confirmed == 1 and ("alice", "p1") not in chain.posts
    assert sink.meta[1]["steem_status"] == "deleted"


def test_chain_meta_for_a_post_deleted_for_good_is_dropped_without_a_problem(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    source.put(tombstone(SourceRef("wp", "t", "post", "1"), "2026-01-01T03:00:00", "One"))
    sink.write_meta = lambda writes: [TerminalError("writing chain meta to 1: HTTP 404: Invalid "
                                                    "post ID.", code=Code.GONE) for _ in writes]
    report = engine.tick()
    assert report.confirmed == 1 and ("alice", "p1") not in chain.posts
    assert not report.terminal_problems and exit_status(report) is ExitStatus.OK
    assert store.pending_writebacks() == []


def test_a_post_given_a_password_is_deleted_on_chain_unless_announced(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    source.put(replace(record(1, "alice", "One", "2026-01-01T03:00:00"), password_protected=True))
    engine.holder["ctx"] = replace(engine.holder["ctx"], include_password_protected=True)
    engine.tick()
    assert ("alice", "p1") in chain.posts  # announced: stays (the mapping makes its notice)
    engine.holder["ctx"] = replace(engine.holder["ctx"], include_password_protected=False)
    source.put(replace(record(1, "alice", "One", "2026-01-01T04:00:00"), password_protected=True))
    assert engine.tick().confirmed == 1 and ("alice", "p1") not in chain.posts
    # a protected post that never reached the chain still says why it is not sent
    engine.planner.mapper = lambda post, ctx, link: Skip(post.source, "post is password-protected")
    source.put(replace(record(3, "alice", "Three", "2026-01-01T05:00:00"),
                       password_protected=True))
    engine.tick()
    assert sink.meta[3] == {"steem_status": "skipped", "steem_error": "post is password-protected"}


def test_a_refused_delete_is_kept_by_default_and_says_so(world) -> None:
    store, chain, source, sink, engine = world
    source.put(record(1, "alice", "One"))
    engine.tick()
    chain.posts[("alice", "p1")]["net_rshares"] = 5_000_000
    source.put(record(1, "alice", "One", "2026-01-01T03:00:00", status="draft"))
    engine.tick()
    chain.advance(10)
    engine.tick()
    assert chain.posts[("alice", "p1")]["body"] == "<p>One body</p>"
    assert sink.meta[1]["steem_status"] == "kept_on_chain"
    assert "net positive votes" in sink.meta[1]["steem_error"]


def test_with_tombstone_a_refused_delete_replaces_the_text_once_and_a_republish_restores_it(
        world) -> None:
    store, chain, source, sink, engine = world
    engine.dispatcher.on_refused_delete = "tombstone"
    source.put(record(1, "alice", "One"))
    engine.tick()
    chain.posts[("alice", "p1")].update(net_rshares=5_000_000, json_metadata=json.dumps(
        {"app": "wp-steem-bridge/1", "tags": ["life"], "canonical_url": "http://wp/p1"}))
    source.put(tombstone(SourceRef("wp", "t", "post", "1"), "2026-01-01T03:00:00", "One"))
    report = engine.tick()
    assert report.kept == 1 and sink.meta[1]["steem_status"] == "tombstoned"
    assert "net positive votes" in sink.meta[1]["steem_error"]
    chain.advance(10)
    engine.tick()  # the tombstone edit goes out
    post = chain.posts[("alice", "p1")]
    assert (post["title"], post["body"]) == ("Removed by the author",
                                             "This post was removed by its author.")
    assert json.loads(post["json_metadata"]) == {"app": "wp-steem-bridge/1", "tags": ["life"]}
    calls = chain.broadcast_calls
    chain.advance(10)
    engine.tick()
    assert chain.broadcast_calls == calls  # once
    assert statuses(store).get(IntentStatus.CONFIRMED.value) == 2
    # published again (a new post id is not needed: the same one comes back): its text returns
    source.put(record(1, "alice", "One", "2026-01-01T05:00:00"))
    chain.advance(10)
    engine.tick()
    assert chain.posts[("alice", "p1")]["body"] == "<p>One body</p>"
    assert sink.meta[1]["steem_status"] == "published"
