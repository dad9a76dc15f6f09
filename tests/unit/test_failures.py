"""The one classification table: node texts and HTTP statuses -> what the engine does."""

from __future__ import annotations

import pytest

from connectors.failures import (
    AlreadyApplied,
    FailureClass,
    RateLimited,
    TerminalError,
    TransientError,
    classify_http_status,
    classify_jsonrpc_code,
    classify_rpc_message,
    http_error,
    jsonrpc_error,
    node_text_of,
    rpc_error,
)

RPC_CASES = [
    ("Assert Exception:(skip & skip_transaction_dupe_check) || trx_idx.indices().get<by_trx_id>()"
     ".find(trx_id) == trx_idx.indices().get<by_trx_id>().end(): Duplicate transaction check "
     "failed", FailureClass.ALREADY_APPLIED, None),
    ("Assert Exception:( now - auth.last_root_post ) > STEEM_MIN_ROOT_COMMENT_INTERVAL: You may "
     "only post once every 5 minutes.", FailureClass.RATE_LIMITED, 300),
    ("Assert Exception:(now - auth.last_post) >= STEEM_MIN_REPLY_INTERVAL_HF20: You may only "
     "comment once every 3 seconds.", FailureClass.RATE_LIMITED, 3),
    ("Assert Exception:now - auth.last_post_edit >= STEEM_MIN_COMMENT_EDIT_INTERVAL: Can only "
     "perform one comment edit per block.", FailureClass.RATE_LIMITED, 3),
    ("Assert Exception:( now - voter.last_vote_time ).to_seconds() >= STEEM_MIN_VOTE_INTERVAL_SEC:"
     " Can only vote once every 3 seconds.", FailureClass.RATE_LIMITED, 3),
    ("plugin exception:Account: alice has 0 RC, needs 1500000 RC. Please wait to transact, or "
     "power up STEEM.", FailureClass.RATE_LIMITED, 3600),
    ("transaction expiration exception:", FailureClass.TRANSIENT, None),
    ("transaction tapos exception:", FailureClass.TRANSIENT, None),
    ("Internal Error", FailureClass.TRANSIENT, None),
    ("Unable to acquire database lock", FailureClass.TRANSIENT, None),
    ("Too Many Requests", FailureClass.RATE_LIMITED, 10),
    ("missing required posting authority:Missing Posting Authority alice",
     FailureClass.TERMINAL, None),
    ("missing required active authority:Missing Active Authority alice",
     FailureClass.TERMINAL, None),
    ("irrelevant signature included:Unnecessary signature(s) detected",
     FailureClass.TERMINAL, None),
    ("Assert Exception:beneficiaries[i - 1] < beneficiaries[i]: Benficiaries must be specified in "
     "sorted order (account ascending)", FailureClass.TERMINAL, None),
    ("Assert Exception:false: Invalid permlink character: A", FailureClass.TERMINAL, None),
    ("Your current vote on this comment is identical to this vote.",
     FailureClass.TERMINAL, None),
    ("CallRetriesReached", FailureClass.TRANSIENT, None),
    ("Client returned invalid format. Expected JSON!", FailureClass.TRANSIENT, None),
    ("something no one has seen before", FailureClass.TERMINAL, None),
]


@pytest.mark.parametrize(("message", "failure", "retry_after"), RPC_CASES)
def test_rpc_messages_are_classified(message: str, failure: FailureClass,
                                     retry_after: float | None) -> None:
    rule = classify_rpc_message(message)
    assert rule.failure is failure
    assert rule.retry_after == retry_after


@pytest.mark.parametrize(("status", "header", "failure", "retry_after"), [
    (429, "7", FailureClass.RATE_LIMITED, 7.0),
    (429, None, FailureClass.RATE_LIMITED, 30),
    (401, None, FailureClass.TERMINAL, None),
    (403, None, FailureClass.TERMINAL, None),
    (404, None, FailureClass.TERMINAL, None),
    (400, None, FailureClass.TERMINAL, None),
    (408, None, FailureClass.TRANSIENT, None),
    (500, None, FailureClass.TRANSIENT, None),
    (503, "2", FailureClass.TRANSIENT, 2.0),
])
def test_http_statuses_are_classified(status: int, header: str | None, failure: FailureClass,
                                      retry_after: float | None) -> None:
    rule = classify_http_status(status, header)
    assert rule.failure is failure
    assert rule.retry_after == retry_after


def test_error_types_follow_the_class() -> None:
    assert isinstance(rpc_error("Duplicate transaction check failed"), AlreadyApplied)
    assert isinstance(rpc_error("You may only post once every 5 minutes."), RateLimited)
    assert isinstance(rpc_error("Internal Error"), TransientError)
    posting = rpc_error("missing required posting authority:Missing Posting Authority bob")
    assert isinstance(posting, TerminalError)
    assert "posting key configured for this account is wrong" in posting.message
    assert isinstance(http_error(502, "listing posts"), TransientError)
    assert "application password" in http_error(401, "listing posts").message


@pytest.mark.parametrize(("message", "rejected"), [
    ("Assert Exception:false: Invalid permlink character: A", True),
    ("missing required posting authority:Missing Posting Authority bob", True),
    ("transaction expiration exception:", True),
    ("plugin exception:Account: alice has 0 RC, needs 1 RC.", True),
    ("CallRetriesReached", False),
    ("Client returned invalid format. Expected JSON!", False),
    ("something no one has seen before", False),
])
def test_only_a_node_rejection_proves_a_broadcast_did_not_land(message: str,
                                                              rejected: bool) -> None:
    from connectors.failures import is_node_rejection

    assert is_node_rejection(message) is rejected


@pytest.mark.parametrize(("code", "failure"), [
    (-32700, FailureClass.TERMINAL),  # parse error
    (-32600, FailureClass.TERMINAL),  # invalid request
    (-32601, FailureClass.TERMINAL),  # method not found: not a sidechain node
    (400, FailureClass.TERMINAL),  # Steem-Engine's "missing or wrong parameters"
    (-32002, FailureClass.TERMINAL),  # a Steem node's "method specification invalid"
    (-32603, FailureClass.TRANSIENT),  # internal error
    (None, FailureClass.TRANSIENT),
])
def test_jsonrpc_error_codes_are_classified(code: object, failure: FailureClass) -> None:
    assert classify_jsonrpc_code(code).failure is failure


def test_a_terminal_jsonrpc_error_says_which_setting_to_check() -> None:
    error = jsonrpc_error(-32601, "Method not found", "reading x", "check [chain] sidechain_url")
    assert isinstance(error, TerminalError) and error.message.endswith("sidechain_url")
    assert "sidechain_url" not in jsonrpc_error(-32603, "boom", "reading x", "check it").message


def test_client_exceptions_without_the_node_text_are_sorted_by_the_text_they_replace() -> None:
    text = node_text_of("MissingRequiredActiveAuthority", "")
    error = rpc_error(text)
    assert isinstance(error, TerminalError) and error.rejected
    assert "active key" in error.message
    assert node_text_of("UnknownTransaction", "Unknown Transaction x") == "Unknown Transaction x"


@pytest.mark.parametrize(("message", "failure", "code"), [
    ("Assert Exception:itr->vote_percent != o.weight: Your current vote on this comment is "
     "identical to this vote.", FailureClass.TERMINAL, "identical_vote"),
    ("Assert Exception:vote.vote_percent != o.weight: You have already voted in a similar way.",
     FailureClass.TERMINAL, "identical_vote"),
    ("Assert Exception:o.weight != 0: Vote weight cannot be 0.", FailureClass.TERMINAL,
     "no_vote_to_remove"),
    ("Assert Exception:itr->num_changes < STEEM_MAX_VOTE_CHANGES: Voter has used the maximum "
     "number of vote changes on this comment.", FailureClass.TERMINAL, "vote_changes_used"),
    ("Assert Exception:voter.voting_manabar.has_mana( used_mana.to_int64() ): Account does not "
     "have enough mana to vote.", FailureClass.RATE_LIMITED, ""),
])
def test_vote_refusals_carry_their_code(message: str, failure: FailureClass, code: str) -> None:
    error = rpc_error(message)
    assert error.failure is failure and error.code.value == code and error.rejected
    if failure is FailureClass.RATE_LIMITED:
        assert error.retry_after == 3600 and "voting mana" in error.message
