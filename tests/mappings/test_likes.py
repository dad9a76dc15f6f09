"""Members' likes -> votes (pure mapping): weight, removal, keys, the reasons for nothing."""

from __future__ import annotations

from bridge.model import ChainLink, Intent, IntentKind, LikeEvent, Skip, like_source
from mappings.likes import LikeRules, Verdict, like_to_intent, vote_verdict, vote_weight_of

POST = ChainLink(source=like_source("t", 12, 0), author="alice", permlink="hello",
                 category="blog", state="on_chain")


def event(event_id: int = 7, kind: str = "like", account: str = "carol",
          user_id: int = 3) -> LikeEvent:
    return LikeEvent(source=like_source("t", 12, user_id), event_id=event_id, post_id=12,
                     user_id=user_id, event=kind, origin="wanzi", at="2026-01-01T00:00:00",
                     member_account=account)


def test_a_like_is_a_vote_by_the_members_account_at_the_configured_weight() -> None:
    intent = like_to_intent(event(), POST, LikeRules(weight=100))
    assert isinstance(intent, Intent) and intent.kind is IntentKind.VOTE
    assert intent.account == "carol"
    assert intent.operations == (("vote", {"voter": "carol", "author": "alice",
                                           "permlink": "hello", "weight": 10000}),)
    half = like_to_intent(event(), POST, LikeRules(weight=50))
    assert isinstance(half, Intent) and vote_weight_of(list(half.operations)) == 5000
    tiny = like_to_intent(event(), POST, LikeRules(weight=0.001))
    assert isinstance(tiny, Intent) and vote_weight_of(list(tiny.operations)) == 1


def test_an_unlike_is_a_vote_of_weight_zero() -> None:
    intent = like_to_intent(event(8, "unlike"), POST, LikeRules())
    assert isinstance(intent, Intent)
    assert intent.operations[0][1]["weight"] == 0


def test_the_key_is_per_member_post_and_event_and_deterministic() -> None:
    a = like_to_intent(event(7), POST, LikeRules())
    b = like_to_intent(event(7), POST, LikeRules())
    c = like_to_intent(event(9), POST, LikeRules())
    d = like_to_intent(event(7, user_id=4, account="dave"), POST, LikeRules())
    assert isinstance(a, Intent) and isinstance(b, Intent) and isinstance(c, Intent)
    assert isinstance(d, Intent)
    assert a.key == b.key == "vote:wp:t:like:12-3:7"
    assert len({a.key, c.key, d.key}) == 3
    assert a.source == c.source != d.source  # one member's events on one post share an order


def test_a_member_without_a_linked_account_is_skipped_with_a_reason() -> None:
    result = like_to_intent(event(account=""), POST, LikeRules())
    assert isinstance(result, Skip) and result.terminal
    assert "no linked Steem account" in result.reason and "user 3" in result.reason


def test_a_like_of_a_post_not_on_chain_is_skipped_with_a_reason() -> None:
    result = like_to_intent(event(), None, LikeRules())
    assert isinstance(result, Skip) and "not bridged" in result.reason
    gone = like_to_intent(event(), ChainLink(POST.source, "alice", "hello", "blog",
                                             state="deleted"), LikeRules())
    assert isinstance(gone, Skip) and "deleted on chain" in gone.reason


def test_an_unknown_event_is_skipped() -> None:
    assert isinstance(like_to_intent(event(kind="fav"), POST, LikeRules()), Skip)


def test_the_posts_chain_state_decides_whether_a_vote_goes_out() -> None:
    assert vote_verdict({"author": "alice", "permlink": "hello",
                         "cashout_time": "2026-01-08T00:00:00"})[0] is Verdict.SEND
    paid, reason = vote_verdict({"author": "alice", "permlink": "hello",
                                 "cashout_time": "1969-12-31T23:59:59"})
    assert paid is Verdict.REFUSE and "paid out" in reason
    assert vote_verdict(None)[0] is Verdict.WAIT
    assert vote_verdict({"author": "", "permlink": ""})[0] is Verdict.WAIT  # condenser's empty
