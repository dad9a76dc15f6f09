"""The one path by which the bridge writes into WordPress: chain meta of bridged posts and
comments (queued by the dispatcher and the planners) and the rewards mirror's post and user meta.

Writes go out in batches through ``SiteWriter.write_meta``; each write's outcome is recorded on
its own object (a problem for ``status``, cleared when a later write works), so one refused write
never holds up the others, and a site that is down leaves the rest queued for the next tick. A
write for a post deleted in WordPress for good (``Code.GONE``) is dropped: nowhere to put it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from bridge.failures import Code, ConnectorError, FailureClass
from bridge.model import SourceRef
from bridge.ports import MetaTarget, MetaWrite, SiteWriter
from bridge.report import TickReport
from bridge.store import StateStore

log = logging.getLogger("wp_steem_bridge.writeback")
BATCH = 100  # queued chain-meta writes handed to the site per call


class WriteBack:
    def __init__(self, store: StateStore, site: SiteWriter) -> None:
        self.store = store
        self.site = site

    def write(self, writes: Sequence[tuple[str, MetaWrite]], stage: str
              ) -> list[ConnectorError | None]:
        """Write ``(source_ref, write)`` pairs; record or clear each one's problem under
        ``stage``. A failure of the whole site raises (nothing was recorded as written)."""
        if not writes:
            return []
        outcomes = self.site.write_meta([write for _, write in writes])
        with self.store.transaction():
            for (source_ref, _), outcome in zip(writes, outcomes, strict=True):
                if outcome is None or outcome.code is Code.GONE:
                    self.store.clear_problem(source_ref, stage)
                else:
                    self.store.record_problem(source_ref, stage, outcome.failure.value,
                                              outcome.message)
        return outcomes

    def flush_queued(self, report: TickReport) -> None:
        """The queued chain meta (published, deleted, failed, skipped ...), oldest first."""
        rows = self.store.pending_writebacks()
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            writes = [(row["source_ref"], MetaWrite(_target(row["source_ref"]),
                                                    int(row["object_id"]),
                                                    json.loads(row["payload"])))
                      for row in chunk]
            outcomes = self.write(writes, "write back")
            site_unwell = False
            with self.store.transaction():
                for (source_ref, _), outcome in zip(writes, outcomes, strict=True):
                    if outcome is None:
                        self.store.finish_writeback(source_ref, "done")
                        report.written_back += 1
                        continue
                    if outcome.code is Code.GONE:  # deleted in WordPress for good
                        self.store.finish_writeback(source_ref, "gone", outcome.message)
                        continue
                    report.problem(f"write back {source_ref}: {outcome.message}",
                                   outcome.failure)
                    if outcome.failure is FailureClass.TERMINAL:
                        self.store.finish_writeback(source_ref, "failed", outcome.message)
                    else:
                        site_unwell = True  # left pending for the next tick
            if site_unwell:
                return


def _target(source_ref: str) -> MetaTarget:
    """A post's chain meta; a bridged comment's chain state into comment meta; or
    (``wp:<site>:likes:<post>``) a post's count of likes voted on chain."""
    object_type = SourceRef.parse(source_ref).object_type
    return "likes" if object_type == "likes" else "comment" if object_type == "comment" \
        else "chain"
