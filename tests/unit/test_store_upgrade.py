"""Upgrading a state store written by an earlier release, and refusing one from a later release.

The old schemas are the exact SQL text of earlier releases (tests/fixtures/schema/, with the
commits they come from). Each test builds a store from one of them, fills it with the rows such a
release wrote (an intent in each status, links, problems, write-backs, mirror rows, deferred
records, cursors), opens it with today's StateStore and runs an engine tick over it: everything
stays readable and nothing already on chain is published again.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import UserError
from bridge.model import IntentStatus, MappingContext, SourceRef, content_hash
from bridge.store import StateStore
from bridge.store.db import connect
from bridge.store.schema import SCHEMA_VERSION
from deploy.devstack.localstack import write_bridge_config
from tests.engine.test_engine import KEYS, ListSource, MetaSink, build_engine, record
from tests.support.fake_chain import FakeChain

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "schema"
REPO_ROOT = Path(__file__).resolve().parents[2]
T0 = "2026-01-01T00:00:00"
PAST = "2025-12-31T23:00:00"


def old_store(target: str, version: int) -> None:
    """A store exactly as release ``version`` left it, with that release's rows."""
    db = connect(target)
    sql = (SCHEMAS / f"v{version}.sql").read_text().replace("{autoid}", db.autoid)
    code = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    with db.transaction():
        for statement in filter(str.strip, code.split(";")):
            db.execute(statement)
        for table, rows in old_rows(version).items():
            for row in rows:
                columns = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                           tuple(row.values()))
    db.close()


def _comment(author: str, permlink: str, title: str) -> list[Any]:
    return [["comment", {"parent_author": "", "parent_permlink": "blog", "author": author,
                         "permlink": permlink, "title": title, "body": f"<p>{title} body</p>",
                         "json_metadata": "{}"}]]


def _intent(n: int, kind: str, author: str, status: str, **extra: Any) -> dict[str, Any]:
    title = f"Post {n}"
    row = {"key": f"{kind}:wp:t:post:{n}:{status}", "kind": kind, "account": author,
           "source_ref": f"wp:t:post:{n}", "operations": json.dumps(_comment(author, f"p{n}",
                                                                              title)),
           "body_hash": _hash(title), "author": author, "permlink": f"p{n}", "title": title,
           "notes": "[]", "status": status, "attempts": 0, "created_at": T0, "updated_at": T0}
    row.update(extra)
    return row


def _hash(title: str) -> str:
    """The body hash tests.engine.test_engine.simple_mapper gives a post with this title."""
    return content_hash([title, f"<p>{title} body</p>"])


def _link(n: int, author: str, state: str, tx_id: str = "", block: int = 0) -> dict[str, Any]:
    return {"source_ref": f"wp:t:post:{n}", "author": author, "permlink": f"p{n}",
            "category": "blog", "body_hash": _hash(f"Post {n}"), "tx_id": tx_id,
            "block_num": block, "state": state, "updated_at": T0}


def old_rows(version: int) -> dict[str, list[dict[str, Any]]]:
    """What a site's store held after some weeks of an earlier release."""
    signed = {"tx_id": "ab" * 20, "tx_expiration": PAST, "attempts": 1,
              "signed_tx": json.dumps({"ref_block_num": 1, "expiration": PAST,
                                       "operations": _comment("bob", "p3", "Post 3")})}
    intents = [
        _intent(1, "create_post", "alice", "confirmed", tx_id="c1" * 20, block_num=5),
        _intent(1, "edit_post", "alice", "superseded", reason="replaced by a newer edit"),
        _intent(2, "create_post", "alice", "pending"),
        _intent(3, "create_post", "bob", "signed", **signed),
        _intent(4, "create_post", "bob", "broadcast", **dict(signed, tx_id="cd" * 20)),
        _intent(5, "create_post", "carol", "scheduled", not_before="2026-01-02T00:00:00",
                reason="one root post per 5 minutes"),
        _intent(6, "create_post", "alice", "failed", failure_class="terminal",
                reason="body too large for a comment"),
    ]
    links = [_link(1, "alice", "on_chain", "c1" * 20, 5), _link(2, "alice", "reserved"),
             _link(3, "bob", "reserved"), _link(4, "bob", "reserved"),
             _link(5, "carol", "reserved"), _link(6, "alice", "reserved")]
    rows: dict[str, list[dict[str, Any]]] = {
        "intents": intents,
        "links": links,
        "problems": [{"source_ref": "wp:t:post:6", "stage": "dispatch",
                      "failure_class": "terminal", "reason": "body too large for a comment",
                      "first_seen": T0, "last_seen": T0, "count": 3},
                     {"source_ref": "wp:t:post:8", "stage": "map", "failure_class": "skip",
                      "reason": "no Steem account for author 7", "first_seen": T0,
                      "last_seen": T0, "count": 1}],
        "writebacks": [{"source_ref": "wp:t:post:1", "object_id": 1, "status": "pending",
                        "payload": json.dumps({"steem_permlink": "p1",
                                               "steem_status": "published"}),
                        "attempts": 1, "reason": "HTTP 503", "updated_at": T0}],
        "cursors": [{"source": "wp:t:posts", "value": json.dumps({"modified": T0}),
                     "updated_at": T0}],
    }
    if version >= 2:
        intents.append(_intent(7, "delete_post", "alice", "kept_on_chain",
                               reason="a post with replies cannot be deleted"))
        links.append(_link(7, "alice", "on_chain", "ee" * 20, 4))
        rows["mirror"] = [{"kind": "post@t", "key": "alice/p1", "wp_id": 1, "block": 9,
                           "written": json.dumps({"steem_vote_count": 2}),
                           "data": json.dumps({"payout_seen": False}), "updated_at": T0}]
        rows["deferred"] = [{"source_ref": "wp:t:post:9", "source_name": "wp:t:posts",
                             "object_id": 9, "reason": "publish delay",
                             "retry_at": "2026-01-03T00:00:00", "updated_at": T0}]
        rows["cursors"].append({"source": "mirror:chain@t", "value": json.dumps({"block": 9}),
                                "updated_at": T0})
    return rows


@pytest.fixture
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        yield str(tmp_path / "state.db")
        return
    from tests.support.postgres import fresh_schema

    with fresh_schema() as url:
        yield url


def _open_and_tick(target: str, version: int) -> None:
    store = StateStore(target, site="t")
    assert store.schema_version() == SCHEMA_VERSION
    # every row reads back through today's accessors
    entries = {(e.source.object_id, e.status) for e in store.outbox.rows(*IntentStatus)}
    expected = {(str(r["source_ref"]).rsplit(":", 1)[1], IntentStatus(r["status"]))
                for r in old_rows(version)["intents"]}
    assert entries == expected
    assert store.get_link(SourceRef.parse("wp:t:post:1")).permlink == "p1"
    assert {p["source_ref"] for p in store.problems()} == {"wp:t:post:6", "wp:t:post:8"}
    assert [w["object_id"] for w in store.pending_writebacks()] == [1]
    assert json.loads(store.get_cursor("wp:t:posts")) == {"modified": T0}
    if version >= 2:
        assert json.loads(store.mirror_rows("post")["alice/p1"]["written"]) == {
            "steem_vote_count": 2}
        assert [d["object_id"] for d in store.deferred()] == [9]

    chain = FakeChain(keys=dict(KEYS))
    chain.posts[("alice", "p1")] = {"author": "alice", "permlink": "p1", "title": "Post 1"}
    chain.txs["c1" * 20] = 5
    chain.block_num = 10
    source, sink = ListSource(), MetaSink()
    source.put(record(1, "alice", "Post 1", T0))  # read again: the poll window overlaps
    context = MappingContext(site_id="t", site_url="http://wp", site_name="T", now=T0)
    engine = build_engine(store, chain, source, sink, lambda: context)
    report = engine.tick()

    published = [op[1]["permlink"] for tx in chain.applied for op in tx["ops"]]
    assert "p1" not in published, "a post already on chain was published again"
    assert {"p2", "p3"} <= set(published)
    assert sink.meta[1]["steem_permlink"] == "p1"  # the old pending write-back went out
    counts = store.outbox.count_by_status()
    assert counts["failed"] == 1 and counts["superseded"] == 1 and counts["scheduled"] >= 1
    assert not report.terminal_problems
    store.close()


# Version 1 existed only as a SQLite file (the PostgreSQL store came with version 2).
@pytest.mark.parametrize(("target", "version"), [("sqlite", 1), ("sqlite", 2), ("postgres", 2)],
                         indirect=["target"])
def test_store_of_an_earlier_release_opens_and_syncs(target: str, version: int) -> None:
    old_store(target, version)
    _open_and_tick(target, version)


def test_store_of_a_later_release_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    old_store(str(path), 2)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value=? WHERE key='schema_version'",
                     (str(SCHEMA_VERSION + 1),))
    with pytest.raises(UserError) as caught:
        StateStore(path)
    message = caught.value.render()
    assert f"schema {SCHEMA_VERSION + 1}" in message and "upgrade wp-steem-bridge" in message
    assert "pip install" in message  # the next command
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert "records" not in tables and version == (str(SCHEMA_VERSION + 1),)


def test_cli_names_a_later_store_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    old_store(str(path), 2)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    keys = tmp_path / "keys.toml"
    keys.write_text('alice = "5Kxxxx"\n')
    keys.chmod(0o600)
    site = {"url": "http://127.0.0.1:9", "admin_user": "admin", "app_password": "x" * 24,
            "name": "t"}
    config = write_bridge_config(tmp_path, site, "http://127.0.0.1:9", keys, path)
    result = subprocess.run([sys.executable, "-m", "bridge.cli", "--config", str(config),
                             "status"], capture_output=True, text=True, timeout=60,
                            cwd=REPO_ROOT)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "RuntimeError" not in result.stderr
    assert "schema 99" in result.stderr and "pip install" in result.stderr
