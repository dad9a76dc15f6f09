"""Anchor-only mode through the engine: the ledger feed (a fake ``LedgerEntries``) becomes one
``custom_json`` per period with the root of the entries since the last anchor, each naming the
previous root; the posting key signs, the block confirms, nothing is anchored twice."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bridge.anchor import anchor_stream
from bridge.dispatch import Dispatcher
from bridge.engine import Engine
from bridge.model import MappingContext
from bridge.ports import LedgerEntry
from bridge.store import StateStore
from bridge.writeback import WriteBack
from mappings.anchor import ledger_root, verify_anchor
from tests.engine.test_engine import MetaSink
from tests.support.fake_chain import FakeChain


class Ledger:
    def __init__(self) -> None:
        self.entries: list[LedgerEntry] = []

    def add(self, n: int) -> None:
        self.entries.append(LedgerEntry(str(n), {"id": str(n), "user_id": 3, "creds": n, "ref": "publishing"}))

    def entries_after(self, entry_id: str, limit: int) -> Sequence[LedgerEntry]:
        start = int(entry_id or 0)
        return [e for e in self.entries if int(e.entry_id) > start][:limit]


def test_anchors_chain_roots_once_per_period(tmp_path) -> None:
    store, chain, ledger = StateStore(str(tmp_path / "s.db")), FakeChain(keys={}), Ledger()
    chain.create_account("community", "5K-community-posting")
    clock = {"now": datetime(2026, 1, 1, tzinfo=UTC)}
    stream = anchor_stream(ledger, "t", "community", timedelta(hours=1), lambda: clock["now"])
    dispatcher = Dispatcher(store, chain, lambda account, authority: chain.keys.get(account), confirm_timeout=0)
    engine = Engine(store, [stream], dispatcher, WriteBack(store, MetaSink()),
                    lambda: MappingContext(site_id="t", site_url="http://wp", site_name="T", now="2026-01-01T00:00:00"))
    for n in range(1, 4):
        ledger.add(n)
    engine.tick()
    engine.tick()  # same period, nothing new: no second anchor
    ledger.add(4)
    engine.tick()  # a new entry inside the period waits for the period's end
    assert len(chain.applied) == 1
    clock["now"] += timedelta(hours=1)
    engine.tick()
    anchors = [json.loads(tx["ops"][0][1]["json"]) for tx in chain.applied]
    assert [a["count"] for a in anchors] == [3, 1] and anchors[1]["prev"] == anchors[0]["root"]
    assert chain.applied[0]["ops"][0][1]["required_posting_auths"] == ["community"]
    first = [e.data for e in ledger.entries[:3]]
    assert anchors[0]["root"] == ledger_root(first) and verify_anchor(first, anchors[0]) == []
    assert store.outbox.count_by_status() == {"confirmed": 2}
    store.close()
