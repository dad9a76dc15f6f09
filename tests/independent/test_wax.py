"""@hiveio/wax (hived's protocol code as WebAssembly) validates and re-serializes beem-signed transactions.

``js/validate-wax.js`` rebuilds each recorded transaction with wax under the devnet's chain id, runs the
node's operation ``validate()``, and compares legacy bytes, tx id, signing digest and signer keys with the
devnet's. A valid session gives 0 mismatches and 0 invalid; an operation the node's validation refuses is
reported invalid even when it is otherwise well signed; tampering is caught as mismatches.
"""

from __future__ import annotations

import copy
from typing import Any

from connectors.steem import SteemChain
from devnet.genesis import CHAIN_ID, INITMINER, INITMINER_WIF
from devnet.serializer import parse_transaction
from tests.independent.checker import (
    authorities_from_records,
    chain_params,
    check_recorded_with_wax,
    genesis_keys,
    input_lines,
    run_wax,
)
from tests.independent.test_steem_js import Session, _authority, _comment


def _member_session(session: Session) -> None:
    """The community kinds: a post with beneficiaries, a grant, a reply and a vote by the app as the member."""
    for name in ("memberx", "appx"):
        session.create(name)
    session.send("memberx", _comment("memberx", "post", "Body ✓"),
                 ("comment_options", {"author": "memberx", "permlink": "post",
                                      "max_accepted_payout": "1000000.000 SBD", "percent_steem_dollars": 10000,
                                      "allow_votes": True, "allow_curation_rewards": True,
                                      "extensions": [[0, {"beneficiaries": [
                                          {"account": "appx", "weight": 500}]}]]}))
    session.send("memberx", ("account_update", {
        "account": "memberx", "posting": _authority(session.publics["memberx"], [["appx", 1]]),
        "memo_key": session.publics["memberx"], "json_metadata": ""}))
    reply = _comment("memberx", "re-post", "A reply", title="")
    reply[1].update(parent_author="memberx", parent_permlink="post")
    session.send("appx", reply)
    session.send("appx", ("vote", {"voter": "memberx", "author": "memberx", "permlink": "post", "weight": 10000}))
    session.send(INITMINER, ("transfer", {"from": INITMINER, "to": "memberx", "amount": "1.000 SBD",
                                          "memo": ""}))


def test_wax_validates_every_kind_of_a_member_session(devnet: Any) -> None:
    session = Session(devnet.url)
    _member_session(session)
    records = devnet.chain.accepted_transactions
    assert [r["id"] for r in records] == session.sent
    result = check_recorded_with_wax(records)
    assert (result.checked, result.mismatches, result.invalid) == (len(records), [], [])


def _signed_record(url: str, operation: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A beem-signed transaction that is never broadcast, with the devnet serializer's bytes and id."""
    signed = SteemChain([url], CHAIN_ID).sign([operation], INITMINER_WIF)
    tx = parse_transaction(signed.tx)
    return {"id": signed.tx_id, "trx": signed.tx, "hex": tx.signed_bytes().hex()}


def _run(records: list[dict[str, Any]]) -> Any:
    chain_id, prefix = chain_params("steem")
    return run_wax(input_lines(records, chain_id, prefix, authorities_from_records(records, genesis_keys())))


def test_wax_reports_an_operation_the_node_would_refuse_as_invalid(devnet: Any) -> None:
    valid = _signed_record(devnet.url, ("vote", {"voter": INITMINER, "author": INITMINER, "permlink": "p",
                                                 "weight": 10000}))
    # 100.01 %: beem signs it, bytes/id/signature are consistent, only the node's validate() refuses it
    invalid = _signed_record(devnet.url, ("vote", {"voter": INITMINER, "author": INITMINER, "permlink": "p",
                                                   "weight": 10001}))
    result = _run([valid, invalid])
    assert result.checked == 2
    assert result.mismatches == []
    assert [(p["index"], p["id"]) for p in result.invalid] == [(1, invalid["id"])]
    assert "Weight is not a HIVE percentage" in result.invalid[0]["error"]
    assert not result.ok


def test_wax_catches_tampering(devnet: Any) -> None:
    session = Session(devnet.url)
    session.create("tamperx")
    session.send("tamperx", _comment("tamperx", "p", "body"))
    records = copy.deepcopy(devnet.chain.accepted_transactions)
    records[1]["trx"]["operations"][0][1]["body"] = "changed"  # bytes, id, digest and signer all change
    records[0]["hex"] = records[0]["hex"][:-2] + "00"  # devnet bytes disagree with wax
    result = _run(records)
    problems = {(m["index"], m["problem"]) for m in result.mismatches}
    assert problems == {(0, "signed bytes differ"), (1, "signed bytes differ"), (1, "tx id differs"),
                        (1, "signing digest differs"), (1, "signature is not by a signer key")}
    assert result.invalid == []


def test_wax_uses_the_devnets_chain_id() -> None:
    """A Hive devnet's records (HIVE/HBD) verify under Hive's chain id and not under Steem's."""
    from beem import Hive
    from beem.account import Account
    from beem.storage import generate_config_store
    from beemstorage import InRamConfigurationStore

    from devnet.server import start_devnet

    handle = start_devnet(chain="hive")
    try:
        store = generate_config_store(InRamConfigurationStore(), blockchain="hive")
        hive = Hive(node=handle.url, keys=[INITMINER_WIF], num_retries=0, config_store=store)
        hive.create_account("hivewaxx", creator=INITMINER, password="pw-hivewaxx", storekeys=False)
        Account(INITMINER, blockchain_instance=hive).transfer("hivewaxx", 2, "HBD", memo="hbd")
        records = handle.chain.accepted_transactions
    finally:
        handle.stop()
    good = check_recorded_with_wax(records, chain="hive")
    assert (good.checked, good.mismatches, good.invalid) == (2, [], [])
    wrong = check_recorded_with_wax(records, chain="hive", chain_id=CHAIN_ID)
    # both sides digest under the given id, so they agree; the signatures were made under Hive's id
    assert {m["problem"] for m in wrong.mismatches} == {"signature is not by a signer key"}
