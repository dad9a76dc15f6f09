"""``[points] output = "smt"``: the SMT read as the payout's ``SidechainTokens`` port
(connectors/smt_balances.py) and the treasury check before signing (PointsStream's funding
problem), on answers shaped like the chain's database_api (no node)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from bridge.points_config import PointsSettings
from bridge.points_stream import PointsStream
from bridge.store import StateStore
from connectors.smt_balances import SmtTokens

NAI = "@@422838704"


class FakeReads:
    def __init__(self, phase: str | None, held: dict[str, int]) -> None:
        self.phase, self.held = phase, held
        self.calls: list[Any] = []

    def read_batch(self, calls: Any, what: str, absent: str = "") -> list[Any]:
        self.calls.extend(calls)
        out: list[Any] = []
        for method, params in calls:
            if method == "database_api.find_smt_tokens":
                tokens = [] if self.phase is None else [{"token": {"phase": self.phase,
                                                                   "control_account": "tre"}}]
                out.append({"tokens": tokens})
            else:
                out.append({"balances": [
                    {"name": a, "liquid": {"amount": str(self.held[a]), "precision": 3,
                                           "nai": s["nai"]}}
                    for a, s in params["account_symbols"] if a in self.held]})
        return out


def test_balances_are_decimal_strings_with_the_precision_and_absent_accounts_hold_nothing() -> None:
    reads = FakeReads("launch_success", {"ann": 12_345, "tre": 5})
    tokens = SmtTokens(reads, NAI, 3)
    assert tokens.balances("BLOG", ["ann", "ben", "tre", "ann"]) == {"ann": "12.345",
                                                                     "tre": "0.005"}
    assert reads.calls[-1][1]["account_symbols"] == [
        ["ann", {"nai": NAI, "precision": 3}], ["ben", {"nai": NAI, "precision": 3}],
        ["tre", {"nai": NAI, "precision": 3}]]
    assert tokens.balances("BLOG", []) == {}
    assert tokens.token("BLOG") == {"phase": "launch_success", "control_account": "tre"}
    assert SmtTokens(FakeReads(None, {}), NAI, 3).token("BLOG") is None


def _stream(tmp_path: Path, reads: FakeReads) -> PointsStream:
    settings = PointsSettings(enabled=True, output="smt", symbol="BLOG", mode="transfer",
                              account="tre", nai=NAI)
    return PointsStream(StateStore(str(tmp_path / "state.db")), feed=None,  # type: ignore[arg-type]
                        rules=settings.rules("s"), tokens=SmtTokens(reads, NAI, 3),
                        token_output=settings.token_output("s"))


def test_the_treasury_check_names_what_it_holds_and_what_the_batch_needs(tmp_path: Path) -> None:
    stream = _stream(tmp_path, FakeReads("launch_success", {"tre": 5_000}))
    assert stream._funding_problem(Decimal("5")) == ""
    assert stream._funding_problem(Decimal("57.5")) == (
        f"treasury @tre holds 5.000 BLOG ({NAI}), the next batch needs 57.5: top it up (it is "
        f"tried again every 10 minutes)")


def test_an_smt_not_launched_or_never_created_is_a_problem_not_a_broadcast(tmp_path: Path) -> None:
    assert "is not launched (setup_completed)" in _stream(
        tmp_path, FakeReads("setup_completed", {"tre": 9_000}))._funding_problem(Decimal(1))
    assert "is not launched (never created)" in _stream(
        tmp_path, FakeReads(None, {}))._funding_problem(Decimal(1))
