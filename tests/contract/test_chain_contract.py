"""The ``Chain`` and ``Sidechain`` contract the engine relies on, asserted once against both the real
connectors on a fresh devnet (``connectors.steem.SteemChain``, ``connectors.sidechain``) and the
engine tests' ``FakeChain``: the fake may be no more lenient than the devnet in any of these rules.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from bridge.failures import (
    AlreadyApplied,
    Code,
    ConnectorError,
    RateLimited,
    TerminalError,
    TransientError,
)
from bridge.ports import SignedTx
from connectors.steem import new_key
from tests.contract.worlds import TX_EXPIRATION, Account, DevnetWorld, FakeWorld, World

SIDECHAIN_ID = "ssc-mainnet1"
SIDECHAIN_LAG_SECONDS = 6  # the sidechain processes block N once the head reaches N + 2
UNKNOWN_TX = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(params=["devnet", "fake"])
def world(request: pytest.FixtureRequest) -> World:
    if request.param == "fake":
        return FakeWorld()
    return DevnetWorld(request.getfixturevalue("devnet").url)


def post(author: str, permlink: str, body: str = "Body") -> tuple[str, Any]:
    return ("comment", {"parent_author": "", "parent_permlink": "test", "author": author,
                        "permlink": permlink, "title": "Title", "body": body,
                        "json_metadata": "{}"})


def reply(author: str, permlink: str, to: str, to_permlink: str) -> tuple[str, Any]:
    return ("comment", {"parent_author": to, "parent_permlink": to_permlink, "author": author,
                        "permlink": permlink, "title": "", "body": "A reply",
                        "json_metadata": "{}"})


def send(world: World, operation: tuple[str, Any], wif: str) -> SignedTx:
    signed = world.chain.sign([operation], wif)
    world.chain.broadcast(signed)
    return signed


def refused(world: World, operation: tuple[str, Any], wif: str,
            expected: type[ConnectorError]) -> ConnectorError:
    with pytest.raises(expected) as caught:
        world.chain.broadcast(world.chain.sign([operation], wif))
    assert caught.value.rejected, caught.value.message  # refused by the chain: it did not land
    return caught.value


# -- head, clocks ------------------------------------------------------------------------------

def test_head_time_is_aware_utc_and_moves(world: World) -> None:
    alice = world.new_account()
    before = world.chain.head()
    send(world, post(alice.name, "p1"), alice.posting)
    after = world.chain.head()
    assert before.time.utcoffset() == timedelta(0) and after.time.utcoffset() == timedelta(0)
    assert after.time > before.time and after.block_num > before.block_num
    assert 0 <= after.irreversible_block_num <= after.block_num


def test_account_clocks_are_none_for_strangers_and_move_with_post_edit_and_vote(
        world: World) -> None:
    assert world.chain.account_times("nosuchacct") is None
    alice, voter = world.new_account(), world.new_account()
    fresh = world.chain.account_times(alice.name)
    assert fresh is not None and fresh.name == alice.name
    assert fresh.last_root_post.utcoffset() == timedelta(0)

    at = world.chain.head().time
    send(world, post(alice.name, "p1"), alice.posting)
    posted = world.chain.account_times(alice.name)
    assert posted is not None
    assert at <= posted.last_root_post == posted.last_post == posted.last_post_edit
    assert posted.last_root_post <= world.chain.head().time

    world.advance(3)
    send(world, post(alice.name, "p1", body="Edited"), alice.posting)
    edited = world.chain.account_times(alice.name)
    assert edited is not None and edited.last_post_edit > posted.last_post_edit
    assert edited.last_root_post == posted.last_root_post  # an edit is not a new root post

    send(world, ("vote", {"voter": voter.name, "author": alice.name, "permlink": "p1",
                          "weight": 10000}), voter.posting)
    voted = world.chain.account_times(voter.name)
    assert voted is not None and voted.last_vote_time >= edited.last_post_edit


# -- sign, broadcast, find --------------------------------------------------------------------

def test_sign_returns_a_signed_tx_and_sends_nothing(world: World) -> None:
    alice = world.new_account()
    head = world.chain.head()
    signed = world.chain.sign([post(alice.name, "p1")], alice.posting)
    assert isinstance(signed, SignedTx) and re.fullmatch(r"[0-9a-f]{40}", signed.tx_id)
    assert signed.expiration.utcoffset() == timedelta(0)
    assert head.time < signed.expiration <= head.time + timedelta(seconds=TX_EXPIRATION)
    assert isinstance(signed.tx, dict) and signed.tx
    assert world.chain.head().block_num == head.block_num
    assert world.chain.find_transaction(signed.tx_id) is None
    assert world.chain.get_content(alice.name, "p1") is None


def test_a_broadcast_transaction_is_found_in_a_block(world: World) -> None:
    alice = world.new_account()
    before = world.chain.head().block_num
    signed = send(world, post(alice.name, "p1"), alice.posting)
    block = world.chain.find_transaction(signed.tx_id)
    assert isinstance(block, int) and before < block <= world.chain.head().block_num
    content = world.chain.get_content(alice.name, "p1")
    assert content is not None and (content["author"], content["permlink"]) == (alice.name, "p1")


def test_unknown_transactions_and_posts_are_none(world: World) -> None:
    assert world.chain.find_transaction(UNKNOWN_TX) is None
    assert world.chain.get_content("nosuchacct", "nothing") is None


def test_the_same_signed_tx_twice_is_already_applied(world: World) -> None:
    alice = world.new_account()
    signed = send(world, post(alice.name, "p1"), alice.posting)
    with pytest.raises(AlreadyApplied):
        world.chain.broadcast(signed)


def test_an_expired_tx_is_refused_as_transient(world: World) -> None:
    alice = world.new_account()
    signed = world.chain.sign([post(alice.name, "p1")], alice.posting)
    world.advance(TX_EXPIRATION + 6)
    with pytest.raises(TransientError) as caught:
        world.chain.broadcast(signed)
    assert caught.value.rejected
    assert world.chain.find_transaction(signed.tx_id) is None


# -- the chain's rules ---------------------------------------------------------------------------

def test_a_second_root_post_within_five_minutes_is_rate_limited(world: World) -> None:
    alice = world.new_account()
    send(world, post(alice.name, "p1"), alice.posting)
    error = refused(world, post(alice.name, "p2"), alice.posting, RateLimited)
    assert error.retry_after == 300
    world.advance(300)
    send(world, post(alice.name, "p2"), alice.posting)
    assert world.chain.get_content(alice.name, "p2") is not None


def test_a_wrong_key_is_a_terminal_refusal(world: World) -> None:
    alice = world.new_account()
    refused(world, post(alice.name, "p1"), new_key().wif, TerminalError)
    token_op = custom_json(alice.name, entry("create", name="A Coin", symbol="ACN", precision=3,
                                             maxSupply="1000"))
    refused(world, token_op, alice.posting, TerminalError)  # required_auths needs the active key
    assert world.chain.get_content(alice.name, "p1") is None


def test_a_comment_with_votes_or_replies_cannot_be_deleted(world: World) -> None:
    alice, bob = world.new_account(), world.new_account()
    send(world, post(alice.name, "voted"), alice.posting)
    send(world, ("vote", {"voter": bob.name, "author": alice.name, "permlink": "voted",
                          "weight": 10000}), bob.posting)
    delete = ("delete_comment", {"author": alice.name, "permlink": "voted"})
    error = refused(world, delete, alice.posting, TerminalError)
    assert error.code is Code.DELETE_NOT_ALLOWED

    carol = world.new_account()
    send(world, post(carol.name, "answered"), carol.posting)
    send(world, reply(bob.name, "re-answered", carol.name, "answered"), bob.posting)
    delete = ("delete_comment", {"author": carol.name, "permlink": "answered"})
    error = refused(world, delete, carol.posting, TerminalError)
    assert error.code is Code.DELETE_NOT_ALLOWED

    send(world, ("delete_comment", {"author": bob.name, "permlink": "re-answered"}), bob.posting)
    assert world.chain.get_content(bob.name, "re-answered") is None
    world.advance(3)
    send(world, delete, carol.posting)  # without its reply it goes
    assert world.chain.get_content(carol.name, "answered") is None


def test_the_vote_rules_members_likes_rely_on(world: World) -> None:
    """An unvote needs a vote; an identical vote is refused; five changes of one vote, then no
    more (steem_evaluator.cpp hf20_vote_evaluator; each refusal carries its code)."""
    alice, bob = world.new_account(), world.new_account()
    send(world, post(alice.name, "liked"), alice.posting)

    def vote(weight: int) -> tuple[str, Any]:
        return ("vote", {"voter": bob.name, "author": alice.name, "permlink": "liked",
                         "weight": weight})

    assert refused(world, vote(0), bob.posting, TerminalError).code is Code.NO_VOTE_TO_REMOVE
    send(world, vote(10000), bob.posting)
    world.advance(3)
    assert refused(world, vote(10000), bob.posting, TerminalError).code is Code.IDENTICAL_VOTE
    for weight in (0, 10000, 0, 10000, 0):
        send(world, vote(weight), bob.posting)
        world.advance(3)
    error = refused(world, vote(10000), bob.posting, TerminalError)
    assert error.code is Code.VOTE_CHANGES_USED


# -- the sidechain ----------------------------------------------------------------------------

def entry(action: str, **payload: Any) -> dict[str, Any]:
    return {"contractName": "tokens", "contractAction": action, "contractPayload": payload}


def custom_json(sender: str, body: Any, active: bool = True) -> tuple[str, Any]:
    return ("custom_json", {"required_auths": [sender] if active else [],
                            "required_posting_auths": [] if active else [sender],
                            "id": SIDECHAIN_ID, "json": json.dumps(body)})


@pytest.fixture
def issuer(world: World) -> Account:
    """An account that created token TKN (precision 3, max supply 1000) and holds 100 of it."""
    account = world.new_account()
    send(world, custom_json(account.name, [
        entry("create", name="Token", symbol="TKN", precision=3, maxSupply="1000"),
        entry("issue", symbol="TKN", to=account.name, quantity="100")]), account.active)
    return account


def test_a_token_transfer_is_confirmed_by_the_sidechain_log(world: World,
                                                            issuer: Account) -> None:
    bob = world.new_account()
    signed = send(world, custom_json(issuer.name, entry("transfer", symbol="TKN", to=bob.name,
                                                        quantity="10.5")), issuer.active)
    assert world.sidechain.find_sidechain_transaction(signed.tx_id) is None  # not processed yet
    world.advance(SIDECHAIN_LAG_SECONDS)
    receipt = world.sidechain.find_sidechain_transaction(signed.tx_id)
    assert receipt is not None and receipt.errors == ()
    assert (receipt.tx_id, receipt.block_num) == (signed.tx_id,
                                                  world.chain.find_transaction(signed.tx_id))


def test_an_action_array_gets_one_receipt_with_every_entrys_errors(world: World,
                                                                   issuer: Account) -> None:
    bob = world.new_account()
    signed = send(world, custom_json(issuer.name, [
        entry("issue", symbol="TKN", to=bob.name, quantity="1"),
        entry("transfer", symbol="TKN", to=bob.name, quantity="1000"),
        entry("transfer", symbol="TKN", to=bob.name, quantity="1")]), issuer.active)
    world.advance(SIDECHAIN_LAG_SECONDS)
    receipt = world.sidechain.find_sidechain_transaction(signed.tx_id)
    assert receipt is not None and receipt.errors == ("overdrawn balance",)


def test_a_refused_token_action_has_a_receipt_with_its_errors(world: World,
                                                              issuer: Account) -> None:
    bob = world.new_account()
    overdrawn = send(world, custom_json(issuer.name, entry("transfer", symbol="TKN", to=bob.name,
                                                           quantity="1000")), issuer.active)
    not_issuer = send(world, custom_json(bob.name, entry("issue", symbol="TKN", to=bob.name,
                                                         quantity="1")), bob.active)
    posting_signed = send(world, custom_json(issuer.name, entry(
        "transfer", symbol="TKN", to=bob.name, quantity="1"), active=False), issuer.posting)
    world.advance(SIDECHAIN_LAG_SECONDS)
    errors = {name: world.sidechain.find_sidechain_transaction(signed.tx_id)
              for name, signed in (("overdrawn", overdrawn), ("not_issuer", not_issuer),
                                   ("posting", posting_signed))}
    assert {name: r.errors if r else None for name, r in errors.items()} == {
        "overdrawn": ("overdrawn balance",), "not_issuer": ("not allowed to issue tokens",),
        "posting": ("you must use a custom_json signed with your active key",)}


def test_an_unknown_transaction_has_no_sidechain_receipt(world: World) -> None:
    assert world.sidechain.find_sidechain_transaction(UNKNOWN_TX) is None
    alice = world.new_account()
    signed = send(world, post(alice.name, "p1"), alice.posting)  # not a sidechain transaction
    world.advance(SIDECHAIN_LAG_SECONDS)
    assert world.sidechain.find_sidechain_transaction(signed.tx_id) is None


# -- the real connector only: where it points ----------------------------------------------------

def test_a_sidechain_url_that_is_no_sidechain_is_a_terminal_error_naming_the_setting(
        devnet: Any) -> None:
    from connectors.sidechain import SteemEngineSidechain

    with pytest.raises(TerminalError) as caught:  # a Steem node's own path, not its /rpc/
        SteemEngineSidechain(f"{devnet.url}/steem/").find_sidechain_transaction(UNKNOWN_TX)
    assert "sidechain_url" in caught.value.message
    with pytest.raises(TransientError):  # nothing listens there: try again later
        SteemEngineSidechain("http://127.0.0.1:9/rpc/", timeout=2).find_sidechain_transaction(
            UNKNOWN_TX)
