"""Retry presses in WordPress (the posts list's and the editor's "Retry"), read each tick.

A request puts the post's failed intents back in the queue (signed ones go back to be looked up
first, never re-signed blindly) and has the post looked at again this tick, as ``wp-steem-bridge
retry`` would on the bridge host. The feed's cursor moves in the same transaction.
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

    def step(self, report: TickReport) -> None:
        stored = self.store.get_cursor(self.store.scoped(CURSOR))
        after = int(json.loads(stored)["after"]) if stored else 0
        requests = self.site.retry_requests(after)
        if not requests:
            return
        with self.store.transaction():
            for request in requests:
                source = SourceRef("wp", self.site_id, "post", str(request.post_id))
                report.requeued += self.store.outbox.retry_failed(source=source)
                self.store.forget_version(source)
                self.store.defer(source, self.stream, "retry requested in WordPress", utcnow())
            last = max(r.request_id for r in requests)
            self.store.set_cursor(self.store.scoped(CURSOR), json.dumps({"after": last}))
