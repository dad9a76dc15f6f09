"""Session-wide collection of every devnet transaction, verified once with steem-js at session end.

Owns the ``devnet_tx_collector`` session fixture. Wiring (tests/conftest.py, two lines):

    from tests.independent.collector import devnet_tx_collector  # noqa: F401  (re-exported fixture)

    @pytest.fixture
    def devnet(devnet_tx_collector):               # request it ...
        handle = start_devnet(...)
        try:
            yield handle
        finally:
            devnet_tx_collector.add(handle)        # ... and hand every devnet to it before stopping
            handle.stop()

Devnets started as processes with ``--data DIR`` (e.g. ``deploy.devstack.localstack``) are added with
``devnet_tx_collector.add_data_dir(DIR)``. At session end all records go through one node run; any
mismatch fails the session (a teardown error naming the test whose devnet produced it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.independent.checker import (
    SMT_EXCLUSION,
    Record,
    SteemJsResult,
    authorities_from_records,
    chain_params,
    genesis_keys,
    input_lines,
    is_smt_record,
    read_records,
    run_steem_js,
)


@dataclass
class _Source:
    label: str
    records: Sequence[Record]
    chain: str


@dataclass
class DevnetTxCollector:
    sources: list[_Source] = field(default_factory=list)
    excluded: int = 0  # SMT transactions steem-js cannot read (SMT_EXCLUSION)

    def add(self, handle: Any, label: str = "") -> None:
        """Keep a devnet's accepted-transaction list (a live reference; read at session end)."""
        chain = getattr(handle.chain, "chain_name", "steem")
        self.sources.append(_Source(label or handle.url, handle.chain.accepted_transactions, chain))

    def add_data_dir(self, data_dir: str | Path, label: str = "", chain: str = "steem") -> None:
        self.sources.append(_Source(label or str(data_dir), read_records(data_dir), chain))

    def verify(self) -> SteemJsResult:
        lines: list[str] = []
        owners: list[str] = []
        for source in self.sources:
            chain_id, prefix = chain_params(source.chain)
            auths = authorities_from_records(source.records, genesis_keys(source.chain))
            checkable = [r for r in source.records if not is_smt_record(r)]
            self.excluded += len(source.records) - len(checkable)
            lines += input_lines(checkable, chain_id, prefix, auths)
            owners += [source.label] * len(checkable)
        result = run_steem_js(lines)
        for mismatch in result.mismatches:
            index = mismatch.get("index")
            if isinstance(index, int) and 0 <= index < len(owners):
                mismatch["devnet"] = owners[index]
        return result


def _format(result: SteemJsResult, limit: int = 10) -> str:
    shown = "\n".join(str(m) for m in result.mismatches[:limit])
    return f"steem-js found {len(result.mismatches)} mismatches in {result.checked} transactions:\n{shown}"


SUMMARY = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the check's count in every run's summary (it is a session teardown otherwise)."""
    line = terminalreporter.config.stash.get(SUMMARY, None)
    if line:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def devnet_tx_collector(request: pytest.FixtureRequest) -> Iterator[DevnetTxCollector]:
    collector = DevnetTxCollector()
    yield collector
    result = collector.verify()
    request.config.stash[SUMMARY] = (
        f"steem-js independent check: {result.checked} transactions from "
        f"{len(collector.sources)} devnets, {len(result.mismatches)} mismatches"
        + (f"; {collector.excluded} SMT transactions excluded ({SMT_EXCLUSION})" if collector.excluded else ""))
    assert result.checked + collector.excluded == sum(len(s.records) for s in collector.sources)
    assert result.ok, _format(result)
