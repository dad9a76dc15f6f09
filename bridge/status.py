"""``status``: what the bridge knows, from the state store alone (no network).

``collect_status`` gathers it once as plain data (what ``status --json`` prints);
``render_status`` lays the same data out for a person: plain-text tables (tabulate, no colors,
no terminal-width wrapping, so cron mail reads the same as a terminal) and one line per problem.
"""

from __future__ import annotations

import json
from typing import Any

from tabulate import tabulate

from bridge.model import IntentKind, IntentStatus
from bridge.store import StateStore
from bridge.store.points import PointsLedger

IN_PROGRESS = (IntentStatus.PENDING, IntentStatus.SIGNED, IntentStatus.BROADCAST)


def collect_status(store: StateStore) -> dict[str, Any]:
    """Cursors, the queue by status, scheduled/in-progress/failed intents, deferred posts,
    recorded problems and the last tick, as JSON-ready values."""
    outbox = store.outbox
    problems = [p for p in store.problems()
                if p["stage"] != "broadcast" and p["failure_class"] != "deferred"]
    return {
        "state": {"path": str(store.path), "schema": store.schema_version()},
        "last_tick": _last_tick(store.get_meta(store.scoped("last_tick"))),
        "cursors": [{"source": c["source"], "position": _parsed(c["value"]),
                     "updated_at": c["updated_at"]} for c in store.cursors()],
        "queue": dict(sorted(outbox.count_by_status().items())),
        "scheduled": [{"key": e.key, "account": e.account, "until": e.not_before,
                       "reason": e.reason} for e in outbox.rows(IntentStatus.SCHEDULED)],
        "in_progress": [{"key": e.key, "account": e.account, "status": e.status.value,
                         "tx_id": e.tx_id} for e in outbox.rows(*IN_PROGRESS)],
        "failed": [{"key": e.key, "account": e.account, "reason": e.reason}
                   for e in outbox.rows(IntentStatus.FAILED)],
        "deferred": [{"source_ref": d["source_ref"], "reason": d["reason"],
                      "retry_at": d["retry_at"]} for d in store.deferred()],
        "problems": [{"source_ref": p["source_ref"], "stage": p["stage"],
                      "failure_class": p["failure_class"], "reason": p["reason"],
                      "count": p["count"], "last_seen": p["last_seen"]} for p in problems],
        "points": _points(store),
        "anchor": _anchor(store),
    }


def _anchor(store: StateStore) -> dict[str, Any] | None:
    """The last ledger anchor (anchor-only mode): its transaction, block, root and entry range."""
    entry = store.outbox.latest(IntentKind.ANCHOR)
    if entry is None:
        return None
    payload = json.loads(entry.operations[0][1]["json"])
    return {"status": entry.status.value, "tx_id": entry.tx_id, "block": entry.block_num,
            "account": entry.account, "root": payload["root"], "prev": payload["prev"],
            "from": payload["from"], "to": payload["to"], "count": payload["count"]}


def _points(store: StateStore) -> dict[str, Any]:
    """The points -> tokens ledger: entries by state, and those waiting with why."""
    ledger = PointsLedger(store.db, store.site)
    return {"entries": dict(sorted(ledger.counts().items())),
            "waiting": [{"entry": w["entry_id"], "member": w["account"] or f"#{w['user_id']}",
                         "units": w["units"], "status": w["status"], "reason": w["reason"]}
                        for w in ledger.waiting()]}


def status_json(store: StateStore) -> str:
    return json.dumps(collect_status(store), indent=2, ensure_ascii=False)


def render_status(store: StateStore) -> str:
    data = collect_status(store)
    tick = data["last_tick"]
    lines = [f"state: {data['state']['path']} (schema {data['state']['schema']})",
             f"last tick: {_tick_text(tick) if tick else 'never'}", "", "cursors:"]
    lines += _table(["source", "position", "updated"],
                    [[c["source"], _position(c["position"]), c["updated_at"]]
                     for c in data["cursors"]]) or ["  (none yet)"]
    lines += ["", "queue: " + (", ".join(f"{n} {s}" for s, n in data["queue"].items())
                               or "empty")]
    lines += _section("scheduled:", ["intent", "account", "not before (chain time)", "reason"],
                      [[e["key"], "@" + e["account"], e["until"], e["reason"]]
                       for e in data["scheduled"]])
    lines += _section("in progress:", ["intent", "account", "status", "tx id"],
                      [[e["key"], "@" + e["account"], e["status"], e["tx_id"]]
                       for e in data["in_progress"]])
    lines += _section("failed (fix the cause, then run `wp-steem-bridge retry --failed`):",
                      ["intent", "account", "reason"],
                      [[e["key"], "@" + e["account"], e["reason"]] for e in data["failed"]])
    lines += _section("deferred (looked at again automatically):",
                      ["post", "next look (UTC)", "reason"],
                      [[d["source_ref"], d["retry_at"], d["reason"]] for d in data["deferred"]])
    points = data["points"]
    if points["entries"]:
        lines += ["", "points -> tokens: " + ", ".join(f"{n} {s}" for s, n in
                                                      points["entries"].items())]
        lines += _section("points waiting (refused: fix the cause, then run "
                          "`wp-steem-bridge points retry`; held: the member links an account):",
                          ["entry", "member", "units", "status", "reason"],
                          [[w["entry"], w["member"], w["units"], w["status"], w["reason"]]
                           for w in points["waiting"]])
    if data["anchor"]:
        a = data["anchor"]
        lines += ["", f"last anchor: entries {a['from']}..{a['to']} ({a['count']}) root {a['root']}, "
                      f"{a['status']} tx {a['tx_id'] or '-'} block {a['block'] or '-'} by @{a['account']}"]
    if data["problems"]:  # free text: one line each, the reason last and whole
        lines.append("problems:")
        lines += [f"  {p['source_ref']} [{p['stage']}, {p['failure_class']}] {p['reason']}"
                  f" (seen {p['count']}x, last {p['last_seen']})" for p in data["problems"]]
    return "\n".join(lines)


def _section(title: str, headers: list[str], rows: list[list[Any]]) -> list[str]:
    return [title, *_table(headers, rows)] if rows else []


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    """Rows under their headers, two spaces in; values shown as stored (no number parsing)."""
    if not rows:
        return []
    text = tabulate(rows, headers=headers, tablefmt="plain", disable_numparse=True,
                    missingval="-")
    return ["  " + line.rstrip() for line in text.splitlines()]


def _last_tick(value: str | None) -> dict[str, str] | None:
    """The engine stores ``<time> UTC: <summary>``."""
    if not value:
        return None
    at, sep, summary = value.partition(" UTC: ")
    return {"at": at + " UTC", "summary": summary} if sep else {"at": "", "summary": value}


def _tick_text(tick: dict[str, str]) -> str:
    return f"{tick['at']}: {tick['summary']}" if tick["at"] else tick["summary"]


def _parsed(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _position(parsed: Any) -> str:
    """``modified 2026-… date 2026-…`` for post cursors, ``block 1234`` for the mirror's."""
    if not isinstance(parsed, dict):
        return str(parsed)
    return " ".join(f"{k} {v}" for k, v in sorted(parsed.items()) if not isinstance(v, list | dict))
