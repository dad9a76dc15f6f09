"""The companion plugin's points feed over REST (``bridge.ports.PointsFeed``).

``GET wp-steem-bridge/v1/points/feed?after=<seq>&limit=N`` (the bridge's user only) answers
``{"events": [{seq, entry_id, event, user_id, points, ctype, ref, happened, account, row?}], "last"}``
(deploy/wordpress-plugin/wp-steem-bridge/includes/points-feed.php): one cursor over myCRED's
log, GamiPress's logs and a configured mini-program ledger table, deletions included. Rows are
typed here; a malformed row is a transient error (the cursor does not move past it).
``POST wp-steem-bridge/v1/points/balances`` writes the members' token balances (user meta).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bridge.failures import TransientError
from bridge.model import PointEvent, to_text
from bridge.ports import JsonDict, PointsPage
from connectors.wordpress_rest import WordPressRest

HINT = "is the companion plugin up to date (includes/points-feed.php)? see deploy/wordpress-plugin"


class WordPressPoints:
    def __init__(self, rest: WordPressRest) -> None:
        self.rest = rest

    def point_events(self, after: int, limit: int) -> PointsPage:
        what = "reading the points feed"
        answer = self.rest._json("GET", "wp-steem-bridge/v1/points/feed", what,
                                 missing_hint=HINT, params={"after": after, "limit": limit})
        if not isinstance(answer, dict) or not isinstance(answer.get("events"), list):
            raise TransientError(f"{what}: unexpected answer: {str(answer)[:200]}")
        events = tuple(_event(row, what) for row in answer["events"])
        return PointsPage(events, int(answer.get("last") or after))

    def write_token_balances(self, balances: Sequence[JsonDict]) -> None:
        for start in range(0, len(balances), 100):
            self.rest._plugin_json("wp-steem-bridge/v1/points/balances",
                                   "writing token balances", HINT,
                                   json={"balances": list(balances[start:start + 100])})


def _event(row: Any, what: str) -> PointEvent:
    try:
        return PointEvent(seq=int(row["seq"]), entry_id=str(row["entry_id"]),
                          event=str(row["event"]), user_id=int(row["user_id"]),
                          points=str(row["points"]), ctype=str(row.get("ctype") or ""),
                          ref=str(row.get("ref") or ""),
                          happened=to_text(_utc(str(row.get("happened") or ""))),
                          account=str(row.get("account") or ""), row=_row(row.get("row")))
    except (KeyError, TypeError, ValueError) as exc:
        raise TransientError(f"{what}: a malformed event {str(row)[:200]}") from exc


def _row(value: Any) -> tuple[tuple[str, str], ...] | None:
    """The source's ledger row now: None when the feed gives none, () when the row is gone."""
    if value is None:
        return None
    return tuple(sorted((str(k), str(v)) for k, v in value.items())) if isinstance(value, dict) else ()


def _utc(text: str) -> Any:
    from bridge.model import from_text

    return from_text(text.replace(" ", "T"))
