"""The webhook under abuse, on 127.0.0.1: bad lengths, oversized and chunked bodies, slow and idle
clients and malformed headers are answered or closed promptly, hold no thread each, print no
traceback, and /health keeps answering in milliseconds throughout. Every loop is bounded."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from bridge.webhook import Limits, TickClock, WebhookServer, sign

SECRET = "s3cret-shared-with-wordpress"
ANSWER_SECONDS = 3.0  # how long a client waits for an answer before calling the server stuck
CHANNEL_TIMEOUT = 1  # the test server's idle/slow-connection timeout (production: Limits())


@pytest.fixture
def server() -> Iterator[WebhookServer]:
    ticks = TickClock("2024-05-01T10:00:00 UTC: 3 polled, 1 enqueued")
    webhook = WebhookServer("127.0.0.1", 0, SECRET, threading.Event(), health=ticks.health,
                            metrics=lambda: {"wpsb_queue_depth": 4},
                            limits=Limits(channel_timeout=CHANNEL_TIMEOUT, cleanup_interval=1))
    webhook.start()
    try:
        yield webhook
    finally:
        webhook.stop()


def raw_request(port: int, head: bytes, body: bytes = b"") -> bytes:
    """Send ``head`` + ``body`` without closing our side; what the server answered (b"" when it
    closed without an answer). Raises TimeoutError when it neither answers nor closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_SECONDS) as sock:
        sock.sendall(head + body)
        return read_until_closed_or_answered(sock)


def read_until_closed_or_answered(sock: socket.socket) -> bytes:
    data = b""
    deadline = time.monotonic() + ANSWER_SECONDS
    while b"\r\n\r\n" not in data and time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk
    if b"\r\n\r\n" not in data:
        raise TimeoutError(f"no answer within {ANSWER_SECONDS} s: {data!r}")
    return data


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1."), answer
    return int(answer.split(b" ", 2)[1])


def poke_head(length: str, *, signature: bytes = b"v1=x", extra: bytes = b"") -> bytes:
    ts = str(int(time.time())).encode()
    return (b"POST /poke HTTP/1.1\r\nHost: 127.0.0.1\r\nX-WPSB-Timestamp: " + ts +
            b"\r\nX-WPSB-Signature: " + signature + b"\r\nContent-Length: " + length.encode() +
            b"\r\n" + extra + b"\r\n")


def health_latency(port: int) -> float:
    started = time.monotonic()
    answer = requests.get(f"http://127.0.0.1:{port}/health", timeout=ANSWER_SECONDS)
    assert answer.status_code == 200
    return time.monotonic() - started


def no_traceback(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> bool:
    """Nothing on stderr and no log record carrying a traceback."""
    return ("Traceback" not in capfd.readouterr().err
            and not [record for record in caplog.records if record.exc_info])


def test_bad_content_lengths_are_refused_before_any_body_is_read(
        server: WebhookServer, capfd: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    assert status_of(raw_request(server.port, poke_head("-1"), b"{}")) == 400
    assert status_of(raw_request(server.port, poke_head("twelve"), b"{}")) == 400
    assert status_of(raw_request(server.port, poke_head("1" + "0" * 30))) == 413
    assert status_of(raw_request(server.port, poke_head(str(70_000)), b"x" * 70_000)) == 413
    chunk = b"x" * 8192
    chunked = (b"2000\r\n" + chunk + b"\r\n") * 9 + b"0\r\n\r\n"  # 72 KiB, over the 64 KiB cap
    head = poke_head("0", extra=b"Transfer-Encoding: chunked\r\n").replace(
        b"Content-Length: 0\r\n", b"")
    assert status_of(raw_request(server.port, head, chunked)) == 413
    assert no_traceback(capfd, caplog)


def test_malformed_headers_get_4xx_and_no_traceback(
        server: WebhookServer, capfd: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    non_ascii = raw_request(server.port, poke_head("2", signature="v1=é".encode()), b"{}")
    assert status_of(non_ascii) in (400, 401)
    assert "refused a poke from 127.0.0.1: malformed X-WPSB-Signature" in caplog.text
    latin1 = raw_request(server.port, poke_head("2", signature=b"v1=\xff\xfe"), b"{}")
    assert status_of(latin1) in (400, 401)
    no_colon = poke_head("2", extra=b"this header has no colon\r\n")
    assert status_of(raw_request(server.port, no_colon, b"{}")) == 400
    huge_header = poke_head("2", extra=b"X-Padding: " + b"a" * 300_000 + b"\r\n")
    assert status_of(raw_request(server.port, huge_header, b"{}")) in (400, 431)
    assert status_of(raw_request(server.port, b"\x16\x03\x01 not http\r\n\r\n")) == 400
    assert not server.wake.is_set()
    assert no_traceback(capfd, caplog)


def test_idle_and_slow_clients_hold_no_thread_and_are_closed(server: WebhookServer) -> None:
    threads_before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=ANSWER_SECONDS)
            for _ in range(60)]
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=ANSWER_SECONDS + 2)
    slow.sendall(poke_head("100"))  # headers promise a body that never comes
    for sock in idle[::2]:
        sock.sendall(b"POST /poke HTTP/1.1\r\n")  # half a request line, then nothing
    try:
        time.sleep(0.3)
        threads_during = threading.active_count()
        latencies = [health_latency(server.port) for _ in range(5)]
        print(f"threads {threads_before} -> {threads_during} with 61 open connections; "
              f"/health answered in {max(latencies) * 1000:.1f} ms at worst")
        assert threads_during - threads_before <= 2
        assert max(latencies) < 1.0

        started = time.monotonic()
        answer = read_until_closed_or_answered(slow)
        closed_after = time.monotonic() - started
        print(f"slow client closed after {closed_after:.1f} s")
        assert answer == b"" or status_of(answer) == 408
        assert closed_after < CHANNEL_TIMEOUT + 2.5
        assert idle[0].recv(1) == b""  # the idle ones are closed too
    finally:
        for sock in [*idle, slow]:
            sock.close()


def test_health_and_metrics_report_the_last_tick_and_the_pokes(server: WebhookServer) -> None:
    url = f"http://127.0.0.1:{server.port}"
    body = b"{}"
    ts = str(int(time.time()))
    for signature in (sign(SECRET, ts, body), "v1=forged"):
        requests.post(f"{url}/poke", data=body, timeout=ANSWER_SECONDS, headers={
            "X-WPSB-Timestamp": ts, "X-WPSB-Signature": signature})

    health = requests.get(f"{url}/health", timeout=ANSWER_SECONDS).json()
    assert health["last_tick"] == "2024-05-01T10:00:00 UTC: 3 polled, 1 enqueued"
    assert health["last_tick_age_seconds"] > 3600
    assert (health["pokes"], health["pokes_refused"]) == (1, 1)

    metrics = requests.get(f"{url}/metrics", timeout=ANSWER_SECONDS)
    assert metrics.status_code == 200 and metrics.headers["Content-Type"].startswith("text/plain")
    lines = dict(line.rsplit(" ", 1) for line in metrics.text.splitlines()
                 if line and not line.startswith("#"))
    assert float(lines["wpsb_pokes_total"]) == 1
    assert float(lines["wpsb_pokes_refused_total"]) == 1
    assert float(lines["wpsb_last_tick_timestamp_seconds"]) == 1714557600
    assert float(lines["wpsb_last_tick_age_seconds"]) > 3600
    assert float(lines["wpsb_queue_depth"]) == 4


def test_the_tick_clock_follows_the_daemon() -> None:
    clock = TickClock(None)
    assert clock.health() == {"last_tick": None, "last_tick_age_seconds": None,
                              "last_tick_timestamp": None}
    clock.record("5 polled", at=time.time() - 2)
    seen = clock.health()
    assert seen["last_tick"].endswith(" UTC: 5 polled")
    assert 1.5 < seen["last_tick_age_seconds"] < 10
    assert TickClock("not a tick line").health()["last_tick"] is None


def test_metrics_carry_the_daemons_queue_failures_and_head_lag(tmp_path) -> None:
    """Queue depth by state, failures by class, broadcasts and chain head lag, with labels."""
    from datetime import UTC, datetime, timedelta

    import requests

    from bridge.failures import FailureClass
    from bridge.metrics import DaemonMetrics
    from bridge.model import Intent, IntentKind, SourceRef
    from bridge.report import TickReport
    from bridge.store import StateStore

    store = StateStore(str(tmp_path / "state.db"))
    with store.transaction():
        store.outbox.enqueue(Intent(key="k1", kind=IntentKind.VOTE, account="a",
                                    source=SourceRef("wp", "t", "like", "1"), operations=()))
    report = TickReport(broadcast=2, chain_head_time=datetime.now(UTC) - timedelta(seconds=9))
    report.problem("node down", FailureClass.TRANSIENT)
    metrics = DaemonMetrics()
    metrics.record(store, report)
    webhook = WebhookServer("127.0.0.1", 0, SECRET, threading.Event(), metrics=metrics.gauges)
    webhook.start()
    try:
        text = requests.get(f"http://127.0.0.1:{webhook.port}/metrics", timeout=5).text
    finally:
        webhook.stop()
        store.close()
    assert 'wpsb_intents{status="pending"} 1.0' in text
    assert 'wpsb_problems_total{class="transient"} 1.0' in text
    assert "wpsb_broadcasts_total 2.0" in text
    lag = next(line for line in text.splitlines() if line.startswith("wpsb_chain_head_lag"))
    assert 8 <= float(lag.split()[-1]) < 60
