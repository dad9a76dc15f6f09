"""Transaction-level admission rules (database.cpp _apply_transaction, transaction_util.hpp)."""

from __future__ import annotations

import re

import requests
from beembase import operations

from devnet.genesis import INITMINER_WIF
from tests.devnet.conftest import Client, error_message


def _comment(author: str, permlink: str = "post", parent_author: str = "", parent_permlink: str = "devnet",
             body: str = "body", title: str = "title") -> operations.Comment:
    return operations.Comment(**{"parent_author": parent_author, "parent_permlink": parent_permlink, "author": author,
                                 "permlink": permlink, "title": title, "body": body, "json_metadata": "{}"})


def _transfer(frm: str, to: str, amount: str = "1.000 STEEM", memo: str = "") -> operations.Transfer:
    return operations.Transfer(**{"from": frm, "to": to, "amount": amount, "memo": memo, "prefix": "STM"})


def _send_raw(client: Client, signed: dict) -> dict:
    return client.rpc("condenser_api.broadcast_transaction", [signed])


def test_wrong_posting_key_is_missing_posting_authority(client: Client) -> None:
    alice, bob = client.new_account("alice"), client.new_account("bob")
    answer = client.broadcast([_comment(alice)], [client.keys[bob]["posting"]], via_beem=True)
    assert answer["error"]["code"] == -32000
    assert answer["error"]["message"] == f"missing required posting authority:Missing Posting Authority {alice}"
    assert answer["error"]["data"]["name"] == "tx_missing_posting_auth"


def test_posting_key_cannot_sign_transfer(client: Client) -> None:
    alice = client.new_account("alice")
    answer = client.broadcast([_transfer(alice, "initminer")], [client.keys[alice]["posting"]])
    assert error_message(answer) == f"missing required active authority:Missing Active Authority {alice}"


def test_unnecessary_signature(client: Client) -> None:
    alice, bob = client.new_account("alice"), client.new_account("bob")
    answer = client.broadcast([_comment(alice)], [client.keys[alice]["posting"], client.keys[bob]["posting"]],
                              via_beem=True)
    assert error_message(answer) == "irrelevant signature included:Unnecessary signature(s) detected"


def test_duplicate_signature(client: Client) -> None:
    alice = client.new_account("alice")
    signed = client.sign([_comment(alice)], [client.keys[alice]["posting"]])
    signed["signatures"] = signed["signatures"] * 2
    assert error_message(_send_raw(client, signed)) == "duplicate signature included:Duplicate Signature detected"


def test_posting_and_active_cannot_mix(client: Client) -> None:
    alice = client.new_account("alice")
    keys = client.keys[alice]
    answer = client.broadcast([_comment(alice), _transfer(alice, "initminer")], [keys["active"]])
    assert error_message(answer) == "Assert Exception:required_active.size() == 0: "


def test_duplicate_transaction(client: Client) -> None:
    signed = client.sign([_transfer("initminer", "null")], [INITMINER_WIF])
    assert _send_raw(client, signed)["result"] == {}
    assert error_message(_send_raw(client, signed)).endswith(": Duplicate transaction check failed")


def test_expiration_window(client: Client) -> None:
    signed = client.sign([_transfer("initminer", "null")], [INITMINER_WIF])
    client.generate(20)  # beem sets expiration = head time + 30 s
    assert error_message(_send_raw(client, signed)) == "transaction expiration exception:"


def test_bad_tapos(client: Client) -> None:
    good = client.sign([_transfer("initminer", "null")], [INITMINER_WIF])
    bad_prefix = (good["ref_block_prefix"] + 1) % 2**32
    signed = client.sign([_transfer("initminer", "null")], [INITMINER_WIF], tapos=(good["ref_block_num"], bad_prefix))
    assert error_message(_send_raw(client, signed)) == "transaction tapos exception:"


def test_transaction_size_cap(client: Client) -> None:
    alice = client.new_account("alice")
    answer = client.broadcast([_comment(alice, body="x" * 66000)], [client.keys[alice]["posting"]])
    assert error_message(answer).startswith("Assert Exception:fc::raw::pack_size(trx) <= ")


def test_failed_op_rolls_back_whole_transaction(client: Client) -> None:
    alice = client.new_account("alice")
    before = client.call("condenser_api.get_accounts", [[alice]])[0]["balance"]
    answer = client.broadcast([_transfer("initminer", alice, "5.000 STEEM"), _transfer("initminer", "ghost1")],
                              [INITMINER_WIF])
    assert error_message(answer) == "unknown key:unknown key: "
    assert client.call("condenser_api.get_accounts", [[alice]])[0]["balance"] == before


def test_posting_authority_granted_via_account_auths(client: Client) -> None:
    alice, app = client.new_account("alice"), client.new_account("app")
    account = client.call("condenser_api.get_accounts", [[alice]])[0]
    posting = dict(account["posting"])
    posting["account_auths"] = [[app, 1]]
    update = operations.Account_update(**{"account": alice, "posting": posting, "memo_key": account["memo_key"],
                                          "json_metadata": "", "prefix": "STM"})
    client.send_ok([update], [client.keys[alice]["active"]])
    client.send_ok([_comment(alice, "by-app")], [client.keys[app]["posting"]])
    posting["account_auths"] = []
    revoke = operations.Account_update(**{"account": alice, "posting": posting, "memo_key": account["memo_key"],
                                          "json_metadata": "", "prefix": "STM"})
    client.send_ok([revoke], [client.keys[alice]["active"]])
    answer = client.broadcast([_comment(alice, "by-app", body="edit")], [client.keys[app]["posting"]])
    assert error_message(answer) == f"missing required posting authority:Missing Posting Authority {alice}"


def test_out_of_rc(client: Client) -> None:
    alice = client.new_account("alice")
    state = client.handle.chain
    with state.lock:
        state.db.accounts[alice].rc_manabar.current_mana = 0
    answer = client.broadcast([_comment(alice)], [client.keys[alice]["posting"]])
    assert re.fullmatch(f"plugin exception:Account: {alice} has \\d+ RC, needs \\d+ RC. "
                        "Please wait to transact, or power up STEEM.", error_message(answer))


def test_accepted_transactions_are_recorded_with_hex(client: Client) -> None:
    client.new_account("rec")
    record = client.handle.chain.accepted_transactions[-1]
    from devnet.serializer import parse_transaction
    assert parse_transaction(record["trx"]).signed_bytes().hex() == record["hex"]
    assert requests.post(client.url, data=b"not json", timeout=5).json()["error"]["code"] == -32700
