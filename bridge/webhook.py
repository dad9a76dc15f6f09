"""The webhook entry point: WordPress pokes the daemon on publish, and the next tick runs now.

A poke carries no content; it only wakes the same engine tick the daemon and cron run, so a lost
or forged poke can never publish anything by itself. The request rules (signature, freshness,
body limit, /health, /metrics) live in bridge/webhook_app.py; this module serves them with
waitress, a production WSGI server, in a thread of the daemon: an event loop for the sockets and
a fixed pool of worker threads, so idle or slow clients hold no thread, are closed after
``channel_timeout``, are capped at ``connection_limit``, and malformed requests get a 400 from
waitress itself. It also keeps the daemon's last tick (TickClock) for /health and /metrics.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from waitress import wasyncore
from waitress.server import MultiSocketServer, create_server

from bridge.model import TEXT_FORMAT, to_text
from bridge.webhook_app import (
    MAX_BODY,
    TOLERANCE_SECONDS,
    ExtraGauges,
    Health,
    WebhookApp,
    sign,
    verify,
)

__all__ = ["MAX_BODY", "TOLERANCE_SECONDS", "Limits", "TickClock", "WebhookServer", "sign",
           "verify"]
log = logging.getLogger("wp_steem_bridge.webhook")
LOOP_SECONDS = 0.2  # how often the event loop checks for stop()


@dataclass(frozen=True)
class Limits:
    """What one client may hold; waitress's own names (seconds, bytes, counts)."""

    threads: int = 2  # workers running the app; a poke takes microseconds
    connection_limit: int = 100  # open connections; beyond it new ones wait in the backlog
    channel_timeout: int = 15  # an idle or stalled connection is closed after this
    cleanup_interval: int = 5  # how often stalled connections are looked for
    max_request_header_size: int = 16 * 1024

    def adjustments(self) -> dict[str, Any]:
        return {"threads": self.threads, "connection_limit": self.connection_limit,
                "channel_timeout": self.channel_timeout,
                "cleanup_interval": self.cleanup_interval,
                "max_request_header_size": self.max_request_header_size,
                # waitress refuses bodies >= this with a 413 before reading them
                "max_request_body_size": MAX_BODY + 1,
                "expose_tracebacks": False, "log_socket_errors": False,
                "ident": "wp-steem-bridge"}


class TickClock:
    """The daemon's last finished tick: seeded from the state store's ``last_tick`` line
    ("<UTC time> UTC: <summary>"), then recorded by the daemon after each tick."""

    def __init__(self, stored_line: str | None) -> None:
        self._lock = threading.Lock()
        self._line: str | None = None
        self._at: float | None = None
        stamp, _, _ = (stored_line or "").partition(" UTC: ")
        try:
            at = datetime.strptime(stamp, TEXT_FORMAT).replace(tzinfo=UTC).timestamp()
        except ValueError:
            return
        self._line, self._at = stored_line, at

    def record(self, summary: str, at: float | None = None) -> None:
        at = time.time() if at is None else at
        stamp = to_text(datetime.fromtimestamp(at, UTC))
        with self._lock:
            self._line, self._at = f"{stamp} UTC: {summary}", at

    def health(self) -> dict[str, Any]:
        with self._lock:
            line, at = self._line, self._at
        return {"last_tick": line,
                "last_tick_age_seconds": None if at is None else round(time.time() - at, 3),
                "last_tick_timestamp": at}


class WebhookServer:
    """Listens for pokes (each authentic one sets ``wake``) from ``start()`` to ``stop()``."""

    def __init__(self, host: str, port: int, secret: str, wake: threading.Event,
                 health: Health | None = None, metrics: ExtraGauges | None = None,
                 limits: Limits = Limits()) -> None:
        self.wake = wake
        self.app = WebhookApp(secret, wake, health, metrics)
        self._map: dict[int, Any] = {}
        self._server = create_server(self.app, map=self._map, host=host, port=port,
                                     **limits.adjustments())
        self.address: tuple[str, int | str]
        if isinstance(self._server, MultiSocketServer):  # several sockets when host has v4+v6
            self.address = self._server.effective_listen[0]
        else:
            self.address = self._server.getsockname()  # its effective (host, port)
        self.port = int(self.address[1])
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="webhook")

    def start(self) -> None:
        self._thread.start()
        log.info("webhook listening on %s:%s", *self.address)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        else:
            self._close()

    def _serve(self) -> None:
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=LOOP_SECONDS, map=self._map, use_poll=True, count=1)
        except Exception as exc:  # noqa: BLE001 - logged (scrubbed); the daemon keeps ticking
            log.error("webhook: the server stopped (%s: %s); pokes are off until the daemon "
                      "restarts, ticks keep running every interval", type(exc).__name__, exc)
            log.debug("webhook: the failure's traceback", exc_info=True)
        finally:
            self._close()

    def _close(self) -> None:
        wasyncore.close_all(self._map, ignore_all=True)
        self._server.task_dispatcher.shutdown(timeout=5)
