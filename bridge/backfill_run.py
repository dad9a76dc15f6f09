"""Running a backfill: enqueue the selected posts, tick until each is confirmed or failed.

Owns the real run of ``wp-steem-bridge backfill`` (the plan itself is ``bridge.backfill``):
    1. the selection (every selected post id and the ones it sends) is stored first, as one row
       in the store's ``meta`` table (``backfill@<site>``), so ``backfill`` run again after a
       kill continues it without re-planning what is confirmed;
    2. every selected post goes through the store's normal unit of work (facts -> the posts
       stream's planner -> ``StateStore.apply``, one transaction per batch), so sync and
       backfill never double-publish: the outbox's idempotency keys and the links table see to
       it;
    3. the engine's own tick (without polling WordPress: only the selected posts go out) runs
       under the run lock until nothing selected is left in the outbox, waiting in between for
       the chain time the next post may go out (polling the head block);
    4. a SIGTERM finishes the step in progress; the CLI then exits 75 and a later ``backfill``
       resumes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import click

from bridge.backfill import BackfillPlan, plan_backfill
from bridge.errors import LockHeld, UserError
from bridge.failures import ConnectorError
from bridge.model import (
    LIVE_STATUSES,
    IntentStatus,
    MappingContext,
    PostRecord,
    Unreadable,
    from_text,
    now_text,
)
from bridge.ports import Chain, PostSelection
from bridge.report import TickReport
from bridge.runner import Lock
from bridge.store import StateStore
from bridge.streams import OutboundStream

if TYPE_CHECKING:
    from bridge.app import App

log = logging.getLogger("wp_steem_bridge.backfill")
STATE_KEY = "backfill"
BATCH_SIZE = 50
Tick = Callable[[Callable[[], bool]], TickReport]


class Selector(Protocol):
    def select(self, selection: PostSelection) -> Sequence[PostRecord | Unreadable]: ...


@dataclass(frozen=True)
class Stored:
    """A backfill as the store keeps it: what was selected, and what it sends."""

    selection: PostSelection
    post_ids: tuple[int, ...]  # every selected post
    sources: tuple[str, ...]  # source refs of the posts it sends
    started_at: str
    finished: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Stored:
        data = json.loads(text)
        chosen = data["selection"]
        selection = PostSelection(chosen.get("since"), chosen.get("until"),
                                  tuple(chosen.get("ids") or ()),
                                  tuple(chosen.get("categories") or ()))
        return cls(selection, tuple(data["post_ids"]), tuple(data["sources"]),
                   data["started_at"], bool(data.get("finished")))


@dataclass(frozen=True)
class Progress:
    total: int
    confirmed: int = 0
    failed: int = 0
    dropped: int = 0  # never enqueued after all (say, a permlink another object holds)
    live: int = 0  # still in the outbox
    next_due: datetime | None = None  # chain time the next scheduled one may go out
    failures: tuple[str, ...] = field(default_factory=tuple)

    @property
    def done(self) -> bool:
        return self.live == 0


@dataclass
class Backfill:
    store: StateStore
    stream: OutboundStream[Any]
    selector: Selector
    chain: Chain
    context: Callable[[], MappingContext]
    tick: Tick  # the engine's tick without polling (bridge.app.backfill_engine)
    lock: Lock
    poll_interval: float = 3.0  # seconds between looks at the head block while waiting
    sleep: Callable[[float], None] = time.sleep

    # -- selection and plan -------------------------------------------------------------------

    def stored(self) -> Stored | None:
        text = self.store.get_meta(self.store.scoped(STATE_KEY))
        return Stored.from_json(text) if text else None

    def resumable(self) -> Stored | None:
        stored = self.stored()
        return stored if stored is not None and not stored.finished else None

    def plan(self, selection: PostSelection | None) -> tuple[list[PostRecord | Unreadable],
                                                      BackfillPlan]:
        """``selection`` None selects nothing (a resumed backfill that had no posts)."""
        records = list(self.selector.select(selection)) if selection is not None else []
        return records, plan_backfill(records, self.stream, self.store, self.chain,
                                      self.context())

    # -- the real run -------------------------------------------------------------------------

    def start(self, selection: PostSelection, records: Sequence[PostRecord | Unreadable],
              plan: BackfillPlan, resumed: Stored | None = None) -> Stored:
        """Store the selection, then enqueue every selected post as the tick's poll would."""
        sources = [p.source_ref for p in plan.sending]
        if resumed is not None:
            sources = list(dict.fromkeys([*resumed.sources, *sources]))
        stored = Stored(resumed.selection if resumed else selection,
                        tuple(int(r.source.object_id) for r in records), tuple(sources),
                        resumed.started_at if resumed else now_text())
        context = self.context()
        with self.lock():
            with self.store.transaction():
                self.store.set_meta(self.store.scoped(STATE_KEY), stored.to_json())
            waiting = {p.source_ref for p in plan.posts if p.state in ("queued", "sending")}
            todo = [r for r in records if str(r.source) not in waiting]
            for start in range(0, len(todo), BATCH_SIZE):
                with self.store.transaction():
                    for record in todo[start:start + BATCH_SIZE]:
                        facts = self.store.facts(record.source)
                        self.store.apply(self.stream.plan(record, facts, context, False))
        return stored

    def run(self, stored: Stored, should_stop: Callable[[], bool],
            show: Callable[[Progress], None]) -> Progress:
        """Tick until nothing selected is left in the outbox (or a stop was asked for)."""
        while True:
            try:
                with self.lock():
                    self.tick(should_stop)
            except LockHeld as exc:  # a sync or the daemon is ticking: it sends ours too
                log.info("%s", exc.message)
            progress = self.progress(stored)
            show(progress)
            if progress.done:
                if not progress.failed:  # else `retry --failed` then `backfill` continues it
                    self.finish(stored)
                return progress
            if should_stop():
                return progress
            self.wait(progress.next_due, should_stop)

    def finish(self, stored: Stored) -> None:
        with self.store.transaction():
            self.store.set_meta(self.store.scoped(STATE_KEY),
                                Stored(stored.selection, stored.post_ids, stored.sources,
                                       stored.started_at, finished=True).to_json())

    def wait(self, due: datetime | None, should_stop: Callable[[], bool]) -> None:
        """Until the head block reaches ``due`` (chain time); one poll interval when unknown."""
        self.sleep(self.poll_interval)
        while due is not None and not should_stop():
            try:
                if self.chain.head().time >= due:
                    return
            except ConnectorError as exc:
                log.info("reading the head block: %s", exc.message)
            self.sleep(self.poll_interval)

    def progress(self, stored: Stored) -> Progress:
        wanted = set(stored.sources)
        rows: dict[str, list[Any]] = {}
        for entry in self.store.outbox.rows(*IntentStatus):
            if str(entry.source) in wanted:
                rows.setdefault(str(entry.source), []).append(entry)
        confirmed = failed = dropped = live = 0
        due: list[datetime] = []
        failures: list[str] = []
        for source in stored.sources:
            entries = rows.get(source, [])
            pending = [e for e in entries if e.status in LIVE_STATUSES]
            if pending:
                live += 1
                due += [from_text(e.not_before) for e in pending
                        if e.status is IntentStatus.SCHEDULED and e.not_before]
            elif entries and entries[-1].status is IntentStatus.FAILED:
                failed += 1
                failures.append(f"{source}: {entries[-1].reason}")
            elif any(e.status is IntentStatus.CONFIRMED for e in entries):
                confirmed += 1
            else:
                dropped += 1
        return Progress(len(stored.sources), confirmed, failed, dropped, live,
                        min(due, default=None), tuple(failures))


# -- composition and display ------------------------------------------------------------------

def backfill_for(app: App, post_type: str = "posts", poll_interval: float = 3.0) -> Backfill:
    """A backfill over the app's stream of ``post_type``, ticking the app's own engine parts
    with no outbound stream (so a tick sends what is queued but polls nothing new)."""
    from bridge.engine import Engine
    from connectors.wordpress_posts import WordPressPosts

    engine = app.engine
    stream = next((s for s in engine.streams if isinstance(s.source, WordPressPosts)
                   and s.source.post_type == post_type), None)
    if stream is None or not isinstance(stream.source, WordPressPosts):
        types = ", ".join(s.source.post_type for s in engine.streams
                          if isinstance(s.source, WordPressPosts))
        raise UserError(f"the bridge does not sync {post_type!r} (it syncs: {types or 'none'})",
                        hint="add it to [wordpress] post_types, or pass --post-type")
    ticking = Engine(app.store, [], engine.dispatcher, engine.writeback, engine.context,
                     engine.inbound, heartbeat=engine.heartbeat, retries=engine.retries)
    return Backfill(app.store, stream, stream.source, engine.dispatcher.chain, engine.context,
                    ticking.tick, app.lock, poll_interval=poll_interval)


class ProgressView:
    """A progress bar on a terminal; elsewhere (cron mail, logs) one line per ``every`` posts."""

    def __init__(self, total: int, eta: str, tty: bool, every: int = 10) -> None:
        self.total, self.eta, self.every = total, eta, every
        self.shown = 0
        self.bar: Any = None
        if tty and total:
            self.bar = click.progressbar(length=total, label=f"confirmed (ETA {eta})",
                                         show_pos=True)
            self.bar.__enter__()

    def __call__(self, progress: Progress) -> None:
        settled = progress.confirmed + progress.failed + progress.dropped
        if self.bar is not None:
            self.bar.update(settled - self.shown)
            self.shown = settled
            return
        if settled >= self.shown + self.every or (progress.done and settled != self.shown):
            self.shown = settled
            click.echo(f"backfill: {progress.confirmed}/{self.total} confirmed"
                       f"{f', {progress.failed} failed' if progress.failed else ''} "
                       f"(ETA {self.eta} chain time)")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def command(config: str | None, selection: PostSelection | None, *, dry_run: bool,
            post_type: str, poll_interval: float) -> int:
    """``wp-steem-bridge backfill``: print the plan (and stop there on a dry run), or run it.
    ``selection`` None continues an unfinished backfill, or else takes every published post."""
    from dataclasses import replace
    from pathlib import Path

    from bridge.app import build_app
    from bridge.backfill import chain_time, eta_lines, render_plan, summary_line
    from bridge.config import load_settings
    from bridge.errors import ExitStatus
    from bridge.runner import StopFlag

    stop = StopFlag()
    stop.install()
    settings = load_settings(config)
    if dry_run and not settings.state_url and not Path(settings.state_path).exists():
        settings = replace(settings, state_path=Path(":memory:"))  # a dry run creates no state file
    app = build_app(settings)
    try:
        backfill = backfill_for(app, post_type, poll_interval)
        resumed = backfill.resumable()
        chosen: PostSelection | None
        if selection is None and resumed is not None:
            click.echo(f"backfill: continuing the backfill started at {resumed.started_at} UTC "
                       f"({len(resumed.post_ids)} post(s) selected)")
            chosen = PostSelection(ids=resumed.post_ids) if resumed.post_ids else None
        else:
            if resumed is not None and not dry_run:
                click.echo(f"backfill: replacing the unfinished backfill started at "
                           f"{resumed.started_at} UTC (what it queued still goes out)")
                resumed = None
            chosen = selection or PostSelection()
        records, plan = backfill.plan(chosen)
        if dry_run:
            click.echo(render_plan(plan))
            click.echo("dry run: nothing was written; run without --dry-run to publish")
            return ExitStatus.OK
        click.echo(summary_line(plan))
        for line in eta_lines(plan):
            click.echo(line)
        stored = backfill.start(selection or PostSelection(), records, plan, resumed)
        view = ProgressView(len(stored.sources), chain_time(plan.eta), _is_tty())
        try:
            progress = backfill.run(stored, stop, view)
        finally:
            view.close()
    finally:
        app.close()
    return _report(progress, stop)


def _report(progress: Progress, stop: Any) -> int:
    from bridge.errors import ExitStatus

    click.echo(f"backfill: {progress.confirmed}/{progress.total} confirmed, "
               f"{progress.failed} failed, {progress.live} still queued"
               + (f", {progress.dropped} not sent (see status)" if progress.dropped else ""))
    for text in progress.failures:
        click.echo(f"  failed: {text}", err=True)
    if not progress.done:
        click.echo(f"backfill stopped early ({stop.signal_name or 'stop'}): the step in progress "
                   f"was finished; run `wp-steem-bridge backfill` to continue", err=True)
        return ExitStatus.TEMPFAIL
    if progress.failed:
        click.echo("backfill incomplete: fix the cause, then run `wp-steem-bridge retry "
                   "--failed` and `wp-steem-bridge backfill`", err=True)
        return ExitStatus.FAILURES
    return ExitStatus.OK


def _is_tty() -> bool:
    import sys

    return sys.stdout.isatty()
