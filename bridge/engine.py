"""The engine tick: the one code path behind ``sync --once``, the daemon and the webhook.

A tick, in order:
    1. reconcile  -- settle transactions signed by an earlier (possibly crashed) run
    2. poll       -- read changed posts, map them, enqueue intents and move the cursor in ONE
                     transaction (a crash never loses a post nor skips past one)
    3. dispatch   -- send what is due, within the chain's rate limits, and confirm it in a block
    4. write back -- store author/permlink/tx id/block (or the failure) in WordPress post meta
    5. mirror     -- votes, payouts and members' rewards from the chain into WordPress meta
Each step records problems and carries on; one bad post never stops the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol

from bridge.dispatch import Chain, Dispatcher
from bridge.failures import ConnectorError, FailureClass
from bridge.model import ChainLink, Intent, IntentKind, MappingContext, PostRecord, Skip, Unreadable
from bridge.outbox import Outbox
from bridge.report import TickReport
from bridge.store import StateStore, utcnow
from mappings.deletes import post_to_delete
from mappings.posts import post_to_intent

log = logging.getLogger("wp_steem_bridge.engine")
BATCH_SIZE = 50
DEFER_DEFAULT = timedelta(minutes=15)
UNREADABLE_WAIT = timedelta(hours=1)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


class Source(Protocol):
    name: str

    def changed_since(self, cursor: dict[str, str]) -> Iterator[
        tuple[PostRecord, dict[str, str]]]: ...
    def fetch(self, object_ids: list[int]) -> list[PostRecord]: ...


Mapper = Callable[[PostRecord, MappingContext, "ChainLink | None"], "Intent | Skip"]


class MetaWriter(Protocol):
    def write_chain_meta(self, post_id: int, values: dict[str, Any]) -> dict[str, Any]: ...


class Engine:
    def __init__(self, store: StateStore, sources: list[Source], chain: Chain,
                 signing_key: Callable[[str], str | None], context: Callable[[], MappingContext],
                 meta_writer: MetaWriter, *, confirm_timeout: float = 15.0,
                 mapper: Mapper = post_to_intent) -> None:
        self.store = store
        self.outbox = Outbox(store)
        self.sources = sources
        self.context = context
        self.meta_writer = meta_writer
        self.mapper = mapper
        self.mirror: Any = None  # bridge.mirror.Mirror: rewards and votes back into WordPress
        self._tick_ref = f"wp:{store.site}:tick" if store.site else "tick"
        self.dispatcher = Dispatcher(store, chain, signing_key, confirm_timeout=confirm_timeout)

    def tick(self, should_stop: Callable[[], bool] = lambda: False,
             rescan: bool = False) -> TickReport:
        report = TickReport()
        steps: list[tuple[str, Callable[[], None]]] = [
            ("reconcile", lambda: self.dispatcher.reconcile(report)),
            ("poll", lambda: self.poll(report, rescan)),
            ("dispatch", lambda: self.dispatcher.dispatch(report, should_stop)),
            ("write back", lambda: self.write_back(report)),
        ]
        if self.mirror is not None:
            steps.append(("mirror", lambda: self.mirror.step(report)))
        for name, step in steps:
            if should_stop():
                break
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
        self.store.set_meta(self.store.scoped("last_tick"), f"{utcnow()} UTC: {report.summary()}")
        return report

    # -- poll ---------------------------------------------------------------------------------

    def poll(self, report: TickReport, rescan: bool = False) -> None:
        context = self.context()
        for source in self.sources:
            self._revisit_deferred(source, context, report)
            stored = None if rescan else self.store.get_cursor(source.name)
            cursor = json.loads(stored) if stored else {}
            batch: list[tuple[PostRecord, dict[str, str]]] = []
            try:
                for record, position in source.changed_since(cursor):
                    batch.append((record, position))
                    if len(batch) >= BATCH_SIZE:
                        self._enqueue_batch(source.name, batch, context, report)
                        batch = []
            finally:
                # what was read before a failure is still enqueued, in order
                self._enqueue_batch(source.name, batch, context, report)

    def _enqueue_batch(self, source_name: str, batch: list[tuple[PostRecord, dict[str, str]]],
                       context: MappingContext, report: TickReport) -> None:
        if not batch:
            return
        with self.store.transaction():
            stored = self.store.get_cursor(source_name)
            cursor = json.loads(stored) if stored else {}
            for record, position in batch:
                self._enqueue_record(source_name, record, context, report)
                for key, value in position.items():
                    cursor[key] = max(cursor.get(key, ""), value)
            self.store.set_cursor(source_name, json.dumps(cursor, sort_keys=True))
        report.polled += len(batch)

    def _revisit_deferred(self, source: Source, context: MappingContext,
                          report: TickReport) -> None:
        """Posts whose delay ran out, or whose problem may be fixed now, are mapped again."""
        due = self.store.due_deferred(source.name, context.now)
        if not due:
            return
        records = {int(r.source.object_id): r for r in source.fetch(due)}
        with self.store.transaction():
            for object_id in due:
                record = records.get(object_id)
                if record is None or record.status not in ("publish", "unreadable"):
                    # gone or unpublished: the normal poll sees it again if it comes back
                    self.store.undefer_object(source.name, object_id)
                    continue
                self._enqueue_record(source.name, record, context, report)

    def _enqueue_record(self, source_name: str, record: PostRecord | Unreadable,
                        context: MappingContext, report: TickReport) -> None:
        if isinstance(record, Unreadable):
            self._record_skip(source_name, Skip(record.source, record.reason, terminal=False,
                                                retry_at=_later(context.now, UNREADABLE_WAIT)),
                              context, report)
            return
        link = self.store.get_link(record.source)
        if record.status == "trash":
            self._enqueue_delete(record, link, report)
            return
        # back from the trash: a delete that was never signed is no longer wanted
        self.outbox.supersede_unsigned(record.source, (IntentKind.DELETE_POST,),
                                       "the post is no longer in the trash")
        if link is not None and link.state == "deleted":
            self.store.drop_link(record.source)  # gone from chain: it is created anew
            link = None
        result = _map_safely(self.mapper, record, context, link)
        if isinstance(result, Skip):
            self._record_skip(source_name, result, context, report)
            return
        self.store.undefer(record.source)
        self.store.clear_problem(str(record.source), "map")
        if link is None:
            if self.store.permlink_taken(result.author, result.permlink):
                self.store.record_problem(
                    str(record.source), "map", "terminal",
                    f"permlink @{result.author}/{result.permlink} is already bound to another "
                    f"WordPress object; refusing to edit someone else's post")
                report.skipped += 1
                return
            self.store.reserve_link(record.source, result.author, result.permlink,
                                    result.category, result.body_hash)
        elif result.body_hash == link.body_hash:
            report.unchanged += 1
            return
        else:
            self.outbox.supersede_unsigned_edits(record.source)
            self.store.set_link_body_hash(record.source, result.body_hash)
        if self.outbox.enqueue(result):
            report.enqueued += 1
            for note in result.notes:
                log.info("%s: %s", record.source, note)

    def _record_skip(self, source_name: str, skip: Skip, context: MappingContext,
                     report: TickReport) -> None:
        report.skipped += 1
        if skip.terminal:
            self.store.undefer(skip.source)
            self.store.record_problem(str(skip.source), "map", "skipped", skip.reason)
            return
        retry_at = skip.retry_at or _later(context.now, DEFER_DEFAULT)
        self.store.defer(skip.source, source_name, skip.reason, retry_at)
        self.store.record_problem(str(skip.source), "map", "deferred",
                                  f"{skip.reason} (looking again at {retry_at} UTC)")

    def _enqueue_delete(self, record: PostRecord, link: ChainLink | None,
                        report: TickReport) -> None:
        if link is None or link.state == "deleted":
            return  # never reached the chain, or already deleted: nothing to undo
        self.outbox.supersede_unsigned(record.source, (IntentKind.CREATE_POST,
                                                       IntentKind.EDIT_POST),
                                       "the post was moved to the trash")
        if not self.outbox.may_have_reached_chain(record.source):
            self.store.drop_link(record.source)  # its create was never sent: just forget it
            return
        result = post_to_delete(record, link)
        if isinstance(result, Skip):
            return
        if self.outbox.enqueue(result):
            report.enqueued += 1

    # -- write back ---------------------------------------------------------------------------

    def write_back(self, report: TickReport) -> None:
        for row in self.store.pending_writebacks():
            try:
                self.meta_writer.write_chain_meta(int(row["object_id"]), json.loads(row["payload"]))
            except ConnectorError as exc:
                if exc.failure is FailureClass.TERMINAL:
                    with self.store.transaction():
                        self.store.finish_writeback(row["source_ref"], "failed", exc.message)
                        self.store.record_problem(row["source_ref"], "write back",
                                                  exc.failure.value, exc.message)
                report.problem(f"write back {row['source_ref']}: {exc.message}", exc.failure)
                if exc.failure is not FailureClass.TERMINAL:
                    return  # WordPress is unwell: try the rest next tick
                continue
            with self.store.transaction():
                self.store.finish_writeback(row["source_ref"], "done")
                self.store.clear_problem(row["source_ref"], "write back")
            report.written_back += 1


def _later(now: str, wait: timedelta) -> str:
    return (datetime.strptime(now[:19], TIME_FORMAT) + wait).strftime(TIME_FORMAT)


def _map_safely(mapper: Mapper, record: PostRecord, context: MappingContext,
                link: ChainLink | None) -> Intent | Skip:
    """Mappings return Skip for bad input; a bug in one must not stop the other posts."""
    try:
        return mapper(record, context, link)
    except Exception as exc:  # noqa: BLE001 - recorded with its reason, never a crash loop
        log.exception("mapping %s failed", record.source)
        return Skip(record.source, f"mapping error ({type(exc).__name__}: {exc}); "
                                   f"please report this post")

