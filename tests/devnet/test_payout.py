"""Payouts at created + 7 days: virtual ops, comment fields, split invariant, no double payment."""

from __future__ import annotations

from beembase import operations

from devnet.genesis import INITMINER_WIF
from tests.devnet.conftest import Client
from tests.devnet.test_ops import _options, _vote
from tests.devnet.test_tx_rules import _comment

WEEK_BLOCKS = 604800 // 3


def _amount(text: str) -> int:
    return int(text.split()[0].replace(".", ""))


def test_payout_splits_and_virtual_ops(client: Client) -> None:
    alice, bob, carol = client.new_account("alice"), client.new_account("bob"), client.new_account("carol")
    ben = [{"account": carol, "weight": 2500}]
    client.send_ok([_comment(alice), _options(alice, beneficiaries=ben, percent=10000)], [client.keys[alice]["posting"]])
    client.send_ok([_vote("initminer", alice, 10000)], [INITMINER_WIF])
    client.send_ok([_vote(bob, alice, 10000)], [client.keys[bob]["posting"]])
    pending = client.call("condenser_api.get_content", [alice, "post"])
    assert _amount(pending["pending_payout_value"]) > 0

    client.generate(WEEK_BLOCKS)
    paid = client.call("condenser_api.get_content", [alice, "post"])
    assert paid["cashout_time"] == "1969-12-31T23:59:59"
    assert paid["pending_payout_value"] == "0.000 SBD"
    assert _amount(paid["total_payout_value"]) > 0 and _amount(paid["curator_payout_value"]) > 0
    assert paid["net_rshares"] == 0

    history = client.call("condenser_api.get_account_history", [alice, -1, 100])
    virtual = [entry for _, entry in history if entry["virtual_op"] > 0]
    names = [entry["op"][0] for entry in virtual]
    assert names == ["comment_benefactor_reward", "author_reward", "comment_reward", "comment_payout_update"]
    block = virtual[0]["block"]
    in_block = client.call("account_history_api.get_ops_in_block", {"block_num": block, "only_virtual": True})["ops"]
    kinds = [op["op"]["type"] for op in in_block]
    assert kinds[:2] == ["curation_reward_operation", "curation_reward_operation"]
    assert kinds[2:] == ["comment_benefactor_reward_operation", "author_reward_operation",
                         "comment_reward_operation", "comment_payout_update_operation"]

    # Split invariant (STEEM satoshis): curation + beneficiaries + author == reward; nothing paid twice.
    state = client.handle.chain
    with state.lock:
        accounts = state.db.accounts
        curation = accounts["initminer"].curation_rewards + accounts[bob].curation_rewards
        author = accounts[alice].posting_rewards
        benefactor = accounts[carol].reward_vesting_steem
        assert author == paid["author_rewards"]
    comment_reward = next(e for e in virtual if e["op"][0] == "comment_reward")["op"][1]["payout"]
    total = curation + author + benefactor
    assert abs(_amount(comment_reward) - total * 250 // 1000) <= 2
    assert benefactor == (total - curation) * 2500 // 10000

    client.generate(WEEK_BLOCKS)
    again = client.call("condenser_api.get_account_history", [alice, -1, 100])
    assert len([e for _, e in again if e["virtual_op"] > 0]) == len(virtual)


def test_vote_after_payout_is_accepted_with_zero_rshares_and_rewards_claimable(client: Client) -> None:
    alice = client.new_account("alice")
    client.send_ok([_comment(alice)], [client.keys[alice]["posting"]])
    client.send_ok([_vote("initminer", alice, 10000)], [INITMINER_WIF])
    client.generate(WEEK_BLOCKS)
    bob = client.new_account("bob")
    client.send_ok([_vote(bob, alice, 5000)], [client.keys[bob]["posting"]])
    votes = {v["voter"]: v for v in client.call("condenser_api.get_active_votes", [alice, "post"])}
    assert votes[bob]["rshares"] == 0
    client.send_ok([_comment(alice, body="edited after payout")], [client.keys[alice]["posting"]])
    account = client.call("condenser_api.get_accounts", [[alice]])[0]
    claim = operations.Claim_reward_balance(**{"account": alice, "reward_steem": "0.000 STEEM",
                                               "reward_sbd": account["reward_sbd_balance"],
                                               "reward_vests": account["reward_vesting_balance"], "prefix": "STM"})
    client.send_ok([claim], [client.keys[alice]["posting"]])
    after = client.call("condenser_api.get_accounts", [[alice]])[0]
    assert after["reward_vesting_balance"] == "0.000000 VESTS"
    assert _amount(after["vesting_shares"]) > _amount(account["vesting_shares"])
