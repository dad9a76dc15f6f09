"""SMT byte vectors (tests/independent/smt_vectors.json, derived by hand from steem's source in
smt_vectors.md) through the bridge's serializer (connectors/smt.py, inside beem's transaction) and
through the devnet's own, independently written one (devnet/nai.py, devnet/serializer.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from connectors import smt
from devnet.assets import parse_asset
from devnet.nai import NaiError, NaiSymbol, damm_digit, nai_data
from devnet.serializer import pack_asset, pack_operation, parse_operation, parse_transaction

VECTORS: dict[str, Any] = json.loads((Path(__file__).parent / "smt_vectors.json").read_text())


@pytest.mark.parametrize("vector", VECTORS["nai"], ids=lambda v: v["nai"])
def test_nai_strings_symbols_and_vesting_twins(vector: dict[str, Any]) -> None:
    ours = smt.Nai.parse(vector["nai"], vector["precision"])
    assert ours.data == vector["data"] and ours.asset_num == int(vector["asset_num"], 16)
    assert ours.to_bytes().hex() == vector["symbol_le"] and ours.nai == vector["nai"]
    devnet = NaiSymbol(nai_data(vector["nai"]), vector["precision"])
    assert devnet.pack().hex() == vector["symbol_le"] and damm_digit(vector["data"]) == vector["damm_interim"][-1]
    assert devnet.vesting().nai == vector["vesting_nai"]
    assert devnet.vesting().asset_num == int(vector["vesting_asset_num"], 16)


@pytest.mark.parametrize("bad", VECTORS["rejected_nai"])
def test_malformed_nais_are_refused_by_both(bad: str) -> None:
    with pytest.raises(smt.SmtFormatError):
        smt.Nai.parse(bad, 3)
    with pytest.raises(NaiError):
        nai_data(bad)


def test_asset_json_forms_and_bytes() -> None:
    for vector in VECTORS["assets"]:
        for form in (vector["json"], vector["legacy"]):
            ours = smt.SmtAmount.parse(form)
            assert ours.to_bytes().hex() == vector["hex"]
            assert ours.appbase() == vector["json"] and ours.legacy() == vector["legacy"]
            assert pack_asset(parse_asset(form)).hex() == vector["hex"]


@pytest.mark.parametrize("vector", VECTORS["operations"], ids=lambda v: v["name"])
def test_operations(vector: dict[str, Any]) -> None:
    raw = smt.raw_operation(vector["name"], vector["payload"])
    assert raw.to_bytes().hex() == vector["hex"]
    if vector["name"] == "transfer":  # the devnet has STEEM/SBD, not the testnet's TBD
        devnet_op = parse_operation([vector["name"], raw.legacy_json])
        assert pack_operation(devnet_op).hex() == vector["hex"]


def test_signed_envelope_through_beem_matches_and_both_ids_agree() -> None:
    from beembase.signedtransactions import Signed_Transaction

    from connectors.steem import _RawOperation

    vector = VECTORS["transactions"][0]
    op = VECTORS["operations"][vector["operation"]]
    raw = smt.raw_operation(op["name"], op["payload"])
    tx = Signed_Transaction(**vector["envelope"], operations=[_RawOperation(raw)])
    unsigned = bytes(tx)[:-1]  # minus the (empty) signature count
    assert unsigned.hex() == vector["unsigned_hex"]
    legacy = {**vector["envelope"], "operations": [[raw.name, raw.legacy_json]], "extensions": []}
    devnet_tx = parse_transaction(legacy)
    assert devnet_tx.unsigned_bytes().hex() == vector["unsigned_hex"]
    assert tx.id == devnet_tx.tx_id() == hashlib.sha256(unsigned).digest()[:20].hex()


def test_only_whole_smt_amounts_make_an_operation_ours_to_serialize() -> None:
    """A post body or a diff-match-patch edit holds " @@" too: still beem's comment, not an SMT
    operation (an edit whose text looked like a patch once failed as 'SMT fields')."""
    from connectors.smt import needs_raw

    patch = "@@ -1,5 +1,7 @@\n-hello\n+hello world @@ +3 @@"
    assert not needs_raw("comment", {"body": patch, "title": "a @@ b", "parent_author": ""})
    assert not needs_raw("transfer", {"amount": "1.000 STEEM", "memo": "pays 1.000 @@422838704"})
    assert not needs_raw("transfer", {"amount": "1.000 STEEM", "memo": "1.000 @@422838704"})
    assert needs_raw("transfer", {"amount": "1.000 @@422838704", "memo": ""})
    assert needs_raw("transfer", {"amount": {"amount": "1000", "precision": 3,
                                             "nai": "@@422838704"}})
