"""The companion plugin's link desk (``linking.php``) over REST: a ``bridge.ports.LinkDesk``.

``GET wp-steem-bridge/v1/links`` (the bridge's user only) answers the open link requests and the
members linked through them, ``{"seq": N, "requests": [{"user_id", "account", "state",
"challenge", "signature", "expires", "grant"}]}``; it is asked only when the change feed's
``links`` sequence moved past what the bridge read (an idle tick asks nothing).
``POST wp-steem-bridge/v1/links/verdicts`` takes ``{"verdicts": [...]}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bridge.ports import LinkFeed, LinkRequest, LinkVerdict
from connectors.failures import TerminalError
from connectors.wordpress_rest import WordPressRest

HINT = "is the companion plugin up to date (linking.php)? see deploy/wordpress-plugin"


class WordPressLinks:
    def __init__(self, rest: WordPressRest) -> None:
        self.rest = rest

    def link_requests(self, after: int) -> LinkFeed | None:
        if self.rest.newest_link is not None and self.rest.newest_link <= after:
            return None
        found = self.rest._json("GET", "wp-steem-bridge/v1/links", "reading link requests",
                                missing_hint=HINT)
        if not isinstance(found, dict):
            raise TerminalError("reading link requests: the plugin answered no object")
        rows = [r for r in found.get("requests") or [] if isinstance(r, dict)]
        return LinkFeed(int(found.get("seq") or 0), tuple(_request(r) for r in rows
                                                          if r.get("state") in ("pending",
                                                                                "linked")))

    def write_link_verdicts(self, verdicts: Sequence[LinkVerdict]) -> None:
        self.rest._json("POST", "wp-steem-bridge/v1/links/verdicts", "writing link verdicts",
                        missing_hint=HINT, json={"verdicts": [
                            {"user_id": v.user_id, "account": v.account, "verdict": v.verdict,
                             "reason": v.reason, "grant": v.grant} for v in verdicts]})


def _request(row: dict[str, Any]) -> LinkRequest:
    expires = int(row.get("expires") or 0)
    return LinkRequest(
        user_id=int(row["user_id"]), account=str(row["account"]), state=row["state"],
        challenge=str(row.get("challenge") or ""), signature=str(row.get("signature") or ""),
        expires=datetime.fromtimestamp(expires, UTC) if expires else None,
        grant=bool(row.get("grant")))
