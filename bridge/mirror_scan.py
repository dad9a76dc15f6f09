"""Finding what changed on chain for the rewards mirror, as cheaply as the gap allows.

Owns the choice between the two incremental readers and the history backfill:
    scan     -- every op of blocks ``cursor+1 .. LIB`` (``get_ops_in_block``, 50 blocks/request)
    history  -- the account history of every watched account, paged back to the cursor
                (``get_account_history``, 50 accounts/request)
whichever needs fewer requests for this gap (a few new blocks: scan; a day of blocks, or a
devnet jump of 7 days: history). Only ops in blocks up to the last irreversible block are
taken, so a fork can never put a payout into WordPress that the chain later drops. With the
reply mirror on, reply ops in a bridged post's thread touch that post too (``Changes.threads``);
the history reader only sees replies whose parent's author is watched, the rest are found by the
post's ``children`` count when the post is next read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mappings.rewards import RewardEvent, chain_seconds, reward_event, touched_post

OPS_PER_REQUEST = 50  # connectors.steem_reads.MAX_BATCH
HISTORY_PAGE = 1000  # entries per get_account_history call (steemd allows up to 10000)
PostKey = tuple[str, str]


class ChainReads(Protocol):
    def ops_in_blocks(self, first: int, last: int) -> list[dict[str, Any]]: ...
    def account_histories(self, starts: list[tuple[str, int]],
                          limit: int) -> dict[str, list[tuple[int, dict[str, Any]]]]: ...


@dataclass
class Changes:
    """What the ops since the cursor touched."""

    strategy: str = "idle"  # idle | scan | history | backfill
    posts: set[PostKey] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)  # accounts that received a reward
    events: dict[str, RewardEvent] = field(default_factory=dict)  # by RewardEvent.key
    threads: set[PostKey] = field(default_factory=set)  # posts a reply op (new or edit) touched

    def take(self, entries: Iterable[dict[str, Any]], posts: set[PostKey],
             accounts: set[str], reply_roots: dict[PostKey, PostKey] | None = None) -> None:
        for entry in entries:
            if reply_roots is not None:
                self._take_reply(entry, posts, reply_roots)
            post = touched_post(entry)
            event = reward_event(entry)
            if post in posts:
                self.posts.add(post)
            if event is None:
                continue
            if (event.author, event.permlink) in posts or event.account in accounts:
                self.events[event.key] = event
            if event.account in accounts:
                self.accounts.add(event.account)

    def _take_reply(self, entry: dict[str, Any], posts: set[PostKey],
                    reply_roots: dict[PostKey, PostKey]) -> None:
        """A reply in a bridged post's thread (new, or an edit of a mirrored one) touches the
        post: its ``children`` is re-read and the thread looked at (bridge/mirror_replies.py)."""
        name, op = entry["op"]
        if name != "comment" or not op.get("parent_author"):
            return
        parent = (op["parent_author"], op["parent_permlink"])
        root = parent if parent in posts else reply_roots.get(parent) or reply_roots.get(
            (op["author"], op["permlink"]))
        if root in posts:
            self.posts.add(root)
            self.threads.add(root)


def choose_strategy(gap_blocks: int, accounts: int) -> str:
    """The reader needing fewer requests; ties go to the scan (it needs no paging)."""
    if gap_blocks <= 0:
        return "idle"
    scan = math.ceil(gap_blocks / OPS_PER_REQUEST)
    history = math.ceil(max(accounts, 1) / OPS_PER_REQUEST)
    return "scan" if scan <= history else "history"


def changes_since(chain: ChainReads, cursor: int, lib: int, posts: set[PostKey],
                  accounts: set[str], reply_roots: dict[PostKey, PostKey] | None = None
                  ) -> Changes:
    """Votes and reward ops in blocks ``cursor+1 .. lib`` touching ``posts`` or ``accounts``
    (and, given ``reply_roots``, reply ops in their threads)."""
    changes = Changes(strategy=choose_strategy(lib - cursor, len(accounts)))
    if changes.strategy == "scan":
        changes.take(chain.ops_in_blocks(cursor + 1, lib), posts, accounts, reply_roots)
    elif changes.strategy == "history":
        entries = history_since(chain, sorted(accounts), first_block=cursor + 1, last_block=lib)
        changes.take(entries, posts, accounts, reply_roots)
    return changes


def backfill(chain: ChainReads, accounts: Iterable[str], lib: int, since: int,
             posts: set[PostKey], watched: set[str]) -> Changes:
    """Reward ops of ``accounts`` since unix time ``since`` (first sight of a member)."""
    changes = Changes(strategy="backfill")
    names = sorted(accounts)
    if names:
        changes.take(history_since(chain, names, 1, lib, since), posts, watched)
    return changes


def history_since(chain: ChainReads, accounts: list[str], first_block: int, last_block: int,
                  since: int = 0) -> list[dict[str, Any]]:
    """History entries of ``accounts`` in blocks ``first_block..last_block`` and not older than
    ``since``, paging back only for accounts whose oldest fetched entry is still inside."""
    found: list[dict[str, Any]] = []
    starts = [(name, -1) for name in accounts]
    while starts:
        pages = chain.account_histories(starts, HISTORY_PAGE)
        starts = []
        for name, page in pages.items():
            found.extend(entry for _, entry in page
                         if first_block <= entry["block"] <= last_block
                         and chain_seconds(entry["timestamp"]) >= since)
            if page and page[0][0] > 0 and page[0][1]["block"] >= first_block \
                    and chain_seconds(page[0][1]["timestamp"]) >= since:
                starts.append((name, page[0][0] - 1))
    return found
