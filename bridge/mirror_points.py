"""The points mirror (optional, ``[mirror] points_per_vote``): each upvote a bridged post receives
on chain awards points to the post's WordPress author, through the companion plugin, into myCRED
(``mycred_add``, ref ``steem_vote``) or GamiPress (``gamipress_award_points_to_user``).

Runs inside the rewards mirror's run on the posts it read (a vote touches its post, so the votes
are at hand). One award per ``voter/author/permlink``, ever: the bridge remembers each award it
was told is stored (state rows ``award``), and the plugin refuses a second one on its side too.
The first run after switching it on reads every bridged post once (``due``).

When the points plugin is not active, or lacks the configured points type, the plugin answers
``unavailable``: that is recorded as one problem, the awards stay owed, and it is asked again only
after ``unavailable_retry`` seconds (not every tick). Loop safety: an award is never turned into a chain operation.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from bridge.failures import ConnectorError, FailureClass
from bridge.mirror_scan import PostKey
from bridge.model import SourceRef
from bridge.store import StateStore
from mappings.points import VoteAward, new_awards

log = logging.getLogger("wp_steem_bridge.mirror.points")
CURSOR = "mirror:points"


class PointsSite(Protocol):
    def award_vote_points(self, awards: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


class PointsMirror:
    def __init__(self, store: StateStore, site: PointsSite, site_id: str, *, points: int,
                 plugin: str = "mycred", points_type: str = "", unavailable_retry: float = 3600,
                 clock: Callable[[], float] = time.time) -> None:
        self.store, self.site, self.site_id = store, site, site_id
        self.points, self.plugin, self.points_type = points, plugin, points_type
        self.unavailable_retry = unavailable_retry
        self.clock = clock
        self.source = str(SourceRef("wp", site_id, "points", plugin))

    def due(self, posts: Iterable[PostKey]) -> set[PostKey]:
        """Posts to read although nothing touched them: never looked at, or awards still owed
        (unless the points plugin was unavailable a moment ago)."""
        if self._paused():
            return set()
        seen = self.store.mirror_rows("points")
        return {p for p in posts
                if _key(p) not in seen or json.loads(seen[_key(p)]["data"]).get("owed")}

    def sync(self, contents: dict[PostKey, dict[str, Any]], posts: dict[PostKey, int],
             block: int, problems: list[tuple[FailureClass, str]]) -> int:
        """Award the new upvotes of the posts read this run; returns the awards made."""
        if self._paused():
            return 0
        awarded = set(self.store.mirror_rows("award"))
        owed = {key: new_awards(content, posts[key], awarded, self.points, self.plugin,
                                self.points_type)
                for key, content in contents.items() if key in posts}
        awards = [a for found in owed.values() for a in found]
        results = self._send(awards, problems) if awards else {}
        with self.store.transaction():
            for award in awards:
                result = results.get(award.key)
                if result is not None:
                    self.store.put_mirror_row("award", award.key, award.post_id, {},
                                              {"status": result["status"]}, block)
            for key, found in owed.items():
                unpaid = any(results.get(a.key) is None for a in found)
                self.store.put_mirror_row("points", _key(key), posts[key], {},
                                          {"owed": unpaid}, block)
        return sum(1 for r in results.values() if r and r["status"] == "awarded")

    def _send(self, awards: list[VoteAward], problems: list[tuple[FailureClass, str]]
              ) -> dict[str, dict[str, Any] | None]:
        try:
            results = self.site.award_vote_points([a.as_payload() for a in awards])
        except ConnectorError as exc:
            self._problem(exc.failure, exc.message, problems)
            return {a.key: None for a in awards}
        outcomes: dict[str, dict[str, Any] | None] = {}
        unavailable = ""
        errors = []
        for award, result in zip(awards, results, strict=True):
            status = result.get("status")
            outcomes[award.key] = result if status in ("awarded", "already", "declined") else None
            if status == "unavailable":
                unavailable = str(result.get("message") or f"{self.plugin} is not active")
            elif outcomes[award.key] is None:
                errors.append(f"{award.key}: {result.get('message') or 'not awarded'}")
        if unavailable:
            self._pause(unavailable, problems)
        elif errors:
            self._problem(FailureClass.TRANSIENT, "; ".join(errors)[:1900], problems)
        else:
            self.store.clear_problem(self.source, "mirror points")
            self._resume()
        return outcomes

    # -- the points plugin is missing: say so once, ask again later -----------------------------

    def _paused(self) -> bool:
        stored = self.store.get_cursor(self.store.scoped(CURSOR))
        state = json.loads(stored) if stored else {}
        return bool(state.get("unavailable")) and self.clock() < float(state.get("until", 0))

    def _pause(self, message: str, problems: list[tuple[FailureClass, str]]) -> None:
        stored = self.store.get_cursor(self.store.scoped(CURSOR))
        previous = json.loads(stored) if stored else {}
        with self.store.transaction():
            self.store.set_cursor(self.store.scoped(CURSOR), json.dumps(
                {"unavailable": message, "until": self.clock() + self.unavailable_retry}))
        if previous.get("unavailable") != message:  # recorded once, not on every retry
            self._problem(FailureClass.TERMINAL, message, problems)
            log.warning("points for votes: %s (asking again in %d s)", message,
                        self.unavailable_retry)

    def _resume(self) -> None:
        if self.store.get_cursor(self.store.scoped(CURSOR)):
            with self.store.transaction():
                self.store.set_cursor(self.store.scoped(CURSOR), json.dumps({}))

    def _problem(self, failure: FailureClass, message: str, problems: list[tuple[FailureClass, str]]) -> None:
        self.store.record_problem(self.source, "mirror points", failure.value, message)
        problems.append((failure, f"mirror points: {message}"))


def _key(post: PostKey) -> str:
    return f"{post[0]}/{post[1]}"
