"""The one error root: every failure that crosses the seam, already sorted into a class.

Connectors raise only these (``connectors/failures.py`` holds the tables that sort a node's or
WordPress's answer into them, once, at the boundary); the engine decides by class and by the
fields set there, never by matching message text. Four classes, one decision each:

    TRANSIENT        -- try again later (network down, 5xx, node busy, tx expired before inclusion)
    RATE_LIMITED     -- the other side said "not yet"; try again after ``retry_after`` seconds
    ALREADY_APPLIED  -- what we asked for already happened (duplicate tx); confirm, don't resend
    TERMINAL         -- retrying cannot help (bad key, invalid operation); record and show a person

Two more facts are decided at the boundary with the class:
    ``rejected`` -- the other side looked at the request and refused it, so a broadcast that ended
                    this way provably did not land (a timeout or a gateway page proves nothing)
    ``code``     -- a stable name for the refusals the engine treats specially (``Code``)
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class FailureClass(StrEnum):
    TRANSIENT = "transient"
    RATE_LIMITED = "rate_limited"
    ALREADY_APPLIED = "already_applied"
    TERMINAL = "terminal"


class Code(StrEnum):
    """Refusals with a meaning of their own, named at the connector boundary."""

    NONE = ""
    DELETE_NOT_ALLOWED = "delete_not_allowed"  # the chain keeps this comment (votes, replies, paid)
    IDENTICAL_VOTE = "identical_vote"  # the account already voted with this weight
    NO_VOTE_TO_REMOVE = "no_vote_to_remove"  # a weight-0 vote (unvote) where there is no vote
    VOTE_CHANGES_USED = "vote_changes_used"  # STEEM_MAX_VOTE_CHANGES (5) used on this comment
    PLUGIN_MISSING = "plugin_missing"  # the companion plugin's route is not there
    ACCESS_DENIED = "access_denied"  # the site refuses the bridge's user (401/403)
    ITEM_REFUSED = "item_refused"  # WordPress refused this one item; the others went through
    GONE = "gone"  # the item's object no longer exists (a post deleted for good): nothing to do


class ConnectorError(Exception):
    """A failure at a connector boundary, already classified."""

    failure: ClassVar[FailureClass] = FailureClass.TERMINAL

    def __init__(self, message: str, *, retry_after: float | None = None,
                 rejected: bool = False, code: Code = Code.NONE) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.rejected = rejected
        self.code = code

    def with_message(self, message: str) -> ConnectorError:
        """The same failure with a message that says more about where it happened."""
        return type(self)(message, retry_after=self.retry_after, rejected=self.rejected,
                          code=self.code)


class TransientError(ConnectorError):
    failure = FailureClass.TRANSIENT


class RateLimited(ConnectorError):
    failure = FailureClass.RATE_LIMITED


class AlreadyApplied(ConnectorError):
    failure = FailureClass.ALREADY_APPLIED


class TerminalError(ConnectorError):
    failure = FailureClass.TERMINAL


ERROR_TYPES: dict[FailureClass, type[ConnectorError]] = {
    FailureClass.TRANSIENT: TransientError,
    FailureClass.RATE_LIMITED: RateLimited,
    FailureClass.ALREADY_APPLIED: AlreadyApplied,
    FailureClass.TERMINAL: TerminalError,
}
