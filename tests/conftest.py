"""Shared fixtures: a fresh devnet per test, real local WordPress sites, bridge configs.

WordPress and the devnet are real and started here; nothing is skipped when they are missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# the session-wide steem-js check of every transaction a devnet accepted
pytest_plugins = ["tests.independent.collector"]

REPO_ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "bridge.cli"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files under tests/golden from current output")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the local WordPress servers this session started (none of other checkouts)."""
    from tests.support.wordpress import stop_started_sites

    stop_started_sites()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """beem keeps a config database under $HOME; keep tests away from the real one."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for name in list(os.environ):
        if name.startswith(("WPSB_", "WPSB__")):
            monkeypatch.delenv(name)


@pytest.fixture
def devnet(devnet_tx_collector: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh devnet with blocks only on demand (each broadcast seals its own block).

    Every transaction it accepts is re-serialized and signature-checked by steem-js at the end
    of the session (tests/independent/collector.py)."""
    from devnet.server import start_devnet

    handle = start_devnet(port=0, data_dir=None, block_interval=0.0)
    try:
        yield handle
    finally:
        devnet_tx_collector.add(handle, request.node.nodeid)
        handle.stop()


@pytest.fixture(scope="session")
def seed_site() -> dict[str, Any]:
    """The real local WordPress site 'test', reinstalled fresh with the three seed posts."""
    from tests.support.wordpress import ensure_wordpress, reset_wordpress

    reset_wordpress("test")
    return ensure_wordpress("test", seed=True)


@dataclass
class Bridge:
    """A bridge config for one test: WordPress site + devnet + keys + state file."""

    config: Path
    state: Path
    keys_file: Path
    site: dict[str, Any]
    devnet_url: str

    def cli(self, *args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full_env = dict(os.environ, **(env or {}))
        return subprocess.run([*CLI, "--config", str(self.config), *args], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=timeout, env=full_env)


def make_bridge(tmp_path: Path, site: dict[str, Any], devnet_url: str,
                accounts: list[str] | None = None, keys_file: Path | None = None) -> Bridge:
    """Config + state for ``site``; accounts created on the devnet unless ``keys_file`` (of
    another bridge on the same devnet) already holds their keys."""
    from deploy.devstack import localstack

    keys_file = keys_file or tmp_path / "keys.toml"
    names = accounts if accounts is not None else sorted(
        u["steem_account"] for u in site["users"].values() if u.get("steem_account"))
    localstack.ensure_accounts(devnet_url, names, keys_file)
    state = tmp_path / "state.db"
    config = localstack.write_bridge_config(tmp_path, site, devnet_url, keys_file, state,
                                            interval=1.0)
    return Bridge(config, state, keys_file, site, devnet_url)


@pytest.fixture
def seed_bridge(tmp_path: Path, seed_site: dict[str, Any], devnet: Any) -> Bridge:
    return make_bridge(tmp_path, seed_site, devnet.url)


@pytest.fixture(params=["sqlite", "postgres"])
def state_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh state store target: an SQLite file, or a fresh PostgreSQL schema (tests that take
    it hold on both stores)."""
    if request.param == "sqlite":
        yield str(tmp_path / "state.db")
        return
    from tests.support.postgres import fresh_schema

    with fresh_schema() as url:
        yield url
