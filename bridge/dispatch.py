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
from datetime import datetime, timedelta

from bridge.config import env_name_for_account
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
from bridge.model import Intent
from bridge.ports import Chain, ChainHead, Sidechain, SignedTx
from bridge.report import TickReport
from bridge.scheduler import earliest_send
from bridge.store import OutboxEntry, StateStore
from bridge.timestamps import from_text
from mappings.deletes import deletion_blocker, tombstone_edit

# A tx id unknown this long after its expiration is treated as never landed (covers a node or
# gateway backend a few blocks behind the one that answered head()).
EXPIRY_MARGIN = timedelta(seconds=60)
MAX_ATTEMPTS = 5  # signed transactions per intent before a person is asked to look
log = logging.getLogger("wp_steem_bridge.dispatch")


SigningKey = Callable[[str, Authority], "str | None"]  # (account, authority) -> WIF


def checkpoint(step: str) -> None:
    """Called between the steps of a send ("after-sign", "after-broadcast"); does nothing.
    Crash tests replace it (tests/support/crashing_cli.py) to kill the process there."""


class Dispatcher:
    def __init__(self, store: StateStore, chain: Chain, signing_key: SigningKey,
                 *, sidechain: Sidechain | None = None, confirm_timeout: float = 15.0,
                 poll_interval: float = 0.25,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self.outbox = store.outbox
        self.chain = chain
        self.sidechain = sidechain
        self.signing_key = signing_key
        self.confirm_timeout = confirm_timeout
        self.poll_interval = poll_interval
        self.sleep = sleep

    # -- reconcile ----------------------------------------------------------------------------

    def reconcile(self, report: TickReport) -> None:
        """Settle every row that was signed before: confirmed, resent, or re-queued."""
        entries = self.outbox.in_flight()
        if not entries:
            return
        head = self.chain.head()
        for entry in entries:
            block = self.chain.find_transaction(entry.tx_id or "")
            if block:
                self._confirm(entry, block, report)
            elif head.time >= _parse(entry.tx_expiration) + EXPIRY_MARGIN:
                self._expired(entry, report)
            elif head.time < _parse(entry.tx_expiration):
                self._resend(entry, report)
            # else: just expired; look again next tick before deciding it never landed

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

    def _resend(self, entry: OutboxEntry, report: TickReport) -> None:
        signed = SignedTx(entry.tx_id or "", _parse(entry.tx_expiration), entry.signed_tx or {})
        try:
            self.chain.broadcast(signed)
        except AlreadyApplied:
            pass  # the node has it (pending or in a block): wait for the block
        except ConnectorError as exc:
            report.problem(f"{entry.key}: resend failed: {exc.message}", exc.failure)
            return
        self._await_block(entry, report)

    # -- dispatch -----------------------------------------------------------------------------

    def dispatch(self, report: TickReport, should_stop: Callable[[], bool]) -> None:
        entries = self.outbox.dispatchable()
        if not entries:
            return
        head = self.chain.head()
        for entry in entries:
            if should_stop():
                return
            if entry.not_before and _parse(entry.not_before) > head.time:
                report.waiting += 1
                continue
            head = self._send_isolated(entry, head, report) or head

    def _send_isolated(self, entry: OutboxEntry, head: ChainHead,
                       report: TickReport) -> ChainHead | None:
        """One intent's trouble (a read that failed, a bug) never stops the others."""
        try:
            return self._send(entry, head, report)
        except ConnectorError as exc:
            report.problem(f"{entry.key}: {exc.message}", exc.failure)
        except Exception as exc:  # noqa: BLE001 - recorded with its reason, not a crash loop
            log.exception("intent %s: unexpected error", entry.key)
            current = self.outbox.get(entry.id)
            if current.tx_id is None:  # never signed: safe to park it for a person
                self._fail(entry, TerminalError(
                    f"internal error ({type(exc).__name__}: {exc}); please report it"), report)
        return None

    def _send(self, entry: OutboxEntry, head: ChainHead, report: TickReport) -> ChainHead | None:
        rule = rule_for(entry.kind)
        if rule.link is LinkEffect.DELETED:
            blocker = deletion_blocker(self.chain.get_content(entry.author, entry.permlink))
            if blocker:
                self._keep(entry, blocker, report)
                return None
        times = self.chain.account_times(entry.account)
        if times is None:
            self._fail(entry, TerminalError(
                f"the chain has no account @{entry.account}; check the author's steem_account "
                f"in WordPress, then run: wp-steem-bridge retry --failed"), report)
            return None
        wait = earliest_send(entry.kind, times, head.time)
        if wait is not None:
            with self.store.transaction():
                self.outbox.mark_scheduled(entry.id, wait.until, wait.reason)
            report.scheduled += 1
            return None
        wif = self.signing_key(entry.account, rule.authority)
        if not wif:
            self._fail(entry, TerminalError(_missing_key(entry.account, rule.authority)), report)
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
        self._await_block(self.outbox.get(entry.id), report)
        return self.chain.head()

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

    def _await_block(self, entry: OutboxEntry, report: TickReport) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while True:
            block = self.chain.find_transaction(entry.tx_id or "")
            if block:
                self._confirm(entry, block, report)
                return
            if time.monotonic() >= deadline:
                report.unconfirmed += 1  # reconcile picks it up next tick
                return
            self.sleep(self.poll_interval)

    def _confirm(self, entry: OutboxEntry, block: int, report: TickReport) -> None:
        """The transaction is in ``block``; for sidechain operations, the sidechain's own log
        decides whether it happened."""
        rule = rule_for(entry.kind)
        if rule.confirmation is Confirmation.SIDECHAIN:
            if self.sidechain is None:
                raise TerminalError("a sidechain operation was sent but no sidechain is "
                                    "configured ([chain] sidechain_url)")
            receipt = self.sidechain.find_sidechain_transaction(entry.tx_id or "")
            if receipt is None:
                report.unconfirmed += 1  # the sidechain has not processed the block yet
                return
            if receipt.errors:
                self._fail(entry, TerminalError(
                    f"in block {block}, but the sidechain refused it: "
                    f"{'; '.join(receipt.errors)}"), report)
                return
        with self.store.transaction():
            self.outbox.mark_confirmed(entry.id, block)
            self.store.clear_problem(str(entry.source), "broadcast")
            self._link_effect(entry, rule.link, block)
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
