"""Webhook pokes: signed, fresh, and only ever a wake-up."""

from __future__ import annotations

import threading
import time

import requests

from bridge.webhook import WebhookServer, sign, verify

SECRET = "s3cret-shared-with-wordpress"


def test_signature_and_freshness_rules() -> None:
    body = b'{"site":"demo"}'
    now = time.time()
    ts = str(int(now))
    assert verify(SECRET, ts, body, sign(SECRET, ts, body), now) is None
    assert verify(SECRET, ts, body, sign("other", ts, body), now) == "bad signature"
    assert verify(SECRET, ts, b"{}", sign(SECRET, ts, body), now) == "bad signature"
    old = str(int(now) - 301)
    assert "five-minute" in verify(SECRET, old, body, sign(SECRET, old, body), now)
    assert "malformed" in verify(SECRET, "soon", body, "v1=x", now)
    assert "malformed" in verify(SECRET, "9" * 400, body, "v1=x", now)  # no float for it
    assert verify(SECRET, ts, body, "v1=é", now) == "malformed X-WPSB-Signature"


def test_only_authentic_pokes_wake_the_loop() -> None:
    wake = threading.Event()
    server = WebhookServer("127.0.0.1", 0, SECRET, wake)
    server.start()
    url = f"http://127.0.0.1:{server.port}"
    try:
        body = b'{"post_id": 7}'
        ts = str(int(time.time()))
        forged = requests.post(f"{url}/poke", data=body, timeout=5, headers={
            "X-WPSB-Timestamp": ts, "X-WPSB-Signature": sign("guess", ts, body)})
        assert forged.status_code == 401 and not wake.is_set()
        real = requests.post(f"{url}/poke", data=body, timeout=5, headers={
            "X-WPSB-Timestamp": ts, "X-WPSB-Signature": sign(SECRET, ts, body)})
        assert real.status_code == 202 and wake.is_set()
        assert requests.get(f"{url}/health", timeout=5).json()["pokes"] == 1
    finally:
        server.stop()

