"""``status``: what the bridge knows, from the state store alone (no network)."""

from __future__ import annotations

import json

from bridge.model import IntentStatus
from bridge.outbox import Outbox
from bridge.store import StateStore


def render_status(store: StateStore) -> str:
    outbox = Outbox(store)
    lines = [f"state: {store.path} (schema {store.schema_version()})",
             f"last tick: {store.get_meta(store.scoped('last_tick')) or 'never'}", "", "cursors:"]
    cursors = store.cursors()
    lines += [f"  {c['source']}: {_position(c['value'])} (updated {c['updated_at']})"
              for c in cursors] or ["  (none yet)"]
    counts = outbox.count_by_status()
    lines += ["", "queue: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                               or "empty")]
    scheduled = outbox.rows(IntentStatus.SCHEDULED)
    if scheduled:
        lines.append("scheduled:")
        lines += [f"  {e.key} @{e.account}: not before {e.not_before} chain time ({e.reason})"
                  for e in scheduled]
    pending = outbox.rows(IntentStatus.PENDING, IntentStatus.SIGNED, IntentStatus.BROADCAST)
    if pending:
        lines.append("in progress:")
        lines += [f"  {e.key} @{e.account}: {e.status.value}"
                  + (f" tx {e.tx_id}" if e.tx_id else "") for e in pending]
    failed = outbox.rows(IntentStatus.FAILED)
    if failed:
        lines.append("failed (fix the cause, then run `wp-steem-bridge retry --failed`):")
        lines += [f"  {e.key} @{e.account}: {e.reason}" for e in failed]
    deferred = store.deferred()
    if deferred:
        lines.append("deferred (looked at again automatically):")
        lines += [f"  {d['source_ref']}: {d['reason']} (next look {d['retry_at']} UTC)"
                  for d in deferred]
    problems = [p for p in store.problems()
                if p["stage"] != "broadcast" and p["failure_class"] != "deferred"]
    if problems:
        lines.append("problems:")
        lines += [f"  {p['source_ref']} [{p['stage']}, {p['failure_class']}] {p['reason']}"
                  f" (seen {p['count']}x, last {p['last_seen']})" for p in problems]
    return "\n".join(lines)


def _position(value: str) -> str:
    """``modified 2026-… date 2026-…`` for post cursors, ``block 1234`` for the mirror's."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    if not isinstance(parsed, dict):
        return str(parsed)
    return " ".join(f"{k} {v}" for k, v in sorted(parsed.items()) if not isinstance(v, list | dict))
