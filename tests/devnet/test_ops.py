"""Operation rules (steem_operations.cpp validate + steem_evaluator.cpp), exact error texts."""

from __future__ import annotations

import pytest
from beembase import operations

from devnet.genesis import INITMINER_WIF
from tests.devnet.conftest import Client, error_message, make_steem
from tests.devnet.test_tx_rules import _comment, _transfer


def _options(author: str, permlink: str = "post", beneficiaries: list | None = None,
             max_payout: str = "1000000.000 SBD", percent: int = 10000, allow_votes: bool = True,
             allow_curation: bool = True) -> operations.Comment_options:
    fields = {"author": author, "permlink": permlink, "max_accepted_payout": max_payout,
              "percent_steem_dollars": percent, "allow_votes": allow_votes, "allow_curation_rewards": allow_curation,
              "prefix": "STM"}
    if beneficiaries is not None:
        fields["beneficiaries"] = beneficiaries
    return operations.Comment_options(**fields)


def _vote(voter: str, author: str, weight: int, permlink: str = "post") -> operations.Vote:
    return operations.Vote(**{"voter": voter, "author": author, "permlink": permlink, "weight": weight})


@pytest.fixture
def alice(client: Client) -> str:
    return client.new_account("alice")


def _post(client: Client, author: str, *ops: object) -> dict:
    return client.broadcast(list(ops), [client.keys[author]["posting"]])


def test_beem_signed_comment_and_options_accepted(client: Client, alice: str) -> None:
    bob = client.new_account("bob")
    stm = make_steem(client.url, [client.keys[alice]["posting"]])
    stm.post("Hello", "World", author=alice, permlink="hello", tags=["devnet"],
             beneficiaries=[{"account": bob, "weight": 1000}])
    content = client.call("condenser_api.get_content", [alice, "hello"])
    assert content["beneficiaries"] == [{"account": bob, "weight": 1000}]
    assert content["cashout_time"] == "2026-01-08T00:00:06"  # created + 7 days
    assert content["pending_payout_value"] == "0.000 SBD"


def test_root_post_five_minute_rule(client: Client, alice: str) -> None:
    assert _post(client, alice, _comment(alice, "one"))["result"] == {}
    answer = _post(client, alice, _comment(alice, "two"))
    assert error_message(answer) == ("Assert Exception:( now - auth.last_root_post ) > STEEM_MIN_ROOT_COMMENT_INTERVAL: "
                                     "You may only post once every 5 minutes.")
    client.generate(98)  # the first post's block + 98 blocks = 297 s
    assert "error" in _post(client, alice, _comment(alice, "two"))
    client.generate(1)  # exactly 300 s: the rule is strictly greater
    assert "error" in _post(client, alice, _comment(alice, "two"))
    client.generate(1)
    assert _post(client, alice, _comment(alice, "two"))["result"] == {}


def test_reply_three_second_rule_and_edit_rule(client: Client, alice: str) -> None:
    bob = client.new_account("bob")
    client.send_ok([_comment(alice)], [client.keys[alice]["posting"]])
    two_replies = [_comment(bob, "r1", alice, "post"), _comment(bob, "r2", alice, "post")]
    answer = _post(client, bob, *two_replies)
    assert error_message(answer) == ("Assert Exception:(now - auth.last_post) >= STEEM_MIN_REPLY_INTERVAL_HF20: "
                                     "You may only comment once every 3 seconds.")
    two_edits = [_comment(alice, body="v2"), _comment(alice, body="v3")]
    assert error_message(_post(client, alice, *two_edits)) == (
        "Assert Exception:now - auth.last_post_edit >= STEEM_MIN_COMMENT_EDIT_INTERVAL: "
        "Can only perform one comment edit per block.")


def test_permlink_and_parent_rules(client: Client, alice: str) -> None:
    assert error_message(_post(client, alice, _comment(alice, "Bad"))) == (
        "Assert Exception:false: Invalid permlink character: B")
    assert error_message(_post(client, alice, _comment(alice, "x", "nobody", "nothing"))) == "unknown key:unknown key: "
    client.send_ok([_comment(alice)], [client.keys[alice]["posting"]])
    moved = _comment(alice, parent_permlink="other")
    assert error_message(_post(client, alice, moved)) == (
        "Assert Exception:equal( com.parent_permlink, o.parent_permlink ): The permlink of a comment cannot change.")


def test_edit_keeps_title_and_applies_patch(client: Client, alice: str) -> None:
    import diff_match_patch

    client.send_ok([_comment(alice, body="hello world")], [client.keys[alice]["posting"]])
    dmp = diff_match_patch.diff_match_patch()
    patch = dmp.patch_toText(dmp.patch_make("hello world", "hello brave world"))
    client.send_ok([_comment(alice, body=patch, title="")], [client.keys[alice]["posting"]])
    content = client.call("condenser_api.get_content", [alice, "post"])
    assert content["body"] == "hello brave world"
    assert content["title"] == "title"


def test_comment_validation_texts(client: Client, alice: str) -> None:
    answer = _post(client, alice, _comment(alice, title="t" * 256))
    assert error_message(answer) == ("Assert Exception:title.size() < STEEM_COMMENT_TITLE_LIMIT: "
                                     "Title size limit exceeded. Max: 255 Current: 256")
    bad_json = operations.Comment(**{"parent_author": "", "parent_permlink": "x", "author": alice, "permlink": "p",
                                     "title": "", "body": "b", "json_metadata": "{not json"})
    assert error_message(_post(client, alice, bad_json)) == (
        "Assert Exception:fc::json::is_valid(json_metadata): JSON Metadata not valid JSON")


def test_beneficiary_rules(client: Client, alice: str) -> None:
    unsorted = [{"account": "null", "weight": 100}, {"account": "initminer", "weight": 100}]
    answer = _post(client, alice, _comment(alice), _options(alice, beneficiaries=unsorted))
    assert error_message(answer) == ("Assert Exception:beneficiaries[i - 1] < beneficiaries[i]: "
                                     "Benficiaries must be specified in sorted order (account ascending)")
    too_much = [{"account": "initminer", "weight": 6000}, {"account": "null", "weight": 5000}]
    assert error_message(_post(client, alice, _comment(alice), _options(alice, beneficiaries=too_much))) == (
        "Assert Exception:sum <= STEEM_100_PERCENT: Cannot allocate more than 100% of rewards to a comment")
    ghost = [{"account": "ghost1", "weight": 100}]
    assert error_message(_post(client, alice, _comment(alice), _options(alice, beneficiaries=ghost))) == (
        'Assert Exception:acc != nullptr: Beneficiary "ghost1" must exist.')
    ok = [{"account": "initminer", "weight": 100}]
    assert _post(client, alice, _comment(alice), _options(alice, beneficiaries=ok))["result"] == {}
    again = _post(client, alice, _options(alice, beneficiaries=[{"account": "null", "weight": 100}]))
    assert error_message(again) == ("Assert Exception:_c.beneficiaries.size() == 0: "
                                    "Comment already has beneficiaries specified.")


def test_options_only_tighten_and_beneficiaries_before_votes(client: Client, alice: str) -> None:
    client.send_ok([_comment(alice), _options(alice, max_payout="10.000 SBD")], [client.keys[alice]["posting"]])
    assert error_message(_post(client, alice, _options(alice, max_payout="20.000 SBD"))) == (
        "Assert Exception:comment.max_accepted_payout >= o.max_accepted_payout: A comment cannot accept a greater payout.")
    client.send_ok([_vote("initminer", alice, 10000)], [INITMINER_WIF])
    late = _options(alice, max_payout="10.000 SBD", beneficiaries=[{"account": "initminer", "weight": 100}])
    assert error_message(_post(client, alice, late)) == (
        "Assert Exception:_c.abs_rshares == 0: Comment must not have been voted on before specifying beneficiaries.")


def test_vote_rules(client: Client, alice: str) -> None:
    bob = client.new_account("bob")
    client.send_ok([_comment(alice)], [client.keys[alice]["posting"]])
    bob_key = [client.keys[bob]["posting"]]
    assert error_message(client.broadcast([_vote(bob, alice, 0)], bob_key)) == (
        "Assert Exception:o.weight != 0: Vote weight cannot be 0.")
    assert error_message(client.broadcast([_vote(bob, alice, 10001)], bob_key)) == (
        "Assert Exception:abs(weight) <= STEEM_100_PERCENT: Weight is not a STEEMIT percentage")
    assert error_message(client.broadcast([_vote(bob, alice, 100), _vote(bob, alice, 200)], bob_key)) == (
        "Assert Exception:( now - voter.last_vote_time ).to_seconds() >= STEEM_MIN_VOTE_INTERVAL_SEC: "
        "Can only vote once every 3 seconds.")
    client.send_ok([_vote(bob, alice, 100)], bob_key)
    assert error_message(client.broadcast([_vote(bob, alice, 100)], bob_key)) == (
        "Assert Exception:itr->vote_percent != o.weight: Your current vote on this comment is identical to this vote.")
    for weight in (200, 300, 400, 500, 10000):
        client.send_ok([_vote(bob, alice, weight)], bob_key)
    assert error_message(client.broadcast([_vote(bob, alice, 700)], bob_key)) == (
        "Assert Exception:itr->num_changes < STEEM_MAX_VOTE_CHANGES: "
        "Voter has used the maximum number of vote changes on this comment.")
    votes = client.call("condenser_api.get_active_votes", [alice, "post"])
    assert votes[0]["voter"] == bob and votes[0]["percent"] == 10000 and int(votes[0]["rshares"]) > 0


def test_delete_comment_rules(client: Client, alice: str) -> None:
    bob = client.new_account("bob")
    client.send_ok([_comment(alice)], [client.keys[alice]["posting"]])
    client.send_ok([_comment(bob, "reply", alice, "post")], [client.keys[bob]["posting"]])
    delete = operations.Delete_comment(**{"author": alice, "permlink": "post"})
    assert error_message(_post(client, alice, delete)) == (
        "Assert Exception:comment.children == 0: Cannot delete a comment with replies.")
    client.send_ok([_vote("initminer", bob, 10000, "reply")], [INITMINER_WIF])
    assert error_message(client.broadcast([operations.Delete_comment(**{"author": bob, "permlink": "reply"})],
                                          [client.keys[bob]["posting"]])) == (
        "Assert Exception:comment.net_rshares <= 0: Cannot delete a comment with net positive votes.")


def test_transfer_rules(client: Client, alice: str) -> None:
    active = [client.keys[alice]["active"]]
    assert error_message(client.broadcast([_transfer(alice, "initminer", "1.000 STEEM", "m" * 2048)], active)) == (
        "Assert Exception:memo.size() < STEEM_MAX_MEMO_SIZE: Memo is too large")
    answer = client.broadcast([_transfer(alice, "initminer", "5.000 STEEM")], active)
    assert error_message(answer) == (
        f"Assert Exception:available >= -delta: Account {alice} does not have sufficient funds for balance adjustment. "
        'Required: {"amount":"-5000","precision":3,"nai":"@@000000021"}, '
        'Available: {"amount":"0","precision":3,"nai":"@@000000021"}')
    assert error_message(client.broadcast([_transfer("initminer", "steem.dao")], [INITMINER_WIF])) == (
        "Assert Exception:o.amount.symbol == SBD_SYMBOL || o.to != STEEM_TREASURY_ACCOUNT: "
        "Can only transfer SBD to steem.dao")
    client.send_ok([_transfer("initminer", alice, "2.500 STEEM")], [INITMINER_WIF])
    assert client.call("condenser_api.get_accounts", [[alice]])[0]["balance"] == "2.500 STEEM"


def test_custom_json_rules(client: Client, alice: str) -> None:
    def custom(active: list, posting: list, ident: str = "app", body: str = "{}") -> operations.Custom_json:
        return operations.Custom_json(**{"required_auths": active, "required_posting_auths": posting,
                                         "id": ident, "json": body, "prefix": "STM"})

    keys = client.keys[alice]
    long_id = ["custom_json", {"required_auths": [], "required_posting_auths": [alice], "id": "x" * 33, "json": "{}"}]
    signed = client.sign_raw([long_id], [keys["posting"]])
    assert error_message(client.rpc("condenser_api.broadcast_transaction", [signed])) == (
        "Assert Exception:id.size() <= STEEM_CUSTOM_OP_ID_MAX_LENGTH: Operation ID length exceeded. Max: 32 Current: 33")
    assert error_message(client.broadcast([custom([alice], [])], [keys["posting"]])) == (
        f"missing required active authority:Missing Active Authority {alice}")
    client.send_ok([custom([alice], [])], [keys["active"]])
    client.send_ok([custom([], [alice], body='{"a":1}')], [keys["posting"]])
    big = '{"k":"' + "x" * 8200 + '"}'
    assert error_message(client.broadcast([custom([], [alice], body=big)], [keys["posting"]])) == (
        "Assert Exception:o.json.length() <= STEEM_CUSTOM_OP_DATA_MAX_LENGTH: "
        "Operation JSON must be less than 8192 bytes.")


def test_account_update_grants_and_revokes_posting_account_auths(client: Client, alice: str) -> None:
    """The member link: alice grants the app account posting authority (account_auths), the app then
    replies and votes as alice with its own posting key; after the revoke the same vote is refused.

    Signed by beem; the session collector re-checks these account_update, reply and vote transactions
    with steem-js and @hiveio/wax (tests/independent/collector.py)."""
    app = client.new_account("app")
    keys = client.keys[alice]
    posting_pub = client.call("condenser_api.get_accounts", [[alice]])[0]["posting"]["key_auths"][0][0]
    memo_pub = client.call("condenser_api.get_accounts", [[alice]])[0]["memo_key"]

    def update(account_auths: list) -> operations.Account_update:
        posting = {"weight_threshold": 1, "account_auths": account_auths, "key_auths": [[posting_pub, 1]]}
        return operations.Account_update(**{"account": alice, "posting": posting, "memo_key": memo_pub,
                                            "json_metadata": "", "prefix": "STM"})

    assert error_message(client.broadcast([update([[app, 1]])], [keys["posting"]])) == (
        f"missing required active authority:Missing Active Authority {alice}")
    client.send_ok([update([[app, 1]])], [keys["active"]])
    granted = client.call("condenser_api.get_accounts", [[alice]])[0]["posting"]
    assert granted["account_auths"] == [[app, 1]] and granted["key_auths"] == [[posting_pub, 1]]

    app_posting = [client.keys[app]["posting"]]
    client.send_ok([_comment(alice)], [keys["posting"]])
    client.send_ok([_comment(alice, "reply-by-app", alice, "post")], app_posting)  # a reply signed by the app
    client.send_ok([_vote(alice, alice, 5000)], app_posting)  # a vote as alice, by the app
    reply = client.call("condenser_api.get_content", [alice, "reply-by-app"])
    assert (reply["parent_author"], reply["parent_permlink"]) == (alice, "post")
    assert [(v["voter"], v["percent"]) for v in client.call("condenser_api.get_active_votes", [alice, "post"])] == [
        (alice, 5000)]

    client.send_ok([update([])], [keys["active"]])  # revoke
    assert client.call("condenser_api.get_accounts", [[alice]])[0]["posting"]["account_auths"] == []
    client.generate(1)  # past the 3-second vote interval
    assert error_message(client.broadcast([_vote(alice, alice, 2500)], app_posting)) == (
        f"missing required posting authority:Missing Posting Authority {alice}")
