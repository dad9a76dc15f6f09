"""The points -> tokens stream: members' points (myCRED, GamiPress, a mini-program's ledger) paid
out as sidechain tokens, each ledger entry exactly once.

One step per tick, before dispatch (``step``):
    1. read the companion plugin's points feed from its cursor; each event is recorded in the
       points ledger (bridge/store/points.py) with the cursor move, in one transaction. An added
       entry gets its fixed worth (``mappings.tokens.entry_worth``): due, held (member not
       linked), forfeited, or ignored with the reason. A deleted one is cancelled if not sent
       (its unsigned batch is dropped and the rest planned again), or, once paid, ``reversed``:
       a visible correction, never a silent clawback.
    2. members who linked since: their held entries become due.
    3. when the cadence says so, the due entries become batches (``mappings.tokens.plan_payouts``),
       enqueued in the one outbox with their entries assigned, in one transaction.
The dispatcher then signs and sends them (active key), asking ``before_sign`` first: the daily
caps again, the issuer's token / the treasury's balance. ``settle`` runs in the transaction that
confirms a batch: each action's entries paid, or refused with the sidechain's reason (visible;
``wp-steem-bridge points retry`` makes them due again). ``mirror_balances`` (after dispatch)
writes the paid members' sidechain balances into their WordPress profiles. With ``output = "smt"``
``tokens`` reads the SMT from the chain (connectors/smt_balances.py): the same treasury check and
the same balances mirror.

A crash anywhere is settled by the dispatcher's reconcile (the signed batch is looked up by tx id,
then in the sidechain's log); an entry is never in two batches that were signed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bridge.dispatch import BLOCK_INTERVAL, Hold
from bridge.failures import FailureClass
from bridge.model import PointEvent, Skip, SourceRef, intent_key, utc_now
from bridge.ports import ChainHead, PointsFeed, SidechainReceipt, SidechainTokens
from bridge.report import TickReport
from bridge.store import OutboxEntry, StateStore
from bridge.store.points import PointsLedger
from mappings.tokens import (
    SIDECHAIN_IDS,
    DueEntry,
    PayoutRules,
    SidechainOutput,
    TokenOutput,
    Usage,
    batch_day_ok,
    day_of,
    entry_worth,
    next_day,
    payout_due,
    plan_payouts,
)

log = logging.getLogger("wp_steem_bridge.points")
PAGE = 500
TREASURY_RETRY = timedelta(minutes=10)
RETRY_HINT = "then run: wp-steem-bridge points retry"


@dataclass
class PointsStream:
    store: StateStore
    feed: PointsFeed
    rules: PayoutRules
    tokens: SidechainTokens | None = None
    # chain account -> WordPress user id of every linked member (held entries are re-checked)
    linked_accounts: Callable[[], dict[str, int]] | None = None
    token_output: TokenOutput | None = None  # default: the sidechain's custom_json
    clock: Callable[[], datetime] = utc_now  # "now" for the cadence and the batches' day
    name: str = field(init=False)
    ledger: PointsLedger = field(init=False)
    output: TokenOutput = field(init=False)

    def __post_init__(self) -> None:
        self.name = f"wp:{self.rules.site}:points"
        self.ledger = PointsLedger(self.store.db, self.rules.site, self.rules.precision)
        self.output = self.token_output or SidechainOutput(self.rules)

    def _now(self) -> datetime:
        return self.clock()

    # -- the tick's step ------------------------------------------------------------------------

    def step(self, report: TickReport) -> None:
        self.ingest(report)
        self.relink()
        self.plan(report)

    def ingest(self, report: TickReport) -> None:
        stored = self.store.get_cursor(self.name)
        after = int(json.loads(stored).get("seq", 0)) if stored else 0
        while True:
            page = self.feed.point_events(after, PAGE)
            if not page.events and page.last <= after:
                return
            with self.store.transaction():
                for event in page.events:
                    self._record(event)
                after = max(after, page.last)
                self.store.set_cursor(self.name, json.dumps({"seq": after}))
            report.polled += len(page.events)
            if len(page.events) < PAGE:
                return

    def _record(self, event: PointEvent) -> None:
        if event.event == "delete":
            self._deleted(event)
            return
        worth = entry_worth(event, self.rules)
        if isinstance(worth, Skip):
            self.ledger.add(event.entry_id, event.user_id, event.account, event.points,
                            Decimal(0), event.ctype, event.ref, event.happened, "ignored",
                            worth.reason)
            return
        if event.account:
            status, reason = "pending", ""
        elif self.rules.unlinked == "forfeit":
            status, reason = "forfeited", "the member had no linked chain account when it was " \
                                          "earned ([points] unlinked = \"forfeit\")"
        else:
            status, reason = "held", (f"member #{event.user_id} has no linked chain account; "
                                      f"held until they link one")
        self.ledger.add(event.entry_id, event.user_id, event.account, event.points, worth,
                        event.ctype, event.ref, event.happened, status, reason)

    def _deleted(self, event: PointEvent) -> None:
        row = self.ledger.get(event.entry_id)
        if row is None:  # the deletion arrived first: the add, when it comes, is known already
            self.ledger.add(event.entry_id, event.user_id, event.account, event.points,
                            Decimal(0), event.ctype, event.ref, event.happened, "cancelled",
                            "deleted in WordPress before it was paid")
            return
        status = row["status"]
        if status in ("pending", "held", "ignored", "forfeited", "refused"):
            self.ledger.set_status([event.entry_id], "cancelled",
                                   "deleted in WordPress before it was paid")
        elif status == "batched":
            source = batch_source(self.rules.site, row["batch"])
            if self.ledger.batch_unsigned(intent_key(self.output.kind, source, "v1")):
                self.store.outbox.supersede_unsigned(
                    source, (self.output.kind,),
                    f"entry {event.entry_id} was deleted in WordPress before it was sent")
                self.ledger.release(row["batch"], "")
                self.ledger.set_status([event.entry_id], "cancelled",
                                       "deleted in WordPress before it was paid")
            else:
                self.ledger.mark_deleted(event.entry_id)
        elif status == "paid":
            self._reversed(row)

    def _reversed(self, entry: Any) -> None:
        reason = (f"deleted in WordPress after it was paid (tx {entry['tx_id']}): the "
                  f"{entry['units']} {self.rules.symbol} stay with @{entry['account']}; "
                  f"a correction to make by hand if wanted, never a silent clawback")
        self.ledger.set_status([entry["entry_id"]], "reversed", reason)
        self.store.record_problem(f"wp:{self.rules.site}:points:{entry['entry_id']}",
                                  "points correction", "terminal", reason)

    def relink(self) -> None:
        """Held entries of members who have linked an account since."""
        held = self.ledger.with_status("held")
        if not held or self.linked_accounts is None:
            return
        accounts = {user_id: account for account, user_id in self.linked_accounts().items()}
        with self.store.transaction():
            for user_id in {int(row["user_id"]) for row in held}:
                if user_id in accounts:
                    self.ledger.link(user_id, accounts[user_id])

    def plan(self, report: TickReport) -> None:
        now = self._now()
        last_day = self.store.get_meta(self.store.scoped("points_last_batch_day")) or ""
        if not payout_due(self.rules, now, last_day):
            return
        with self.store.transaction():
            due = [DueEntry(r["entry_id"], int(r["user_id"]), r["account"], Decimal(r["units"]),
                            r["happened"], int(r["attempts"]))
                   for r in self.ledger.with_status("pending")]
            if not due:
                return
            site, members = self.ledger.usage(day_of(now))
            plan = plan_payouts(due, Usage(day_of(now), site, members), self.rules,
                                self.output, now)
            for batch in plan.batches:
                if self.store.outbox.enqueue(batch.intent):
                    report.enqueued += 1
                self.ledger.assign(batch.batch_id, batch.day,
                                   [p.entries for p in batch.payouts])
            for entry_id, reason in plan.waiting.items():
                self.ledger.set_status([entry_id], "pending", reason)
            if plan.batches:
                self.store.set_meta(self.store.scoped("points_last_batch_day"), day_of(now))

    # -- the dispatcher's hooks (bridge.dispatch.SendHooks) ------------------------------------

    def before_sign(self, entry: OutboxEntry, head: ChainHead) -> Hold | None:
        batch = entry.source.object_id.removeprefix("batch-")
        if self.rules.sidechain_id == SIDECHAIN_IDS["hive-engine"] and \
                self.ledger.batches_in_flight(entry.account, entry.id):
            # Hive-Engine drops a sender's tokens actions past 20 per block: one batch a block
            return Hold(head.time + BLOCK_INTERVAL, "one Hive-Engine batch per block")
        rows = self.ledger.batch_entries(batch)
        day = day_of(head.time)
        members: dict[str, Decimal] = {}
        for row in rows:
            members[row["account"]] = members.get(row["account"], Decimal(0)) + Decimal(row["units"])
        total = sum(members.values(), Decimal(0))
        site, used = self.ledger.usage(day, exclude_batch=batch, accounts=sorted(members))
        reason = batch_day_ok(total, members, Usage(day, site, used), self.rules)
        if reason:
            return Hold(next_day(head.time), reason)
        problem = self._funding_problem(total)
        ref = f"wp:{self.rules.site}:points:{self.rules.account}"
        if problem:
            with self.store.transaction():
                self.store.record_problem(ref, "points funding", FailureClass.TERMINAL.value,
                                          problem)
            return Hold(head.time + TREASURY_RETRY, problem)
        with self.store.transaction():
            self.store.clear_problem(ref, "points funding")
            self.ledger.move_day(batch, day)
        return None

    def _funding_problem(self, total: Decimal) -> str:
        """Why the issuer or treasury cannot pay ``total`` now ('' when it can, or when no
        sidechain tables are configured to ask)."""
        if self.tokens is None:
            return ""
        rules = self.rules
        token = self.tokens.token(rules.symbol)
        nai = getattr(self.output, "nai", "")  # output "smt": the SMT's NAI
        if nai and (token is None or token.get("phase") != "launch_success"):
            phase = token.get("phase") if token else "never created"
            return (f"SMT {nai} ({rules.symbol}) is not launched ({phase}); create, set up and "
                    f"launch it as @{rules.account}, it is tried again every 10 minutes")
        if token is None:
            return (f"token {rules.symbol} does not exist on the sidechain; create it as "
                    f"@{rules.account} (tokens.create), it is tried again every 10 minutes")
        if rules.mode == "issue":
            if token.get("issuer") != rules.account:
                return (f"@{rules.account} is not the issuer of {rules.symbol} "
                        f"(@{token.get('issuer')} is); set [points] account to the issuer or "
                        f"mode = \"transfer\"")
            room = Decimal(str(token.get("maxSupply", "0"))) - Decimal(str(token.get("supply", "0")))
            if room < total:
                return (f"{rules.symbol} has {room} left to issue (maxSupply), the batch needs "
                        f"{total}")
            return ""
        held = Decimal(self.tokens.balances(rules.symbol, [rules.account]).get(rules.account, "0"))
        if held < total:
            return (f"treasury @{rules.account} holds {held} {rules.symbol}{f' ({nai})' if nai else ''}, "
                    f"the next batch "
                    f"needs {total}: top it up (it is tried again every 10 minutes)")
        return ""

    def settle(self, entry: OutboxEntry, block: int, receipt: SidechainReceipt | None) -> None:
        """In the confirming transaction: each action's entries paid or refused."""
        batch = entry.source.object_id.removeprefix("batch-")
        rows = self.ledger.batch_entries(batch)
        if receipt is None:  # an output confirmed by its block alone (an SMT transfer)
            actions: tuple[tuple[str, ...], ...] = tuple(
                () for _ in range(max((int(r["action"]) for r in rows), default=-1) + 1))
        else:
            actions = receipt.actions or ((receipt.errors,) if receipt.errors else ((),))
        refused: list[str] = []
        paid_accounts: set[str] = set()
        for row in rows:
            if row["status"] != "batched":
                continue
            index = int(row["action"])
            errors = actions[index] if index < len(actions) else (
                "the sidechain has no record of this action",)
            if errors:
                self.ledger.set_status([row["entry_id"]], "refused",
                                       f"the sidechain refused it: {'; '.join(errors)}",
                                       tx_id=entry.tx_id or "")
                refused.append(f"{row['entry_id']} ({'; '.join(errors)})")
            elif row["deleted"]:
                self.ledger.set_status([row["entry_id"]], "paid", tx_id=entry.tx_id or "")
                self._reversed(self.ledger.get(row["entry_id"]))
                paid_accounts.add(row["account"])
            else:
                self.ledger.set_status([row["entry_id"]], "paid", tx_id=entry.tx_id or "")
                paid_accounts.add(row["account"])
        if refused:
            self.store.record_problem(
                f"wp:{self.rules.site}:points:{entry.source.object_id}", "points payout",
                FailureClass.TERMINAL.value,
                f"in block {block}, the sidechain refused {len(refused)} payout(s): "
                f"{', '.join(refused[:5])}; fix the cause (e.g. top up the treasury), "
                f"{RETRY_HINT}")
        key = self.store.scoped("points_balances_due")
        due = set(json.loads(self.store.get_meta(key) or "[]")) | paid_accounts
        self.store.set_meta(key, json.dumps(sorted(due)))

    # -- after dispatch: balances back into WordPress ---------------------------------------------

    def mirror_balances(self, report: TickReport) -> None:
        key = self.store.scoped("points_balances_due")
        accounts = json.loads(self.store.get_meta(key) or "[]")
        if not accounts or self.tokens is None:
            return
        held = self.tokens.balances(self.rules.symbol, accounts)
        users = {r["account"]: int(r["user_id"]) for r in self.ledger.with_status("paid", "reversed")
                 if r["account"] in accounts}
        self.feed.write_token_balances([
            {"user_id": users[a], "account": a, "symbol": self.rules.symbol,
             "balance": held.get(a, "0")} for a in accounts if a in users])
        self.store.set_meta(key, "[]")
        report.mirrored += len(accounts)


@dataclass
class PointsBalances:
    """The inbound step after dispatch: paid members' balances into their profiles."""

    points: PointsStream
    name: str = ""

    def __post_init__(self) -> None:
        self.name = f"{self.points.name}:balances"

    def step(self, report: TickReport) -> None:
        self.points.mirror_balances(report)


def batch_source(site: str, batch: str) -> SourceRef:
    return SourceRef("wp", site, "points", f"batch-{batch}")
