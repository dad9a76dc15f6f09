"""steem-js re-serializes and verifies every transaction of a representative beem-signed session.

Transactions are signed and broadcast through ``connectors.steem.SteemChain`` (the bridge's own beem
path); the devnet records each accepted one; ``tests.independent.checker`` hands the records to
``js/verify-transactions.js``. Zero mismatches expected, and a tampered record must be caught.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import requests

from connectors.steem import SteemChain, new_key
from deploy.devstack.localstack import create_account
from devnet.genesis import CHAIN_ID, INITMINER, INITMINER_WIF
from tests.independent.checker import check_recorded

DAYS_8_IN_BLOCKS = 8 * 24 * 1200
BENEFICIARIES = [[0, {"beneficiaries": [{"account": "appx", "weight": 500}, {"account": "bobx", "weight": 1000}]}]]


def _rpc(url: str, method: str, params: Any) -> Any:
    answer = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                           timeout=10).json()
    assert "error" not in answer, answer
    return answer["result"]


def _authority(public: str, account_auths: list[list[Any]] | None = None) -> dict[str, Any]:
    return {"weight_threshold": 1, "account_auths": account_auths or [], "key_auths": [[public, 1]]}


class Session:
    """A SteemChain connection plus one key per account (all roles share it, like devnet setups)."""

    def __init__(self, url: str):
        self.url = url
        self.chain = SteemChain([url], CHAIN_ID)
        self.wifs = {INITMINER: INITMINER_WIF}
        self.publics: dict[str, str] = {}
        self.sent: list[str] = []

    def send(self, wif_owner: str, *ops: tuple[str, dict[str, Any]]) -> None:
        signed = self.chain.sign(list(ops), self.wifs[wif_owner])
        self.chain.broadcast(signed)
        self.sent.append(signed.tx_id)

    def create(self, name: str) -> None:
        key = new_key()
        self.wifs[name], self.publics[name] = key.wif, key.public
        self.sent.append(create_account(self.chain, name, INITMINER, INITMINER_WIF, key.public).tx_id)

    def generate(self, count: int) -> None:
        _rpc(self.url, "debug_node_api.debug_generate_blocks", {"debug_key": INITMINER_WIF, "count": count})


def _comment(author: str, permlink: str, body: str, title: str = "A title") -> tuple[str, dict[str, Any]]:
    return ("comment", {"parent_author": "", "parent_permlink": "steem", "author": author, "permlink": permlink,
                        "title": title, "body": body, "json_metadata": json.dumps({"tags": ["steem"], "app": "x/1"})})


def _run_representative_session(session: Session) -> None:
    for name in ("alicex", "bobx", "appx"):
        session.create(name)
    session.send("alicex", _comment("alicex", "hello-world", "First body, with ünïcödé ✓."),
                 ("comment_options", {"author": "alicex", "permlink": "hello-world",
                                      "max_accepted_payout": "1000000.000 SBD", "percent_steem_dollars": 10000,
                                      "allow_votes": True, "allow_curation_rewards": True,
                                      "extensions": BENEFICIARIES}))
    session.send("alicex", _comment("alicex", "hello-world", "Edited body.", title=""))  # edit
    session.send("bobx", ("vote", {"voter": "bobx", "author": "alicex", "permlink": "hello-world",
                                   "weight": 10000}))
    session.send("alicex", ("custom_json", {"required_auths": ["alicex"], "required_posting_auths": [],
                                            "id": "ssc-mainnet1", "json": json.dumps(
                                                {"contractName": "tokens", "contractAction": "transfer",
                                                 "contractPayload": {"symbol": "X", "to": "bobx",
                                                                     "quantity": "1"}})}))
    session.send(INITMINER, ("transfer", {"from": INITMINER, "to": "alicex", "amount": "12.345 STEEM",
                                          "memo": "welcome"}))
    # account_update: alicex grants appx posting authority; appx then votes on alicex's behalf.
    session.send("alicex", ("account_update", {
        "account": "alicex", "posting": _authority(session.publics["alicex"], [["appx", 1]]),
        "memo_key": session.publics["alicex"], "json_metadata": ""}))
    session.generate(100)  # past the 5-minute root-post interval
    session.send("alicex", _comment("alicex", "to-delete", "Soon gone."))
    session.send("alicex", ("delete_comment", {"author": "alicex", "permlink": "to-delete"}))
    session.send("appx", ("vote", {"voter": "alicex", "author": "alicex", "permlink": "hello-world",
                                   "weight": 5000}))
    session.generate(DAYS_8_IN_BLOCKS)  # payout
    account = _rpc(session.url, "condenser_api.get_accounts", [["alicex"]])[0]
    session.send("alicex", ("claim_reward_balance", {
        "account": "alicex", "reward_steem": account["reward_steem_balance"],
        "reward_sbd": account["reward_sbd_balance"], "reward_vests": account["reward_vesting_balance"]}))


def test_every_beem_signed_transaction_verifies_with_steem_js(devnet: Any) -> None:
    session = Session(devnet.url)
    _run_representative_session(session)
    records = devnet.chain.accepted_transactions
    assert [r["id"] for r in records] == session.sent
    names = {op[0] for r in records for op in r["trx"]["operations"]}
    assert names == {"account_create", "comment", "comment_options", "vote", "custom_json", "transfer",
                     "account_update", "delete_comment", "claim_reward_balance"}
    checked, mismatches = check_recorded(records)
    assert (checked, mismatches) == (len(session.sent), [])


def test_steem_js_check_catches_tampering(devnet: Any) -> None:
    session = Session(devnet.url)
    session.create("carolx")
    session.send(INITMINER, ("transfer", {"from": INITMINER, "to": "carolx", "amount": "1.000 STEEM",
                                          "memo": "m"}))
    records = copy.deepcopy(devnet.chain.accepted_transactions)
    records[1]["trx"]["operations"][0][1]["memo"] = "M"  # bytes, id and signer all change
    records[0]["hex"] = records[0]["hex"][:-2] + "00"  # devnet bytes disagree with steem-js
    checked, mismatches = check_recorded(records)
    problems = {(m["index"], m["problem"]) for m in mismatches}
    assert checked == 2
    assert problems == {(0, "signed bytes differ"), (1, "signed bytes differ"), (1, "tx id differs"),
                        (1, "signature is not by a signer key")}


def test_check_recorded_reads_a_data_dir(tmp_path: Any) -> None:
    from devnet.server import start_devnet

    handle = start_devnet(data_dir=str(tmp_path))
    try:
        session = Session(handle.url)
        session.create("davex")
        session.send("davex", _comment("davex", "p", "body"))
    finally:
        handle.stop()
    assert check_recorded(tmp_path) == (2, [])


def test_hive_devnet_transactions_verify_with_steem_js() -> None:
    """HIVE/HBD legacy strings pack as STEEM/SBD bytes; steem-js must agree with the devnet under Hive's id."""
    from beem import Hive
    from beem.account import Account
    from beem.storage import generate_config_store
    from beemstorage import InRamConfigurationStore

    from devnet.server import start_devnet

    handle = start_devnet(chain="hive")
    try:
        store = generate_config_store(InRamConfigurationStore(), blockchain="hive")
        hive = Hive(node=handle.url, keys=[INITMINER_WIF], num_retries=0, config_store=store)
        hive.create_account("hivejsx", creator=INITMINER, password="pw-hivejsx", storekeys=False)
        Account(INITMINER, blockchain_instance=hive).transfer("hivejsx", 2, "HBD", memo="hbd")
        records = handle.chain.accepted_transactions
    finally:
        handle.stop()
    assert records[-1]["trx"]["operations"][0][1]["amount"] == "2.000 HBD"
    assert check_recorded(records, chain="hive") == (2, [])
    # The same records under Steem's chain id do not verify: the chain id is really in the digest.
    assert {m["problem"] for m in check_recorded(records, chain="steem")[1]} == {"signature is not by a signer key"}
