"""mappings/rewards.py: exact asset arithmetic, reward ops, meta values, Skip when unchanged."""

from __future__ import annotations

import json

from bridge.model import Skip, SourceRef
from mappings.rewards import (
    DAY,
    RewardEvent,
    VestingPrice,
    changed_meta,
    format_asset,
    member_meta,
    next_window_change,
    parse_asset,
    post_meta,
    reward_event,
)

SOURCE = SourceRef("wp", "t", "post", "1")


def entry(name: str, op: dict, block: int = 9, time: str = "2026-01-08T00:00:00") -> dict:
    return {"trx_id": "0" * 40, "block": block, "trx_in_block": 0, "op_in_trx": 0,
            "virtual_op": 1, "timestamp": time, "op": [name, op]}


def test_assets_round_trip_to_the_satoshi() -> None:
    for text in ("0.000 SBD", "1.234 STEEM", "-0.001 SBD", "40142.123456 VESTS", "12.3 STEEM"):
        satoshis, symbol = parse_asset(text)
        assert format_asset(satoshis, symbol) == (text if text != "12.3 STEEM" else "12.300 STEEM")
    assert parse_asset("40142.123456 VESTS") == (40142123456, "VESTS")


def test_reward_ops_become_events_and_other_ops_do_not() -> None:
    author = reward_event(entry("author_reward", {
        "author": "a", "permlink": "p", "sbd_payout": "1.000 SBD", "steem_payout": "0.000 STEEM",
        "vesting_payout": "2.000000 VESTS"}))
    assert author and (author.kind, author.sbd, author.vests) == ("author", 1000, 2000000)
    curation = reward_event(entry("curation_reward", {
        "curator": "c", "reward": "0.500000 VESTS", "comment_author": "a", "comment_permlink": "p"}))
    assert curation and (curation.account, curation.author, curation.vests) == ("c", "a", 500000)
    assert reward_event(entry("vote", {"voter": "v", "author": "a", "permlink": "p",
                                       "weight": 1})) is None


def test_a_reward_event_survives_its_stored_json_row() -> None:
    event = RewardEvent("9:0:0:1:author:alice", "author", "alice", "alice", "hello", 1767830400,
                        sbd=1234, steem=0, vests=40142123456, symbols=("HBD", "HIVE", "VESTS"))
    row = json.loads(json.dumps(event.as_row()))  # the mirror keeps events as JSON rows
    assert RewardEvent.from_row(row) == event


def test_post_meta_keeps_big_integers_exact_and_changed_meta_skips_equal_values() -> None:
    content = {"active_votes": [{"voter": "v", "weight": "9007199254740993",
                                 "rshares": "18446744073709551615", "percent": 10000,
                                 "time": "2026-01-01T00:00:03"}],
               "cashout_time": "1969-12-31T23:59:59", "last_payout": "2026-01-08T00:00:00",
               "pending_payout_value": "0.000 SBD", "total_payout_value": "1.000 SBD",
               "curator_payout_value": "0.999 SBD", "children": 2}
    values = post_meta(content, [])
    assert values["steem_votes"][0]["rshares"] == "18446744073709551615"
    assert values["steem_paid_out"] and values["steem_payout_time"] == "2026-01-08T00:00:00"
    first = changed_meta(SOURCE, values, {}, 10)
    assert isinstance(first, dict) and first["steem_mirror_block"] == 10
    assert isinstance(changed_meta(SOURCE, values, values, 11), Skip)
    assert changed_meta(SOURCE, {**values, "steem_replies": 3}, values, 12) == {
        "steem_replies": 3, "steem_mirror_block": 12}


def test_member_windows_and_when_they_next_move() -> None:
    now = 1_800_000_000
    event = reward_event(entry("author_reward", {
        "author": "m", "permlink": "p", "sbd_payout": "1.000 SBD", "steem_payout": "2.000 STEEM",
        "vesting_payout": "3.000000 VESTS"}, time="2027-01-15T08:00:00"))
    assert event
    old = type(event)(**{**event.__dict__, "key": "old", "time": now - 10 * DAY})
    recent = type(event)(**{**event.__dict__, "time": now - DAY})
    account = {"name": "m", "balance": "0.000 STEEM", "sbd_balance": "0.000 SBD",
               "posting_rewards": 5000, "curation_rewards": "4294967296",
               "reward_sbd_balance": "1.000 SBD", "reward_steem_balance": "0.000 STEEM",
               "reward_vesting_balance": "3.000000 VESTS", "reward_vesting_steem": "0.001 STEEM",
               "vesting_shares": "2000.000000 VESTS", "reputation": 0}
    meta = member_meta(account, [old, recent], ["0.100 SBD", "0.200 SBD"],
                       VestingPrice("1.000 STEEM", "2000.000000 VESTS"), now)
    assert meta["steem_author_rewards_7d"]["sbd"] == "1.000 SBD"
    assert meta["steem_author_rewards_30d"]["sbd"] == "2.000 SBD"
    assert meta["steem_curation_rewards"] == "4294967.296 STEEM"
    assert meta["steem_power"] == "1.000 STEEM" and meta["steem_pending_payout"] == "0.300 SBD"
    assert next_window_change([old, recent], now) == now + 6 * DAY
