"""The webhook entry point: WordPress pokes the daemon on publish, and the next tick runs now.

A poke carries no content; it only wakes the same engine tick the daemon and cron run, so a lost
or forged poke can never publish anything by itself. Requests are signed as
``X-WPSB-Signature: v1=<base64 HMAC-SHA256(secret, timestamp + "." + body)>`` with
``X-WPSB-Timestamp`` (unix seconds) within five minutes, so a captured poke cannot be replayed
later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("wp_steem_bridge.webhook")
TOLERANCE_SECONDS = 300
MAX_BODY = 64 * 1024


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).digest()
    return "v1=" + base64.b64encode(digest).decode()


def verify(secret: str, timestamp: str, body: bytes, signature: str,
           now: float | None = None) -> str | None:
    """None when the poke is authentic and fresh; otherwise why it is refused."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return "missing or malformed X-WPSB-Timestamp"
    if age > TOLERANCE_SECONDS:
        return "timestamp outside the five-minute window"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature or ""):
        return "bad signature"
    return None


class WebhookServer:
    """Listens for pokes; each authentic one sets ``wake``."""

    def __init__(self, host: str, port: int, secret: str, wake: threading.Event) -> None:
        self.wake = wake
        self.status: dict[str, Any] = {"pokes": 0, "last_tick": None}
        handler = _handler(secret, wake, self.status)
        self.server = ThreadingHTTPServer((host, port), handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="webhook")

    def start(self) -> None:
        self._thread.start()
        log.info("webhook listening on %s:%s", *self.server.server_address[:2])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(secret: str, wake: threading.Event, status: dict[str, Any]) -> type:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path != "/health":
                self._answer(404, {"error": "not found"})
                return
            self._answer(200, {"ok": True, **status})

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/poke":
                self._answer(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, {"error": "body too large"})
                return
            body = self.rfile.read(length)
            problem = verify(secret, self.headers.get("X-WPSB-Timestamp", ""), body,
                             self.headers.get("X-WPSB-Signature", ""))
            if problem:
                log.warning("webhook: refused a poke from %s: %s", self.client_address[0],
                            problem)
                self._answer(401, {"error": problem})
                return
            status["pokes"] += 1
            wake.set()
            self._answer(202, {"accepted": True})

        def _answer(self, code: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("webhook: " + format, *args)

    return Handler
