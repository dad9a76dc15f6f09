"""Points -> sidechain tokens through the real engine, store and dispatcher, on the fake chain and
its Steem-Engine ``tokens`` contract: conversion, caps, unlinked members, deletions before and
after payment, a refusal per entry, the treasury's balance, and a crash at every step of a
payout (no entry paid twice, none lost)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import bridge.dispatch
from bridge.dispatch import Dispatcher
from bridge.engine import Engine
from bridge.kinds import Authority
from bridge.model import IntentStatus, MappingContext, PointEvent
from bridge.points_stream import PointsBalances, PointsStream
from bridge.ports import PointsPage
from bridge.report import TickReport
from bridge.status import render_status
from bridge.store import StateStore
from bridge.store.points import PointsLedger
from bridge.writeback import WriteBack
from mappings.tokens import CUSTOM_JSON_MAX_BYTES, PayoutRules
from tests.support.fake_chain import FakeChain
from tests.support.fake_sidechain import FakeSidechainTokens, Token

ISSUER_WIF = "5K-issuer-active"
RULES = PayoutRules(site="demo", symbol="PTS", precision=3, rate=Decimal("0.5"),
                    account="issuer", refs=("publishing_content", "approved_comment",
                                            "checkin"))


@dataclass
class Feed:
    """The plugin's points feed, in memory."""

    events: list[PointEvent] = field(default_factory=list)
    balances: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, entry: str, user: int, points: str, ref: str = "publishing_content",
            account: str = "", event: str = "add", ctype: str = "mycred_default") -> None:
        self.events.append(PointEvent(len(self.events) + 1, entry, event, user, points, ctype,
                                      ref, "2026-01-01T00:00:00", account))

    def point_events(self, after: int, limit: int) -> PointsPage:
        found = [e for e in self.events if e.seq > after][:limit]
        return PointsPage(tuple(found), found[-1].seq if found else after)

    def write_token_balances(self, balances: list[dict[str, Any]]) -> None:
        for item in balances:
            self.balances[item["user_id"]] = item


class NoWriter:
    def write_meta(self, writes: Any) -> list[Any]:
        return [None for _ in writes]


@dataclass
class World:
    path: Path
    chain: FakeChain
    feed: Feed
    rules: PayoutRules
    linked: dict[str, int] = field(default_factory=dict)
    now: datetime = datetime(2026, 1, 1, 12, tzinfo=UTC)

    def engine(self) -> tuple[Engine, PointsStream, StateStore]:
        store = StateStore(self.path, site="demo")
        keys = sys.modules[__name__]._keys  # (a test may take the key away)
        dispatcher = Dispatcher(store, self.chain, keys, sidechain=self.chain,
                                confirm_timeout=0)
        points = PointsStream(store, self.feed, self.rules, FakeSidechainTokens(self.chain.sidechain),
                              linked_accounts=lambda: dict(self.linked), clock=lambda: self.now)
        dispatcher.hooks["points"] = points
        context = MappingContext("demo", "https://x", "X", "2026-01-01T00:00:00")
        engine = Engine(store, [], dispatcher, WriteBack(store, NoWriter()),  # type: ignore[arg-type]
                        lambda: context, inbound=[PointsBalances(points)], ledgers=[points])
        return engine, points, store

    def sync(self, ticks: int = 2) -> TickReport:
        """A tick (send), blocks pass (the sidechain's two-block lag), a tick (confirm)."""
        report = TickReport()
        for _ in range(ticks):
            engine, _, store = self.engine()
            try:
                report = engine.tick()
            finally:
                store.close()
            self.chain.advance(9)
        return report

    def balance(self, account: str) -> Decimal:
        return self.chain.sidechain.balances.get((account, "PTS"), Decimal(0))

    def actions(self) -> list[dict[str, Any]]:
        """Every tokens action the chain carried, in order."""
        found = []
        for tx in self.chain.applied:
            for name, payload in tx["ops"]:
                if name == "custom_json":
                    found += json.loads(payload["json"])
        return found

    def ledger(self) -> dict[str, str]:
        store = StateStore(self.path, site="demo")
        try:
            rows = store.db.execute("SELECT entry_id, status FROM point_entries").fetchall()
            return {r["entry_id"]: r["status"] for r in rows}
        finally:
            store.close()


def _keys(account: str, authority: Authority) -> str | None:
    return ISSUER_WIF if (account, authority) == ("issuer", Authority.ACTIVE) else None


@pytest.fixture
def world(tmp_path: Path) -> World:
    chain = FakeChain(keys={})
    chain.create_account("issuer", "5K-issuer-posting", ISSUER_WIF)
    chain.sidechain.tokens["PTS"] = Token("issuer", 3, Decimal(1_000_000))
    return World(tmp_path / "state.db", chain, Feed(), RULES)


def test_eligible_points_become_tokens_exactly_once(world: World) -> None:
    feed = world.feed
    feed.add("mycred:1", 1, "10", account="alice")  # 5.000
    feed.add("mycred:2", 2, "3", "approved_comment", account="bob")  # 1.500
    feed.add("mycred:3", 1, "5", "steem_vote", account="alice")  # the bridge's own: never
    feed.add("mycred:4", 1, "7", "logging_in", account="alice")  # a reason not counted
    feed.add("mycred:5", 2, "-4", "approved_comment", account="bob")  # a deduction
    feed.add("gamipress:1", 1, "1.001", "checkin", account="alice")  # 0.5005 -> 0.500
    feed.add("mycred:6", 3, "8", account="")  # carol is not linked yet: held

    world.sync()
    assert world.balance("alice") == Decimal("5.500") and world.balance("bob") == Decimal("1.5")
    assert world.ledger() == {"mycred:1": "paid", "mycred:2": "paid", "mycred:3": "ignored",
                              "mycred:4": "ignored", "mycred:5": "ignored",
                              "gamipress:1": "paid", "mycred:6": "held"}
    (batch,) = [tx for tx in world.chain.applied]  # one transaction for every payout
    (op,) = batch["ops"]
    assert op[1]["required_auths"] == ["issuer"] and op[1]["id"] == "ssc-mainnet1"
    memos = sorted(a["contractPayload"]["memo"] for a in world.actions())
    assert memos == ["wpsb:demo:gamipress:1,mycred:1", "wpsb:demo:mycred:2"]
    assert {a["contractAction"] for a in world.actions()} == {"issue"}
    assert {u: b["balance"] for u, b in feed.balances.items()} == {1: "5.500", 2: "1.500"}

    applied = len(world.chain.applied)
    world.sync()  # again: nothing changes
    assert len(world.chain.applied) == applied

    world.linked["carol"] = 3  # carol links her account: her held points are paid
    world.sync()
    assert world.balance("carol") == Decimal("4") and world.ledger()["mycred:6"] == "paid"
    assert world.balance("alice") == Decimal("5.5")


def test_daily_caps_hold_the_rest_until_the_next_day(world: World) -> None:
    world.rules = replace(RULES, member_daily_cap=Decimal("6"), site_daily_cap=Decimal("9"))
    for n in range(1, 6):
        world.feed.add(f"mycred:{n}", 1, "4", account="alice")  # 2.000 each
    for n in range(6, 11):
        world.feed.add(f"mycred:{n}", 2, "4", account="bob")
    world.sync()
    assert world.balance("alice") == 6 and world.balance("bob") == 2  # site cap 9: 6 + 2
    world.sync()
    assert world.balance("alice") + world.balance("bob") == 8  # still the same day
    world.now += timedelta(days=1)
    world.chain.now += timedelta(days=1)
    world.sync()
    assert world.balance("alice") == 10 and world.balance("bob") == 6  # site cap: 4 + 4
    world.now += timedelta(days=1)
    world.chain.now += timedelta(days=1)
    world.sync()
    assert world.balance("alice") == 10 and world.balance("bob") == 10


def test_a_cap_lowered_after_planning_holds_the_batch_at_signing(world: World) -> None:
    world.feed.add("mycred:1", 1, "20", account="alice")  # 10.000
    engine, points, store = world.engine()
    points.ingest(TickReport())
    points.plan(TickReport())
    store.close()
    world.rules = replace(RULES, member_daily_cap=Decimal("5"))
    world.sync(1)
    assert world.chain.applied == []
    store = StateStore(world.path, site="demo")
    (row,) = store.db.execute("SELECT status, reason, not_before FROM intents").fetchall()
    assert row["status"] == "scheduled" and "daily cap" in row["reason"]
    assert row["not_before"] == "2026-01-02T00:00:00"
    store.close()


def test_deleted_before_sending_is_cancelled_after_paying_is_a_visible_correction(
        world: World) -> None:
    world.feed.add("mycred:1", 1, "10", account="alice")
    world.feed.add("mycred:2", 1, "4", account="alice")
    engine, points, store = world.engine()
    points.ingest(TickReport())
    points.plan(TickReport())  # batched, not signed
    store.close()
    world.feed.add("mycred:2", 1, "4", account="alice", event="delete")
    world.sync()
    assert world.balance("alice") == 5
    assert world.ledger() == {"mycred:1": "paid", "mycred:2": "cancelled"}
    world.feed.add("mycred:1", 1, "10", account="alice", event="delete")
    world.sync()
    assert world.balance("alice") == 5  # never clawed back
    assert world.ledger()["mycred:1"] == "reversed"
    store = StateStore(world.path, site="demo")
    (problem,) = [p for p in store.problems() if p["stage"] == "points correction"]
    assert "after it was paid" in problem["reason"] and "stay with @alice" in problem["reason"]
    store.close()


def test_a_refused_action_fails_its_entries_only_and_retry_pays_them(world: World) -> None:
    world.feed.add("mycred:1", 1, "10", account="alice")
    world.feed.add("mycred:2", 2, "10", account="x")  # "invalid to" on the sidechain
    world.sync()
    assert world.balance("alice") == 5
    assert world.ledger() == {"mycred:1": "paid", "mycred:2": "refused"}
    store = StateStore(world.path, site="demo")
    (problem,) = [p for p in store.problems() if p["stage"] == "points payout"]
    assert "invalid to" in problem["reason"] and "points retry" in problem["reason"]
    assert store.outbox.count_by_status() == {"confirmed": 1}  # never sent again as a whole
    text = render_status(store)
    assert "points -> tokens: 1 paid, 1 refused" in text
    assert "mycred:2" in text and "invalid to" in text and "points retry" in text
    store.close()
    world.sync()
    assert world.balance("alice") == 5 and len(world.chain.applied) == 1

    store = StateStore(world.path, site="demo")  # `wp-steem-bridge points retry`
    with store.transaction():
        assert PointsLedger(store.db, "demo").retry_refused() == 1
    assert [p for p in store.problems() if p["stage"] == "points payout"] == []
    store.close()
    world.sync()  # a new batch for the entry alone (the first one is never sent again)
    assert len(world.chain.applied) == 2 and world.balance("alice") == 5
    assert [a["contractPayload"]["memo"] for a in world.actions()][-1] == "wpsb:demo:mycred:2"


def test_a_treasury_too_low_waits_visibly_and_pays_once_topped_up(world: World) -> None:
    world.rules = replace(RULES, mode="transfer")
    world.chain.sidechain.balances[("issuer", "PTS")] = Decimal("3")
    world.feed.add("mycred:1", 1, "10", account="alice")
    world.sync()
    assert world.balance("alice") == 0 and world.chain.applied == []
    store = StateStore(world.path, site="demo")
    (problem,) = [p for p in store.problems() if p["stage"] == "points funding"]
    assert "treasury @issuer holds 3 PTS, the next batch needs 5.000" in problem["reason"]
    store.close()
    world.chain.sidechain.balances[("issuer", "PTS")] = Decimal("100")
    world.chain.now += timedelta(minutes=11)
    world.sync()
    assert world.balance("alice") == 5 and world.balance("issuer") == 95
    store = StateStore(world.path, site="demo")
    assert [p for p in store.problems() if p["stage"] == "points funding"] == []
    store.close()


def test_many_members_are_paid_in_few_transactions_within_the_limits(world: World) -> None:
    for n in range(1, 401):
        world.feed.add(f"mycred:{n}", n, "2", account=f"member-{n:03d}")
    world.sync()
    assert all(world.balance(f"member-{n:03d}") == 1 for n in range(1, 401))
    txs = world.chain.applied
    assert len(txs) < 400 / 40
    for tx in txs:
        assert len(tx["ops"][0][1]["json"].encode()) <= CUSTOM_JSON_MAX_BYTES


class Crash(BaseException):
    """A power cut at a checkpoint: nothing after it runs, nothing is cleaned up."""


@pytest.mark.parametrize("step", ["after-sign", "after-broadcast", "before-confirm"])
def test_a_crash_at_each_step_of_a_payout_pays_every_entry_once(
        world: World, step: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(1, 31):
        world.feed.add(f"mycred:{n}", n % 4, "3", account=f"member-{n % 4}")

    def crash(reached: str) -> None:
        if reached == step:
            raise Crash(step)

    monkeypatch.setattr(bridge.dispatch, "checkpoint", crash)
    with pytest.raises(Crash):
        world.sync(3)  # the crash comes in the tick that reaches the step
    monkeypatch.setattr(bridge.dispatch, "checkpoint", lambda reached: None)
    world.sync(3)
    expected = {f"member-{m}": Decimal("1.5") * len([n for n in range(1, 31) if n % 4 == m])
                for m in range(4)}
    assert {a: world.balance(a) for a in expected} == expected
    issued = [a for a in world.actions() if a["contractAction"] == "issue"]
    entries = [e for a in issued for e in a["contractPayload"]["memo"].split(":", 2)[2].split(",")]
    assert len(entries) == len(set(entries)) == 30  # each entry paid once
    assert set(world.ledger().values()) == {"paid"}


def test_without_the_active_key_the_batch_fails_visibly_and_retry_sends_it_once(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.feed.add("mycred:1", 1, "10", account="alice")
    monkeypatch.setattr(sys.modules[__name__], "_keys", lambda account, authority: None)
    world.sync()
    store = StateStore(world.path, site="demo")
    (failed,) = store.outbox.rows(IntentStatus.FAILED)
    assert "no active key for @issuer: set WPSB_ACTIVE_KEY_ISSUER" in (failed.reason or "")
    assert world.ledger() == {"mycred:1": "batched"}  # still its batch's, never planned again
    monkeypatch.undo()
    with store.transaction():
        assert store.outbox.retry_failed() == 1  # `wp-steem-bridge retry --failed`
    store.close()
    world.sync()
    assert world.balance("alice") == 5 and len(world.chain.applied) == 1


def test_hive_engine_batches_go_one_per_block(world: World) -> None:
    world.rules = replace(RULES, sidechain_id="ssc-mainnet-hive", max_actions=20)
    world.chain.sidechain.sidechain_id = "ssc-mainnet-hive"
    for n in range(1, 61):
        world.feed.add(f"mycred:{n}", n, "2", account=f"member-{n:03d}")
    report = world.sync(1)
    assert len(world.chain.applied) == 1 and report.scheduled >= 2  # the others wait a block
    world.sync(6)
    assert len(world.chain.applied) == 3
    blocks = [world.chain.txs[tx_id] for tx_id in world.chain.txs]
    assert len(set(blocks)) == 3
    assert all(world.balance(f"member-{n:03d}") == 1 for n in range(1, 61))


@dataclass
class SmtChain(FakeChain):
    """The fake chain with SMT ``transfer`` (NAI amounts) from a funded treasury."""

    smt: dict[str, int] = field(default_factory=dict)  # account -> satoshis of the one SMT

    def _apply(self, name: str, payload: dict[str, Any]) -> None:
        if name != "transfer":
            super()._apply(name, payload)
            return
        satoshis = int(payload["amount"]["amount"])
        if self.smt.get(payload["from"], 0) < satoshis:
            from connectors.failures import rpc_error

            raise rpc_error("Insufficient SMT funds")
        self.smt[payload["from"]] -= satoshis
        self.smt[payload["to"]] = self.smt.get(payload["to"], 0) + satoshis


def test_smt_output_pays_by_transfer_confirmed_by_its_block(tmp_path: Path) -> None:
    """``[points] output = "smt"``: the same ledger, caps and batching, paid as one SMT
    ``transfer`` per member (mappings/smt_payout.py SmtOutput), confirmed by the block alone."""
    from mappings.smt_payout import SmtOutput

    chain = SmtChain(keys={})
    chain.create_account("issuer", "5K-issuer-posting", ISSUER_WIF)
    chain.smt["issuer"] = 1_000_000
    world = World(tmp_path / "state.db", chain, Feed(), replace(RULES, mode="transfer"))
    for n in range(1, 8):
        world.feed.add(f"mycred:{n}", n % 3, "3", account=f"member-{n % 3}")
    output = SmtOutput(site="demo", treasury="issuer", nai="@@422838704", precision=3)
    for _ in range(2):
        engine, points, store = world.engine()
        points.output, points.tokens = output, None  # as app.py builds it for output = "smt"
        engine.dispatcher.sidechain = None
        report = engine.tick()
        store.close()
        assert report.problems == [], report.problems
        chain.advance(9)
    assert {a: s for a, s in chain.smt.items() if a != "issuer"} == {
        "member-0": 3000, "member-1": 4500, "member-2": 3000}
    (tx,) = chain.applied
    assert [op[0] for op in tx["ops"]] == ["transfer"] * 3
    assert set(world.ledger().values()) == {"paid"}
