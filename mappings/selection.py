"""Which WordPress posts go to the chain at all, decided before any mapping: a pure function.

Categories are matched case-insensitively by name. The publish delay (SteemPress's "wait N
minutes so search engines see the blog first") returns a non-terminal Skip with the chain-free
wall-clock time at which to look again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bridge.model import MappingContext, PostRecord, Skip

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def select_post(post: PostRecord, ctx: MappingContext) -> Skip | None:
    """None when the post may be bridged now; otherwise why not (and when to look again)."""
    categories = {c.casefold() for c in post.categories}
    include = {c.casefold() for c in ctx.include_categories}
    exclude = {c.casefold() for c in ctx.exclude_categories}
    if include and not categories & include:
        return Skip(post.source, f"not in an included category ({', '.join(ctx.include_categories)})")
    if categories & exclude:
        hit = sorted(categories & exclude)[0]
        return Skip(post.source, f"in excluded category {hit!r}")
    return _delay(post, ctx)


def _delay(post: PostRecord, ctx: MappingContext) -> Skip | None:
    if ctx.publish_delay_seconds <= 0 or not post.date_gmt:
        return None
    try:
        published = datetime.strptime(post.date_gmt[:19], TIME_FORMAT)
        now = datetime.strptime(ctx.now[:19], TIME_FORMAT)
    except ValueError:
        return None
    due = published + timedelta(seconds=ctx.publish_delay_seconds)
    if now >= due:
        return None
    return Skip(post.source, f"publish delay: goes out after {due:%Y-%m-%dT%H:%M:%S} UTC",
                terminal=False, retry_at=due.strftime(TIME_FORMAT))
