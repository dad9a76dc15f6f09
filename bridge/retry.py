"""The one retry layer: tenacity policies applied to connector reads and idempotent writes.

Only calls that are safe to repeat are retried here: reads, and WordPress meta writes (they set
values, so a repeat is harmless). A chain broadcast is never retried by this layer; it goes
through the outbox's reconcile path instead (look the tx id up, resend the *same* signed tx).
beem's own retries are pinned to one attempt in connectors/steem.py so they do not multiply
with these.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from bridge.failures import RateLimited, TransientError

log = logging.getLogger("wp_steem_bridge.retry")
T = TypeVar("T")

ATTEMPTS = 3
MAX_WAIT = 10.0  # seconds; longer "come back later" answers are left to the next tick
SLEEP: Callable[[float], None] = time.sleep  # tests replace it


def _wait(base: Callable[[RetryCallState], float]) -> Callable[[RetryCallState], float]:
    """Exponential backoff, but a server's Retry-After wins when it asks for longer."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = getattr(exc, "retry_after", None)
        return min(MAX_WAIT, max(base(state), asked or 0.0))

    return wait


def call_with_retry(func: Callable[..., T], *args: Any, what: str = "", **kwargs: Any) -> T:
    retrying = Retrying(
        retry=retry_if_exception_type((TransientError, RateLimited)),
        stop=stop_after_attempt(ATTEMPTS) | stop_after_delay(30),
        wait=_wait(wait_exponential(multiplier=0.5, min=0.5, max=MAX_WAIT)),
        before_sleep=lambda s: log.info("retrying %s after: %s", what or func.__name__,
                                        s.outcome.exception() if s.outcome else "?"),
        sleep=lambda seconds: SLEEP(seconds),
        reraise=True,
    )
    return retrying(func, *args, **kwargs)


class RetryingProxy:
    """Wraps a connector so the listed methods go through ``call_with_retry``.

    Generator methods are materialized inside the retry, so a failure on page 3 re-reads from
    page 1 instead of yielding duplicates.
    """

    def __init__(self, target: Any, methods: tuple[str, ...], lists: tuple[str, ...] = ()) -> None:
        self._target = target
        self._methods = set(methods)
        self._lists = set(lists)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name in self._lists:
            return lambda *a, **k: iter(call_with_retry(lambda: list(attr(*a, **k)), what=name))
        if name in self._methods:
            return lambda *a, **k: call_with_retry(attr, *a, what=name, **k)
        return attr


def retrying_chain(chain: Any) -> Any:
    return RetryingProxy(chain, ("head", "account_times", "find_transaction", "get_content",
                                 "connect"))


def retrying_wordpress(api: Any) -> Any:
    return RetryingProxy(
        api, ("term_names", "media_url", "user_steem_account", "site_info", "posts_by_id",
              "write_chain_meta", "write_meta", "chain_meta", "retry_requests",
              "write_site_state", "users_with_steem_account", "changes", "like_events",
              "comments_by_id"),
        lists=("posts_modified_since", "posts_published_since", "posts_between"))
