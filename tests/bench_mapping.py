"""Mapping speed and memory over the corpus goldens (no WordPress, no network).

``bench_mapping()`` maps every golden input (the seed posts and the captured Theme Unit Test
posts) repeatedly, reports posts/s for the median-size post and for the whole set, and maps
10,000 posts under tracemalloc to show memory stays flat (the traced size after the first
1,000 mappings vs after all 10,000). Run: ``python -m tests.bench_mapping``. Target: >= 1,000 posts/s for the median post (html format).
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass, replace

from bridge.model import MappingContext, PostRecord
from mappings.posts import post_to_intent
from tests.fidelity.corpus import record_from_capture
from tests.mappings.corpus_cases import CASES, load_capture
from tests.mappings.seed_records import golden_context, load_seeds

TARGET_POSTS_PER_SECOND = 1000
MEMORY_POSTS = 10_000
MAX_MEMORY_GROWTH_BYTES = 1_000_000


@dataclass
class BenchRow:
    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool = True


def corpus_posts() -> list[PostRecord]:
    posts = list(load_seeds().values())
    posts += [record_from_capture(load_capture(case), "demo") for case in sorted(CASES)]
    return posts


def _rate(post: PostRecord, ctx: MappingContext, seconds: float = 0.5) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        post_to_intent(post, ctx, None)
        count += 1
    return count / (time.perf_counter() - started)


def _median_post(posts: list[PostRecord]) -> PostRecord:
    ordered = sorted(posts, key=lambda post: len(post.content_rendered))
    return ordered[len(ordered) // 2]


def _memory_growth(posts: list[PostRecord], ctx: MappingContext) -> tuple[int, int]:
    # The 260 kB post that has to be cut is left out: 500 binary-searched cuts under tracemalloc
    # would take minutes and say nothing more about leaks than the other posts do.
    posts = [post for post in posts if len(post.content_rendered) < 100_000]
    gc.collect()
    tracemalloc.start()
    try:
        after_warmup = 0
        for number in range(MEMORY_POSTS):
            post_to_intent(posts[number % len(posts)], ctx, None)
            if number == 999:
                gc.collect()
                after_warmup = tracemalloc.get_traced_memory()[0]
        gc.collect()
        final, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return final - after_warmup, peak


def bench_mapping() -> list[BenchRow]:
    posts = corpus_posts()
    ctx = golden_context()
    median = _median_post(posts)
    for post in posts:  # warm up: imports (pypinyin), caches
        post_to_intent(post, ctx, None)
        post_to_intent(post, replace(ctx, body_format="markdown"), None)
    rows = []
    for body_format in ("html", "markdown"):
        fmt_ctx = replace(ctx, body_format=body_format)
        rate = _rate(median, fmt_ctx, 1.0)
        target = f">= {TARGET_POSTS_PER_SECOND}" if body_format == "html" else ""
        rows.append(BenchRow(f"median post ({len(median.content_rendered)} chars), {body_format}",
                             rate, "posts/s", target,
                             rate >= TARGET_POSTS_PER_SECOND or body_format != "html"))  # fmt: skip
    started = time.perf_counter()
    for post in posts:
        post_to_intent(post, ctx, None)
    whole = len(posts) / (time.perf_counter() - started)
    rows.append(BenchRow(f"all {len(posts)} corpus goldens once, html", whole, "posts/s"))
    rates = [_rate(post, ctx, 0.05) for post in posts]
    rows.append(BenchRow("median of per-post rates, html", statistics.median(rates), "posts/s",
                         f">= {TARGET_POSTS_PER_SECOND}",
                         statistics.median(rates) >= TARGET_POSTS_PER_SECOND))  # fmt: skip
    growth, peak = _memory_growth(posts, ctx)
    rows.append(BenchRow(f"memory growth over {MEMORY_POSTS} mappings (after 1,000)", growth,
                         "bytes", f"< {MAX_MEMORY_GROWTH_BYTES}",
                         growth < MAX_MEMORY_GROWTH_BYTES))  # fmt: skip
    rows.append(BenchRow("traced peak during the memory run", peak, "bytes"))
    return rows


def format_rows(rows: list[BenchRow]) -> str:
    return "\n".join(f"{'ok' if row.ok else 'SLOW':<5}{row.name:<58}{row.value:>14,.0f} {row.unit}"
                     f"  {row.target}" for row in rows)  # fmt: skip


if __name__ == "__main__":
    import sys

    results = bench_mapping()
    print(format_rows(results))
    sys.exit(0 if all(row.ok for row in results) else 1)
