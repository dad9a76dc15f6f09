"""Votes at the limit (issue 13): 500 members' likes -> votes through the real likes stream and
dispatcher against the devnet: blocks used vs the rules' minimum, beside the sequential dispatch.

500 members like post A; the first 50 of them also like post B: 550 votes. Votes by different
accounts may share a block; one account's two votes need 3 s (STEEM_MIN_VOTE_INTERVAL_SEC)
between them, so they land in two blocks at least; and a block holds at most
MAXIMUM_BLOCK_SIZE bytes of transactions. The minimum is the larger of the two bounds.

The sequential baseline (``round_size=1``: send, wait for the block, send the next) runs beside it
in the same bench on a sample of the same likes (half of them second votes), on its own devnet.

The devnet runs as its own process (as in devnet_bench.py) and produces a block only when the
dispatcher would otherwise wait for one (its confirm poll's sleep) or when everything left waits
for chain time: chain time advanced on demand where waiting would be idle. A transaction counts as in a block once that block exists (the devnet also
answers ``get_transaction`` for pending ones; a real node does not). Verdicts are the ratio and
the rejection count; times are printed for information.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bridge.dispatch import Dispatcher
from bridge.engine import Engine
from bridge.failures import FailureClass
from bridge.like_stream import like_stream
from bridge.model import IntentKind, IntentStatus, MappingContext, SourceRef
from bridge.store import StateStore
from bridge.writeback import WriteBack
from connectors.steem import SteemChain, new_key
from connectors.wordpress_likes import WordPressLikes
from deploy.devstack.localstack import generate_blocks, rpc
from devnet.genesis import CHAIN_ID, INITMINER, INITMINER_WIF, MAXIMUM_BLOCK_SIZE
from devnet.serializer import parse_transaction
from mappings.likes import LikeRules
from tests.bench import BenchRow
from tests.bench.devnet_bench import devnet_process

MEMBERS = 500
TWICE = 50  # members who like both posts
# the sequential baseline (one vote per block, whatever the rules allow) on a sample: signing
# costs ~60 ms a vote (beem's pure-Python ECDSA), and the bench stays under a minute
BASELINE_VOTES = 40
POSTS = {1: ("bench-author-a", "post-a"), 2: ("bench-author-b", "post-b")}
CREATES_PER_TX = 50


class Feed:
    """The companion plugin's like-events feed, in memory (its answer shape)."""

    def __init__(self, likes: list[tuple[int, int, str]]) -> None:
        self.rows = [{"id": n + 1, "post_id": post, "user_id": user, "event": "like",
                      "source": "wanzi", "at": "2026-01-01T00:00:00", "steem_account": account}
                     for n, (post, user, account) in enumerate(likes)]

    def like_events(self, after: int, limit: int = 100) -> dict[str, Any]:
        rows = [r for r in self.rows if r["id"] > after][:limit]
        return {"events": rows, "last": rows[-1]["id"] if rows else after}


class Sink:
    def write_meta(self, writes: Sequence[Any]) -> list[None]:
        return [None for _ in writes]


class BlocksOnly:
    """The devnet seen as a real node answers: a transaction is found once its block exists."""

    def __init__(self, chain: SteemChain) -> None:
        self.chain = chain

    def __getattr__(self, name: str) -> Any:
        return getattr(self.chain, name)

    def find_transactions(self, tx_ids: Sequence[str]) -> dict[str, int]:
        head = self.chain.head().block_num
        return {t: b for t, b in self.chain.find_transactions(tx_ids).items() if b <= head}

    def find_transaction(self, tx_id: str) -> int | None:
        block = self.chain.find_transaction(tx_id)
        return block if block is not None and block <= self.chain.head().block_num else None


def _block(url: str) -> None:
    generate_blocks(url, 1)


def _block_bytes(url: str, blocks: set[int]) -> int:
    """The size of the transactions in these blocks, as the chain counts it (signed bytes)."""
    return sum(len(parse_transaction(trx, "steem").signed_bytes())
               for num in blocks
               for trx in rpc(url, "condenser_api.get_block", [num])["transactions"])


def _setup(url: str, chain: SteemChain, members: list[str]) -> str:
    """Members and two authors (one key for all), and the two posts; the members' WIF."""
    pair = new_key()
    auth = {"weight_threshold": 1, "account_auths": [], "key_auths": [[pair.public, 1]]}
    names = [author for author, _ in POSTS.values()] + members
    for start in range(0, len(names), CREATES_PER_TX):
        ops = [("account_create", {"fee": "3.000 STEEM", "creator": INITMINER,
                                   "new_account_name": name, "owner": auth, "active": auth,
                                   "posting": auth, "memo_key": pair.public,
                                   "json_metadata": ""})
               for name in names[start:start + CREATES_PER_TX]]
        chain.broadcast(chain.sign(ops, INITMINER_WIF))
        _block(url)
    for author, permlink in POSTS.values():
        chain.broadcast(chain.sign([("comment", {
            "parent_author": "", "parent_permlink": "bench", "author": author,
            "permlink": permlink, "title": "Like me", "body": "A post to like.",
            "json_metadata": "{}"})], pair.wif))
    _block(url)
    return pair.wif


def _run(url: str, wif: str, likes: list[tuple[int, int, str]], round_size: int,
         directory: Path) -> dict[str, float]:
    store = StateStore(str(directory / f"state-{round_size}.db"), site="bench")
    with store.transaction():
        for post_id, (author, permlink) in POSTS.items():
            ref = SourceRef("wp", "bench", "post", str(post_id))
            store.reserve_link(ref, author, permlink, "bench", "")
            store.confirm_link(ref, "", 1)
    source = WordPressLikes(Feed(likes), "bench", page=500)
    chain = BlocksOnly(SteemChain([url], CHAIN_ID))
    dispatcher = Dispatcher(store, chain, lambda _account, _authority: wif,
                            confirm_timeout=120, poll_interval=0, round_size=round_size,
                            sleep=lambda _seconds: _block(url))
    context = MappingContext(site_id="bench", site_url="http://wp", site_name="Bench",
                             now="2026-01-01T00:00:00")
    engine = Engine(store, [like_stream(source, LikeRules(), store.facts)],
                    dispatcher, WriteBack(store, Sink()), lambda: context)
    started, rate_limited, ticks = time.perf_counter(), 0, 0
    while ticks < 50:
        ticks += 1
        report = engine.tick()
        rate_limited += sum(1 for failure, _ in report.problems
                            if failure is FailureClass.RATE_LIMITED)
        live = [e for e in store.outbox.rows(IntentStatus.PENDING, IntentStatus.SCHEDULED,
                                             IntentStatus.SIGNED, IntentStatus.BROADCAST)]
        if not live:
            break
        if not report.broadcast:
            _block(url)  # everything left waits for chain time: the next block comes
    seconds = time.perf_counter() - started
    rows = store.outbox.rows(IntentStatus.CONFIRMED)
    votes = [e for e in rows if e.kind is IntentKind.VOTE]
    blocks = {e.block_num for e in votes}
    failed = len(store.outbox.rows(IntentStatus.FAILED))
    size = _block_bytes(url, {b for b in blocks if b})
    store.close()
    return {"votes": len(votes), "blocks": len(blocks), "bytes": size, "seconds": seconds,
            "rejected": rate_limited + failed}


def _measure(likes: list[tuple[int, int, str]], members: list[str],
             round_size: int) -> dict[str, float]:
    """One run on a fresh devnet (``round_size`` 0: pipelined rounds; 1: sequential)."""
    with devnet_process(block_interval=10 ** 6) as port:  # blocks only when produced here
        url = f"http://127.0.0.1:{port}"
        wif = _setup(url, SteemChain([url], CHAIN_ID), members)
        with tempfile.TemporaryDirectory() as directory:
            return _run(url, wif, likes, round_size, Path(directory))


def bench_votes_at_the_limit() -> list[BenchRow]:
    members = [f"liker{n:03d}" for n in range(MEMBERS)]
    likes = [(1, n + 10, account) for n, account in enumerate(members)]
    likes += [(2, n + 10, account) for n, account in enumerate(members[:TWICE])]
    per_account = max(sum(1 for _, _, a in likes if a == account) for account in members)
    pipelined = _measure(likes, members, 0)
    sample = likes[:BASELINE_VOTES // 2] + likes[MEMBERS:MEMBERS + BASELINE_VOTES // 2]
    sequential = _measure(sample, members, 1)
    minimum = max(per_account, math.ceil(pipelined["bytes"] / (MAXIMUM_BLOCK_SIZE - 256)))
    label = f"likes -> votes ({MEMBERS} members, {len(likes)} votes)"
    return [
        BenchRow(f"{label}: votes confirmed", pipelined["votes"], "votes", f">= {len(likes)}"),
        BenchRow(f"{label}: minimum blocks / blocks used", minimum / pipelined["blocks"],
                 "ratio", ">= 1"),
        BenchRow(f"{label}: blocks used (minimum {minimum})", pipelined["blocks"], "blocks",
                 None),
        BenchRow(f"  beside it, sequential dispatch: blocks per vote ({sequential['votes']:.0f} "
                 f"votes in {sequential['blocks']:.0f} blocks)",
                 sequential["blocks"] / max(1, sequential["votes"]), "blocks/vote", None),
        BenchRow(f"{label}: rate-limit rejections and failures", pipelined["rejected"],
                 "count", "<= 0"),
        BenchRow(f"{label}: wall time (informational; sequential sample "
                 f"{sequential['seconds']:.1f} s)", pipelined["seconds"], "s", None),
    ]
