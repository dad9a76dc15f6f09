"""The webhook's WSGI application: ``POST /poke`` (signed wake-ups), ``GET /health`` (JSON with
the daemon's last tick) and ``GET /metrics`` (Prometheus text, through ``prometheus_client``).

Pokes are signed as ``X-WPSB-Signature: v1=<base64 HMAC-SHA256(secret, timestamp + "." + body)>``
with ``X-WPSB-Timestamp`` (unix seconds) within five minutes, so a captured poke cannot be
replayed later.

It owns the request rules only; the server (bridge/webhook.py) owns sockets, timeouts and the
connection cap. The body limit is enforced here too, before reading, so the app stays safe
under any WSGI server. No exception leaves the app: each is logged through the project's
(scrubbing) logger and answered with a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

log = logging.getLogger("wp_steem_bridge.webhook")
TOLERANCE_SECONDS = 300
MAX_BODY = 64 * 1024

Health = Callable[[], dict[str, Any]]
# name -> value; a name may carry Prometheus labels: 'wpsb_intents{status="failed"}'
ExtraGauges = Callable[[], dict[str, float]]
LABEL = re.compile(r'(\w+)="([^"]*)"')
Answer = tuple[int, list[tuple[str, str]], bytes]
ROUTES = {"/poke": "POST", "/health": "GET", "/metrics": "GET"}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).digest()
    return "v1=" + base64.b64encode(digest).decode()


def verify(secret: str, timestamp: str, body: bytes, signature: str,
           now: float | None = None) -> str | None:
    """None when the poke is authentic and fresh; otherwise why it is refused."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (ValueError, OverflowError):  # not a number, or too many digits for a float
        return "missing or malformed X-WPSB-Timestamp"
    if age > TOLERANCE_SECONDS:
        return "timestamp outside the five-minute window"
    if not (signature or "").isascii():  # compare_digest raises TypeError on non-ASCII str
        return "malformed X-WPSB-Signature"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature or ""):
        return "bad signature"
    return None


def no_tick() -> dict[str, Any]:
    return {"last_tick": None, "last_tick_age_seconds": None, "last_tick_timestamp": None}


class PokeCounts:
    """Accepted and refused pokes since the daemon started (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.accepted = 0
        self.refused = 0

    def count(self, accepted: bool) -> None:
        with self._lock:
            if accepted:
                self.accepted += 1
            else:
                self.refused += 1


class BridgeCollector:
    """Reads the counters, the last tick and any extra gauges at scrape time."""

    def __init__(self, counts: PokeCounts, health: Health, extra: ExtraGauges) -> None:
        self.counts, self.health, self.extra = counts, health, extra

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily("wpsb_pokes", "Authentic webhook pokes that woke the daemon.",
                                  value=self.counts.accepted)
        yield CounterMetricFamily("wpsb_pokes_refused",
                                  "Webhook pokes refused (bad signature, stale, bad length).",
                                  value=self.counts.refused)
        tick = self.health()
        if tick.get("last_tick_timestamp") is not None:  # absent until the first tick
            yield GaugeMetricFamily("wpsb_last_tick_timestamp_seconds",
                                    "Unix time the last engine tick finished.",
                                    value=tick["last_tick_timestamp"])
            yield GaugeMetricFamily("wpsb_last_tick_age_seconds",
                                    "Seconds since the last engine tick finished.",
                                    value=tick["last_tick_age_seconds"])
        families: dict[str, GaugeMetricFamily] = {}
        for key, value in sorted(self.extra().items()):
            name, _, labels = key.partition("{")
            pairs = LABEL.findall(labels)
            family = families.get(name)
            if family is None:
                family = families[name] = GaugeMetricFamily(
                    name, f"{name} (reported by the bridge).",
                    labels=[k for k, _ in pairs] if pairs else None)
            if pairs:
                family.add_metric([v for _, v in pairs], value)
            else:
                family.add_metric([], value)
        yield from families.values()


class WebhookApp:
    """The WSGI callable; each authentic poke sets ``wake``."""

    def __init__(self, secret: str, wake: threading.Event, health: Health | None = None,
                 extra_metrics: ExtraGauges | None = None) -> None:
        self.secret, self.wake = secret, wake
        self.health = health or no_tick
        self.counts = PokeCounts()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(BridgeCollector(self.counts, self.health, extra_metrics or dict))

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        try:
            code, headers, body = self.route(method, path, environ)
        except Exception as exc:  # noqa: BLE001 - answer, log (scrubbed), keep serving
            log.error("webhook: %s %s failed: %s: %s", method, path, type(exc).__name__, exc)
            log.debug("webhook: the failure's traceback", exc_info=True)
            code, headers, body = json_answer(500, {"error": "internal error"})
        status = HTTPStatus(code)
        start_response(f"{status.value} {status.phrase}",
                       [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def route(self, method: str, path: str, environ: dict[str, Any]) -> Answer:
        if path not in ROUTES:
            return json_answer(404, {"error": "not found"})
        if method != ROUTES[path]:
            code, headers, body = json_answer(405, {"error": f"use {ROUTES[path]}"})
            return code, [*headers, ("Allow", ROUTES[path])], body
        if path == "/poke":
            return self.poke(environ)
        if path == "/health":
            return json_answer(200, {"ok": True, "pokes": self.counts.accepted,
                                     "pokes_refused": self.counts.refused, **self.health()})
        return 200, [("Content-Type", CONTENT_TYPE_LATEST)], generate_latest(self.registry)

    def poke(self, environ: dict[str, Any]) -> Answer:
        length, code, problem = body_length(environ.get("CONTENT_LENGTH") or "0")
        if problem is None:
            body = environ["wsgi.input"].read(length)
            code, problem = 401, verify(self.secret, environ.get("HTTP_X_WPSB_TIMESTAMP", ""),
                                        body, environ.get("HTTP_X_WPSB_SIGNATURE", ""))
        self.counts.count(accepted=problem is None)
        if problem is not None:
            log.warning("webhook: refused a poke from %s: %s", environ.get("REMOTE_ADDR", "?"),
                        problem)
            return json_answer(code, {"error": problem})
        self.wake.set()
        return json_answer(202, {"accepted": True})


def body_length(header: str) -> tuple[int, int, str | None]:
    """(length, HTTP code, problem): a poke body is a plain decimal up to MAX_BODY bytes."""
    if not (header.isascii() and header.isdigit()):
        return 0, 400, "malformed Content-Length"
    if len(header) > 12 or int(header) > MAX_BODY:
        return 0, 413, f"body larger than {MAX_BODY} bytes"
    return int(header), 200, None


def json_answer(code: int, payload: dict[str, Any]) -> Answer:
    return code, [("Content-Type", "application/json")], json.dumps(payload).encode()
