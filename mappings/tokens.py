"""Point events + ledger state -> token payout intents (pure; time passed in).

Owns the payout rules a site configures (``PayoutRules``): which point types (myCRED ``ctype``,
GamiPress points type) and reasons (``ref``) count -- never ``steem_vote``, the points the bridge
itself awards for chain votes (mappings/points.py) --, the conversion (points x ``rate`` -> token
units, exact decimals, rounded down to the token's precision *per ledger entry*, so every entry has
one fixed worth), the minimum payout per member, the per-member and per-site daily caps (token
units per UTC day), the cadence ("tick": every tick; "daily": once a day from ``daily_at``).

Two steps:
    ``entry_worth(event, rules)``    -- an added ledger row: its token units, or a ``Skip`` saying
                                        why it never counts (a type or reason not counted, a
                                        deduction, worth less than one unit).
    ``plan_payouts(due, usage, ...)`` -- the entries due (linked members, oldest first) and what
                                        today's batches already hold -> batches (each one
                                        ``Intent``) and why the rest waits (cap, minimum).

Output (``TokenOutput``): a Steem-Engine / Hive-Engine ``custom_json`` (id ``ssc-mainnet1`` /
``ssc-mainnet-hive``, contract ``tokens``, ``issue`` by the token's issuer or ``transfer`` from a
treasury, ``required_auths`` = that account, so the active key signs) carrying an action array:
one action per member and chunk of entries, its ``memo`` naming the ledger entries it pays.
A batch stays within ``custom_json``'s 8192 bytes of JSON (steem ``STEEM_CUSTOM_OP_DATA_MAX_LENGTH``,
token-facts.md §5) and a maximum of actions (Hive-Engine: 20 ``tokens`` actions per sender and
block, token-facts.md §4). Another output (an SMT ``transfer``) implements the same protocol.

A batch's key derives from its entries (and their attempt numbers): planned twice, it is the same
intent; the outbox's unique key makes the second a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any, Protocol

from bridge.model import (
    Intent,
    IntentKind,
    PointEvent,
    Skip,
    SourceRef,
    canonical_json,
    content_hash,
    from_text,
    intent_key,
)

BRIDGE_REF = "steem_vote"  # the bridge's own vote points (mappings/points.py REF): never paid
CUSTOM_JSON_MAX_BYTES = 8192  # STEEM_CUSTOM_OP_DATA_MAX_LENGTH (steem config.hpp)
CUSTOM_JSON_ID_MAX = 32  # custom_json id length limit (steem_operations.cpp)
ENTRIES_PER_ACTION = 25  # entries one action's memo names at most (a member with more: more actions)
SIDECHAIN_IDS = {"steem-engine": "ssc-mainnet1", "hive-engine": "ssc-mainnet-hive"}
HIVE_ENGINE_MAX_ACTIONS = 20  # tokens actions per sender per block (hivesmartcontracts Block.js)


@dataclass(frozen=True)
class PayoutRules:
    site: str
    symbol: str
    precision: int  # the token's precision (decimals), 0..8
    rate: Decimal  # token units per point
    account: str  # the issuer (mode "issue") or the treasury (mode "transfer")
    mode: str = "issue"  # "issue" | "transfer"
    sidechain_id: str = "ssc-mainnet1"
    point_types: tuple[str, ...] = ()  # ctype / points type slugs counted; empty = all
    refs: tuple[str, ...] = ()  # reasons counted; empty = all but BRIDGE_REF
    minimum: Decimal = Decimal(0)  # per member and batch, in token units
    member_daily_cap: Decimal = Decimal(0)  # token units per member per UTC day; 0 = none
    site_daily_cap: Decimal = Decimal(0)  # token units per site per UTC day; 0 = none
    cadence: str = "tick"  # "tick" | "daily"
    daily_at: int = 0  # hour (UTC) of the daily payout
    max_actions: int = 0  # per transaction; 0 = only the byte limit
    unlinked: str = "hold"  # "hold" (until they link) | "forfeit"

    @property
    def unit(self) -> Decimal:
        return Decimal(1).scaleb(-self.precision)


@dataclass(frozen=True)
class DueEntry:
    """A ledger entry waiting to be paid: worth fixed when it was recorded."""

    entry_id: str
    user_id: int
    account: str
    units: Decimal
    happened: str
    attempts: int = 0


@dataclass(frozen=True)
class Usage:
    """What today's batches (planned, sent or paid; not released or refused) already hold."""

    day: str  # "YYYY-MM-DD" (UTC)
    site: Decimal = Decimal(0)
    members: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Payout:
    """One action: ``units`` to ``account`` for ``entries``."""

    account: str
    units: Decimal
    entries: tuple[str, ...]


@dataclass(frozen=True)
class Batch:
    batch_id: str
    intent: Intent
    payouts: tuple[Payout, ...]  # in action order (the sidechain's ``<tx id>-<i>``)
    day: str

    @property
    def total(self) -> Decimal:
        return sum((p.units for p in self.payouts), Decimal(0))


@dataclass(frozen=True)
class PayoutPlan:
    batches: tuple[Batch, ...] = ()
    waiting: dict[str, str] = field(default_factory=dict)  # entry id -> why not in a batch yet


class TokenOutput(Protocol):
    """How payouts become chain operations: a sidechain ``custom_json`` (``SidechainOutput``)
    or an SMT ``transfer`` per payout (another implementation of this protocol)."""

    @property
    def kind(self) -> IntentKind: ...

    def operations(self, payouts: Sequence[Payout]) -> tuple[tuple[str, dict[str, Any]], ...]:
        ...

    def fits(self, payouts: Sequence[Payout]) -> bool:
        """Whether these payouts fit one transaction."""
        ...


@dataclass(frozen=True)
class SidechainOutput:
    """Steem-Engine / Hive-Engine ``tokens`` actions in one ``custom_json`` (active key)."""

    rules: PayoutRules
    kind: IntentKind = IntentKind.CUSTOM_JSON

    def action(self, payout: Payout) -> dict[str, Any]:
        payload = {"symbol": self.rules.symbol, "to": payout.account,
                   "quantity": quantity_text(payout.units, self.rules.precision),
                   "memo": memo(self.rules.site, payout.entries)}
        return {"contractName": "tokens", "contractAction": self.rules.mode,
                "contractPayload": payload}

    def json_text(self, payouts: Sequence[Payout]) -> str:
        return canonical_json([self.action(p) for p in payouts])

    def operations(self, payouts: Sequence[Payout]) -> tuple[tuple[str, dict[str, Any]], ...]:
        return (("custom_json", {"required_auths": [self.rules.account],
                                 "required_posting_auths": [], "id": self.rules.sidechain_id,
                                 "json": self.json_text(payouts)}),)

    def fits(self, payouts: Sequence[Payout]) -> bool:
        limit = self.rules.max_actions
        if limit and len(payouts) > limit:
            return False
        return len(self.json_text(payouts).encode("utf-8")) <= CUSTOM_JSON_MAX_BYTES


def quantity_text(units: Decimal, precision: int) -> str:
    """Exactly ``precision`` decimals (tokens.js accepts at most the token's precision)."""
    return f"{units.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_DOWN):f}"


def memo(site: str, entries: Sequence[str]) -> str:
    """``wpsb:<site>:<entry ids>``: the ledger entries an action pays, for anyone to audit."""
    return f"wpsb:{site}:" + ",".join(entries)


def entry_source(site: str, entry_id: str) -> SourceRef:
    return SourceRef("wp", site, "points", entry_id.replace(":", "-"))


def entry_worth(event: PointEvent, rules: PayoutRules) -> Decimal | Skip:
    """An added ledger row's token units, or why it never counts."""
    source = entry_source(rules.site, event.entry_id)
    if event.ref == BRIDGE_REF:
        return Skip(source, "points the bridge awarded for chain votes are never paid out")
    if rules.point_types and event.ctype not in rules.point_types:
        return Skip(source, f"point type {event.ctype!r} is not paid out "
                            f"([points] point_types)")
    if rules.refs and event.ref not in rules.refs:
        return Skip(source, f"reason {event.ref!r} is not paid out ([points] refs)")
    try:
        points = Decimal(event.points)
    except InvalidOperation:
        return Skip(source, f"points {event.points!r} is not a number")
    if not points.is_finite() or points <= 0:
        return Skip(source, "a deduction or zero: only points earned are paid out")
    units = (points * rules.rate).quantize(rules.unit, rounding=ROUND_DOWN)
    if units <= 0:
        return Skip(source, f"{points} points are worth less than one unit of {rules.symbol}")
    return units


def day_of(now: datetime) -> str:
    return now.strftime("%Y-%m-%d")


def next_day(now: datetime) -> datetime:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start + timedelta(days=1)


def payout_due(rules: PayoutRules, now: datetime, last_batch_day: str) -> bool:
    """Cadence: every tick, or once a day from ``daily_at`` (UTC)."""
    if rules.cadence != "daily":
        return True
    return now.hour >= rules.daily_at and last_batch_day != day_of(now)


def plan_payouts(due: Sequence[DueEntry], usage: Usage, rules: PayoutRules,
                 output: TokenOutput, now: datetime) -> PayoutPlan:
    """Batches for the entries ``due`` (oldest first per member), within today's caps
    (``usage`` is what today's batches already hold) and the minimum payout."""
    by_member: dict[str, list[DueEntry]] = {}
    for entry in sorted(due, key=lambda e: (e.happened, e.entry_id)):
        by_member.setdefault(entry.account, []).append(entry)
    waiting: dict[str, str] = {}
    payouts: list[Payout] = []
    attempts: dict[str, int] = {}
    site_used = usage.site
    for account in sorted(by_member):
        taken: list[DueEntry] = []
        member_used = usage.members.get(account, Decimal(0))
        total = Decimal(0)
        for entry in by_member[account]:
            reason = _cap_reason(rules, member_used + total + entry.units,
                                 site_used + total + entry.units)
            if reason:
                waiting[entry.entry_id] = reason
                continue
            taken.append(entry)
            total += entry.units
        if taken and total < rules.minimum:
            for entry in taken:
                waiting[entry.entry_id] = (f"@{account} has {total} {rules.symbol} due, below the "
                                           f"minimum payout of {rules.minimum}")
            continue
        site_used += total
        for start in range(0, len(taken), ENTRIES_PER_ACTION):
            chunk = taken[start:start + ENTRIES_PER_ACTION]
            payouts.append(Payout(account, sum((e.units for e in chunk), Decimal(0)),
                                  tuple(e.entry_id for e in chunk)))
            attempts.update({e.entry_id: e.attempts for e in chunk})
    return PayoutPlan(tuple(_batches(payouts, attempts, rules, output, day_of(now))), waiting)


def _cap_reason(rules: PayoutRules, member_total: Decimal, site_total: Decimal) -> str:
    if rules.member_daily_cap and member_total > rules.member_daily_cap:
        return (f"the member's daily cap of {rules.member_daily_cap} {rules.symbol} is reached; "
                f"paid on a later day")
    if rules.site_daily_cap and site_total > rules.site_daily_cap:
        return (f"the site's daily cap of {rules.site_daily_cap} {rules.symbol} is reached; "
                f"paid on a later day")
    return ""


def _batches(payouts: list[Payout], attempts: dict[str, int], rules: PayoutRules,
             output: TokenOutput, day: str) -> list[Batch]:
    """Greedy packing in order: a batch grows while it still fits one transaction."""
    groups: list[list[Payout]] = []
    for payout in payouts:
        if groups and output.fits([*groups[-1], payout]):
            groups[-1].append(payout)
        else:
            groups.append([payout])
    return [_batch(group, attempts, rules, output, day) for group in groups]


def _batch(payouts: list[Payout], attempts: dict[str, int], rules: PayoutRules,
           output: TokenOutput, day: str) -> Batch:
    entries = sorted(e for p in payouts for e in p.entries)
    batch_id = content_hash([[e, attempts.get(e, 0)] for e in entries])
    source = SourceRef("wp", rules.site, "points", f"batch-{batch_id}")
    intent = Intent(key=intent_key(output.kind, source, "v1"), kind=output.kind,
                    account=rules.account, source=source,
                    operations=output.operations(payouts),
                    title=f"{len(entries)} point entries -> {rules.symbol}")
    return Batch(batch_id, intent, tuple(payouts), day)


def batch_day_ok(batch_units: Decimal, member_units: dict[str, Decimal], usage: Usage,
                 rules: PayoutRules) -> str:
    """At signing: '' when a batch (``member_units`` per account) still fits today's caps
    beside what the other batches of today (``usage``) hold, else why not."""
    if rules.site_daily_cap and usage.site + batch_units > rules.site_daily_cap:
        return (f"the site's daily cap of {rules.site_daily_cap} {rules.symbol} would be "
                f"exceeded; held until the next UTC day")
    for account, units in member_units.items():
        used = usage.members.get(account, Decimal(0))
        if rules.member_daily_cap and used + units > rules.member_daily_cap:
            return (f"@{account}'s daily cap of {rules.member_daily_cap} {rules.symbol} would be "
                    f"exceeded; held until the next UTC day")
    return ""


def receipt_day(text: str) -> str:
    return day_of(from_text(text))
