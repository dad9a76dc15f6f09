"""The engine tick: the one code path behind ``sync --once``, the daemon and the webhook.

A tick, in order:
    1. reconcile  -- settle transactions signed by an earlier (possibly crashed) run
    2. poll       -- every outbound stream (bridge/streams.py) from its cursor: each record is
                     planned (mapped purely) and the plan applied with the cursor move in ONE
                     transaction (a crash never loses a record nor skips past one)
    3. dispatch   -- the one outbox, any operation kind, within the chain's rules; confirmed
    4. write back -- chain results (or why not) into WordPress meta (bridge/writeback.py)
    5. inbound    -- chain -> WordPress streams (the rewards mirror), through the same write-back
Each step records problems and carries on; one bad record never stops the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from bridge.dispatch import Dispatcher
from bridge.failures import ConnectorError, FailureClass
from bridge.heartbeat import Heartbeat
from bridge.model import MappingContext
from bridge.plans import Outcome
from bridge.report import TickReport
from bridge.retries import RetryRequests
from bridge.store import StateStore, utcnow
from bridge.streams import InboundStream, OutboundStream
from bridge.writeback import WriteBack

log = logging.getLogger("wp_steem_bridge.engine")
BATCH_SIZE = 50
REPORT_FIELDS = {Outcome.ENQUEUED: "enqueued", Outcome.UNCHANGED: "unchanged",
                 Outcome.SKIPPED: "skipped", Outcome.DEFERRED: "skipped"}


class Engine:
    def __init__(self, store: StateStore, streams: list[OutboundStream[Any]],
                 dispatcher: Dispatcher, writeback: WriteBack,
                 context: Callable[[], MappingContext],
                 inbound: list[InboundStream] | None = None,
                 heartbeat: Heartbeat | None = None,
                 retries: RetryRequests | None = None,
                 linking: InboundStream | None = None,
                 ledgers: list[InboundStream] | None = None) -> None:
        self.store = store
        self.streams = streams
        self.dispatcher = dispatcher
        self.writeback = writeback
        self.context = context
        self.inbound = inbound or []
        self.heartbeat = heartbeat
        self.retries = retries
        self.linking = linking  # members' links and grants: before dispatch, so a revoked
        # grant stops the member's queued intents in the tick that sees it
        self.ledgers = ledgers or []  # before dispatch: the points -> tokens stream plans batches
        self._tick_ref = f"wp:{store.site}:tick" if store.site else "tick"

    def tick(self, should_stop: Callable[[], bool] = lambda: False,
             rescan: bool = False) -> TickReport:
        report = TickReport()
        steps: list[tuple[str, Callable[[], None]]] = [
            ("reconcile", lambda: self.dispatcher.reconcile(report)),
            ("poll", lambda: self.poll(report, rescan)),
        ]
        if self.retries is not None:  # after the poll: the change feed says if any press is new
            retries = self.retries
            steps.append(("retries", lambda: self._retry_presses(retries, report)))
        if self.linking is not None:
            steps.append((self.linking.name, _bind_step(self.linking, report)))
        steps += [(stream.name, _bind_step(stream, report)) for stream in self.ledgers]
        steps += [
            ("dispatch", lambda: self.dispatcher.dispatch(report, should_stop)),
            ("write back", lambda: self.writeback.flush_queued(report)),
        ]
        steps += [(stream.name, _bind_step(stream, report)) for stream in self.inbound]
        for name, step in steps:
            if should_stop():
                report.stopped = True
                break
            self._run_step(name, step, report)
        self.store.set_meta(self.store.scoped("last_tick"), f"{utcnow()} UTC: {report.summary()}")
        if self.heartbeat is not None:
            heartbeat = self.heartbeat
            self._run_step("heartbeat", lambda: heartbeat.beat(report), report)
        return report

    def _retry_presses(self, retries: RetryRequests, report: TickReport) -> None:
        """Requeue what Retry presses ask for; rows put back as signed are looked up on chain
        before this tick's dispatch, so a press is acted on in the tick that reads it."""
        if retries.step(report):
            self.dispatcher.reconcile(report)

    def _run_step(self, name: str, step: Callable[[], None], report: TickReport) -> None:
        try:
            step()
        except ConnectorError as exc:
            report.problem(f"{name}: {exc.message}", exc.failure)
            log.warning("%s step: %s", name, exc.message)
            # kept in the state store so `status` shows it until the step works again
            self.store.record_problem(self._tick_ref, name, exc.failure.value, exc.message)
        except Exception as exc:  # noqa: BLE001 - one step's bug must not stop the others
            log.exception("%s step failed unexpectedly", name)
            text = f"internal error ({type(exc).__name__}: {exc}); please report it"
            report.problem(f"{name}: {text}", FailureClass.TERMINAL)
            self.store.record_problem(self._tick_ref, name, "terminal", text)
        else:
            self.store.clear_problem(self._tick_ref, name)

    # -- poll ---------------------------------------------------------------------------------

    def poll(self, report: TickReport, rescan: bool = False) -> None:
        context = self.context()
        for stream in self.streams:
            self._revisit_deferred(stream, context, report)
            stored = None if rescan else self.store.get_cursor(stream.name)
            cursor = json.loads(stored) if stored else {}
            batch: list[tuple[Any, dict[str, str]]] = []
            try:
                for record, position in stream.source.changed_since(cursor):
                    batch.append((record, position))
                    if len(batch) >= BATCH_SIZE:
                        self._apply_batch(stream, batch, context, report, rescan)
                        batch = []
            finally:
                # what was read before a failure is still applied, in order
                self._apply_batch(stream, batch, context, report, rescan)

    def _apply_batch(self, stream: OutboundStream[Any], batch: list[tuple[Any, dict[str, str]]],
                     context: MappingContext, report: TickReport, fresh: bool) -> None:
        if not batch:
            return
        with self.store.transaction():
            stored = self.store.get_cursor(stream.name)
            cursor = json.loads(stored) if stored else {}
            for record, position in batch:
                self._plan_and_apply(stream, record, context, report, fresh)
                for key, value in position.items():
                    cursor[key] = max(cursor.get(key, ""), value)
            self.store.set_cursor(stream.name, json.dumps(cursor, sort_keys=True))
        report.polled += len(batch)

    def _revisit_deferred(self, stream: OutboundStream[Any], context: MappingContext,
                          report: TickReport) -> None:
        """Records whose delay ran out, or whose problem may be fixed now, are planned again."""
        due = self.store.due_deferred(stream.name, context.now)
        if not due:
            return
        records = {stream.deferred_id(r): r for r in stream.source.fetch(due)}
        with self.store.transaction():
            for object_id in due:
                record = records.get(object_id)
                if record is None or (stream.revisit and record.status not in stream.revisit):
                    # gone or unpublished: the normal poll sees it again if it comes back
                    self.store.undefer_object(stream.name, object_id)
                    continue
                self._plan_and_apply(stream, record, context, report, fresh=True)

    def _plan_and_apply(self, stream: OutboundStream[Any], record: Any,
                        context: MappingContext, report: TickReport, fresh: bool) -> None:
        plan = stream.plan(record, self.store.facts(record.source), context, fresh)
        outcome = self.store.apply(plan)
        if outcome is Outcome.FAILED and plan.problem is not None:
            report.problem(f"{record.source}: {plan.problem.reason}", FailureClass.TERMINAL)
        elif outcome in REPORT_FIELDS:
            field = REPORT_FIELDS[outcome]
            setattr(report, field, getattr(report, field) + 1)
        if outcome is Outcome.ENQUEUED and plan.enqueue is not None:
            for note in plan.enqueue.notes:
                log.info("%s: %s", record.source, note)


def _bind_step(stream: InboundStream, report: TickReport) -> Callable[[], None]:
    return lambda: stream.step(report)

