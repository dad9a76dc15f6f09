"""JSON-RPC surface, read APIs, beem connectivity, block production and persistence."""

from __future__ import annotations

import time

import requests

from devnet.genesis import CHAIN_ID, INITMINER_WIF
from devnet.server import start_devnet
from tests.devnet.conftest import Client, error_message, make_steem


def test_call_style_and_api_method_style_agree(client: Client) -> None:
    direct = client.call("database_api.get_dynamic_global_properties", {})
    legacy = client.call("call", ["database_api", "get_dynamic_global_properties", {}])
    assert direct == legacy
    assert direct["time"] == "2026-01-01T00:00:00"


def test_unknown_api_and_method_errors(client: Client) -> None:
    assert error_message(client.rpc("bridge.get_post", {})).endswith("Could not find API bridge")
    answer = client.rpc("condenser_api.nope", [])
    assert answer["error"]["message"].endswith("Could not find method nope")
    assert answer["error"]["code"] == -32002


def test_batches(client: Client) -> None:
    empty = requests.post(client.url, json=[], timeout=5).json()
    assert empty["error"] == {"code": -32000, "message": "Array is invalid"}
    one = {"jsonrpc": "2.0", "id": 1, "method": "condenser_api.get_dynamic_global_properties", "params": []}
    answers = requests.post(client.url, json=[one, {**one, "id": 2}], timeout=5).json()
    assert [a["id"] for a in answers] == [1, 2]
    too_many = requests.post(client.url, json=[one] * 51, timeout=5).json()
    assert too_many["error"] == {"code": 1600, "message": "JSONRPC batch size of 51 exceeds 50"}


def test_get_config_identifies_chain_for_beem(client: Client) -> None:
    config = client.call("database_api.get_config", {})
    assert config["STEEM_CHAIN_ID"] == CHAIN_ID != "0" * 64
    assert config["STEEM_BLOCKCHAIN_VERSION"] == "0.23.1"
    assert client.stm.chain_params["chain_id"] == CHAIN_ID
    assert client.stm.chain_params["prefix"] == "STM"


def test_beem_reads_account_comment_votes_and_block_num(client: Client) -> None:
    from beem.account import Account
    from beem.blockchain import Blockchain
    from beem.comment import Comment

    author = client.new_account("reader", via_beem=True)  # beem's Steem.create_account signed by initminer
    author_stm = make_steem(client.url, [client.keys[author]["posting"]])
    author_stm.post("Title", "Body text", author=author, permlink="hello", tags=["devnet"])
    client.stm.vote(100, f"@{author}/hello", account="initminer")
    account = Account(author, blockchain_instance=client.stm)
    assert account["name"] == author
    post = Comment(f"@{author}/hello", api="condenser", blockchain_instance=client.stm)
    assert post["title"] == "Title"
    assert [v["voter"] for v in post.get_votes()] == ["initminer"]
    assert Blockchain(blockchain_instance=client.stm).get_current_block_num() >= 1


def test_legacy_and_appbase_asset_shapes(client: Client) -> None:
    legacy = client.call("condenser_api.get_accounts", [["initminer"]])[0]
    appbase = client.call("database_api.find_accounts", {"accounts": ["initminer"]})["accounts"][0]
    assert legacy["balance"] == "1000000.000 STEEM"
    assert appbase["balance"] == {"amount": "1000000000", "precision": 3, "nai": "@@000000021"}
    assert legacy["next_vesting_withdrawal"] == "1969-12-31T23:59:59"
    assert "last_post_edit" in appbase and "last_post_edit" not in legacy
    assert {"last_post", "last_root_post", "last_vote_time"} <= set(legacy)
    assert legacy["posting"]["key_auths"][0][1] == 1 and legacy["posting"]["account_auths"] == []
    assert appbase["voting_manabar"]["current_mana"] == "1000000000000"  # > 2^32 -> string


def test_missing_content_and_unknown_transaction(client: Client) -> None:
    missing = client.call("condenser_api.get_content", ["nobody", "nothing"])
    assert missing["author"] == "" and missing["id"] == 0
    tx_id = "00" * 20
    answer = client.rpc("account_history_api.get_transaction", {"id": tx_id})
    assert answer["error"]["message"] == f"Assert Exception:false: Unknown Transaction {tx_id}"
    assert answer["error"]["code"] == -32003
    assert error_message(client.rpc("condenser_api.get_transaction", [tx_id])).endswith(f"Unknown Transaction {tx_id}")


def test_transaction_lookup_blocks_and_history(client: Client) -> None:
    name = client.new_account("hist")
    answer = client.call("condenser_api.get_account_history", [name, -1, 10])
    create = answer[-1][1]
    assert create["op"][0] == "account_create"
    tx = client.call("condenser_api.get_transaction", [create["trx_id"]])
    assert tx["block_num"] == create["block"] and tx["transaction_num"] == 0
    appbase_tx = client.call("account_history_api.get_transaction", {"id": create["trx_id"]})
    assert appbase_tx["operations"][0]["type"] == "account_create_operation"
    block = client.call("condenser_api.get_block", [create["block"]])
    assert block["transaction_ids"] == [create["trx_id"]]
    previous = client.call("block_api.get_block", {"block_num": create["block"] - 1})["block"]
    assert block["previous"] == previous["block_id"]
    header = client.call("block_api.get_block_header", {"block_num": create["block"]})["header"]
    assert header["previous"] == block["previous"]
    history = client.call("account_history_api.get_account_history", {"account": name, "start": -1, "limit": 5})
    assert history["history"][-1][1]["op"]["type"] == "account_create_operation"
    bad = client.rpc("condenser_api.get_account_history", [name, 1, 10])
    assert error_message(bad).endswith("start must be greater than limit")


def test_debug_generate_blocks_is_fast_and_moves_time(client: Client) -> None:
    started = time.monotonic()
    result = client.call("debug_node_api.debug_generate_blocks", {"debug_key": INITMINER_WIF, "count": 100000})
    assert result == {"blocks": 100000}
    assert time.monotonic() - started < 1.0
    props = client.call("condenser_api.get_dynamic_global_properties", [])
    assert props["head_block_number"] == 100001
    assert props["time"] == "2026-01-04T11:20:00"  # 100000 blocks * 3 s = 300000 s later
    assert client.call("debug_node_api.debug_generate_blocks", {"debug_key": "", "count": 5}) == {"blocks": 0}
    client.new_account("after")  # TaPoS still works after a jump past 65536 blocks


def test_restart_with_data_dir_keeps_state(tmp_path) -> None:
    first = start_devnet(data_dir=str(tmp_path))
    client = Client(first)
    name = client.new_account("keep")
    client.generate(10)
    head = client.call("condenser_api.get_dynamic_global_properties", [])["head_block_number"]
    first.stop()
    second = start_devnet(data_dir=str(tmp_path))
    try:
        again = Client(second)
        assert again.call("condenser_api.get_accounts", [[name]])[0]["name"] == name
        assert again.call("condenser_api.get_dynamic_global_properties", [])["head_block_number"] == head
        lines = (tmp_path / "transactions.jsonl").read_text().splitlines()
        assert len(lines) == 1 and '"hex"' in lines[0]
    finally:
        second.stop()


def test_timer_mode_produces_blocks_and_synchronous_broadcast_waits() -> None:
    handle = start_devnet(block_interval=0.2)
    try:
        client = Client(handle)
        stm = make_steem(handle.url, [INITMINER_WIF])
        start = client.call("condenser_api.get_dynamic_global_properties", [])["head_block_number"]
        time.sleep(0.7)
        assert client.call("condenser_api.get_dynamic_global_properties", [])["head_block_number"] > start
        from beembase import operations
        signed = client.sign([operations.Transfer(**{"from": "initminer", "to": "null", "amount": "1.000 STEEM",
                                                     "memo": "m", "prefix": "STM"})], [INITMINER_WIF])
        result = client.call("condenser_api.broadcast_transaction_synchronous", [signed])
        assert result["block_num"] <= client.call("condenser_api.get_dynamic_global_properties", [])["head_block_number"]
        assert stm.chain_params["chain_id"] == CHAIN_ID
    finally:
        handle.stop()


def test_sigkill_right_after_broadcast_keeps_the_transaction(tmp_path) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = [sys.executable, "-m", "devnet", "--port", str(port), "--data", str(tmp_path), "--block-interval", "0"]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}

    def launch() -> subprocess.Popen:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None and b"listening" in proc.stdout.readline()
        return proc

    proc = launch()
    try:
        url = f"http://127.0.0.1:{port}"
        fake = type("H", (), {"url": url, "port": port, "chain": None})()
        client = Client(fake)  # type: ignore[arg-type]
        name = client.new_account("crash")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=5)
        proc = launch()
        assert client.call("condenser_api.get_accounts", [[name]])[0]["name"] == name
    finally:
        proc.kill()
        proc.wait(timeout=5)


def test_a_pending_transaction_is_unknown_until_its_block_is_produced() -> None:
    """With timed blocks an accepted transaction waits for its block; until then a look-up
    answers "Unknown Transaction" (steemd reads it out of the block), so a client cannot take
    it for confirmed. The block produced, it is found there."""
    handle = start_devnet(block_interval=3600)  # no timed block during the test
    try:
        client = Client(handle)
        trx = client.sign_raw([["transfer", {"from": "initminer", "to": "null",
                                             "amount": "0.001 STEEM", "memo": "pending"}]],
                              [INITMINER_WIF])
        assert client.call("condenser_api.broadcast_transaction", [trx]) == {}
        tx_id = handle.chain.pending[-1][1]
        for method, params in (("condenser_api.get_transaction", [tx_id]),
                               ("account_history_api.get_transaction", {"id": tx_id})):
            assert error_message(client.rpc(method, params)).endswith(f"Unknown Transaction {tx_id}")
        client.generate(1)
        found = client.call("condenser_api.get_transaction", [tx_id])
        assert found["block_num"] == handle.chain.head_num and found["transaction_id"] == tx_id
    finally:
        handle.stop()
