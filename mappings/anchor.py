"""Anchor-only mode: a periodic ``custom_json`` carrying the Merkle root of the points ledger
entries since the last anchor, so a community can later prove its ledger was not rewritten.
Pure: entries, the previous anchor and the time come in; a root, an ``Intent`` or a list of
problems go out.

Hashing: each entry is hashed over its canonical JSON (``bridge.model.canonical_json``: sorted
keys, no spaces, UTF-8); the root is the Merkle Tree Hash of RFC 6962 §2.1 (Certificate
Transparency): ``MTH({}) = SHA-256()``, leaf ``SHA-256(0x00 || d)``, node
``SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`` with k the largest power of two below n. The
0x00/0x01 prefixes keep a leaf from passing for a node. Each anchor names the previous anchor's
root (``prev``), so the anchors form a chain over the whole ledger.

The operation: ``custom_json`` id ``wpsb-anchor``, ``required_posting_auths`` = the anchoring
account (posting key; steem custom_json ids are at most 32 bytes, the JSON at most 8192 bytes).
JSON: ``{"v":1,"site":…,"from":first id,"to":last id,"count":n,"root":hex,"prev":hex|null}``.
Checking: ``verify_anchor(entries, anchor_json)``; see README "Anchor only".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bridge.model import Intent, IntentKind, Skip, SourceRef, canonical_json, intent_key

ANCHOR_ID = "wpsb-anchor"
VERSION = 1


def leaf_data(entry: dict[str, Any]) -> bytes:
    return canonical_json(entry).encode("utf-8")


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash over the leaf data (not yet hashed)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return hashlib.sha256(b"\x01" + merkle_root(leaves[:split]) + merkle_root(leaves[split:])).digest()


def ledger_root(entries: Sequence[dict[str, Any]]) -> str:
    """Hex root of ledger entries, in ledger order."""
    return merkle_root([leaf_data(e) for e in entries]).hex()


@dataclass(frozen=True)
class AnchorBatch:
    """The ledger entries since the last anchor (``entries`` carry an ``id``), and that anchor's root."""

    site_id: str
    entries: tuple[dict[str, Any], ...]
    prev_root: str | None

    @property
    def source(self) -> SourceRef:
        return SourceRef("wp", self.site_id, "anchor", str(self.entries[-1]["id"]) if self.entries else "-")


def anchor_payload(batch: AnchorBatch) -> dict[str, Any]:
    return {"v": VERSION, "site": batch.site_id, "from": str(batch.entries[0]["id"]),
            "to": str(batch.entries[-1]["id"]), "count": len(batch.entries),
            "root": ledger_root(batch.entries), "prev": batch.prev_root}


def anchor_intent(batch: AnchorBatch, account: str) -> Intent | Skip:
    source = batch.source
    if not batch.entries:
        return Skip(source, "no ledger entries since the last anchor")
    if not account:
        return Skip(source, "no anchor account configured ([anchor] account)")
    payload = anchor_payload(batch)
    operation = ("custom_json", {"required_auths": [], "required_posting_auths": [account], "id": ANCHOR_ID,
                                 "json": canonical_json(payload)})
    return Intent(key=intent_key(IntentKind.ANCHOR, source, payload["root"]), kind=IntentKind.ANCHOR,
                  account=account, source=source, operations=(operation,),
                  title=f"anchor of ledger entries {payload['from']}..{payload['to']}")


def verify_anchor(entries: Sequence[dict[str, Any]], anchor_json: str | dict[str, Any],
                  prev_root: str | None = None) -> list[str]:
    """Problems found checking ``entries`` (the ledger as it is now, the anchored range in order)
    against an anchor; ``[]`` = the ledger matches what was anchored."""
    anchor = json.loads(anchor_json) if isinstance(anchor_json, str) else anchor_json
    problems = []
    if anchor.get("v") != VERSION:
        problems.append(f"unknown anchor version {anchor.get('v')!r}")
    if len(entries) != anchor.get("count"):
        problems.append(f"the anchor covers {anchor.get('count')} entries, the ledger has {len(entries)}")
    if entries and (str(entries[0]["id"]), str(entries[-1]["id"])) != (anchor.get("from"), anchor.get("to")):
        problems.append(f"the anchor covers entries {anchor.get('from')}..{anchor.get('to')}, the ledger "
                        f"range is {entries[0]['id']}..{entries[-1]['id']}")
    root = ledger_root(entries)
    if root != anchor.get("root"):
        problems.append(f"the ledger's root is {root}, the anchor says {anchor.get('root')}: an entry was "
                        f"changed, added or removed since it was anchored")
    if prev_root is not None and anchor.get("prev") != prev_root:
        problems.append(f"the anchor's previous root is {anchor.get('prev')}, expected {prev_root}")
    return problems


def changed_entries(anchored: Sequence[dict[str, Any]], now: Sequence[dict[str, Any]]) -> list[str]:
    """What differs, entry by entry (by ``id``), between an export made when the range was anchored
    (``anchored``, already checked against the anchor's root) and the ledger as it is now."""
    before = {str(e["id"]): leaf_data(e) for e in anchored}
    after = {str(e["id"]): leaf_data(e) for e in now}
    found = [f"entry {i} changed: was {before[i].decode()}, now {after[i].decode()}"
             for i in before if i in after and before[i] != after[i]]
    found += [f"entry {i} was removed" for i in before if i not in after]
    found += [f"entry {i} was added" for i in after if i not in before]
    return found
