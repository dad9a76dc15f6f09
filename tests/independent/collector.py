"""Session-wide collection of every devnet transaction, verified at session end by steem-js and @hiveio/wax.

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
``devnet_tx_collector.add_data_dir(DIR)``. At session end all records go through one node run of each
checker (js/verify-transactions.js, js/validate-wax.js); any mismatch, or any operation wax's ``validate()``
refuses, fails the session (a teardown error naming the test whose devnet produced it). SMT transactions
are left to tests/independent/smt_vectors.json (neither steem-js nor Hive has them). Two summary lines:
"steem-js independent check: ..." and "wax independent check: N transactions, M mismatches, K invalid".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.independent.checker import (
    SMT_EXCLUSION,
    WAX_SMT_EXCLUSION,
    Record,
    SteemJsResult,
    WaxResult,
    authorities_from_records,
    chain_params,
    genesis_keys,
    input_lines,
    is_smt_record,
    legacy_operations,
    read_records,
    run_steem_js,
    run_wax,
)


@dataclass
class _Source:
    label: str
    records: Sequence[Record]
    chain: str


@dataclass
class DevnetTxCollector:
    sources: list[_Source] = field(default_factory=list)
    excluded: int = 0  # SMT transactions steem-js and wax cannot read (SMT_EXCLUSION, WAX_SMT_EXCLUSION)

    def add(self, handle: Any, label: str = "") -> None:
        """Keep a devnet's accepted-transaction list (a live reference; read at session end)."""
        chain = getattr(handle.chain, "chain_name", "steem")
        self.sources.append(_Source(label or handle.url, handle.chain.accepted_transactions, chain))

    def add_data_dir(self, data_dir: str | Path, label: str = "", chain: str = "steem") -> None:
        self.sources.append(_Source(label or str(data_dir), read_records(data_dir), chain))

    def _lines(self) -> tuple[list[str], list[str]]:
        lines: list[str] = []
        owners: list[str] = []
        excluded = 0
        for source in self.sources:
            chain_id, prefix = chain_params(source.chain)
            auths = authorities_from_records(source.records, genesis_keys(source.chain))
            checkable = [r for r in source.records if not is_smt_record(r)]
            excluded += len(source.records) - len(checkable)
            lines += input_lines(checkable, chain_id, prefix, auths)
            owners += [source.label] * len(checkable)
        self.excluded = excluded
        return lines, owners

    def verify(self) -> SteemJsResult:
        lines, owners = self._lines()
        result = run_steem_js(lines)
        _label(result.mismatches, owners)
        return result

    def verify_wax(self) -> WaxResult:
        lines, owners = self._lines()
        result = run_wax(lines)
        _label(result.mismatches + result.invalid, owners)
        return result

    def kinds(self) -> set[str]:
        """Operation kinds among the collected transactions (legacy names; a reply, a comment with a
        parent, is counted as "comment (reply)")."""
        return {_kind(op) for source in self.sources for record in source.records
                if not is_smt_record(record) for op in legacy_operations(record)}


def _kind(operation: list[Any]) -> str:
    name, body = str(operation[0]), operation[1]
    return "comment (reply)" if name == "comment" and body.get("parent_author") else name


def _label(problems: list[dict[str, Any]], owners: list[str]) -> None:
    for problem in problems:
        index = problem.get("index")
        if isinstance(index, int) and 0 <= index < len(owners):
            problem["devnet"] = owners[index]


def _format(result: SteemJsResult, limit: int = 10) -> str:
    shown = "\n".join(str(m) for m in result.mismatches[:limit])
    return f"steem-js found {len(result.mismatches)} mismatches in {result.checked} transactions:\n{shown}"


def _format_wax(result: WaxResult, limit: int = 10) -> str:
    shown = "\n".join(str(m) for m in (result.invalid + result.mismatches)[:limit])
    return (f"wax found {len(result.mismatches)} mismatches and {len(result.invalid)} invalid in "
            f"{result.checked} transactions:\n{shown}")


SUMMARY = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the checks' counts in every run's summary (they are a session teardown otherwise)."""
    for line in terminalreporter.config.stash.get(SUMMARY, []):
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def devnet_tx_collector(request: pytest.FixtureRequest) -> Iterator[DevnetTxCollector]:
    collector = DevnetTxCollector()
    yield collector
    result = collector.verify()
    wax = collector.verify_wax()
    kinds = ", ".join(sorted(collector.kinds())) or "none"
    request.config.stash[SUMMARY] = [
        f"steem-js independent check: {result.checked} transactions from "
        f"{len(collector.sources)} devnets, {len(result.mismatches)} mismatches"
        + (f"; {collector.excluded} SMT transactions excluded ({SMT_EXCLUSION})" if collector.excluded else ""),
        f"wax independent check: {wax.checked} transactions, {len(wax.mismatches)} mismatches, "
        f"{len(wax.invalid)} invalid (operation kinds: {kinds})"
        + (f"; {collector.excluded} SMT transactions excluded ({WAX_SMT_EXCLUSION})" if collector.excluded else ""),
    ]
    total = sum(len(s.records) for s in collector.sources)
    assert result.checked + collector.excluded == total
    assert wax.checked + collector.excluded == total
    assert result.ok, _format(result)
    assert wax.ok, _format_wax(wax)
