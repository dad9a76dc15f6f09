"""The one place where outside failures are sorted into what the engine should do about them.

Every connector raises only ``bridge.failures.ConnectorError`` subclasses (the error root lives
beside the model); the tables here decide the class, ``rejected`` and ``code`` of each answer.

``classify_rpc_message`` sorts a Steem node's error text; ``classify_http_status`` sorts an HTTP
answer; ``classify_jsonrpc_code`` sorts a plain JSON-RPC server's error code (the sidechain). All
are tested as one table in tests/unit/test_failures.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bridge.failures import (  # re-exported for the connectors (__all__)
    ERROR_TYPES,
    AlreadyApplied,
    Code,
    ConnectorError,
    FailureClass,
    RateLimited,
    TerminalError,
    TransientError,
)

__all__ = [
    "ERROR_TYPES", "AlreadyApplied", "Code", "ConnectorError", "FailureClass", "RateLimited",
    "TerminalError", "TransientError", "Rule", "classify_rpc_message", "is_node_rejection",
    "rpc_error", "classify_http_status", "http_error", "classify_jsonrpc_code", "jsonrpc_error",
    "node_text_of",
]


@dataclass(frozen=True)
class Rule:
    pattern: str
    failure: FailureClass
    retry_after: float | None = None
    hint: str = ""
    code: Code = Code.NONE


# Order matters: the first match wins. Texts are the node's own (protocol-facts.md section 4).
RPC_RULES: tuple[Rule, ...] = (
    Rule("Duplicate transaction check failed", FailureClass.ALREADY_APPLIED),
    # the node rejected the tx (it never lands), though the vote we wanted is already there
    Rule("Your current vote on this comment is identical", FailureClass.TERMINAL,
         hint="the account already voted with this weight", code=Code.IDENTICAL_VOTE),
    # the same refusal in the pre-HF20 vote evaluator (steem_evaluator.cpp, HARDFORK_0_6__112)
    Rule("You have already voted in a similar way", FailureClass.TERMINAL,
         hint="the account already voted with this weight", code=Code.IDENTICAL_VOTE),
    # hf20_vote_evaluator: a weight of 0 removes a vote, and needs one to remove
    Rule("Vote weight cannot be 0", FailureClass.TERMINAL,
         hint="there is no vote of this account to remove", code=Code.NO_VOTE_TO_REMOVE),
    Rule("Voter has used the maximum number of vote changes", FailureClass.TERMINAL,
         hint="the chain allows 5 changes of one vote (STEEM_MAX_VOTE_CHANGES)",
         code=Code.VOTE_CHANGES_USED),
    # voting mana regenerates 20 % a day (STEEM_VOTING_MANA_REGENERATION_SECONDS = 5 days)
    Rule("does not have enough mana to (down)?vote", FailureClass.RATE_LIMITED, 3600,
         "the account's voting mana is too low; the vote is tried again in an hour"),
    Rule("Cannot delete a comment", FailureClass.TERMINAL, code=Code.DELETE_NOT_ALLOWED),
    Rule("You may only post once every 5 minutes", FailureClass.RATE_LIMITED, 300),
    Rule("You may only comment once every 3 seconds", FailureClass.RATE_LIMITED, 3),
    Rule("Can only perform one comment edit per block", FailureClass.RATE_LIMITED, 3),
    Rule("Can only vote once every 3 seconds", FailureClass.RATE_LIMITED, 3),
    Rule(r"plugin exception:.*RC", FailureClass.RATE_LIMITED, 3600,
         "the account is out of resource credits; power up or wait"),
    Rule("Comment is actively being rewarded", FailureClass.RATE_LIMITED, 3),
    Rule("transaction expiration exception", FailureClass.TRANSIENT),
    Rule("transaction tapos exception", FailureClass.TRANSIENT),
    Rule("Unable to acquire database lock", FailureClass.TRANSIENT),
    Rule("Internal Error", FailureClass.TRANSIENT),
    Rule("Unknown exception", FailureClass.TRANSIENT),
    Rule("Request Timeout", FailureClass.TRANSIENT),
    Rule("Bad or missing upstream response", FailureClass.TRANSIENT),
    Rule("Too Many Requests", FailureClass.RATE_LIMITED, 10),
    Rule("Service Temporarily Unavailable|Bad Gateway|Gateway Time-?out|Internal Server Error",
         FailureClass.TRANSIENT),
    Rule("NumRetriesReached|CallRetriesReached|RPCErrorDoRetry|Connection refused|"
         "Max retries exceeded|timed out|RemoteDisconnected|Connection aborted|"
         "Client returned invalid format", FailureClass.TRANSIENT),
    Rule("missing required posting authority", FailureClass.TERMINAL,
         hint="the posting key configured for this account is wrong, or the app account "
              "was not granted posting authority"),
    Rule("missing required active authority", FailureClass.TERMINAL,
         hint="this operation needs the account's active key"),
    Rule("irrelevant signature included|Unnecessary signature", FailureClass.TERMINAL),
)


def classify_rpc_message(message: str) -> Rule:
    """Sort a node's error text. Anything not recognized is a rejection by the node: terminal."""
    for rule in RPC_RULES:
        if re.search(rule.pattern, message):
            return rule
    return Rule("", FailureClass.TERMINAL)


# What a node says when it has looked at a transaction and refused it (protocol-facts.md §4):
# only these prove a broadcast did not land. Anything else after a send is "unknown".
NODE_REJECTION = re.compile(
    r"Assert Exception|missing required (posting|active|owner) authority|irrelevant signature|"
    r"unknown key|plugin exception|transaction expiration exception|transaction tapos exception|"
    r"Duplicate Signature|tx_missing_|Cannot |Invalid |Could not find")


# Exceptions beem 0.24.26 (beemapi/noderpc.py ``_check_error_message``) raises without the node's
# text, by class name -> the node text they replace, so they are sorted like the text itself.
BARE_CLIENT_ERRORS: dict[str, str] = {
    "MissingRequiredActiveAuthority": "missing required active authority",
    "InvalidParameters": "Invalid parameters",
}


def node_text_of(exception_name: str, text: str) -> str:
    """The node's error text behind a client exception (its own text unless it dropped it)."""
    if text in ("", exception_name) and exception_name in BARE_CLIENT_ERRORS:
        return BARE_CLIENT_ERRORS[exception_name]
    return text


def is_node_rejection(message: str) -> bool:
    return bool(NODE_REJECTION.search(message))


def rpc_error(message: str) -> ConnectorError:
    """Build the classified exception for a node error text."""
    rule = classify_rpc_message(message)
    text = f"{message} ({rule.hint})" if rule.hint else message
    return ERROR_TYPES[rule.failure](text, retry_after=rule.retry_after,
                                     rejected=is_node_rejection(message), code=rule.code)


def classify_http_status(status: int, retry_after_header: str | None = None) -> Rule:
    """Sort an HTTP status from WordPress or any other HTTP API."""
    if status == 429:
        return Rule("429", FailureClass.RATE_LIMITED, _parse_retry_after(retry_after_header, 30))
    if status in (401, 403):
        return Rule(str(status), FailureClass.TERMINAL,
                    hint="check the WordPress user and application password, and that the "
                         "companion plugin is active", code=Code.ACCESS_DENIED)
    if status == 408 or status >= 500:
        return Rule(str(status), FailureClass.TRANSIENT,
                    retry_after=_parse_retry_after(retry_after_header, None))
    return Rule(str(status), FailureClass.TERMINAL)


def http_error(status: int, what: str, retry_after_header: str | None = None) -> ConnectorError:
    rule = classify_http_status(status, retry_after_header)
    text = f"{what}: HTTP {status}" + (f" ({rule.hint})" if rule.hint else "")
    return ERROR_TYPES[rule.failure](text, retry_after=rule.retry_after, code=rule.code)


# A JSON-RPC 2.0 server's own error codes (the spec's; jayson's 400 "missing or wrong parameters"
# on a Steem-Engine node; a Steem node's -32002 "method specification invalid", when the URL is
# a Steem node's): a request it cannot understand is our mistake or the wrong URL, so terminal;
# an internal or implementation-defined server error may pass.
JSONRPC_TERMINAL_CODES = frozenset({-32700, -32600, -32601, -32602, -32002, 400})


def classify_jsonrpc_code(code: object) -> Rule:
    if code in JSONRPC_TERMINAL_CODES:
        return Rule(str(code), FailureClass.TERMINAL)
    return Rule(str(code), FailureClass.TRANSIENT)


def jsonrpc_error(code: object, message: str, what: str, hint: str = "") -> ConnectorError:
    """A JSON-RPC error object from a server that is not a Steem node, classified by its code."""
    rule = classify_jsonrpc_code(code)
    text = f"{what}: {message} (JSON-RPC error {code})"
    if hint and rule.failure is FailureClass.TERMINAL:
        text += f"; {hint}"
    return ERROR_TYPES[rule.failure](text)


def _parse_retry_after(value: str | None, default: float | None) -> float | None:
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        return default
