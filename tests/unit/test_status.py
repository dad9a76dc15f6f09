"""``status``: plain-text tables a person reads (also in cron mail), and ``status --json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bridge.cli import main as cli_main
from bridge.model import MappingContext, Skip
from bridge.status import collect_status, render_status
from bridge.store import StateStore
from deploy.devstack.localstack import write_bridge_config
from tests.engine.test_engine import (
    KEYS,
    ListSource,
    MetaSink,
    build_engine,
    record,
    simple_mapper,
)
from tests.support.fake_chain import FakeChain


@pytest.fixture
def busy_store(tmp_path: Path) -> StateStore:
    """One confirmed post and one scheduled behind it (alice), one failed (bob: wrong key), one
    deferred post (no account yet), and a poll problem from a later tick."""
    store = StateStore(str(tmp_path / "state.db"))
    chain = FakeChain(keys=dict(KEYS, bob="5K-the-real-one"))
    source = ListSource()

    def mapper(post, ctx, link):
        if not post.author_account:
            return Skip(post.source, "no steem_account", terminal=False)
        return simple_mapper(post, ctx, link)

    engine = build_engine(store, chain, source, MetaSink(),
                          lambda: MappingContext(site_id="t", site_url="http://wp",
                                                 site_name="T", now="2026-01-01T00:00:00"),
                          mapper)
    source.put(record(1, "alice", "One", "2026-01-01T00:00:01"))
    source.put(record(2, "alice", "Two", "2026-01-01T00:00:02"))
    source.put(record(3, "bob", "Three", "2026-01-01T00:00:03"))
    source.put(record(4, "", "Four", "2026-01-01T00:00:04"))
    engine.tick()
    source.put(record(5, "alice", "Five", "2026-01-01T00:00:05"))
    source.fail_after = 0
    engine.tick()
    yield store
    store.close()


def test_status_lays_each_section_out_as_a_plain_table(busy_store: StateStore) -> None:
    text = render_status(busy_store)
    assert "\x1b[" not in text  # no colors: cron mail shows it as it is
    lines = text.splitlines()
    failed = lines.index("failed (fix the cause, then run `wp-steem-bridge retry --failed`):")
    assert lines[failed + 1].split() == ["intent", "account", "reason"]
    assert "@bob" in lines[failed + 2] and "missing required posting authority" in lines[failed + 2]
    scheduled = lines.index("scheduled:")
    assert lines[scheduled + 1].split()[:2] == ["intent", "account"]
    assert "not before (chain time)" in lines[scheduled + 1]
    assert "@alice" in lines[scheduled + 2]
    header = lines[lines.index("cursors:") + 1]
    assert header.split() == ["source", "position", "updated"]
    assert "no steem_account" in text and "tick [poll, transient] listing posts: HTTP 503" in text
    # the columns line up under their headers
    assert lines[failed + 2].index("@bob") == lines[failed + 1].index("account")


def test_status_json_has_what_a_script_needs(busy_store: StateStore) -> None:
    data = json.loads(json.dumps(collect_status(busy_store)))
    assert data["queue"] == {"confirmed": 1, "failed": 1, "scheduled": 1}
    (scheduled,) = data["scheduled"]
    assert scheduled["account"] == "alice" and scheduled["until"] and scheduled["reason"]
    (failed,) = data["failed"]
    assert failed["account"] == "bob" and "missing required posting authority" in failed["reason"]
    assert [d["reason"] for d in data["deferred"]] == ["no steem_account"]
    assert any(p["stage"] == "poll" and p["failure_class"] == "transient"
               for p in data["problems"])
    assert data["last_tick"]["summary"].startswith("0 polled")
    (cursor,) = data["cursors"]
    assert cursor["position"] == {"modified": "2026-01-01T00:00:04"}


def test_status_json_from_the_command_line(tmp_path: Path, busy_store: StateStore) -> None:
    config = _config(tmp_path, busy_store)
    result = CliRunner().invoke(cli_main, ["--config", str(config), "status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"cursors", "queue", "scheduled", "failed", "deferred", "problems",
                         "last_tick"}
    assert data["queue"]["failed"] == 1


def _config(tmp_path: Path, store: StateStore) -> Path:
    keys_file = tmp_path / "keys.toml"
    keys_file.write_text('alice = "5K-alice"\n')
    keys_file.chmod(0o600)
    site: dict[str, Any] = {"url": "http://127.0.0.1:9", "admin_user": "bridge",
                            "app_password": "pw", "name": "t"}
    return write_bridge_config(tmp_path, site, "http://127.0.0.1:9", keys_file,
                               Path(str(store.path)))
