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


def test_an_anchor_on_the_devnet_is_checked_by_verify_anchor(tmp_path, devnet_tx_collector, request,
                                                              monkeypatch) -> None:
    """The anchor goes out through the real connector (posting key), lands in a block, and
    ``wp-steem-bridge verify-anchor --tx`` reads it back: the ledger matches; a rewritten entry fails."""
    from click.testing import CliRunner

    from bridge.cli import main
    from bridge.kinds import Authority
    from connectors.steem import SteemChain
    from devnet.server import start_devnet
    from tests.devnet.conftest import Client

    monkeypatch.setenv("HOME", str(tmp_path))
    handle = start_devnet()
    try:
        client = Client(handle)
        community = client.new_account("community")
        ledger = Ledger()
        for n in range(1, 8):
            ledger.add(n)
        store = StateStore(str(tmp_path / "s.db"))
        chain = SteemChain([handle.url], handle.chain.chain_id)
        keys = lambda account, authority: (  # noqa: E731
            client.keys[account]["posting"] if authority is Authority.POSTING else None)
        stream = anchor_stream(ledger, "t", community, timedelta(hours=1), lambda: datetime(2026, 1, 1, tzinfo=UTC))
        engine = Engine(store, [stream], Dispatcher(store, chain, keys, confirm_timeout=5),
                        WriteBack(store, MetaSink()),
                        lambda: MappingContext(site_id="t", site_url="http://wp", site_name="T",
                                               now="2026-01-01T00:00:00"))
        engine.tick()
        from bridge.model import IntentStatus

        (row,) = store.outbox.rows(IntentStatus.CONFIRMED)
        entries = tmp_path / "entries.jsonl"
        entries.write_text("".join(json.dumps(e.data) + "\n" for e in ledger.entries))
        args = ["verify-anchor", str(entries), "--tx", row.tx_id, "--node", handle.url,
                "--chain-id", handle.chain.chain_id]
        ok = CliRunner().invoke(main, args)
        assert ok.exit_code == 0, ok.output
        assert f"7 entries 1..7 match root {ledger_root([e.data for e in ledger.entries])}" in ok.output
        tampered = [dict(e.data) for e in ledger.entries]
        tampered[3]["creds"] = 4000
        entries.write_text("".join(json.dumps(e) + "\n" for e in tampered))
        bad = CliRunner().invoke(main, args)
        assert bad.exit_code == 1 and "an entry was changed, added or removed" in bad.output
        store.close()
    finally:
        devnet_tx_collector.add(handle, request.node.nodeid)
        handle.stop()
