"""The local development stack used by ``make demo`` and the integration tests.

Owns: starting the devnet as a background process (``python -m devnet``, and finding one already
running), creating chain accounts on it through real ``account_create`` transactions signed by
``initminer`` (built on the connector's public ``sign``/``broadcast``), advancing devnet time, and
writing a bridge config (TOML + 0600 secret files) for a local site.
Nothing here is used by the bridge in production.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bridge.ports import SignedTx
from connectors.failures import AlreadyApplied
from connectors.steem import SteemChain, new_key
from devnet.genesis import CHAIN_ID, INITMINER, INITMINER_WIF


@dataclass(frozen=True)
class DevnetProcess:
    url: str
    pid: int | None  # None when someone else started it


def rpc(url: str, method: str, params: Any) -> Any:
    answer = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                      "params": params}, timeout=30).json()
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error'].get('message')}")
    return answer["result"]


def devnet_alive(url: str) -> bool:
    try:
        rpc(url, "database_api.get_dynamic_global_properties", {})
        return True
    except (requests.RequestException, RuntimeError, ValueError):
        return False


def start_devnet_process(port: int, data_dir: Path, log_path: Path,
                         block_interval: float = 0.0) -> DevnetProcess:
    """Start the devnet (``wpsb-devnet``) in the background unless one answers on the port."""
    url = f"http://127.0.0.1:{port}"
    if devnet_alive(url):
        return DevnetProcess(url, None)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devnet", "--port", str(port), "--data",
             str(data_dir), "--block-interval", str(block_interval)],
            stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if devnet_alive(url):
            (data_dir / "devnet.pid").write_text(str(proc.pid))
            return DevnetProcess(url, proc.pid)
        if proc.poll() is not None:
            raise RuntimeError(f"devnet exited with code {proc.returncode}; see {log_path}")
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"devnet did not answer on {url} within 20 s; see {log_path}")


def stop_devnet_process(data_dir: Path) -> None:
    pid_file = data_dir / "devnet.pid"
    if not pid_file.exists():
        return
    try:
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
    except (ProcessLookupError, ValueError):
        pass
    pid_file.unlink(missing_ok=True)


def generate_blocks(url: str, count: int) -> None:
    rpc(url, "debug_node_api.debug_generate_blocks",
        {"debug_key": INITMINER_WIF, "count": count, "skip": 0, "miss_blocks": 0,
         "edit_if_needed": True})


def ensure_accounts(url: str, names: list[str], keys_file: Path) -> dict[str, str]:
    """Create each missing account on the devnet; keys live in a 0600 TOML file."""
    keys = _read_keys(keys_file)
    chain = SteemChain([url], CHAIN_ID)
    for name in names:
        if name in keys and chain.account_times(name) is not None:
            continue
        pair = new_key()
        try:
            create_account(chain, name, INITMINER, INITMINER_WIF, pair.public)
        except AlreadyApplied:
            pass
        keys[name] = pair.wif
    _write_secret(keys_file, "".join(f'{name} = "{wif}"\n' for name, wif in keys.items()))
    return keys


def create_account(chain: SteemChain, name: str, creator: str, creator_wif: str,
                   public_key: str, fee: str = "3.000 STEEM") -> SignedTx:
    """account_create with one key for every role (devnet setup), signed and broadcast."""
    auth = {"weight_threshold": 1, "account_auths": [], "key_auths": [[public_key, 1]]}
    op = ("account_create", {
        "fee": fee, "creator": creator, "new_account_name": name, "owner": auth,
        "active": auth, "posting": auth, "memo_key": public_key, "json_metadata": "",
    })
    signed = chain.sign([op], creator_wif)
    chain.broadcast(signed)
    return signed


def write_bridge_config(directory: Path, site: dict[str, Any], node_url: str,
                        keys_file: Path, state_path: Path, *, interval: float = 5.0,
                        extra: str = "") -> Path:
    """A config for a local WordPress site (``site`` is its site.json) and the devnet."""
    password_file = directory / "app-password"
    _write_secret(password_file, site["app_password"] + "\n")
    config = directory / "wp-steem-bridge.toml"
    config.write_text(f"""# written by deploy.devstack.localstack for a local WordPress + devnet
[wordpress]
url = {json.dumps(site["url"])}
user = {json.dumps(site["admin_user"])}
app_password_file = {json.dumps(str(password_file))}
site_id = {json.dumps(site.get("name", "local"))}

[chain]
nodes = [{json.dumps(node_url)}]
chain_id = "{CHAIN_ID}"
confirm_timeout = 10

[keys]
file = {json.dumps(str(keys_file))}

[state]
path = {json.dumps(str(state_path))}

[sync]
interval = {interval}
{extra}""", encoding="utf-8")
    return config


def _read_keys(keys_file: Path) -> dict[str, str]:
    import tomllib

    if not keys_file.exists():
        return {}
    return {k: str(v) for k, v in tomllib.loads(keys_file.read_text()).items()}


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
