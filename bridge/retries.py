"""Retry presses in WordPress (the posts list's and the editor's "Retry"), read each tick.

A press puts the post's failed intents back in the queue before this tick's dispatch (signed
ones go back to be looked up first, never re-signed blindly) and has the post planned again by
the next poll, as ``wp-steem-bridge retry`` would on the bridge host. The feed's cursor moves in
the same transaction. The connector asks WordPress only when the change feed said a press is new.
"""

from __future__ import annotations

import json

from bridge.model import SourceRef
from bridge.ports import SiteDirectory
from bridge.report import TickReport
from bridge.store import StateStore, utcnow

CURSOR = "wp-retries"


class RetryRequests:
    name = "retries"

    def __init__(self, store: StateStore, site: SiteDirectory, site_id: str,
                 stream: str) -> None:
        """``stream``: the posts stream whose deferred records are looked at again."""
        self.store, self.site, self.site_id, self.stream = store, site, site_id, stream

    def step(self, report: TickReport) -> int:
        """Requeue what the new presses ask for; the number of intents put back."""
        stored = self.store.get_cursor(self.store.scoped(CURSOR))
        after = int(json.loads(stored)["after"]) if stored else 0
        requests = self.site.retry_requests(after)
        if not requests:
            return 0
        requeued = 0
        with self.store.transaction():
            for request in requests:
                source = SourceRef("wp", self.site_id, "post", str(request.post_id))
                requeued += self.store.outbox.retry_failed(source=source)
                self.store.forget_version(source)
                self.store.defer(source, self.stream, "retry requested in WordPress", utcnow())
            last = max(r.request_id for r in requests)
            self.store.set_cursor(self.store.scoped(CURSOR), json.dumps({"after": last}))
        report.requeued += requeued
        return requeued
