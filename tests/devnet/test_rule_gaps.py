"""Rules issue 3 lists that the first devnet tests did not cover, each signed by beem's TransactionBuilder.

Also ``--chain hive``: beem's ``Hive()`` connects unchanged and sees HIVE/HBD.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from beembase import operations

from devnet.genesis import INITMINER_WIF
from devnet.server import start_devnet
from tests.devnet.conftest import Client, error_message
from tests.devnet.test_ops import _options, _vote
from tests.devnet.test_tx_rules import _comment, _transfer

WEEK_BLOCKS = 7 * 24 * 1200 + 10


@pytest.fixture
def alice(client: Client) -> str:
    return client.new_account("alice")


def _beem(client: Client, ops: list[Any], wif: str) -> dict[str, Any]:
    return client.broadcast(ops, [wif], via_beem=True)


def test_permlink_length_limit(client: Client, alice: str) -> None:
    answer = _beem(client, [_comment(alice, "p" * 256)], client.keys[alice]["posting"])
    assert error_message(answer) == (
        "Assert Exception:permlink.size() < STEEM_MAX_PERMLINK_LENGTH: permlink is too long")
    assert _beem(client, [_comment(alice, "p" * 255)], client.keys[alice]["posting"])["result"] == {}


def test_at_most_127_beneficiaries(client: Client, alice: str) -> None:
    many = [{"account": f"b{i:03d}", "weight": 1} for i in range(128)]
    answer = _beem(client, [_comment(alice), _options(alice, beneficiaries=many)], client.keys[alice]["posting"])
    assert error_message(answer) == (
        "Assert Exception:beneficiaries.size() < STEEM_BENEFICIARY_LIMIT: Cannot specify more than 127 beneficiaries.")


def test_custom_json_must_be_valid_json(client: Client, alice: str) -> None:
    op = operations.Custom_json(**{"required_auths": [], "required_posting_auths": [alice], "id": "x",
                                   "json": "{not json"})
    assert error_message(_beem(client, [op], client.keys[alice]["posting"])) == (
        "Assert Exception:fc::json::is_valid(json): JSON Metadata not valid JSON")


def test_account_create_needs_the_exact_fee(client: Client) -> None:
    key = "STM6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"
    auth = {"weight_threshold": 1, "account_auths": [], "key_auths": [[key, 1]]}
    op = operations.Account_create(**{"fee": "1.000 STEEM", "creator": "initminer", "new_account_name": "cheapx",
                                      "owner": auth, "active": auth, "posting": auth, "memo_key": key,
                                      "json_metadata": "", "prefix": "STM"})
    assert error_message(_beem(client, [op], INITMINER_WIF)) == (
        "Assert Exception:o.fee == wso.median_props.account_creation_fee: "
        "Must pay the exact account creation fee. paid: 1.000 STEEM fee: 3.000 STEEM")


def test_empty_json_metadata_keeps_the_old_value_on_edit(client: Client, alice: str) -> None:
    first = operations.Comment(**{"parent_author": "", "parent_permlink": "devnet", "author": alice,
                                  "permlink": "post", "title": "t", "body": "b", "json_metadata": '{"app":"x"}'})
    assert _beem(client, [first], client.keys[alice]["posting"])["result"] == {}
    edit = operations.Comment(**{**first.json(), "body": "b2", "json_metadata": ""})
    assert _beem(client, [edit], client.keys[alice]["posting"])["result"] == {}
    content = client.call("condenser_api.get_content", [alice, "post"])
    assert (content["body"], content["json_metadata"]) == ("b2", '{"app":"x"}')


def test_paid_out_comment_cannot_be_deleted_and_claims_are_capped(client: Client, alice: str) -> None:
    assert _beem(client, [_comment(alice)], client.keys[alice]["posting"])["result"] == {}
    client.send_ok([_vote("initminer", alice, 10000)], [INITMINER_WIF])
    client.generate(WEEK_BLOCKS)
    delete = operations.Delete_comment(**{"author": alice, "permlink": "post"})
    assert error_message(_beem(client, [delete], client.keys[alice]["posting"])) == (
        "Assert Exception:comment.cashout_time != fc::time_point_sec::maximum(): ")
    account = client.call("condenser_api.get_accounts", [[alice]])[0]
    claim = operations.Claim_reward_balance(**{
        "account": alice, "reward_steem": "1000.000 STEEM", "reward_sbd": account["reward_sbd_balance"],
        "reward_vests": account["reward_vesting_balance"], "prefix": "STM"})
    assert error_message(_beem(client, [claim], client.keys[alice]["posting"])) == (
        "Assert Exception:op.reward_steem <= acnt.reward_steem_balance: Cannot claim that much STEEM. "
        f"Claim: 1000.000 STEEM Actual: {account['reward_steem_balance']}")


def test_steem_chain_rejects_hive_symbols(client: Client, alice: str) -> None:
    answer = _beem(client, [_transfer("initminer", alice, "1.000 HIVE")], INITMINER_WIF)
    assert answer["error"]["code"] == -32003
    assert error_message(answer) == "Assert Exception:false: Cannot parse asset symbol"


def test_hive_chain_serves_beem_hive(tmp_path_factory: pytest.TempPathFactory) -> None:
    from beem import Hive
    from beem.account import Account
    from beem.storage import generate_config_store
    from beemstorage import InRamConfigurationStore

    handle = start_devnet(chain="hive")
    try:
        store = generate_config_store(InRamConfigurationStore(), blockchain="hive")
        hive = Hive(node=handle.url, keys=[INITMINER_WIF], num_retries=0, config_store=store)
        assert hive.is_hive and hive.chain_params["chain_id"] == handle.chain.chain_id
        assert {a["symbol"] for a in hive.chain_params["chain_assets"]} == {"HIVE", "HBD", "VESTS"}
        config = requests.post(handle.url, json={"jsonrpc": "2.0", "id": 1, "method": "database_api.get_config",
                                                 "params": {}}, timeout=5).json()["result"]
        assert "HIVE_CHAIN_ID" in config and "HBD_SYMBOL" in config
        assert not [key for key in config if key.startswith(("STEEM_", "SBD_"))]
        hive.create_account("hiveuserx", creator="initminer", password="pw-hiveuserx", storekeys=False)
        Account("initminer", blockchain_instance=hive).transfer("hiveuserx", 1.5, "HIVE", memo="hi")
        balances = Account("hiveuserx", blockchain_instance=hive).balances["available"]
        assert [str(b) for b in balances[:2]] == ["1.500 HIVE", "0.000 HBD"]
        assert handle.chain.accepted_transactions[-1]["trx"]["operations"][0][1]["amount"] == "1.500 HIVE"
    finally:
        handle.stop()
