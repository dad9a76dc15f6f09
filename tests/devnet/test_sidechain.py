"""Steem-Engine sidechain on the devnet: tokens contract rules and the /rpc endpoints' shapes.

Expected texts are those of harpagon210/steemsmartcontracts contracts/tokens.js, libs/SmartContracts.js
and plugins/JsonRPCServer.js; transactions are custom_json ops signed through beem.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from beembase import operations

from devnet.server import start_devnet
from devnet.sidechain import STREAMER_LAG_BLOCKS
from tests.devnet.conftest import Client, make_steem

ACTIVE_KEY_ERROR = "you must use a custom_json signed with your active key"


def _entry(action: str, **payload: Any) -> dict[str, Any]:
    return {"contractName": "tokens", "contractAction": action, "contractPayload": payload}


def _custom_json(sender: str, body: Any, active: bool = True, ssc_id: str = "ssc-mainnet1") -> operations.Custom_json:
    return operations.Custom_json(**{"required_auths": [sender] if active else [],
                                     "required_posting_auths": [] if active else [sender],
                                     "id": ssc_id, "json": json.dumps(body)})


def _send(client: Client, sender: str, *ops: operations.Custom_json, role: str = "active") -> str:
    """Broadcast (devnet-side fast signer over beembase ops); returns the Steem tx id."""
    answer = client.rpc("condenser_api.broadcast_transaction_synchronous",
                        [client.sign(list(ops), [client.keys[sender][role]])])
    assert "result" in answer, answer
    return answer["result"]["id"]


def _sc(client: Client, endpoint: str, method: str, params: Any) -> Any:
    answer = requests.post(f"{client.url}/rpc/{endpoint}", json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                                 "params": params}, timeout=10).json()
    assert "error" not in answer, answer
    return answer["result"]


def _info(client: Client, txid: str) -> Any:
    return _sc(client, "blockchain", "getTransactionInfo", {"txid": txid})


def _logs(client: Client, txid: str) -> dict[str, Any]:
    info = _info(client, txid)
    assert info is not None, f"{txid} not processed"
    assert isinstance(info["logs"], str)  # the node stores logs as a JSON string
    return json.loads(info["logs"])


def _balances(client: Client, symbol: str) -> dict[str, dict[str, Any]]:
    rows = _sc(client, "contracts", "find", {"contract": "tokens", "table": "balances", "query": {"symbol": symbol}})
    return {row["account"]: row for row in rows}


def _settle(client: Client) -> None:
    client.generate(STREAMER_LAG_BLOCKS)


@pytest.fixture
def issuer(client: Client) -> str:
    """An account owning token TST (precision 3, max supply 1000) with 100 issued to itself, staking on."""
    name = client.new_account("issuer")
    _send(client, name, _custom_json(name, [
        _entry("create", name="Test Token", symbol="TST", precision=3, maxSupply="1000"),
        _entry("issue", symbol="TST", to=name, quantity="100"),
        _entry("enableStaking", symbol="TST", unstakingCooldown=1, numberTransactions=1)]))
    return name


def test_create_issue_transfer_stake_with_beem_and_read_balances(client: Client) -> None:
    alice, bob = client.new_account("alice"), client.new_account("bob")
    stm = make_steem(client.url, [client.keys[alice]["active"]])
    create = stm.custom_json("ssc-mainnet1", _entry("create", name="Alice Coin", symbol="ALC", precision=3,
                                                   maxSupply="1000", url="https://example.org"),
                             required_auths=[alice])
    assert _info(client, create["trx_id"]) is None  # the streamer waits two blocks (anti-fork buffer)
    _settle(client)
    info = _info(client, create["trx_id"])
    assert info["transactionId"] == create["trx_id"] and info["sender"] == alice and info["logs"] == "{}"
    assert json.loads(info["payload"])["isSignedWithActiveKey"] is True
    assert set(info) == {"blockNumber", "refSteemBlockNumber", "transactionId", "sender", "contract", "action",
                         "payload", "executedCodeHash", "hash", "databaseHash", "logs"}

    steps = [_entry("issue", symbol="ALC", to=alice, quantity="100"),
             _entry("transfer", symbol="ALC", to=bob, quantity="10.5", memo="hi"),
             _entry("enableStaking", symbol="ALC", unstakingCooldown=1, numberTransactions=1),
             _entry("stake", symbol="ALC", to=alice, quantity="5")]
    batch = stm.custom_json("ssc-mainnet1", steps, required_auths=[alice])
    _settle(client)
    assert _logs(client, batch["trx_id"] + "-0") == {"events": [{"contract": "tokens", "event": "transferFromContract",
                                                                 "data": {"from": "tokens", "to": alice,
                                                                          "symbol": "ALC", "quantity": "100"}}]}
    assert _logs(client, batch["trx_id"] + "-1")["events"][0] == {
        "contract": "tokens", "event": "transfer", "data": {"from": alice, "to": bob, "symbol": "ALC",
                                                            "quantity": "10.5"}}
    assert _logs(client, batch["trx_id"] + "-2") == {}
    assert _logs(client, batch["trx_id"] + "-3")["events"][0]["event"] == "stake"

    rows = _balances(client, "ALC")
    assert rows[alice] == {"_id": rows[alice]["_id"], "account": alice, "symbol": "ALC", "balance": "84.500",
                           "stake": "5.000", "pendingUnstake": "0", "delegationsIn": "0", "delegationsOut": "0",
                           "pendingUndelegations": "0"}
    assert rows[bob]["balance"] == "10.5" and rows[bob]["stake"] == "0"  # a new record keeps the quantity as sent
    token = _sc(client, "contracts", "findOne", {"contract": "tokens", "table": "tokens", "query": {"symbol": "ALC"}})
    assert (token["issuer"], token["precision"], token["maxSupply"], token["supply"], token["circulatingSupply"],
            token["totalStaked"], token["metadata"]) == (alice, 3, "1000.000", "100.000", "100.000", "5.000",
                                                          '{"url":"https://example.org"}')


def test_each_rule_violation_logs_the_contract_error(client: Client, issuer: str) -> None:
    bob, carol = client.new_account("bob"), client.new_account("carol")
    _send(client, issuer, _custom_json(issuer, _entry("transfer", symbol="TST", to=bob, quantity="1")))
    cases = [
        (issuer, _entry("transfer", symbol="TST", to=bob, quantity="1.0001"), "symbol precision mismatch"),
        (issuer, _entry("transfer", symbol="TST", to=bob, quantity=1), "invalid params"),
        (issuer, _entry("transfer", symbol="TST", to=issuer, quantity="1"), "cannot transfer to self"),
        (issuer, _entry("transfer", symbol="TST", to="Bad_Name", quantity="1"), "invalid to"),
        (issuer, _entry("transfer", symbol="TST", to=bob, quantity="0"), "must transfer positive quantity"),
        (issuer, _entry("transfer", symbol="NOPE", to=bob, quantity="1"), "symbol does not exist"),
        (issuer, _entry("transfer", symbol="TST", to=bob, quantity="1000"), "overdrawn balance"),
        (carol, _entry("transfer", symbol="TST", to=bob, quantity="1"), "balance does not exist"),
        (bob, _entry("issue", symbol="TST", to=bob, quantity="1"), "not allowed to issue tokens"),
        (issuer, _entry("issue", symbol="TST", to=bob, quantity="901"), "quantity exceeds available supply"),
        (issuer, _entry("issue", symbol="TST", to=bob, quantity="-1"), "must issue positive quantity"),
        (issuer, _entry("create", name="Again", symbol="TST", precision=3, maxSupply="10"), "symbol already exists"),
        (issuer, _entry("create", name="Lower", symbol="tst", precision=3, maxSupply="10"),
         "invalid symbol: uppercase letters only, max length of 10"),
        (issuer, _entry("create", name="Bad-Name", symbol="BAD", precision=3, maxSupply="10"),
         "invalid name: letters, numbers, whitespaces only, max length of 50"),
        (issuer, _entry("create", name="Precise", symbol="PRC", precision=9, maxSupply="10"), "invalid precision"),
        (issuer, _entry("create", name="Huge", symbol="HUGE", precision=0, maxSupply="9007199254740992"),
         "maxSupply must be lower than 9007199254740991"),
        (bob, _entry("stake", symbol="TST", to=bob, quantity="2"), "overdrawn balance"),
        (issuer, _entry("stake", symbol="TST", to=bob, quantity="0.0001"), "symbol precision mismatch"),
        (bob, {"contractName": "nosuch", "contractAction": "x", "contractPayload": {}}, "contract doesn't exist"),
        (bob, _entry("burnEverything"), "unknown error"),
        (bob, _entry("createSSC"), "you cannot trigger this action"),
    ]
    ids = [_send(client, sender, _custom_json(sender, entry)) for sender, entry, _ in cases]
    _settle(client)
    assert [_logs(client, txid) for txid in ids] == [{"errors": [text]} for _, _, text in cases]
    assert _balances(client, "TST")[bob]["balance"] == "1"  # nothing above moved tokens


def test_staking_rules_and_unstake_cooldown(client: Client, issuer: str) -> None:
    plain = client.new_account("plain")
    _send(client, plain, _custom_json(plain, [_entry("create", name="Plain", symbol="PLN", precision=0,
                                                     maxSupply="10"),
                                              _entry("issue", symbol="PLN", to=plain, quantity="5"),
                                              _entry("stake", symbol="PLN", to=plain, quantity="1"),
                                              _entry("unstake", symbol="PLN", quantity="1")]))
    txid = _send(client, issuer, _custom_json(issuer, [_entry("stake", symbol="TST", to=issuer, quantity="10"),
                                                       _entry("unstake", symbol="TST", quantity="11"),
                                                       _entry("unstake", symbol="TST", quantity="4")]))
    _settle(client)
    staked = _balances(client, "TST")[issuer]
    assert (staked["balance"], staked["stake"], staked["pendingUnstake"]) == ("90.000", "6.000", "4.000")
    assert _logs(client, txid + "-1") == {"errors": ["overdrawn stake"]}
    assert _logs(client, txid + "-2")["events"][0]["event"] == "unstakeStart"
    client.generate(24 * 1200)  # one day of 3-second blocks: the cooldown has passed
    poke = _send(client, issuer, _custom_json(issuer, _entry("transfer", symbol="TST", to=plain, quantity="1")))
    _settle(client)
    block = _sc(client, "blockchain", "getBlockInfo", {"blockNumber": _info(client, poke)["blockNumber"]})
    assert json.loads(block["virtualTransactions"][0]["logs"])["events"][0]["event"] == "unstake"
    released = _balances(client, "TST")[issuer]
    assert (released["balance"], released["stake"], released["pendingUnstake"]) == ("93.000", "6.000", "0.000")


def test_staking_not_enabled(client: Client) -> None:
    owner = client.new_account("owner")
    txid = _send(client, owner, _custom_json(owner, [_entry("create", name="No Stake", symbol="NST", precision=0,
                                                            maxSupply="10"),
                                                     _entry("issue", symbol="NST", to=owner, quantity="5"),
                                                     _entry("stake", symbol="NST", to=owner, quantity="1")]))
    _settle(client)
    assert _logs(client, txid + "-2") == {"errors": ["staking not enabled"]}


def test_posting_key_custom_json_gets_the_active_key_error(client: Client, issuer: str) -> None:
    bob = client.new_account("bob")
    forged = _entry("transfer", symbol="TST", to=bob, quantity="1", isSignedWithActiveKey=True)
    txid = _send(client, issuer, _custom_json(issuer, forged, active=False), role="posting")
    _settle(client)
    info = _info(client, txid)
    assert json.loads(info["logs"]) == {"errors": [ACTIVE_KEY_ERROR]}
    assert json.loads(info["payload"])["isSignedWithActiveKey"] is False  # the streamer overrides the payload
    assert bob not in _balances(client, "TST")


def test_transaction_ids_follow_the_streamer(client: Client, issuer: str) -> None:
    bob = client.new_account("bob")
    other = operations.Custom_json(**{"required_auths": [issuer], "required_posting_auths": [], "id": "other-app",
                                      "json": json.dumps(_entry("transfer", symbol="TST", to=bob, quantity="1"))})
    single = _custom_json(issuer, _entry("transfer", symbol="TST", to=bob, quantity="2"))
    batch = _custom_json(issuer, [_entry("transfer", symbol="TST", to=bob, quantity="3"), None,
                                  _entry("transfer", symbol="TST", to=bob, quantity="4")])
    txid = _send(client, issuer, other, single, batch)
    client.generate(STREAMER_LAG_BLOCKS - 1)
    assert _info(client, f"{txid}-1") is None
    client.generate(1)
    assert _info(client, txid) is None and _info(client, f"{txid}-0") is None  # other ids are not the sidechain's
    assert _logs(client, f"{txid}-1")["events"][0]["data"]["quantity"] == "2"
    assert _logs(client, f"{txid}-2-0")["events"][0]["data"]["quantity"] == "3"
    assert _info(client, f"{txid}-2-2") is None  # a null entry ends the batch, as the JS destructuring throws
    assert _balances(client, "TST")[bob]["balance"] == "5.000"


def test_rpc_shapes_and_errors(client: Client, issuer: str) -> None:
    _settle(client)
    url = f"{client.url}/rpc/"
    batch = [{"method": "find", "jsonrpc": "2.0", "id": 7,
              "params": {"contract": "tokens", "table": "balances", "query": {"account": issuer}, "limit": 1000,
                         "offset": 0, "indexes": []}}]  # holgern/steemengine sends batches like this
    answer = requests.post(url + "contracts", json=batch, timeout=10).json()
    assert answer[0]["id"] == 7 and answer[0]["result"][0]["balance"] == "100"
    bad = requests.post(url + "blockchain", json={"jsonrpc": "2.0", "id": 1, "method": "getTransactionInfo",
                                                  "params": {}}, timeout=10).json()
    assert bad["error"] == {"code": 400, "message": "missing or wrong parameters: txid is required"}
    bad = requests.post(url + "contracts", json={"jsonrpc": "2.0", "id": 1, "method": "find",
                                                 "params": {"table": "balances", "query": {}}}, timeout=10).json()
    assert bad["error"]["message"] == "missing or wrong parameters: contract and tableName are required"
    missing = requests.post(url + "contracts", json={"jsonrpc": "2.0", "id": 1, "method": "nope"}, timeout=10).json()
    assert missing["error"] == {"code": -32601, "message": "Method not found"}
    assert _sc(client, "contracts", "find", {"contract": "tokens", "table": "nope", "query": {}}) is None
    assert _sc(client, "contracts", "find", {"contract": "tokens", "table": "balances", "query": {},
                                             "limit": 1001}) is None
    assert _sc(client, "contracts", "findOne", {"contract": "tokens", "table": "balances",
                                                "query": {"account": "nobody"}}) is None
    status = _sc(client, "blockchain", "getStatus", {})
    assert status["lastBlockNumber"] >= 1 and status["SSCnodeVersion"] == "0.1.12"


def test_restart_from_data_dir_rebuilds_sidechain_state(tmp_path: Any) -> None:
    handle = start_devnet(data_dir=str(tmp_path))
    try:
        client = Client(handle)
        alice, bob = client.new_account("alice"), client.new_account("bob")
        _send(client, alice, _custom_json(alice, [_entry("create", name="Kept", symbol="KEPT", precision=2,
                                                         maxSupply="50"),
                                                  _entry("issue", symbol="KEPT", to=alice, quantity="20"),
                                                  _entry("transfer", symbol="KEPT", to=bob, quantity="7.25")]))
        _settle(client)
        before = _balances(client, "KEPT")
    finally:
        handle.stop()
    restarted = start_devnet(data_dir=str(tmp_path))
    try:
        after = _balances(Client(restarted), "KEPT")
    finally:
        restarted.stop()
    assert after == before and after[alice]["balance"] == "12.75" and after[bob]["balance"] == "7.25"
