"""Points -> tokens: 10,000 point events paid out through the real engine, store and dispatcher
on the fake chain and its Steem-Engine contract, batched (many actions per ``custom_json``)
against one transaction per event (the same code with one action per transaction).

Chain time is counted in blocks as the devnet seals them on demand (one block per accepted
transaction, 3 s each): the batched payout needs as many blocks as transactions. The one-per-event
baseline is run on BASELINE_EVENTS events (its per-event cost is flat: one transaction, one block,
each; 10,000 of them would take minutes of fsyncs here) and scaled to 10,000. Verdicts are ratios
and counts only; wall time is printed, never judged.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import mappings.tokens
from tests.bench import BenchRow
from tests.engine.test_points import RULES, Feed, World
from tests.support.fake_chain import FakeChain
from tests.support.fake_sidechain import Token

EVENTS = 10_000
BASELINE_EVENTS = 1_000
MEMBERS = 500


def _pay(directory: Path, one_per_event: bool, events: int = EVENTS
         ) -> tuple[int, Decimal, float]:
    """(transactions, tokens paid, wall seconds) for ``events`` events of MEMBERS members."""
    chain = FakeChain(keys={})
    chain.create_account("issuer", "5K-issuer-posting", "5K-issuer-active")
    chain.sidechain.tokens["PTS"] = Token("issuer", 3, Decimal(10**9))
    feed = Feed()
    for n in range(1, events + 1):
        member = n % MEMBERS
        feed.add(f"mycred:{n}", member + 1, "3", account=f"member-{member:04d}")
    rules = replace(RULES, max_actions=1) if one_per_event else RULES
    world = World(directory / "state.db", chain, feed, rules)
    saved = mappings.tokens.ENTRIES_PER_ACTION
    if one_per_event:
        mappings.tokens.ENTRIES_PER_ACTION = 1
    started = time.perf_counter()
    try:
        for _ in range(6):
            world.sync(1)
            if all(s == "paid" for s in world.ledger().values()):
                break
    finally:
        mappings.tokens.ENTRIES_PER_ACTION = saved
    paid = sum(chain.sidechain.balances.values(), Decimal(0))
    return len(chain.applied), paid, time.perf_counter() - started


def bench_points_payout() -> list[BenchRow]:
    with tempfile.TemporaryDirectory() as batched_dir, tempfile.TemporaryDirectory() as one_dir:
        batched, paid, wall = _pay(Path(batched_dir), one_per_event=False)
        sample, single_paid, single_wall = _pay(Path(one_dir), one_per_event=True,
                                                events=BASELINE_EVENTS)
    single = sample * EVENTS // BASELINE_EVENTS  # one transaction (and block) per event
    print(f"  points: batched {batched} txs in {wall:.1f} s wall; one per event {sample} txs "
          f"for {BASELINE_EVENTS} events in {single_wall:.1f} s wall")
    return [
        BenchRow("points: 10,000 events, every unit paid (batched)",
                 float(paid == Decimal("1.5") * EVENTS), "1 = yes", ">= 1"),
        BenchRow("points: one tx per event, every unit paid (1,000-event sample)",
                 float(single_paid == Decimal("1.5") * BASELINE_EVENTS and
                       sample == BASELINE_EVENTS), "1 = yes", ">= 1"),
        BenchRow("points: transactions for 10,000 events (batched)", batched, "txs", "<= 250"),
        BenchRow("points: transactions for 10,000 events (one per event)", single, "txs",
                 None),
        BenchRow("points: chain time, one tx per event / batched", single / max(batched, 1),
                 "x (blocks)", ">= 40"),
    ]
