"""Chain reward and vote data -> the WordPress meta values the rewards mirror writes (pure).

Owns: reading reward virtual ops (``author_reward``, ``curation_reward``,
``comment_benefactor_reward``, ``comment_reward``) and votes out of history entries; the meta of
one bridged post (from ``get_content`` plus the payout split its virtual ops reported); the meta
of one member (from ``get_accounts`` plus the reward events seen for them); and ``changed_meta``,
which returns only what differs from what was last written, or ``Skip`` when nothing does.

Amounts stay exact: assets are kept as integer satoshis and written back as the chain's own
legacy strings (``"1.234 SBD"``), integers the node may print as strings (rshares, weight,
reputation) are written as decimal strings. No I/O; the time is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bridge.model import Skip, SourceRef, content_hash, from_text

PAID_OUT = "1969-12-31T23:59:59"  # time_point_sec::maximum() as steemd prints it
PRECISION = {"VESTS": 6}  # every other symbol (STEEM, SBD, HIVE, HBD, TESTS, TBD) has 3
DAY = 86400
WINDOWS = (7, 30)
POST_KEYS = ("steem_votes", "steem_vote_count", "steem_pending_payout", "steem_payout_time",
             "steem_paid_out", "steem_author_payout", "steem_curator_payout",
             "steem_author_sbd", "steem_author_steem", "steem_author_vests",
             "steem_beneficiary_payouts", "steem_replies")
REWARD_OPS = {"author_reward": "author", "curation_reward": "curation",
              "comment_benefactor_reward": "benefactor", "comment_reward": "comment"}


# -- assets -----------------------------------------------------------------------------------

def parse_asset(text: str) -> tuple[int, str]:
    """``"1.234 SBD"`` -> ``(1234, "SBD")``, exactly."""
    number, symbol = str(text).split()
    whole, _, fraction = number.partition(".")
    digits = PRECISION.get(symbol, 3)
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 10**digits + int((fraction or "0").ljust(digits, "0"))), symbol


def format_asset(satoshis: int, symbol: str) -> str:
    digits = PRECISION.get(symbol, 3)
    sign = "-" if satoshis < 0 else ""
    whole, fraction = divmod(abs(satoshis), 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d} {symbol}"


def chain_int(value: Any) -> int:
    """Integers > 2^32 arrive as strings (fc's stringify_large_ints); smaller ones as numbers."""
    return int(str(value))


def chain_seconds(text: str) -> int:
    return int(from_text(text).timestamp())


# -- events -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RewardEvent:
    """One reward virtual op as the mirror remembers it (amounts in satoshis)."""

    key: str  # block:trx_in_block:op_in_trx:virtual_op:kind:account -- unique per op
    kind: str  # author | curation | benefactor | comment
    account: str  # who received it
    author: str  # the post it paid for
    permlink: str
    time: int  # unix seconds
    sbd: int = 0
    steem: int = 0
    vests: int = 0
    symbols: tuple[str, str, str] = ("SBD", "STEEM", "VESTS")

    def as_row(self) -> list[Any]:
        return [self.key, self.kind, self.account, self.author, self.permlink, self.time,
                self.sbd, self.steem, self.vests, list(self.symbols)]

    @classmethod
    def from_row(cls, row: list[Any]) -> RewardEvent:
        sbd_symbol, steem_symbol, vests_symbol = row[9]
        return cls(key=row[0], kind=row[1], account=row[2], author=row[3], permlink=row[4],
                   time=row[5], sbd=row[6], steem=row[7], vests=row[8],
                   symbols=(sbd_symbol, steem_symbol, vests_symbol))


def touched_post(entry: Mapping[str, Any]) -> tuple[str, str] | None:
    """The ``(author, permlink)`` a vote or reward op is about, else None."""
    name, op = entry["op"]
    if name in ("vote", "author_reward", "comment_benefactor_reward", "comment_reward",
                "comment_payout_update"):
        return op["author"], op["permlink"]
    if name == "curation_reward":
        return op["comment_author"], op["comment_permlink"]
    return None


def reward_event(entry: Mapping[str, Any]) -> RewardEvent | None:
    """A history entry (condenser shape) as a RewardEvent, or None for any other op."""
    name, op = entry["op"]
    kind = REWARD_OPS.get(name)
    if kind is None:
        return None
    if kind == "curation":
        account, author, permlink = op["curator"], op["comment_author"], op["comment_permlink"]
        amounts = [op["reward"]]
    elif kind == "comment":
        account, author, permlink = op["author"], op["author"], op["permlink"]
        amounts = [op["payout"]]
    else:
        account = op["benefactor"] if kind == "benefactor" else op["author"]
        author, permlink = op["author"], op["permlink"]
        amounts = [op[k] for k in ("sbd_payout", "steem_payout", "vesting_payout", "reward")
                   if k in op]
    parsed = [parse_asset(a) for a in amounts]
    by_symbol = {s: n for n, s in parsed}
    sbd_sym = next((s for s in by_symbol if s in ("SBD", "HBD", "TBD")), "SBD")
    steem_sym = next((s for s in by_symbol if s in ("STEEM", "HIVE", "TESTS")), "STEEM")
    key = ":".join(str(entry.get(k, "")) for k in ("block", "trx_in_block", "op_in_trx",
                                                    "virtual_op")) + f":{kind}:{account}"
    return RewardEvent(key, kind, account, author, permlink, chain_seconds(entry["timestamp"]),
                       by_symbol.get(sbd_sym, 0), by_symbol.get(steem_sym, 0),
                       by_symbol.get("VESTS", 0), (sbd_sym, steem_sym, "VESTS"))


# -- post meta --------------------------------------------------------------------------------

def post_meta(content: Mapping[str, Any], events: Iterable[RewardEvent]) -> dict[str, Any]:
    """Meta of one bridged post from its ``get_content`` and the reward ops paid for it."""
    votes = sorted(({"voter": v["voter"], "weight": str(chain_int(v["weight"])),
                     "rshares": str(chain_int(v["rshares"])), "percent": chain_int(v["percent"]),
                     "time": v["time"]} for v in content.get("active_votes", [])),
                   key=lambda v: (v["time"], v["voter"]))
    paid_out = content["cashout_time"] == PAID_OUT
    author = next((e for e in events if e.kind == "author"), None)
    benefactors = sorted((e for e in events if e.kind == "benefactor"), key=lambda e: e.account)
    sbd_sym, steem_sym, _ = author.symbols if author else _symbols(content)
    return {
        "steem_votes": votes,
        "steem_vote_count": len(votes),
        "steem_pending_payout": content["pending_payout_value"],
        "steem_payout_time": content["last_payout"] if paid_out else content["cashout_time"],
        "steem_paid_out": paid_out,
        "steem_author_payout": content["total_payout_value"],
        "steem_curator_payout": content["curator_payout_value"],
        "steem_author_sbd": format_asset(author.sbd, sbd_sym) if author else "",
        "steem_author_steem": format_asset(author.steem, steem_sym) if author else "",
        "steem_author_vests": format_asset(author.vests, "VESTS") if author else "",
        "steem_beneficiary_payouts": [
            {"account": e.account, "sbd": format_asset(e.sbd, e.symbols[0]),
             "steem": format_asset(e.steem, e.symbols[1]), "vests": format_asset(e.vests, "VESTS")}
            for e in benefactors],
        "steem_replies": chain_int(content.get("children", 0)),
    }


def _symbols(content: Mapping[str, Any]) -> tuple[str, str, str]:
    sbd_sym = parse_asset(content["pending_payout_value"])[1]
    return sbd_sym, "HIVE" if sbd_sym == "HBD" else "STEEM", "VESTS"


# -- member meta ------------------------------------------------------------------------------

@dataclass(frozen=True)
class VestingPrice:
    fund: str  # total_vesting_fund_steem, e.g. "1000.000 STEEM"
    shares: str  # total_vesting_shares, e.g. "2000000.000000 VESTS"

    def to_steem(self, vests: str) -> str:
        amount, _ = parse_asset(vests)
        fund, symbol = parse_asset(self.fund)
        shares, _ = parse_asset(self.shares)
        return format_asset(amount * fund // shares if shares else 0, symbol)


def member_meta(account: Mapping[str, Any], events: Iterable[RewardEvent],
                pending_payouts: Iterable[str], price: VestingPrice, now: int) -> dict[str, Any]:
    """Meta of one member from ``get_accounts``, their reward events and their posts' pending."""
    steem_sym = parse_asset(account["balance"])[1]
    sbd_sym = parse_asset(account["sbd_balance"])[1]
    own = [e for e in events if e.account == account["name"]]
    values: dict[str, Any] = {
        "steem_author_rewards": format_asset(chain_int(account["posting_rewards"]), steem_sym),
        "steem_curation_rewards": format_asset(chain_int(account["curation_rewards"]), steem_sym),
        "steem_reward_sbd_balance": account["reward_sbd_balance"],
        "steem_reward_steem_balance": account["reward_steem_balance"],
        "steem_reward_vesting_balance": account["reward_vesting_balance"],
        "steem_reward_vesting_steem": account["reward_vesting_steem"],
        "steem_vesting_shares": account["vesting_shares"],
        "steem_power": price.to_steem(account["vesting_shares"]),
        "steem_reputation": str(chain_int(account.get("reputation", 0))),
        "steem_pending_payout": format_asset(
            sum(parse_asset(p)[0] for p in pending_payouts), sbd_sym),
    }
    for days in WINDOWS:
        recent = [e for e in own if e.time > now - days * DAY]
        author = [e for e in recent if e.kind == "author"]
        values[f"steem_author_rewards_{days}d"] = {
            "sbd": format_asset(sum(e.sbd for e in author), sbd_sym),
            "steem": format_asset(sum(e.steem for e in author), steem_sym),
            "vests": format_asset(sum(e.vests for e in author), "VESTS")}
        values[f"steem_curation_rewards_{days}d"] = format_asset(
            sum(e.vests for e in recent if e.kind == "curation"), "VESTS")
    return values


def next_window_change(events: Iterable[RewardEvent], now: int) -> int | None:
    """When the 7/30-day sums next change without any new event (an event ages out)."""
    edges = [e.time + days * DAY for e in events for days in WINDOWS if e.time + days * DAY >= now]
    return min(edges) if edges else None


# -- what to write ----------------------------------------------------------------------------

def changed_meta(source: SourceRef, values: Mapping[str, Any], written: Mapping[str, Any],
                 block: int) -> dict[str, Any] | Skip:
    """The keys whose value differs from what was last written (plus the block), or Skip."""
    changed = {key: value for key, value in values.items()
               if key not in written or content_hash(written[key]) != content_hash(value)}
    if not changed:
        return Skip(source, "unchanged since the last mirror run", terminal=False)
    changed["steem_mirror_block"] = block
    return changed
