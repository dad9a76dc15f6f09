"""The rewards mirror: votes and payouts of bridged posts, and members' rewards, into WordPress.

One run (``Mirror.run``):
    1. one ``get_dynamic_global_properties``: the last irreversible block (LIB) and chain time
    2. what changed in blocks ``cursor+1 .. LIB`` (bridge/mirror_scan.py: block scan or account
       history, whichever is cheaper); nothing new and nothing due -> the run ends there
    3. refresh the touched posts (``get_content``, 50 per request) and members (``get_accounts``)
    4. map them (mappings/rewards.py) and write only the keys that changed, 25 per WordPress
       batch request, to the companion plugin's mirror routes (never any other meta)
    5. commit the mirror rows and the cursor ``mirror:chain`` in one transaction
A full run (the first one, or ``full=True``) refreshes every bridged post and member; a member
seen for the first time has the last 30 days of their history read once, so the 7/30-day sums
start complete. Posts still pending are re-read every ``pending_refresh`` seconds, since their
pending payout drifts with the reward pool even when nobody votes.

Optional extras run after step 5 on the posts this run read (``get_content`` already in hand):
``replies`` (bridge/mirror_replies.py: chain replies -> held WordPress comments) and ``points``
(bridge/mirror_points.py: votes -> myCRED/GamiPress points). Each keeps its own state rows.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridge.failures import Code, ConnectorError, FailureClass
from bridge.mirror_points import PointsMirror
from bridge.mirror_replies import ReplyMirror
from bridge.mirror_scan import Changes, PostKey, backfill, changes_since
from bridge.model import Skip, SourceRef
from bridge.ports import ChainProps, ChainReads, MetaTarget, MetaWrite, SiteDirectory
from bridge.report import TickReport
from bridge.store import StateStore
from bridge.writeback import WriteBack
from mappings.rewards import (
    DAY,
    RewardEvent,
    VestingPrice,
    chain_seconds,
    changed_meta,
    member_meta,
    next_window_change,
    post_meta,
)

log = logging.getLogger("wp_steem_bridge.mirror")
CURSOR = "mirror:chain"
MEMBERS_CURSOR = "mirror:members"
GLOBALS_CURSOR = "mirror:globals"
GLOBALS_REFRESH = 3600  # chain seconds between writes of the vesting price


@dataclass
class MirrorReport:
    strategy: str = "idle"
    irreversible_block: int = 0
    rpc_requests: int = 0
    posts_read: int = 0
    members_read: int = 0
    written: int = 0
    unchanged: int = 0
    comments_written: int = 0
    points_awarded: int = 0
    problems: list[tuple[FailureClass, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (f"mirror: {self.strategy} to block {self.irreversible_block}, "
                f"{self.rpc_requests} chain requests, {self.posts_read} posts and "
                f"{self.members_read} members read, {self.written} written, "
                f"{self.unchanged} unchanged, {len(self.problems)} problems"
                + (f", {self.comments_written} comments" if self.comments_written else "")
                + (f", {self.points_awarded} points awards" if self.points_awarded else ""))


@dataclass
class _Row:
    wp_id: int
    written: dict[str, Any]
    data: dict[str, Any]


class Mirror:
    """The chain -> WordPress stream (an ``InboundStream`` of the engine's tick)."""

    name = "mirror"

    def __init__(self, store: StateStore, chain: ChainReads, site: SiteDirectory,
                 writeback: WriteBack, site_id: str, *,
                 pending_refresh: float = 3600, members_ttl: float = 900,
                 clock: Callable[[], float] = time.time, replies: ReplyMirror | None = None,
                 points: PointsMirror | None = None) -> None:
        self.store, self.chain, self.site, self.site_id = store, chain, site, site_id
        self.writeback = writeback
        self.pending_refresh = pending_refresh
        self.members_ttl = members_ttl
        self.clock = clock
        self.replies, self.points = replies, points
        self._read: dict[PostKey, dict[str, Any]] = {}  # get_content of this run, for the extras
        self._threads: set[PostKey] = set()  # posts whose thread a reply op touched this run

    def step(self, report: TickReport) -> None:
        """The engine's ``mirror`` step: its counts and problems go into the tick report."""
        result = self.run()
        for failure, text in result.problems:
            report.problem(text, failure)
        report.mirrored += result.written
        report.notes.append(result.summary())
        log.info("%s", result.summary())

    def run(self, *, full: bool = False) -> MirrorReport:
        result = MirrorReport()
        requests_before = self.chain.read_requests
        try:
            self._run(result, full)
            self._extras(result)
        finally:
            self._read, self._threads = {}, set()
            result.rpc_requests = self.chain.read_requests - requests_before
        return result

    def _extras(self, report: MirrorReport) -> None:
        """Replies and points, on the posts this run read; their problems join the report's."""
        if not self._read or (self.replies is None and self.points is None):
            return
        posts = self._bridged_posts()
        block = report.irreversible_block
        if self.replies is not None:
            report.comments_written = self.replies.sync(self._read, posts, self._threads, block,
                                                        report.problems)
        if self.points is not None:
            report.points_awarded = self.points.sync(self._read, posts, block, report.problems)

    # -- one run --------------------------------------------------------------------------------

    def _run(self, report: MirrorReport, full: bool) -> None:
        props = self.chain.chain_props()
        lib, now = props.irreversible_block_num, chain_seconds(props.time)
        report.irreversible_block = lib
        self._write_globals(props, now)
        stored = self.store.get_cursor(self.store.scoped(CURSOR))
        cursor = int(json.loads(stored)["block"]) if stored else None
        full = full or cursor is None
        posts = self._bridged_posts()
        members = self._members(force=full)
        post_rows = _rows(self.store.mirror_rows("post"))
        member_rows = _rows(self.store.mirror_rows("member"))
        watched = set(members) | {author for author, _ in posts}
        keys = set(posts)

        reply_roots = self.replies.reply_roots() if self.replies is not None else None
        changes = Changes(strategy="full") if full else changes_since(
            self.chain, cursor or lib, lib, keys, watched, reply_roots)
        self._threads = changes.threads
        new_members = [m for m in members
                       if "ledger_since" not in member_rows.get(m, _Row(0, {}, {})).data]
        fresh = backfill(self.chain, new_members, lib, now - 30 * DAY, keys, watched)
        changes.events.update(fresh.events)
        report.strategy = changes.strategy if not new_members or full else \
            f"{changes.strategy}+backfill"

        touched_posts = set(keys) if full else changes.posts | fresh.posts | {
            k for k in keys if self._due(post_rows.get(_key(k)), now)}
        events_by_post = _events_by_post(changes.events.values(), keys)
        touched_posts |= set(events_by_post) | self._extras_due(keys)
        touched_members = set(members) if full else (changes.accounts | set(new_members) | {
            m for m in members if self._due(member_rows.get(m), now)}) & set(members)
        touched_members |= {author for author, _ in touched_posts if author in members}

        if not touched_posts and not touched_members:
            self._commit({}, {}, lib)
            return
        post_updates = self._refresh_posts(sorted(touched_posts), posts, post_rows,
                                           events_by_post, now, report)
        member_updates = self._refresh_members(sorted(touched_members), members, member_rows,
                                               post_rows | post_updates, changes, props, now,
                                               report)
        self._write(post_updates, member_updates, lib, report)
        self._commit(post_updates, member_updates, lib)

    def _write_globals(self, props: ChainProps, now: int) -> None:
        """The vesting price WordPress needs to show Steem Power, refreshed hourly."""
        stored = self.store.get_cursor(self.store.scoped(GLOBALS_CURSOR))
        if stored and now - int(json.loads(stored)["at"]) < GLOBALS_REFRESH:
            return
        fund = props.total_vesting_fund_steem
        try:
            self.writeback.site.write_site_state("globals", {
                "total_vesting_fund_steem": fund,
                "total_vesting_shares": props.total_vesting_shares,
                "updated_at": props.time[:19], "symbol": fund.split()[-1]})
        except ConnectorError as exc:
            if exc.code is not Code.PLUGIN_MISSING:
                raise
            log.warning("the companion plugin cannot store the chain's globals (update it to "
                        "show Steem Power): %s", exc.message)
        with self.store.transaction():
            self.store.set_cursor(self.store.scoped(GLOBALS_CURSOR), json.dumps({"at": now}))

    def _extras_due(self, keys: set[PostKey]) -> set[PostKey]:
        due: set[PostKey] = set()
        for extra in (self.replies, self.points):
            if extra is not None:
                due |= extra.due(keys)
        return due

    def _due(self, row: _Row | None, now: int) -> bool:
        """New rows, failed writes, pending posts to re-read, members whose window sums move."""
        if row is None or row.data.get("dirty"):
            return True
        if "pending" in row.data and not row.data.get("paid_out"):
            return now - int(row.data.get("read_at", 0)) >= self.pending_refresh
        next_change = row.data.get("next_change")
        return next_change is not None and now >= int(next_change)

    # -- refresh ----------------------------------------------------------------------------

    def _refresh_posts(self, keys: list[PostKey], posts: dict[PostKey, int],
                       rows: dict[str, _Row], events: dict[PostKey, list[RewardEvent]],
                       now: int, report: MirrorReport) -> dict[str, _Row]:
        updates: dict[str, _Row] = {}
        for key, content in zip(keys, self.chain.contents(keys), strict=True):
            report.posts_read += 1
            if content is not None:
                self._read[key] = content
            old = rows.get(_key(key), _Row(posts[key], {}, {}))
            known = {e[0]: RewardEvent.from_row(e) for e in old.data.get("events", [])}
            known.update((e.key, e) for e in events.get(key, []))
            data = {"events": [e.as_row() for e in sorted(known.values(), key=lambda e: e.key)],
                    "read_at": now}
            if content is None:
                data.update(missing=True)
                updates[_key(key)] = _Row(posts[key], old.written, data)
                continue
            values = post_meta(content, known.values())
            data.update(pending=values["steem_pending_payout"], paid_out=values["steem_paid_out"],
                        values=values)
            updates[_key(key)] = _Row(posts[key], old.written, data)
        return updates

    def _refresh_members(self, names: list[str], members: dict[str, int],
                         rows: dict[str, _Row], post_rows: dict[str, _Row], changes: Changes,
                         props: Any, now: int, report: MirrorReport) -> dict[str, _Row]:
        accounts = self.chain.accounts(names) if names else {}
        price = VestingPrice(props.total_vesting_fund_steem, props.total_vesting_shares)
        pending_by_author: dict[str, list[str]] = {}
        for key, row in post_rows.items():
            if "pending" in row.data:
                pending_by_author.setdefault(key.split("/", 1)[0], []).append(row.data["pending"])
        updates: dict[str, _Row] = {}
        for name in names:
            report.members_read += 1
            old = rows.get(name, _Row(members[name], {}, {}))
            known = {e[0]: RewardEvent.from_row(e) for e in old.data.get("events", [])}
            known.update((e.key, e) for e in changes.events.values() if e.account == name)
            ledger = [e for e in known.values() if e.time > now - 30 * DAY]
            data = {"events": [e.as_row() for e in sorted(ledger, key=lambda e: e.key)],
                    "ledger_since": old.data.get("ledger_since", now - 30 * DAY),
                    "next_change": next_window_change(ledger, now + 1), "read_at": now}
            account = accounts.get(name)
            if account is None:
                data.update(missing=True)
            else:
                data["values"] = member_meta(account, ledger, pending_by_author.get(name, []),
                                             price, now)
            updates[name] = _Row(members[name], old.written, data)
        return updates

    # -- write ------------------------------------------------------------------------------

    def _write(self, posts: dict[str, _Row], members: dict[str, _Row], block: int,
               report: MirrorReport) -> None:
        writes: list[tuple[str, MetaWrite]] = []
        rows: list[_Row] = []
        targets: tuple[tuple[MetaTarget, dict[str, _Row]], ...] = (("post", posts),
                                                                   ("user", members))
        for kind, updates in targets:
            for row in updates.values():
                row.data.pop("dirty", None)
                if "values" not in row.data:
                    continue
                source = SourceRef("wp", self.site_id, kind, str(row.wp_id))
                change = changed_meta(source, row.data.pop("values"), row.written, block)
                if isinstance(change, Skip):
                    report.unchanged += 1
                    continue
                writes.append((str(source), MetaWrite(kind, row.wp_id, change)))
                rows.append(row)
        outcomes = self.writeback.write(writes, "mirror")
        for (written_to, write), row, outcome in zip(writes, rows, outcomes, strict=True):
            if outcome is None:
                row.written = {**row.written, **write.values}
                report.written += 1
            else:
                row.data["dirty"] = True  # try again next run even if nothing else changes
                report.problems.append((outcome.failure, f"mirror {written_to}: {outcome.message}"))

    def _commit(self, posts: dict[str, _Row], members: dict[str, _Row], block: int) -> None:
        with self.store.transaction():
            for kind, updates in (("post", posts), ("member", members)):
                for key, row in updates.items():
                    row.data.pop("values", None)
                    self.store.put_mirror_row(kind, key, row.wp_id, row.written, row.data, block)
            self.store.set_cursor(self.store.scoped(CURSOR), json.dumps({"block": block}))

    # -- what is watched --------------------------------------------------------------------

    def _bridged_posts(self) -> dict[PostKey, int]:
        posts: dict[PostKey, int] = {}
        for row in self.store.links():
            source = SourceRef.parse(row["source_ref"])
            if row["state"] == "on_chain" and source.object_type == "post":
                posts[(row["author"], row["permlink"])] = int(source.object_id)
        return posts

    def _members(self, force: bool) -> dict[str, int]:
        """Linked WordPress users, re-listed at most every ``members_ttl`` seconds."""
        stored = self.store.get_cursor(self.store.scoped(MEMBERS_CURSOR))
        cached = json.loads(stored) if stored else None
        if not force and cached and self.clock() - cached["at"] < self.members_ttl:
            return {name: int(uid) for name, uid in cached["members"].items()}
        members = self.site.users_with_steem_account()
        with self.store.transaction():
            self.store.set_cursor(self.store.scoped(MEMBERS_CURSOR), json.dumps(
                {"at": self.clock(), "members": members}, sort_keys=True))
        return members


def _key(post: PostKey) -> str:
    return f"{post[0]}/{post[1]}"


def _rows(raw: dict[str, Any]) -> dict[str, _Row]:
    return {key: _Row(int(row["wp_id"]), json.loads(row["written"]), json.loads(row["data"]))
            for key, row in raw.items()}


def _events_by_post(events: Any, posts: set[PostKey]) -> dict[PostKey, list[RewardEvent]]:
    grouped: dict[PostKey, list[RewardEvent]] = {}
    for event in events:
        key = (event.author, event.permlink)
        if key in posts and event.kind in ("author", "benefactor"):
            grouped.setdefault(key, []).append(event)
    return grouped
