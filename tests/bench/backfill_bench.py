"""Backfill at the chain's limit (issue 13): 200 authors x 5 posts through the real engine,
dispatcher and beem connector against the devnet with real 3-second blocks.

The devnet runs as its own process with a block every 3 s of wall time. The bench is the clock
only where waiting would be idle: when every queued post waits for a later chain time (the
5-minute rule), it makes the blocks up to the earliest one (``debug_generate_blocks_until``),
and a dispatcher waiting for its block to be produced gets that block at once
(``debug_generate_blocks`` 1) instead of sleeping up to 3 s. Chain time is what real 3-second
blocks would show; only idle wall time is skipped.

Measured, for pipelined rounds (the daemon's dispatcher) and beside it the same run with the
sequential dispatch of bridge 0.1 (``round_size=1``: send, wait for the block, send the next):
the rules' minimum (each author's five root posts 4 x 301 s apart after the first round)
divided by the chain time used from the first post's block to the last; transactions per
block; rate-limit rejections from the node (none may happen: the dispatcher schedules by the
chain's clocks instead).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bridge.dispatch import Dispatcher
from bridge.engine import Engine
from bridge.failures import RateLimited
from bridge.kinds import Authority
from bridge.model import IntentStatus, PostRecord, SourceRef, from_text, to_text
from bridge.post_stream import PostPlanner
from bridge.store import StateStore
from bridge.streams import OutboundStream
from bridge.writeback import WriteBack
from connectors.steem import SteemChain
from devnet.crypto import wif_to_public_str
from devnet.genesis import CHAIN_ID, INITMINER, INITMINER_WIF
from mappings.posts import post_to_intent
from tests.bench import BenchRow
from tests.bench.devnet_bench import Rpc, _tapos, devnet_process, sign_fast
from tests.mappings.factories import make_post
from tests.mappings.seed_records import golden_context

AUTHORS = 200
POSTS_PER_AUTHOR = 5
ROOT_POST_SPACING = 301  # STEEM_MIN_ROOT_COMMENT_INTERVAL (300 s) is strict: the next at +301 s
RULES_MINIMUM = (POSTS_PER_AUTHOR - 1) * ROOT_POST_SPACING
BLOCK_SECONDS = 3
SITE = "bench"
MAX_TICKS = 400


class CountingChain:
    """The beem connector, counting the node's rate-limit refusals of our broadcasts."""

    def __init__(self, chain: SteemChain) -> None:
        self.chain = chain
        self.rate_limited = 0

    def broadcast(self, signed: Any) -> None:
        try:
            self.chain.broadcast(signed)
        except RateLimited:
            self.rate_limited += 1
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.chain, name)


class ListSource:
    """The posts to backfill, handed to the engine's poll once (as WordPress would list them)."""

    name = f"wp:{SITE}:posts"

    def __init__(self, records: Sequence[PostRecord]) -> None:
        self.records = list(records)

    def changed_since(self, cursor: dict[str, str]) -> Iterator[tuple[PostRecord, dict[str, str]]]:
        if cursor.get("done"):
            return
        for record in self.records:
            yield record, {"done": "1"}

    def fetch(self, object_ids: list[int]) -> list[PostRecord]:
        return [r for r in self.records if int(r.source.object_id) in object_ids]


class NoSite:
    """WordPress stand-in for the write-back: every meta write is stored."""

    def write_meta(self, writes: Sequence[Any]) -> list[None]:
        return [None] * len(writes)

    def write_site_state(self, kind: str, values: dict[str, Any]) -> None:
        pass


@dataclass
class Run:
    """What one backfill run used."""

    label: str
    blocks: set[int]
    first_time: int
    last_time: int
    confirmed: int
    rate_limited: int
    wall: float

    @property
    def chain_seconds(self) -> int:
        return self.last_time - self.first_time

    @property
    def efficiency(self) -> float:
        return RULES_MINIMUM / self.chain_seconds if self.chain_seconds else 0.0

    @property
    def per_block(self) -> float:
        return self.confirmed / len(self.blocks) if self.blocks else 0.0


def _create_authors(rpc: Rpc, names: list[str]) -> None:
    """All on initminer's key, so one signature covers a transaction of many creations."""
    key = wif_to_public_str(INITMINER_WIF)
    auth = {"weight_threshold": 1, "account_auths": [], "key_auths": [[key, 1]]}
    ops = [["account_create", {"fee": "3.000 STEEM", "creator": INITMINER, "new_account_name": name,
                               "owner": auth, "active": auth, "posting": auth, "memo_key": key,
                               "json_metadata": ""}] for name in names]
    for start in range(0, len(ops), 100):
        trx = {**_tapos(rpc), "operations": ops[start:start + 100], "extensions": [],
               "signatures": []}
        rpc.call("condenser_api.broadcast_transaction", [sign_fast(trx, INITMINER_WIF)])
    rpc.call("debug_node_api.debug_generate_blocks",
             {"debug_key": INITMINER_WIF, "count": 1, "skip": 0, "miss_blocks": 0})


def _records(prefix: str, names: list[str]) -> list[PostRecord]:
    """Post i of every author before post i + 1 of any (as a site's archive interleaves them)."""
    records = []
    for round_ in range(POSTS_PER_AUTHOR):
        for number, name in enumerate(names):
            object_id = str(1 + round_ * len(names) + number)
            records.append(make_post(
                object_id, source=SourceRef("wp", SITE, "post", object_id), slug=f"{prefix}-{object_id}",
                title_raw=f"Backfilled {prefix} {object_id}", title_rendered="",
                content_rendered=f"<p>Post {round_} of @{name}, from the archive.</p>",
                author_account=name, tags=("archive",)))
    return records


def _run(port: int, rpc: Rpc, label: str, prefix: str, round_size: int) -> Run:
    names = [f"{prefix}{n:03d}" for n in range(AUTHORS)]
    _create_authors(rpc, names)

    def next_block(_seconds: float) -> None:  # the dispatcher waits for its block: make it now
        rpc.call("debug_node_api.debug_generate_blocks",
                 {"debug_key": INITMINER_WIF, "count": 1, "skip": 0, "miss_blocks": 0})

    with tempfile.TemporaryDirectory() as tmp:
        store = StateStore(Path(tmp) / "state.db", site=SITE)
        chain = CountingChain(SteemChain([f"http://127.0.0.1:{port}"], CHAIN_ID))
        dispatcher = Dispatcher(store, chain, _key, round_size=round_size, confirm_timeout=30,
                                sleep=next_block)
        context = golden_context()
        source = ListSource(_records(prefix, names))
        stream = OutboundStream(source, PostPlanner(source.name, post_to_intent, lambda: "bench"))
        engine = Engine(store, [stream], dispatcher, WriteBack(store, NoSite()),
                        lambda: context)
        blocks: set[int] = set()
        started = time.perf_counter()
        for _ in range(MAX_TICKS):
            report = engine.tick()
            if report.problems:
                raise RuntimeError(f"{label}: {report.problems[:3]}")
            blocks |= {block for _entry, block in report.published}
            waiting = store.outbox.rows(IntentStatus.PENDING, IntentStatus.SCHEDULED,
                                        IntentStatus.SIGNED, IntentStatus.BROADCAST)
            if not waiting:
                break
            _advance_to_earliest(rpc, waiting)
        else:
            raise RuntimeError(f"{label}: not done after {MAX_TICKS} ticks")
        wall = time.perf_counter() - started
        confirmed = len(store.outbox.rows(IntentStatus.CONFIRMED))
        store.close()
    if confirmed != AUTHORS * POSTS_PER_AUTHOR:
        raise RuntimeError(f"{label}: {confirmed} confirmed of {AUTHORS * POSTS_PER_AUTHOR}")
    times = [_block_time(rpc, number) for number in (min(blocks), max(blocks))]
    return Run(label, blocks, times[0], times[1], confirmed, chain.rate_limited, wall)


def _key(_account: str, _authority: Authority) -> str:
    return INITMINER_WIF


def _advance_to_earliest(rpc: Rpc, waiting: list[Any]) -> None:
    """Idle until a later chain time: make the blocks up to the earliest post's turn."""
    if any(e.status is not IntentStatus.SCHEDULED or not e.not_before for e in waiting):
        return
    props = rpc.call("condenser_api.get_dynamic_global_properties", [])
    head = from_text(props["time"])
    due = min(from_text(e.not_before) for e in waiting)
    if due <= head:
        return
    blocks = -(-int((due - head) / timedelta(seconds=1)) // BLOCK_SECONDS)
    rpc.call("debug_node_api.debug_generate_blocks_until",
             {"debug_key": INITMINER_WIF, "head_block_time": to_text(head + timedelta(
                 seconds=BLOCK_SECONDS * blocks)), "generate_sparsely": False})


def _block_time(rpc: Rpc, number: int) -> int:
    header = rpc.call("condenser_api.get_block_header", [number])
    return int(from_text(header["timestamp"]).timestamp())


def bench_backfill() -> list[BenchRow]:
    with devnet_process(block_interval=BLOCK_SECONDS) as port:
        rpc = Rpc(port)
        try:
            rounds = _run(port, rpc, "pipelined", "bfp", round_size=0)
            sequential = _run(port, rpc, "sequential", "bfs", round_size=1)
        finally:
            rpc.close()
    label = f"{AUTHORS} authors x {POSTS_PER_AUTHOR} posts, 3 s blocks"
    beside = "sequential dispatch (bridge 0.1)"
    return [
        BenchRow(f"backfill ({label}): rules' minimum {RULES_MINIMUM} s / chain time used",
                 rounds.efficiency, "ratio", ">= 0.95", sequential.efficiency, beside),
        BenchRow("backfill: chain time used, first post's block to last", rounds.chain_seconds,
                 "s", None, sequential.chain_seconds, beside),
        BenchRow("backfill: transactions per block (blocks holding ours)", rounds.per_block,
                 "tx/block", None, sequential.per_block, beside),
        BenchRow("backfill: rate-limit rejections by the node", rounds.rate_limited, "count",
                 "<= 0", sequential.rate_limited, beside),
        BenchRow("backfill: wall time (idle waits skipped)", rounds.wall, "s", None,
                 sequential.wall, beside),
    ]
