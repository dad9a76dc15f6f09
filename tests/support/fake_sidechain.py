"""An in-memory Steem-Engine ``tokens`` contract for ``FakeChain``: the sidechain side of the fake.

Owns what the devnet's sidechain (devnet/sidechain/, after steemsmartcontracts ``tokens.js``)
decides for the actions the bridge sends (create, issue, transfer), with the contract's own error
texts and check order, and the streamer's rules: only ``custom_json`` with the sidechain's id is
read, the sender is ``required_auths[0]`` (active) else ``required_posting_auths[0]``, and a
transaction in Steem block N is processed only once the head reaches N + 2 (the anti-fork buffer),
so a receipt is None until then.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bridge.ports import SidechainReceipt

STREAMER_LAG_BLOCKS = 2
ACTIVE_KEY_ERROR = "you must use a custom_json signed with your active key"
ACCOUNT_NAME = re.compile(r"^[a-z][a-z0-9-.]{2,15}$")


@dataclass
class Token:
    issuer: str
    precision: int
    max_supply: Decimal
    supply: Decimal = Decimal(0)


@dataclass
class FakeSidechain:
    sidechain_id: str = "ssc-mainnet1"
    tokens: dict[str, Token] = field(default_factory=dict)
    balances: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (account, symbol)
    receipts: dict[str, SidechainReceipt] = field(default_factory=dict)  # Steem tx id -> verdict

    def process(self, tx_id: str, block_num: int, payload: dict[str, Any]) -> None:
        """Run one ``custom_json`` payload (condenser fields) the chain accepted in ``block_num``."""
        if payload.get("id") != self.sidechain_id:
            return
        active = bool(payload.get("required_auths"))
        auths = payload["required_auths"] if active else payload.get("required_posting_auths", [])
        try:
            parsed = json.loads(payload.get("json") or "")
        except ValueError:
            return
        entries = [e for e in (parsed if isinstance(parsed, list) else [parsed]) if _is_entry(e)]
        if not entries or not auths:
            return
        actions: list[tuple[str, ...]] = []
        for entry in entries:
            error = self._run(auths[0], active, entry)
            actions.append((error,) if error else ())
        errors = tuple(e for action in actions for e in action)
        self.receipts[tx_id] = SidechainReceipt(tx_id, block_num, errors, tuple(actions))

    def receipt(self, tx_id: str, head_block: int) -> SidechainReceipt | None:
        found = self.receipts.get(tx_id)
        if found is None or head_block < found.block_num + STREAMER_LAG_BLOCKS:
            return None
        return found

    def _run(self, sender: str, active: bool, entry: dict[str, Any]) -> str | None:
        if entry["contractName"] != "tokens":
            return "contract doesn't exist"
        action = {"create": self._create, "issue": self._issue,
                  "transfer": self._transfer}.get(entry["contractAction"])
        if action is None:
            return f"fake: tokens.{entry['contractAction']} is not modelled"
        if not active:
            return ACTIVE_KEY_ERROR
        return action(sender, entry["contractPayload"])

    def _create(self, sender: str, p: dict[str, Any]) -> str | None:
        symbol, precision = p.get("symbol"), p.get("precision")
        if not (isinstance(symbol, str) and isinstance(precision, int)
                and isinstance(p.get("maxSupply"), str) and 0 <= precision <= 8):
            return "invalid params"
        if symbol in self.tokens:
            return "symbol already exists"
        self.tokens[symbol] = Token(sender, precision, Decimal(p["maxSupply"]))
        return None

    def _issue(self, sender: str, p: dict[str, Any]) -> str | None:
        quantity = _quantity(p)
        if quantity is None:
            return "invalid params"
        to, token = p["to"].strip(), self.tokens.get(p["symbol"])
        if token is None:
            return "symbol does not exist"
        if token.issuer != sender:
            return "not allowed to issue tokens"
        if _decimals(p["quantity"]) > token.precision:
            return "symbol precision mismatch"
        if quantity <= 0:
            return "must issue positive quantity"
        if token.max_supply - token.supply < quantity:
            return "quantity exceeds available supply"
        if not ACCOUNT_NAME.match(to):
            return "invalid to"
        token.supply += quantity
        self._add(to, p["symbol"], quantity)
        return None

    def _transfer(self, sender: str, p: dict[str, Any]) -> str | None:
        quantity = _quantity(p)
        if quantity is None:
            return "invalid params"
        to, symbol = p["to"].strip(), p["symbol"]
        if to == sender:
            return "cannot transfer to self"
        if not ACCOUNT_NAME.match(to):
            return "invalid to"
        token = self.tokens.get(symbol)
        if token is None:
            return "symbol does not exist"
        if _decimals(p["quantity"]) > token.precision:
            return "symbol precision mismatch"
        if quantity <= 0:
            return "must transfer positive quantity"
        balance = self.balances.get((sender, symbol))
        if balance is None:
            return "balance does not exist"
        if balance < quantity:
            return "overdrawn balance"
        self._add(sender, symbol, -quantity)
        self._add(to, symbol, quantity)
        return None

    def _add(self, account: str, symbol: str, quantity: Decimal) -> None:
        self.balances[(account, symbol)] = self.balances.get((account, symbol), Decimal(0)) + quantity


def _is_entry(entry: Any) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("contractName"), str)
            and isinstance(entry.get("contractAction"), str)
            and isinstance(entry.get("contractPayload"), dict))


def _quantity(p: dict[str, Any]) -> Decimal | None:
    """The payload's quantity when ``to``, ``symbol`` and ``quantity`` are strings (tokens.js)."""
    if not all(isinstance(p.get(k), str) and p[k] for k in ("to", "symbol", "quantity")):
        return None
    try:
        return Decimal(p["quantity"])
    except InvalidOperation:
        return None


def _decimals(quantity: str) -> int:
    exponent = Decimal(quantity).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass
class FakeSidechainTokens:
    """``bridge.ports.SidechainTokens`` over a ``FakeSidechain``'s tables."""

    sidechain: FakeSidechain

    def token(self, symbol: str) -> dict[str, Any] | None:
        token = self.sidechain.tokens.get(symbol)
        if token is None:
            return None
        return {"symbol": symbol, "issuer": token.issuer, "precision": token.precision,
                "supply": str(token.supply), "maxSupply": str(token.max_supply)}

    def balances(self, symbol: str, accounts: list[str]) -> dict[str, str]:
        held = self.sidechain.balances
        return {a: str(held[(a, symbol)]) for a in accounts if (a, symbol) in held}
