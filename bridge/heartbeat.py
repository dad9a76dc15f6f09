"""The bridge's pulse in WordPress: after every tick, what Site Health and the editor show.

``Heartbeat.beat`` writes ``{last_tick, version, summary, problems, failed, grants}`` through
``SiteWriter.write_site_state("heartbeat", ...)``. ``grants`` says, for each linked author, whether
the app account's posting authority is still granted on chain (read at most every
``grants_ttl`` seconds: one ``get_accounts`` batch and one list of linked users). It is written
when something in it changed, else at most every ``every`` seconds (Site Health calls a
heartbeat older than 15 minutes stale), so an idle tick costs WordPress no request. A plugin too
old to have the route is said once in the log, not a failure of every tick.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from bridge.failures import Code, ConnectorError
from bridge.model import content_hash, now_text
from bridge.ports import ChainReads, SiteDirectory, SiteWriter
from bridge.report import TickReport
from bridge.store import StateStore

log = logging.getLogger("wp_steem_bridge.heartbeat")
MAX_PROBLEMS = 20
GRANTS = "heartbeat:grants"
LAST_BEAT = "heartbeat:last"


class Heartbeat:
    def __init__(self, store: StateStore, site: SiteWriter, version: str, *,
                 grants: Grants | None = None, every: float = 300,
                 clock: Callable[[], float] = time.time) -> None:
        self.store, self.site, self.version, self.grants = store, site, version, grants
        self.every, self.clock = every, clock
        self._missing_said = False

    def beat(self, report: TickReport) -> None:
        values = {
            "last_tick": now_text(), "version": self.version, "summary": report.summary(),
            "problems": (report.terminal_problems + report.transient_problems)[:MAX_PROBLEMS],
            "failed": self.store.outbox.count_by_status().get("failed", 0),
        }
        if self.grants is not None:
            values["grants"] = self.grants.current()
        said = content_hash({k: v for k, v in values.items() if k != "last_tick"})
        stored = self.store.get_cursor(self.store.scoped(LAST_BEAT))
        last = json.loads(stored) if stored else {}
        if last.get("said") == said and self.clock() - float(last.get("at", 0)) < self.every:
            return  # nothing new, and WordPress heard from us lately
        try:
            self.site.write_site_state("heartbeat", values)
        except ConnectorError as exc:
            if exc.code is not Code.PLUGIN_MISSING:
                raise
            if not self._missing_said:
                log.warning("the companion plugin has no heartbeat route (update it to see the "
                            "bridge in Site Health): %s", exc.message)
                self._missing_said = True
        with self.store.transaction():
            self.store.set_cursor(self.store.scoped(LAST_BEAT),
                                  json.dumps({"said": said, "at": self.clock()}))


class Grants:
    """Whether each linked author still grants ``app_account`` posting authority."""

    def __init__(self, store: StateStore, reads: ChainReads, site: SiteDirectory,
                 app_account: str, *, ttl: float = 900,
                 clock: Callable[[], float] = time.time) -> None:
        self.store, self.reads, self.site = store, reads, site
        self.app_account, self.ttl, self.clock = app_account, ttl, clock

    def current(self) -> dict[str, bool]:
        stored = self.store.get_cursor(self.store.scoped(GRANTS))
        cached = json.loads(stored) if stored else None
        if cached and self.clock() - cached["at"] < self.ttl:
            return dict(cached["grants"])
        names = sorted(self.site.users_with_steem_account())
        accounts = self.reads.accounts(names) if names else {}
        grants = {name: self._granted(accounts.get(name)) for name in names}
        with self.store.transaction():
            self.store.set_cursor(self.store.scoped(GRANTS),
                                  json.dumps({"at": self.clock(), "grants": grants}))
        return grants

    def _granted(self, account: dict[str, object] | None) -> bool:
        posting = account.get("posting") if account else None
        auths = posting.get("account_auths", []) if isinstance(posting, dict) else []
        return any(isinstance(a, list | tuple) and a and a[0] == self.app_account for a in auths)
