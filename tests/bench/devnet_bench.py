"""Devnet throughput over HTTP: signed broadcasts/s and reads/s (issue 3 asked for >= 500 and
>= 2,000; printed for information: an absolute rate is no verdict on a shared machine).

The devnet runs as its own process (``python -m devnet``), as tests and ``make demo`` use it, so client
and server do not share one interpreter lock. Transactions are pre-signed with coincurve (fast, and
independent of beem) before the clock starts; every request goes over keep-alive HTTP/1.1.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import coincurve

from devnet.assets import fmt_time, parse_time
from devnet.crypto import is_fc_canonical, wif_to_secret
from devnet.genesis import INITMINER, INITMINER_WIF
from devnet.serializer import parse_transaction
from tests.bench import BenchRow

REPO_ROOT = Path(__file__).resolve().parents[2]
BROADCASTS = 3000
READS = 10000
CLIENT_THREADS = 4
MIN_BROADCASTS_PER_S = 500
MIN_READS_PER_S = 2000


class Rpc:
    """One keep-alive HTTP connection speaking JSON-RPC 2.0."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, params: Any) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        self.connection.request("POST", "/", body, {"Content-Type": "application/json"})
        answer = json.loads(self.connection.getresponse().read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def close(self) -> None:
        self.connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def devnet_process(block_interval: float = 0.0) -> Iterator[int]:
    """A devnet subprocess on a free port; yields the port, always stopped afterwards."""
    port = _free_port()
    command = [sys.executable, "-m", "devnet", "--port", str(port), "--block-interval", str(block_interval)]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    try:
        _wait_ready(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"devnet exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            rpc = Rpc(port)
            rpc.call("condenser_api.get_dynamic_global_properties", [])
            rpc.close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("devnet did not answer within 20 s")


def sign_fast(trx: dict[str, Any], wif: str) -> dict[str, Any]:
    """Sign with coincurve; bumps expiration by a second until the signature is fc-canonical."""
    secret = coincurve.PrivateKey(wif_to_secret(wif))
    while True:
        digest = parse_transaction(trx).sig_digest()
        raw = secret.sign_recoverable(digest, hasher=None)
        signature = bytes([raw[64] + 31]) + raw[:64]
        if is_fc_canonical(signature):
            return {**trx, "signatures": [signature.hex()]}
        trx = {**trx, "expiration": fmt_time(parse_time(trx["expiration"]) + 1)}


def presign_transfers(rpc: Rpc, count: int, to: str) -> list[bytes]:
    """``count`` distinct signed transfers as ready-to-send request bodies.

    With one block per transaction the head time moves 3 s per broadcast, so transaction i expires
    30 minutes after the head time it will meet (order deviations from parallel clients stay far inside).
    """
    props = rpc.call("condenser_api.get_dynamic_global_properties", [])
    head_id = bytes.fromhex(props["head_block_id"])
    head_time = parse_time(props["time"])
    bodies = []
    for index in range(count):
        trx = {"ref_block_num": props["head_block_number"] & 0xFFFF,
               "ref_block_prefix": int.from_bytes(head_id[4:8], "little"),
               "expiration": fmt_time(head_time + 3 * index + 1800),
               "operations": [["transfer", {"from": INITMINER, "to": to, "amount": "0.001 STEEM",
                                            "memo": f"bench {index}"}]],
               "extensions": [], "signatures": []}
        request = {"jsonrpc": "2.0", "id": index, "method": "condenser_api.broadcast_transaction",
                   "params": [sign_fast(trx, INITMINER_WIF)]}
        bodies.append(json.dumps(request).encode())
    return bodies


def _post_all(port: int, bodies: Sequence[bytes], threads: int) -> tuple[float, list[str]]:
    """Send ``bodies`` over ``threads`` keep-alive connections; returns (seconds, errors)."""
    errors: list[str] = []
    chunks = [bodies[i::threads] for i in range(threads)]

    def worker(chunk: Sequence[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for body in chunk:
            connection.request("POST", "/", body, {"Content-Type": "application/json"})
            answer = json.loads(connection.getresponse().read())
            if "error" in answer:
                errors.append(str(answer["error"])[:300])
        connection.close()

    workers = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return time.perf_counter() - started, errors


def _setup_reads(rpc: Rpc) -> list[bytes]:
    trx = {**_tapos(rpc), "operations": [["comment", {
        "parent_author": "", "parent_permlink": "bench", "author": INITMINER, "permlink": "bench-post",
        "title": "Bench", "body": "A body " * 200, "json_metadata": "{}"}]], "extensions": [], "signatures": []}
    rpc.call("condenser_api.broadcast_transaction", [sign_fast(trx, INITMINER_WIF)])
    content = {"jsonrpc": "2.0", "id": 1, "method": "condenser_api.get_content",
               "params": [INITMINER, "bench-post"]}
    accounts = {"jsonrpc": "2.0", "id": 2, "method": "database_api.find_accounts",
                "params": {"accounts": [INITMINER]}}
    return [json.dumps(content).encode(), json.dumps(accounts).encode()]


def _tapos(rpc: Rpc) -> dict[str, Any]:
    props = rpc.call("condenser_api.get_dynamic_global_properties", [])
    return {"ref_block_num": props["head_block_number"] & 0xFFFF,
            "ref_block_prefix": int.from_bytes(bytes.fromhex(props["head_block_id"])[4:8], "little"),
            "expiration": fmt_time(parse_time(props["time"]) + 600)}


def bench_devnet() -> list[BenchRow]:
    """Signed broadcasts/s (one block per tx, as the tests run it) and reads/s, over HTTP.

    Each is measured on one keep-alive connection (how beem and the bridge talk to it) and on
    ``CLIENT_THREADS`` parallel connections.
    """
    rows = []
    with devnet_process(block_interval=0.0) as port:
        rpc = Rpc(port)
        bodies = presign_transfers(rpc, 2 * BROADCASTS, "null")
        read_bodies = _setup_reads(rpc)
        rpc.close()
        reads = [read_bodies[i % 2] for i in range(READS)]
        for threads, part in ((1, bodies[:BROADCASTS]), (CLIENT_THREADS, bodies[BROADCASTS:])):
            seconds, errors = _post_all(port, part, threads)
            if errors:
                raise RuntimeError(f"{len(errors)} broadcasts failed, first: {errors[0]}")
            rows.append(BenchRow(f"devnet signed broadcasts over HTTP ({BROADCASTS} transfers, {threads} conn)",
                                 BROADCASTS / seconds, "tx/s", None, MIN_BROADCASTS_PER_S,
                                 "issue 3's aim (no verdict)"))
        for threads in (1, CLIENT_THREADS):
            seconds, errors = _post_all(port, reads, threads)
            if errors:
                raise RuntimeError(f"{len(errors)} reads failed, first: {errors[0]}")
            rows.append(BenchRow(f"devnet reads over HTTP (get_content/find_accounts, {threads} conn)",
                                 READS / seconds, "req/s", None, MIN_READS_PER_S,
                                 "issue 3's aim (no verdict)"))
    return rows
