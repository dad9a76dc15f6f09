"""Getting outbox intents onto the chain exactly once, and knowing they are there.

Order of every send: sign -> commit SIGNED (tx id, expiration, signed tx) -> broadcast -> commit
BROADCAST -> wait for the tx id in a block -> commit CONFIRMED. A crash between any two steps is
reconciled on the next tick (``reconcile``) by looking the tx id up on chain; the same signed tx
may be resent (the chain rejects a second copy as a duplicate), a fresh one is only signed once the
old one has expired unseen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bridge.config_rules import env_name_for_account
from bridge.failures import (
    AlreadyApplied,
    Code,
    ConnectorError,
    FailureClass,
    RateLimited,
    TerminalError,
    TransientError,
)
from bridge.kinds import Authority, Confirmation, LinkEffect, rule_for
from bridge.model import Intent, IntentKind, from_text
from bridge.ports import (
    AccountTimes,
    Chain,
    ChainHead,
    JsonDict,
    Sidechain,
    SidechainReceipt,
    SignedTx,
)
from bridge.report import TickReport
from bridge.scheduler import earliest_send, projected
from bridge.store import OutboxEntry, StateStore
from bridge.votes import VoteStates
from mappings.deletes import deletion_blocker, tombstone_edit

# A tx id unknown this long after its expiration is treated as never landed (covers a node or
# gateway backend a few blocks behind the one that answered head()).
EXPIRY_MARGIN = timedelta(seconds=60)
MAX_ATTEMPTS = 5  # signed transactions per intent before a person is asked to look
MAX_ROUNDS = 20  # send-then-confirm rounds per tick (the daemon's next tick does the rest)
BLOCK_INTERVAL = timedelta(seconds=3)  # STEEM_BLOCK_INTERVAL: the earliest a sent tx can land
log = logging.getLogger("wp_steem_bridge.dispatch")


SigningKey = Callable[[str, Authority], "str | None"]  # (account, authority) -> WIF


@dataclass
class Round:
    """One send round: the accounts' clocks as read (then projected after each send), who sent."""

    clocks: dict[str, AccountTimes | None] = field(default_factory=dict)
    sent_by: set[str] = field(default_factory=set)
    held: int = 0  # intents held back behind one sent this round
    contents: dict[tuple[str, str], JsonDict | None] = field(default_factory=dict)  # voted posts


def checkpoint(step: str) -> None:
    """Called between the steps of a send ("after-sign", "after-broadcast", "before-confirm");
    does nothing. Crash tests replace it (tests/support/crashing_cli.py) to kill the process
    there."""


@dataclass(frozen=True)
class Hold:
    """Not signed now: scheduled until ``until`` (chain time) for ``reason``."""

    until: datetime
    reason: str


class SendHooks(Protocol):
    """An output with rules of its own (token payouts, bridge/points_stream.py), for the intents
    whose source object type it names: asked right before signing (caps, the treasury's
    balance), and told the outcome in the transaction that confirms the intent (per action of a
    sidechain batch: one refused action never fails the others, nor is the batch sent again)."""

    def before_sign(self, entry: OutboxEntry, head: ChainHead) -> Hold | None: ...

    def settle(self, entry: OutboxEntry, block: int,
               receipt: SidechainReceipt | None) -> None: ...


class Dispatcher:
    def __init__(self, store: StateStore, chain: Chain, signing_key: SigningKey,
                 *, sidechain: Sidechain | None = None, confirm_timeout: float = 15.0,
                 poll_interval: float = 0.25, round_size: int = 0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """``round_size``: at most this many broadcasts per round (0 = no limit). 1 is the
        sequential dispatch of bridge 0.1 (send, wait for the block, send the next): the
        benchmark's baseline."""
        self.store = store
        self.outbox = store.outbox
        self.chain = chain
        self.sidechain = sidechain
        self.signing_key = signing_key
        self.confirm_timeout = confirm_timeout
        self.poll_interval = poll_interval
        self.round_size = round_size
        self.sleep = sleep
        self.votes = VoteStates(store, chain)
        self.hooks: dict[str, SendHooks] = {}  # by source object type (e.g. "points")

    # -- reconcile ----------------------------------------------------------------------------

    def reconcile(self, report: TickReport) -> None:
        """Settle every row that was signed before: confirmed, resent, or re-queued."""
        entries = self.outbox.in_flight()
        if not entries:
            return
        head = self.chain.head()
        found = self.chain.find_transactions([e.tx_id or "" for e in entries])
        resent: list[OutboxEntry] = []
        for entry in entries:
            block = found.get(entry.tx_id or "")
            if block:
                self._confirm(entry, block, report)
            elif head.time >= _parse(entry.tx_expiration) + EXPIRY_MARGIN:
                self._expired(entry, report)
            elif head.time < _parse(entry.tx_expiration) and self._resend(entry, report):
                resent.append(entry)
            # else: just expired; look again next tick before deciding it never landed
        self._confirm_round(resent, report)

    def _expired(self, entry: OutboxEntry, report: TickReport) -> None:
        """Expired, and a margin of blocks later still unknown: it can never land now."""
        block = self.chain.find_transaction(entry.tx_id or "")  # ask once more
        if block:
            self._confirm(entry, block, report)
            return
        if entry.attempts >= MAX_ATTEMPTS:
            self._fail(entry, TerminalError(
                f"{entry.attempts} signed attempts never reached a block "
                f"(last: {entry.reason or 'no answer'})"), report)
            return
        with self.store.transaction():
            self.outbox.mark_retry(entry.id, FailureClass.TRANSIENT.value,
                                   "transaction expired without reaching a block; "
                                   "it will be signed again")
        report.requeued += 1

    def _resend(self, entry: OutboxEntry, report: TickReport) -> bool:
        """The same signed transaction again (the chain refuses a second copy): True when the
        node has it now."""
        signed = SignedTx(entry.tx_id or "", _parse(entry.tx_expiration), entry.signed_tx or {})
        try:
            self.chain.broadcast(signed)
        except AlreadyApplied:
            pass  # the node has it (pending or in a block): wait for the block
        except ConnectorError as exc:
            report.problem(f"{entry.key}: resend failed: {exc.message}", exc.failure)
            return False
        return True

    # -- dispatch -----------------------------------------------------------------------------

    def dispatch(self, report: TickReport, should_stop: Callable[[], bool]) -> None:
        """Rounds: sign and broadcast every intent that is due (each account's rules permitting,
        several intents of one account projected locally), then confirm the round's
        transactions together with batched look-ups; again while a round sent something."""
        rounds = MAX_ROUNDS
        while rounds > 0:
            rounds -= 1
            entries = self.outbox.dispatchable()
            if self.round_size and rounds == MAX_ROUNDS - 1:
                rounds += len(entries) // self.round_size  # sequential: every due intent, once
            if not entries or should_stop():
                return
            head = self.chain.head()
            report.chain_head_time = head.time
            sent, report.waiting = self._round(entries, head, report, should_stop)
            if not sent:
                return
            self._confirm_round(sent, report)

    def _round(self, entries: list[OutboxEntry], head: ChainHead, report: TickReport,
               should_stop: Callable[[], bool]) -> tuple[list[OutboxEntry], int]:
        """(what was broadcast, how many wait for a later chain time)."""
        round_ = Round()
        sent: list[OutboxEntry] = []
        waiting = 0
        for entry in entries:
            if should_stop() or (self.round_size and len(sent) >= self.round_size):
                break
            if entry.not_before and _parse(entry.not_before) > head.time:
                waiting += 1
                continue
            done = self._send_isolated(entry, head, round_, report)
            if done is not None:
                sent.append(done)
        return sent, waiting + round_.held

    def _send_isolated(self, entry: OutboxEntry, head: ChainHead, round_: Round,
                       report: TickReport) -> OutboxEntry | None:
        """One intent's trouble (a read that failed, a bug) never stops the others."""
        try:
            return self._send(entry, head, round_, report)
        except ConnectorError as exc:
            report.problem(f"{entry.key}: {exc.message}", exc.failure)
        except Exception as exc:  # noqa: BLE001 - recorded with its reason, not a crash loop
            log.exception("intent %s: unexpected error", entry.key)
            current = self.outbox.get(entry.id)
            if current.tx_id is None:  # never signed: safe to park it for a person
                self._fail(entry, TerminalError(
                    f"internal error ({type(exc).__name__}: {exc}); please report it"), report)
        return None

    def _send(self, entry: OutboxEntry, head: ChainHead, round_: Round,
              report: TickReport) -> OutboxEntry | None:
        """Sign, commit SIGNED, broadcast, commit BROADCAST; the broadcast entry, or None."""
        rule = rule_for(entry.kind)
        if rule.link is LinkEffect.DELETED:
            blocker = deletion_blocker(self.chain.get_content(entry.author, entry.permlink))
            if blocker:
                self._keep(entry, blocker, report)
                return None
        if entry.kind is IntentKind.VOTE and not self.votes.may_send(entry, round_.contents,
                                                                     head, report):
            return None
        clocks = round_.clocks
        if entry.account not in clocks:
            clocks[entry.account] = self.chain.account_times(entry.account)
        times = clocks[entry.account]
        if times is None:
            self._fail(entry, TerminalError(
                f"the chain has no account @{entry.account}; check the author's steem_account "
                f"in WordPress, then run: wp-steem-bridge retry --failed"), report)
            return None
        wait = earliest_send(entry.kind, times, head.time)
        if wait is not None and entry.account in round_.sent_by:
            round_.held += 1  # behind an intent sent this round: judged on the chain's clocks
            return None  # in the next round, never scheduled on a guess
        if wait is not None:
            with self.store.transaction():
                self.outbox.mark_scheduled(entry.id, wait.until, wait.reason)
            report.scheduled += 1
            return None
        wif = self.signing_key(entry.account, rule.authority)
        if not wif:
            self._fail(entry, TerminalError(_missing_key(entry.account, rule.authority)), report)
            return None
        hooks = self.hooks.get(entry.source.object_type)
        hold = hooks.before_sign(entry, head) if hooks is not None else None
        if hold is not None:
            with self.store.transaction():
                self.outbox.mark_scheduled(entry.id, hold.until, hold.reason)
            report.scheduled += 1
            return None
        try:
            signed = self.chain.sign(entry.operations, wif)
        except ConnectorError as exc:
            self._handle_send_error(entry, exc, head, report)
            return None
        with self.store.transaction():
            self.outbox.mark_signed(entry.id, signed.tx_id, signed.expiration, signed.tx)
        checkpoint("after-sign")
        try:
            self.chain.broadcast(signed)
        except AlreadyApplied:
            pass
        except ConnectorError as exc:
            self._handle_broadcast_error(entry, exc, head, report)
            return None
        checkpoint("after-broadcast")
        with self.store.transaction():
            self.outbox.mark_broadcast(entry.id)
        report.broadcast += 1
        # the next intent of this account this round is judged as if this one were in the next
        # block (the earliest it can land); the chain's own clocks are read again next round
        clocks[entry.account] = projected(times, entry.kind, head.time + BLOCK_INTERVAL)
        round_.sent_by.add(entry.account)
        return self.outbox.get(entry.id)

    def _handle_broadcast_error(self, entry: OutboxEntry, exc: ConnectorError, head: ChainHead,
                                report: TickReport) -> None:
        """After a send, only the node's own refusal proves the tx did not land. Anything else
        (a timeout, a gateway page, an error text we do not know) leaves the row SIGNED for
        ``reconcile``, which looks the tx id up before anything is signed again."""
        if isinstance(exc, RateLimited) or (exc.failure is FailureClass.TERMINAL
                                            and exc.rejected):
            self._handle_send_error(entry, exc, head, report)
            return
        with self.store.transaction():
            self.outbox.note(entry.id, exc.failure.value,
                             f"broadcast outcome unknown, will look the tx up: {exc.message}")
        report.problem(f"{entry.key}: {exc.message}", FailureClass.TRANSIENT)

    def _handle_send_error(self, entry: OutboxEntry, exc: ConnectorError, head: ChainHead,
                           report: TickReport) -> None:
        """Errors that prove nothing reached the chain (before a send, or a node's refusal)."""
        if isinstance(exc, RateLimited):
            until = head.time + timedelta(seconds=exc.retry_after or 3)
            with self.store.transaction():
                self.outbox.mark_retry(entry.id, exc.failure.value, exc.message, until)
            report.scheduled += 1
        elif isinstance(exc, TransientError):
            with self.store.transaction():
                self.outbox.mark_retry(entry.id, exc.failure.value, exc.message)
            report.problem(f"{entry.key}: {exc.message}", exc.failure)
        elif self.votes.settle(entry, exc, report):
            pass  # an identical vote, no vote to remove, vote changes used: an outcome
        elif exc.code is Code.DELETE_NOT_ALLOWED:
            self._keep(entry, exc.message, report)
        else:
            self._fail(entry, exc, report)

    # [mapping] on_refused_delete: "keep" the refused post as it is, or "tombstone" its text
    on_refused_delete = "keep"

    def _keep(self, entry: OutboxEntry, blocker: str, report: TickReport) -> None:
        """A delete the chain refuses is a final, visible state, not a retry loop; with
        ``on_refused_delete = "tombstone"`` the post's text is replaced by a short note."""
        tombstone = self._tombstone(entry) if self.on_refused_delete == "tombstone" else None
        if tombstone is not None:
            status = "tombstoned"
            reason = (f"unpublished in WordPress; the chain refused to delete it ({blocker}), so "
                      f"its text on chain is replaced by a \"removed by the author\" note")
        else:
            status, reason = "kept_on_chain", \
                f"unpublished in WordPress but kept on chain: {blocker}"
        with self.store.transaction():
            self.outbox.mark_kept(entry.id, reason)
            self.store.record_problem(str(entry.source), "delete", "kept", reason)
            if tombstone is not None:
                self.outbox.enqueue(tombstone)
                # published again later, the post's own text differs from this: edited back
                self.store.set_link_body_hash(entry.source, tombstone.body_hash)
            self.store.queue_writeback(entry.source, int(entry.source.object_id), {
                "steem_status": status, "steem_error": reason[:500]})
        report.kept += 1

    def _tombstone(self, entry: OutboxEntry) -> Intent | None:
        """The edit replacing the refused post's text (None when it is no longer on chain)."""
        content = self.chain.get_content(entry.author, entry.permlink)
        result = tombstone_edit(content, entry.source, entry.key)
        return result if isinstance(result, Intent) else None

    def _fail(self, entry: OutboxEntry, exc: ConnectorError, report: TickReport) -> None:
        with self.store.transaction():
            self.outbox.mark_failed(entry.id, exc.failure.value, exc.message)
            self.store.record_problem(str(entry.source), "broadcast", exc.failure.value,
                                      exc.message)
            if rule_for(entry.kind).link is LinkEffect.PUBLISHED:
                self.store.queue_writeback(entry.source, int(entry.source.object_id), {
                    "steem_status": "failed", "steem_error": exc.message[:500]})
        report.failed += 1
        report.problem(f"{entry.key}: {exc.message}", exc.failure)

    # -- confirmation ---------------------------------------------------------------------------

    def _confirm_round(self, sent: list[OutboxEntry], report: TickReport) -> None:
        """Wait (up to ``confirm_timeout``) for the round's transactions, looking them all up
        in one batched call per poll; what is still unseen is settled by ``reconcile``."""
        pending = {entry.tx_id or "": entry for entry in sent}
        deadline = time.monotonic() + self.confirm_timeout
        while pending:
            for tx_id, block in self.chain.find_transactions(list(pending)).items():
                self._confirm(pending.pop(tx_id), block, report)
            if not pending or time.monotonic() >= deadline:
                break
            self.sleep(self.poll_interval)
        report.unconfirmed += len(pending)

    def _confirm(self, entry: OutboxEntry, block: int, report: TickReport) -> None:
        """The transaction is in ``block``; for sidechain operations, the sidechain's own log
        decides whether it happened."""
        rule = rule_for(entry.kind)
        hooks = self.hooks.get(entry.source.object_type)
        receipt: SidechainReceipt | None = None
        if rule.confirmation is Confirmation.SIDECHAIN:
            if self.sidechain is None:
                raise TerminalError("a sidechain operation was sent but no sidechain is "
                                    "configured ([chain] sidechain_url)")
            receipt = self.sidechain.find_sidechain_transaction(entry.tx_id or "")
            if receipt is None:
                report.unconfirmed += 1  # the sidechain has not processed the block yet
                return
            if receipt.errors and hooks is None:
                self._fail(entry, TerminalError(
                    f"in block {block}, but the sidechain refused it: "
                    f"{'; '.join(receipt.errors)}"), report)
                return
        checkpoint("before-confirm")
        with self.store.transaction():
            self.outbox.mark_confirmed(entry.id, block)
            self.store.clear_problem(str(entry.source), "broadcast")
            self._link_effect(entry, rule.link, block)
            if entry.kind is IntentKind.VOTE:
                self.votes.queue_tally(entry)
            if hooks is not None:
                hooks.settle(entry, block, receipt)
        report.confirmed += 1
        report.published.append((entry, block))

    def _link_effect(self, entry: OutboxEntry, effect: LinkEffect, block: int) -> None:
        if effect is LinkEffect.PUBLISHED:
            self.store.confirm_link(entry.source, entry.tx_id or "", block)
            self.store.queue_writeback(entry.source, int(entry.source.object_id), {
                "steem_author": entry.author, "steem_permlink": entry.permlink,
                "steem_tx_id": entry.tx_id, "steem_block": block,
                "steem_status": "published", "steem_error": ""})
        elif effect is LinkEffect.DELETED:
            self.store.mark_link_deleted(entry.source, entry.tx_id or "", block)
            self.store.queue_writeback(entry.source, int(entry.source.object_id), {
                "steem_tx_id": entry.tx_id, "steem_block": block,
                "steem_status": "deleted", "steem_error": ""})


def _missing_key(account: str, authority: Authority) -> str:
    env = "WPSB_ACTIVE_KEY_" if authority is Authority.ACTIVE else "WPSB_POSTING_KEY_"
    where = "the [keys] active_file" if authority is Authority.ACTIVE else "the [keys] file"
    return (f"no {authority.value} key for @{account}: set {env}"
            f"{env_name_for_account(account)} or add it to {where}, then run: "
            f"wp-steem-bridge retry --failed")


def _parse(value: str | None) -> datetime:
    return from_text(value)
