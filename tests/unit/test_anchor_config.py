"""``[anchor]`` (anchor-only mode) read from the config with each mistake named; the points feed
seen as ``LedgerEntries`` (paged, the member's current account not hashed); verify-anchor naming
the entries that differ from an earlier export."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bridge.anchor import FeedLedger
from bridge.app import build_app
from bridge.config import load_settings
from bridge.errors import ConfigError
from bridge.model import PointEvent
from bridge.ports import PointsPage
from mappings.anchor import changed_entries
from tests.unit.test_config import full_config


def test_anchor_settings_come_from_the_config_and_add_the_stream(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    config.write_text(config.read_text() + '\n[anchor]\nenabled = true\naccount = "blog-ledger"\nevery = 30\n')
    settings = load_settings(str(config), env={})
    assert (settings.anchor.account, settings.anchor.every, settings.anchor.max_entries) == ("blog-ledger", 30, 5000)
    app = build_app(settings)
    try:
        source = app.engine.streams[-1].source
        assert source.name.endswith(":anchor") and source.every == timedelta(minutes=30)
    finally:
        app.close()
    other = tmp_path / "off"
    other.mkdir()
    assert not load_settings(str(full_config(other)), env={}).anchor.enabled


def test_bad_anchor_settings_are_each_named(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    config.write_text(config.read_text() + '\n[anchor]\nenabled = true\naccount = "No"\nevery = -1\n'
                                           'max_entries = 0\nevry = 3\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(str(config), env={})
    text = "\n".join(caught.value.problems)
    for expected in ("anchor.account", "anchor.every", "anchor.max_entries", "evry"):
        assert expected in text


class Feed:
    def __init__(self, n: int) -> None:
        self.events = [PointEvent(seq=s, entry_id=f"mycred:{s}", event="add", user_id=2, points="5",
                                  ctype="mycred_default", ref="publishing_content",
                                  happened="2026-01-01T00:00:00", account="alice" if s % 2 else "")
                       for s in range(1, n + 1)]
        self.calls: list[tuple[int, int]] = []

    def point_events(self, after: int, limit: int) -> PointsPage:
        self.calls.append((after, limit))
        found = tuple(e for e in self.events if e.seq > after)[:limit]
        return PointsPage(found, found[-1].seq if found else after)

    def write_token_balances(self, balances: object) -> None:
        raise AssertionError("the anchor never writes")


def test_the_feed_is_read_as_ledger_entries_in_pages() -> None:
    feed = Feed(12)
    ledger = FeedLedger(feed, page=5)
    found = ledger.entries_after("", 11)
    assert [e.entry_id for e in found] == [str(n) for n in range(1, 12)]
    assert feed.calls == [(0, 5), (5, 5), (10, 1)]
    assert found[0].data == {"id": "1", "entry": "mycred:1", "event": "add", "user_id": 2, "points": "5",
                             "ctype": "mycred_default", "ref": "publishing_content",
                             "happened": "2026-01-01T00:00:00"}
    assert [e.entry_id for e in ledger.entries_between(4, 9)] == [str(n) for n in range(4, 10)]
    assert ledger.entries_after("12", 5) == []
    feed.events[0] = PointEvent(1, "mycred:1", "add", 2, "5", "c", "r", "t", row=(("creds", "5"),))
    feed.events[1] = PointEvent(2, "mycred:2", "add", 2, "5", "c", "r", "t", row=())
    rows = [e.data.get("row") for e in ledger.entries_after("", 3)]
    assert rows == [{"creds": "5"}, {}, None]  # the myCRED row now; {} once it is gone


def test_changed_entries_are_named() -> None:
    before = [{"id": "1", "points": "5"}, {"id": "2", "points": "5"}, {"id": "3", "points": "1"}]
    now = [{"id": "1", "points": "5"}, {"id": "2", "points": "999"}, {"id": "4", "points": "1"}]
    assert changed_entries(before, now) == [
        'entry 2 changed: was {"id":"2","points":"5"}, now {"id":"2","points":"999"}',
        "entry 3 was removed", "entry 4 was added"]
