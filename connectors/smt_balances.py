"""An SMT's treasury and member balances read from the chain, in the shape of the points
payout's ``SidechainTokens`` port (``bridge/ports.py``), so ``[points] output = "smt"`` gets the
same treasury check before signing and the same balances mirrored into WordPress profiles as the
Steem-Engine output.

Reads ``database_api.find_smt_tokens`` (``{"symbols": [{nai, precision}]}``) and
``database_api.find_smt_token_balances`` (``{"account_symbols": [[account, {nai, precision}]]}``),
steem ``plugins/apis/database_api/database_api.cpp`` (token-facts.md §1.8), through the chain's
batched reads (``connectors/steem_reads.py``). Balances come back as decimal strings with the
token's precision ("12.345"); an account without a balance object holds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from connectors.steem_reads import MAX_ACCOUNTS_PER_CALL


class Reads(Protocol):
    def read_batch(self, calls: Sequence[tuple[str, Any]], what: str,
                   absent: str = "") -> list[Any]: ...


class SmtTokens:
    """``token`` / ``balances`` of one SMT (``nai``, ``precision``); the symbol asked is the
    site's name for it and does not matter."""

    def __init__(self, reads: Reads, nai: str, precision: int) -> None:
        self.reads = reads
        self.symbol = {"nai": nai, "precision": precision}
        self.precision = precision

    def token(self, symbol: str) -> dict[str, Any] | None:
        """The SMT's row (``control_account``, ``phase``, supplies), or None if it was never
        created."""
        (found,) = self.reads.read_batch(
            [("database_api.find_smt_tokens", {"symbols": [self.symbol]})], "reading the SMT")
        tokens = (found or {}).get("tokens") or []
        return dict(tokens[0]["token"]) if tokens else None

    def balances(self, symbol: str, accounts: Sequence[str]) -> dict[str, str]:
        names = list(dict.fromkeys(accounts))
        calls = [("database_api.find_smt_token_balances",
                  {"account_symbols": [[a, self.symbol]
                                       for a in names[i:i + MAX_ACCOUNTS_PER_CALL]]})
                 for i in range(0, len(names), MAX_ACCOUNTS_PER_CALL)]
        held: dict[str, str] = {}
        for answer in self.reads.read_batch(calls, "reading SMT balances") if calls else []:
            for row in (answer or {}).get("balances") or []:
                liquid = row["liquid"]
                amount = Decimal(int(liquid["amount"])).scaleb(-int(liquid["precision"]))
                held[row["name"]] = f"{amount:.{int(liquid['precision'])}f}"
        return held
