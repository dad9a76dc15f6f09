"""Rewards mirror cost (issue 5): requests and seconds for a full refresh of 10,000 bridged posts
and 2,000 members, and for an idle cycle, with 20 ms added to every chain request -- beside the
naive baseline of one ``get_content`` per post and one account read per member through beem
(what ``Comment("@a/p", api="condenser")`` and ``Account(name)`` send).

The latency comes from a tiny local HTTP proxy in this process, not from the devnet. The devnet
(its own process) is filled with real signed transactions: 2,000 accounts sharing one key, five
root posts each (5-minute rule respected by generating blocks) and one vote per post. WordPress
is replaced by a counting stub: this measures the chain side; the WordPress writes are counted.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bridge.mirror import Mirror
from bridge.model import SourceRef
from bridge.store import StateStore
from bridge.writeback import WriteBack
from connectors.steem import SteemChain
from devnet.crypto import wif_to_public_str
from devnet.genesis import CHAIN_ID, INITMINER, INITMINER_WIF
from tests.bench import BenchRow
from tests.bench.devnet_bench import Rpc, _tapos, devnet_process, sign_fast
from tests.support.stand_in import send_json

MEMBERS = 2000
POSTS_PER_MEMBER = 5
OPS_PER_TX = 100
LATENCY = 0.020
BASELINE_SAMPLE = 300  # naive reads actually timed; the rest is extrapolated linearly


class LatencyProxy:
    """Forwards each POST to the devnet after sleeping ``latency``; counts the requests."""

    def __init__(self, target_port: int, latency: float = LATENCY) -> None:
        proxy = self
        self.requests = 0
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy.lock:
                    proxy.requests += 1
                if latency:
                    time.sleep(latency)
                upstream = http.client.HTTPConnection("127.0.0.1", target_port, timeout=60)
                upstream.request("POST", "/", body, {"Content-Type": "application/json"})
                answer = upstream.getresponse().read()
                upstream.close()
                send_json(self, answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class CountingSite:
    """WordPress stand-in: the linked members, and a count of meta writes."""

    def __init__(self, members: dict[str, int]) -> None:
        self.members, self.writes = members, 0

    def users_with_steem_account(self) -> dict[str, int]:
        return dict(self.members)

    def write_site_state(self, kind: str, values: dict[str, Any]) -> None:
        self.writes += 1

    def write_meta(self, writes: list[Any]) -> list[None]:
        self.writes += len(writes)
        return [None] * len(writes)


def _send(rpc: Rpc, operations: list[list[Any]]) -> None:
    for start in range(0, len(operations), OPS_PER_TX):
        trx = {**_tapos(rpc), "operations": operations[start:start + OPS_PER_TX],
               "extensions": [], "signatures": []}
        rpc.call("condenser_api.broadcast_transaction", [sign_fast(trx, INITMINER_WIF)])


def _populate(rpc: Rpc, names: list[str]) -> list[tuple[str, str]]:
    """Accounts (all on initminer's key, so one signature covers many authors), posts, votes."""
    key = wif_to_public_str(INITMINER_WIF)
    auth = {"weight_threshold": 1, "account_auths": [], "key_auths": [[key, 1]]}
    _send(rpc, [["account_create", {"fee": "3.000 STEEM", "creator": INITMINER,
                                    "new_account_name": name, "owner": auth, "active": auth,
                                    "posting": auth, "memo_key": key, "json_metadata": ""}]
                for name in names])
    posts = []
    for round_ in range(POSTS_PER_MEMBER):
        permlink = f"bench-post-{round_}"
        _send(rpc, [["comment", {"parent_author": "", "parent_permlink": "bench", "author": name,
                                 "permlink": permlink, "title": f"Bench {round_}",
                                 "body": "bench body", "json_metadata": "{}"}]
                    for name in names])
        _send(rpc, [["vote", {"voter": names[(i + 1) % len(names)], "author": name,
                              "permlink": permlink, "weight": 10000}]
                    for i, name in enumerate(names)])
        posts += [(name, permlink) for name in names]
        rpc.call("debug_node_api.debug_generate_blocks",
                 {"debug_key": INITMINER_WIF, "count": 101, "skip": 0, "miss_blocks": 0})
    return posts


def _bridged_store(path: Path, posts: list[tuple[str, str]]) -> StateStore:
    store = StateStore(path)
    with store.transaction():
        for number, (author, permlink) in enumerate(posts, start=1):
            source = SourceRef("wp", "bench", "post", str(number))
            store.reserve_link(source, author, permlink, "bench", "")
            store.confirm_link(source, "0" * 40, 1)
    return store


def bench_mirror() -> list[BenchRow]:
    names = [f"mb{n:04d}" for n in range(MEMBERS)]
    with devnet_process(block_interval=0.0) as port, tempfile.TemporaryDirectory() as tmp:
        rpc = Rpc(port)
        posts = _populate(rpc, names)
        proxy = LatencyProxy(port)
        try:
            store = _bridged_store(Path(tmp) / "state.db", posts)
            site = CountingSite({name: n + 1 for n, name in enumerate(names)})
            mirror = Mirror(store, SteemChain([proxy.url], CHAIN_ID), site,
                            WriteBack(store, site), "bench")

            before, started = proxy.requests, time.perf_counter()
            full = mirror.run(full=True)
            full_seconds, full_requests = time.perf_counter() - started, proxy.requests - before
            if full.problems or full.posts_read != len(posts) or full.members_read != MEMBERS:
                raise RuntimeError(f"full refresh incomplete: {full}")
            full_writes = site.writes

            rpc.call("debug_node_api.debug_generate_blocks",
                     {"debug_key": INITMINER_WIF, "count": 20, "skip": 0, "miss_blocks": 0})
            before = proxy.requests
            idle = mirror.run()
            idle_requests = proxy.requests - before
            if idle.written:
                raise RuntimeError(f"idle cycle wrote {idle.written} objects")

            naive = SteemChain([proxy.url], CHAIN_ID)
            naive.connect()
            before, started = proxy.requests, time.perf_counter()
            for author, permlink in posts[:BASELINE_SAMPLE]:
                naive.get_content(author, permlink)
            for name in names[:BASELINE_SAMPLE // 5]:
                naive.account_times(name)
            sample_seconds = time.perf_counter() - started
            sample_requests = proxy.requests - before
            store.close()
        finally:
            proxy.close()
            rpc.close()
    scale = len(posts) / BASELINE_SAMPLE  # the member sample is in the same proportion
    label = f"{len(posts):,} posts + {MEMBERS:,} members, +20 ms/request"
    naive = "naive: get_content per post, account per member"
    naive_requests = sample_requests * scale
    return [
        BenchRow(f"mirror full refresh requests ({label})", full_requests, "requests", "<= 250",
                 naive_requests, naive),
        BenchRow(f"mirror full refresh time ({label})", full_seconds, "s", None,
                 sample_seconds * scale, f"{naive} (timed on {BASELINE_SAMPLE}, extrapolated)"),
        BenchRow("mirror idle cycle (20 new blocks, none of ours)", idle_requests, "requests",
                 "<= 3", naive_requests, f"{naive}, every cycle"),
        BenchRow("mirror full refresh WordPress meta writes (first run)", full_writes, "objects",
                 None),
    ]


if __name__ == "__main__":
    for row in bench_mirror():
        print(json.dumps(row))
