"""Fixtures for devnet tests: a fresh devnet per test, beem clients, signing/broadcast helpers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from devnet.genesis import INITMINER_WIF
from devnet.server import DevnetHandle, start_devnet


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # beem keeps an on-disk SQLite config under $HOME; never touch the real one.
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def devnet(devnet_tx_collector: Any, request: pytest.FixtureRequest) -> Iterator[DevnetHandle]:
    handle = start_devnet()
    try:
        yield handle
    finally:
        devnet_tx_collector.add(handle, request.node.nodeid)  # steem-js checks them all
        handle.stop()


def make_steem(url: str, keys: list[str]) -> Any:
    from beem import Steem
    from beem.storage import generate_config_store
    from beemstorage import InRamConfigurationStore

    store = generate_config_store(InRamConfigurationStore(), blockchain="steem")
    return Steem(node=url, keys=keys, num_retries=0, num_retries_call=1, timeout=10, config_store=store)


class Client:
    """One beem connection plus raw-RPC helpers that expose the node's exact error text."""

    _names = itertools.count()

    def __init__(self, handle: DevnetHandle):
        self.handle = handle
        self.url = handle.url
        self.stm = make_steem(handle.url, [INITMINER_WIF])
        self.keys: dict[str, dict[str, str]] = {}

    def rpc(self, method: str, params: Any = None) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": [] if params is None else params}
        return requests.post(self.url, json=body, timeout=10).json()

    def call(self, method: str, params: Any = None) -> Any:
        answer = self.rpc(method, params)
        assert "error" not in answer, answer
        return answer["result"]

    def generate(self, count: int) -> None:
        self.call("debug_node_api.debug_generate_blocks", {"debug_key": INITMINER_WIF, "count": count})

    def new_account(self, prefix: str = "user", via_beem: bool = False) -> str:
        """Create an account signed by initminer (beem's create_account, or the fast raw path)."""
        from beemgraphenebase.account import PasswordKey

        name = f"{prefix}{next(self._names)}x"
        keys = {role: PasswordKey(name, f"pw-{name}", role=role) for role in ("owner", "active", "posting", "memo")}
        self.keys[name] = {role: str(key.get_private_key()) for role, key in keys.items()}
        if via_beem:
            self.stm.create_account(name, creator="initminer", password=f"pw-{name}", storekeys=False)
            return name
        pubs = {role: str(key.get_public_key()) for role, key in keys.items()}
        auth = {role: {"weight_threshold": 1, "account_auths": [], "key_auths": [[pubs[role], 1]]}
                for role in ("owner", "active", "posting")}
        op = ["account_create", {"fee": "3.000 STEEM", "creator": "initminer", "new_account_name": name, **auth,
                                 "memo_key": pubs["memo"], "json_metadata": ""}]
        answer = self.rpc("condenser_api.broadcast_transaction", [self.sign_raw([op], [INITMINER_WIF])])
        assert answer.get("result") == {}, answer
        return name

    def sign(self, ops: list[Any], wifs: list[str], tapos: tuple[int, int] | None = None,
             via_beem: bool = True) -> dict[str, Any]:
        """Sign beembase ops with beem's TransactionBuilder, as a client does (the default), or fast
        raw with the devnet's own serializer (setup only: it is not independent of the node)."""
        from beem.transactionbuilder import TransactionBuilder

        if not via_beem and tapos is None:
            return self.sign_raw([[type(op).__name__.lower(), op.json()] for op in ops], wifs)
        builder = TransactionBuilder(blockchain_instance=self.stm)
        builder.appendOps(ops)
        for wif in wifs:
            builder.appendWif(wif)
        if tapos is None:
            builder.sign()
        else:
            builder.constructTx(ref_block_num=tapos[0], ref_block_prefix=tapos[1])
            builder.sign(reconstruct_tx=False)
        return builder.json()

    def sign_raw(self, ops: list[Any], wifs: list[str]) -> dict[str, Any]:
        """Sign condenser-JSON ops with the devnet serializer (for ops beem refuses to build)."""
        import coincurve

        from devnet.assets import fmt_time, parse_time
        from devnet.crypto import is_fc_canonical, wif_to_secret
        from devnet.serializer import parse_transaction

        props = self.call("condenser_api.get_dynamic_global_properties", [])
        head_id = bytes.fromhex(props["head_block_id"])
        trx = {"ref_block_num": props["head_block_number"] & 0xFFFF,
               "ref_block_prefix": int.from_bytes(head_id[4:8], "little"),
               "expiration": fmt_time(parse_time(props["time"]) + 30), "operations": ops, "extensions": [],
               "signatures": []}
        for wif in wifs:
            while True:
                digest = parse_transaction({**trx, "signatures": []}).sig_digest()
                raw = coincurve.PrivateKey(wif_to_secret(wif)).sign_recoverable(digest, hasher=None)
                sig = bytes([raw[64] + 31]) + raw[:64]
                if is_fc_canonical(sig):
                    break
                trx["expiration"] = fmt_time(parse_time(trx["expiration"]) + 1)
                trx["signatures"] = []
            trx["signatures"].append(sig.hex())
        return trx

    def broadcast(self, ops: list[Any], wifs: list[str], via_beem: bool = True) -> dict[str, Any]:
        return self.rpc("condenser_api.broadcast_transaction", [self.sign(ops, wifs, via_beem=via_beem)])

    def send_ok(self, ops: list[Any], wifs: list[str]) -> None:
        answer = self.broadcast(ops, wifs)
        assert answer.get("result") == {}, answer


def error_message(answer: dict[str, Any]) -> str:
    assert "error" in answer, answer
    return answer["error"]["message"]


@pytest.fixture
def client(devnet: DevnetHandle) -> Client:
    return Client(devnet)
