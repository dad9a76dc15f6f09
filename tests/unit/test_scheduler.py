"""Rate-limit rules in chain time (steem_evaluator.cpp HF20 branch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bridge.model import IntentKind
from bridge.ports import AccountTimes
from bridge.scheduler import earliest_send

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def clock(root: int = -10_000, post: int = -10_000, edit: int = -10_000,
          vote: int = -10_000) -> AccountTimes:
    at = lambda s: T0 + timedelta(seconds=s)  # noqa: E731
    return AccountTimes("alice", at(root), at(post), at(edit), at(vote))


def test_root_post_needs_strictly_more_than_300_seconds() -> None:
    c = clock(root=0, post=0)
    assert earliest_send(IntentKind.CREATE_POST, c, T0 + timedelta(seconds=300)) is not None
    wait = earliest_send(IntentKind.CREATE_POST, c, T0 + timedelta(seconds=10))
    assert wait is not None and wait.until == T0 + timedelta(seconds=301)
    assert "5 minutes" in wait.reason
    assert earliest_send(IntentKind.CREATE_POST, c, T0 + timedelta(seconds=301)) is None


def test_three_second_rules() -> None:
    c = clock(post=0, edit=0, vote=0)
    for kind in (IntentKind.REPLY, IntentKind.EDIT_POST, IntentKind.VOTE):
        assert earliest_send(kind, c, T0 + timedelta(seconds=2)) is not None
        assert earliest_send(kind, c, T0 + timedelta(seconds=3)) is None


def test_edit_is_not_held_by_the_root_post_rule() -> None:
    c = clock(root=0, post=0, edit=-100)
    assert earliest_send(IntentKind.EDIT_POST, c, T0 + timedelta(seconds=3)) is None


def test_unknown_account_is_not_held() -> None:
    assert earliest_send(IntentKind.CREATE_POST, None, T0) is None
