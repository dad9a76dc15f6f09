"""The anchor's Merkle root (RFC 6962 §2.1) against the Certificate Transparency reference tree,
and checking a ledger against an anchor."""

from __future__ import annotations

import json

from bridge.model import Intent, IntentKind
from mappings.anchor import (
    ANCHOR_ID,
    AnchorBatch,
    anchor_intent,
    ledger_root,
    merkle_root,
    verify_anchor,
)

# google/certificate-transparency-go merkle tree tests: the 8 reference leaves and the tree heads of
# sizes 0..8 (the same vectors as the C++ log's merkle_tree_test).
CT_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
             bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
CT_ROOTS = {0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"}

ENTRIES = [{"id": str(n), "user_id": 7, "creds": 5, "ref": "daily_checkin", "time": 1767225600 + n}
           for n in range(1, 6)]


def test_root_matches_the_rfc6962_reference_tree_heads() -> None:
    for size, root in CT_ROOTS.items():
        assert merkle_root(CT_LEAVES[:size]).hex() == root


def test_the_root_is_over_canonical_json_so_key_order_does_not_matter() -> None:
    shuffled = [dict(reversed(list(e.items()))) for e in ENTRIES]
    assert ledger_root(shuffled) == ledger_root(ENTRIES)
    assert ledger_root(ENTRIES) != ledger_root(ENTRIES[:-1])


def test_anchor_intent_and_verification() -> None:
    intent = anchor_intent(AnchorBatch("t", tuple(ENTRIES), None), "community")
    assert isinstance(intent, Intent) and intent.kind is IntentKind.ANCHOR
    ((name, op),) = intent.operations
    assert name == "custom_json" and op["id"] == ANCHOR_ID and op["required_posting_auths"] == ["community"]
    payload = json.loads(op["json"])
    assert payload == {"v": 1, "site": "t", "from": "1", "to": "5", "count": 5,
                       "root": ledger_root(ENTRIES), "prev": None}
    assert intent == anchor_intent(AnchorBatch("t", tuple(ENTRIES), None), "community")  # same key
    assert verify_anchor(ENTRIES, op["json"]) == []
    rewritten = [dict(e) for e in ENTRIES]
    rewritten[2]["creds"] = 500
    (problem,) = verify_anchor(rewritten, op["json"])
    assert "an entry was changed, added or removed" in problem
    assert any("covers 5 entries" in p for p in verify_anchor(ENTRIES[:4], op["json"]))
    assert verify_anchor(ENTRIES, op["json"], prev_root="ab") == [
        "the anchor's previous root is None, expected ab"]


def test_nothing_to_anchor_is_skipped() -> None:
    assert anchor_intent(AnchorBatch("t", (), None), "community").reason == (  # type: ignore[union-attr]
        "no ledger entries since the last anchor")
