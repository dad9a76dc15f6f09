"""HTTP JSON-RPC 2.0 front end of the devnet, plus the block timer and the public entry points.

Request handling follows steem ``libraries/plugins/json_rpc/json_rpc_plugin.cpp`` (``api.method``
and ``call`` forms, ``[]`` -> ``Array is invalid``, ``Could not find API/method`` as -32002,
errors during a call as -32003, chain exceptions as -32000) and steemit/jussi's batch cap
(``JSONRPC batch size of N exceeds 50``, code 1600).
"""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devnet.api import METHODS
from devnet.chain import Chain
from devnet.errors import (
    ASSERT,
    JSON_RPC_INVALID_REQUEST,
    JSON_RPC_PARSE_ERROR,
    JSON_RPC_PARSE_PARAMS_ERROR,
    JSON_RPC_SERVER_ERROR,
    ChainError,
    RpcError,
)
from devnet.render import hive_json, stringify_large
from devnet.sidechain import handle_http as sidechain_http

BATCH_LIMIT = 50


def _find_method(api: str, method: str) -> Any:
    if api not in METHODS:
        raise ChainError(ASSERT, f"api_itr != _registered_apis.end(): Could not find API {api}", JSON_RPC_PARSE_PARAMS_ERROR)
    if method not in METHODS[api]:
        raise ChainError(ASSERT, f"method_itr != api_itr->second.end(): Could not find method {method}",
                         JSON_RPC_PARSE_PARAMS_ERROR)
    return METHODS[api][method]


def _resolve(request: dict[str, Any]) -> tuple[Any, Any]:
    method = request["method"]
    if method == "call":
        params = request["params"]
        if not isinstance(params, list) or len(params) not in (2, 3):
            raise ChainError(ASSERT, 'v.size() == 2 || v.size() == 3: params should be {"api", "method", "args"',
                             JSON_RPC_PARSE_PARAMS_ERROR)
        return _find_method(params[0], params[1]), (params[2] if len(params) == 3 else {})
    parts = method.split(".")
    if len(parts) != 2:
        raise ChainError(ASSERT, "v.size() == 2: method specification invalid. Should be api.method",
                         JSON_RPC_PARSE_PARAMS_ERROR)
    return _find_method(parts[0], parts[1]), request.get("params", {})


def handle_one(chain: Chain, request: Any) -> dict[str, Any]:
    response: dict[str, Any] = {"jsonrpc": "2.0"}
    try:
        if not isinstance(request, dict):
            raise RpcError(JSON_RPC_INVALID_REQUEST, "Request must be an object")
        if "id" in request:
            response["id"] = request["id"]
        if request.get("jsonrpc") != "2.0":
            raise RpcError(JSON_RPC_INVALID_REQUEST, 'jsonrpc value is not "2.0"')
        if not isinstance(request.get("method"), str):
            raise RpcError(JSON_RPC_INVALID_REQUEST, 'A member "method" does not exist')
        if request["method"] == "call" and "params" not in request:
            raise RpcError(-32001, 'A member "params" does not exist')
        handler, params = _resolve(request)
        with chain.lock:
            result = stringify_large(handler(chain, params))
        response["result"] = hive_json(result) if chain.chain_name == "hive" else result
    except (ChainError, RpcError) as exc:
        response["error"] = exc.to_rpc()
    except Exception as exc:  # keep the node alive; steemd answers unknown errors the same way
        response["error"] = {"code": JSON_RPC_SERVER_ERROR, "message": "Unknown error - parsing rpc message failed",
                             "data": repr(exc)}
    return response


def handle_body(chain: Chain, body: bytes) -> Any:
    try:
        message = json.loads(body)
    except ValueError:
        return {"jsonrpc": "2.0", "error": {"code": JSON_RPC_PARSE_ERROR, "message": "Parse Error:Unexpected char"}}
    if isinstance(message, list):
        if not message:
            return {"jsonrpc": "2.0", "error": {"code": JSON_RPC_SERVER_ERROR, "message": "Array is invalid"}}
        if len(message) > BATCH_LIMIT:
            return {"jsonrpc": "2.0", "id": None, "error": {
                "code": 1600, "message": f"JSONRPC batch size of {len(message)} exceeds {BATCH_LIMIT}"}}
        return [handle_one(chain, item) for item in message]
    return handle_one(chain, message)


def _make_handler(chain: Chain) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle holds the body until the
        # client's delayed ACK (~40 ms) arrives, capping a keep-alive connection at ~25 requests/s.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            sidechain_answer = sidechain_http(chain, self.path, body)  # /rpc/blockchain, /rpc/contracts
            payload = sidechain_answer if sidechain_answer is not None else json.dumps(handle_body(chain, body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    return Handler


@dataclass
class DevnetHandle:
    url: str
    port: int
    chain: Chain
    _server: ThreadingHTTPServer
    _stop: threading.Event
    _threads: list[threading.Thread]

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


def _block_timer(chain: Chain, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        with chain.lock:
            chain.produce_blocks(1)


def start_devnet(port: int = 0, data_dir: str | None = None, block_interval: float = 0.0,
                 chain: str = "steem", smt: bool = False) -> DevnetHandle:
    """Start the devnet in background threads on 127.0.0.1; ``port=0`` picks a free port;
    ``smt=True`` runs it as an SMT build (SMT ops, NAI assets, SMT APIs)."""
    state = Chain(data_dir=data_dir, seal_each_tx=block_interval <= 0, chain_name=chain, smt=smt)
    server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(state))
    server.daemon_threads = True
    stop = threading.Event()
    threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="devnet-http",
                               daemon=True)]
    if block_interval > 0:
        threads.append(threading.Thread(target=_block_timer, args=(state, block_interval, stop),
                                        name="devnet-blocks", daemon=True))
    for thread in threads:
        thread.start()
    real_port = server.server_address[1]
    return DevnetHandle(f"http://127.0.0.1:{real_port}", real_port, state, server, stop, threads)


def run(port: int, data_dir: str | None, block_interval: float, chain: str = "steem", smt: bool = False) -> None:
    """Serve until SIGTERM/SIGINT (blocking)."""
    handle = start_devnet(port, data_dir, block_interval, chain, smt)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    print(f"devnet ({chain}) listening on {handle.url} (chain id {handle.chain.chain_id})", flush=True)
    done.wait()
    handle.stop()
