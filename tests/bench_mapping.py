"""Mapping at the floor (issue 13): what one post's mapping costs, in sanitizer passes.

The unit is one ``nh3.clean`` (nh3's defaults) over the same body, timed in the same run: the
median-size corpus post's ``post_to_intent`` as a new post (no chain link yet) must cost at most
3 of them. Nothing of the post itself is cached between mappings (its permlink's pinyin is
computed each time, as for a new post); what stays cached is the site's vocabulary (tag
spellings, pinyin syllables) and the sanitizers. The two are timed in alternating batches and
the ratio is the median of the adjacent pairs' ratios, so a busy machine slows both sides of
each pair alike. Beside it, in the same unit: an edit of the same post (chain link known, so no
permlink), ``html-to-markdown`` alone over the body (a peer plugin's whole approach: convert the
HTML, no allow-list, no metadata) and our ``markdown`` body format; and how many corpus posts
take the one-pass path (markup with embeds, forms or hidden elements is rewritten between two
passes). Memory: 10,000 mappings under tracemalloc, the traced size after the first 1,000
against after all of them (a count, not a time).

Run alone: ``python -m tests.bench mapping`` or ``python -m tests.bench_mapping``.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace

import nh3

from bridge.model import ChainLink, MappingContext, PostRecord
from mappings.posts import post_to_intent
from mappings.rewrite import needs_rewrite_pass
from mappings.shortcodes import expand_shortcodes
from mappings.text import valid_utf8
from tests.bench import BenchRow
from tests.fidelity.corpus import record_from_capture
from tests.mappings.corpus_cases import CASES, load_capture
from tests.mappings.seed_records import golden_context, load_seeds

MAX_SANITIZER_PASSES = 3
MEMORY_POSTS = 10_000
MAX_MEMORY_GROWTH_BYTES = 1_000_000
PAIRS = 41  # alternating timed batches
BATCH_SECONDS = 0.02


def corpus_posts() -> list[PostRecord]:
    posts = list(load_seeds().values())
    posts += [record_from_capture(load_capture(case), "demo") for case in sorted(CASES)]
    return posts


def _median_post(posts: list[PostRecord]) -> PostRecord:
    ordered = sorted(posts, key=lambda post: len(post.content_rendered))
    return ordered[len(ordered) // 2]


def _batch(function: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        function()
    return (time.perf_counter() - started) / count


def in_sanitizer_passes(function: Callable[[], object], body: str) -> tuple[float, float]:
    """(median ratio of ``function`` to one ``nh3.clean(body)`` over adjacent batches, the
    function's own median seconds)."""
    def sanitize() -> object:
        return nh3.clean(body)

    counts = []
    for candidate in (function, sanitize):  # batch sizes of about BATCH_SECONDS each
        once = max(_batch(candidate, 3), 1e-7)
        counts.append(max(1, int(BATCH_SECONDS / once)))
    ratios, seconds = [], []
    for _ in range(PAIRS):
        mine, unit = _batch(function, counts[0]), _batch(sanitize, counts[1])
        ratios.append(mine / unit)
        seconds.append(mine)
    return statistics.median(ratios), statistics.median(seconds)


def _memory_growth(posts: list[PostRecord], ctx: MappingContext) -> tuple[int, int]:
    # Posts of 20 kB and more are left out (the 260 kB one is cut by ~500 binary-searched
    # trial builds): under tracemalloc they take most of a minute and show no more about leaks.
    posts = [post for post in posts if len(post.content_rendered) < 20_000]
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


def _html_to_markdown() -> Callable[[str], object] | None:
    try:
        from html_to_markdown import convert
    except ImportError:
        return None
    return convert


def bench_mapping() -> list[BenchRow]:
    posts = corpus_posts()
    ctx = golden_context()
    markdown_ctx = replace(ctx, body_format="markdown")
    median = _median_post(posts)
    body = median.content_rendered
    for post in posts:  # warm up: imports (pypinyin), caches
        post_to_intent(post, ctx, None)
        post_to_intent(post, markdown_ctx, None)
    ratio, seconds = in_sanitizer_passes(lambda: post_to_intent(median, ctx, None), body)
    unit_seconds = seconds / ratio
    on_chain = ChainLink(median.source, "author", "post-on-chain", "blog", state="on_chain")
    edit, _ = in_sanitizer_passes(lambda: post_to_intent(median, ctx, on_chain), body)
    convert = _html_to_markdown()
    peer, peer_label = None, "html-to-markdown not installed (pip install html-to-markdown)"
    if convert is not None:
        peer, _ = in_sanitizer_passes(lambda: convert(body), body)
        peer_label = "html-to-markdown alone (a peer plugin's approach)"
    markdown, _ = in_sanitizer_passes(lambda: post_to_intent(median, markdown_ctx, None), body)
    growth, peak = _memory_growth(posts, ctx)
    label = f"median corpus post, {len(body):,} chars"
    once = sum(1 for post in posts if not needs_rewrite_pass(
        expand_shortcodes(valid_utf8(post.content_rendered or post.content_raw or ""))[0]))
    return [
        BenchRow(f"mapping ({label}) in sanitizer passes (one nh3.clean of the body)", ratio,
                 "passes", f"<= {MAX_SANITIZER_PASSES}", peer, peer_label),
        BenchRow("mapping an edit of it (permlink known: no pinyin), in sanitizer passes", edit,
                 "passes", None, peer, peer_label),
        BenchRow("mapping, markdown body format, in sanitizer passes", markdown, "passes", None,
                 peer, peer_label),
        BenchRow("mapping time (html), beside one nh3.clean", seconds * 1e6, "µs", None,
                 unit_seconds * 1e6, "one nh3.clean of the body"),
        BenchRow("corpus posts sanitized once (nothing to rewrite first)", once, "posts", None,
                 len(posts), "corpus posts (the rest: two passes)"),
        BenchRow(f"mapping memory growth over {MEMORY_POSTS:,} mappings (after 1,000)", growth,
                 "bytes", f"<= {MAX_MEMORY_GROWTH_BYTES}", peak, "traced peak of that run"),
    ]


if __name__ == "__main__":
    import sys

    from tests.bench.__main__ import main

    sys.exit(main(["bench_mapping"]))
