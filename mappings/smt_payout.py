"""SMT payouts as intents: one ledger payout -> one ``transfer`` of an SMT from the site's
treasury to a member (pure; the TRANSFER kind signs with the treasury's ACTIVE key and is confirmed
by its block, ``bridge/kinds.py``).

The amount is written in the appbase NAI form ``{"amount": "<int>", "precision": p, "nai": "@@..."}``
that the bridge serializes itself (``connectors/smt.py``; beem has no NAI assets). The idempotency key
is the ledger entries' ids: the same payout always yields the same key, so it is enqueued once.
Two ways in: ``SmtTransfer`` -> ``smt_transfer_intent`` (one payout, one intent), and
``SmtOutput``, which implements the points payout's ``TokenOutput`` protocol (helper branch
``points``, ``mappings/tokens.py``: ``kind``, ``operations(payouts)``, ``fits(payouts)``) so its
batching packs many payouts as one ``transfer`` operation each into one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from bridge.model import Intent, IntentKind, Skip, SourceRef, intent_key

MAX_MEMO_BYTES = 2047  # steem transfer memo must be < STEEM_MAX_MEMO_SIZE (2048)
# A transfer op is ~40 bytes + memo; a tx must stay <= maximum_block_size - 256 (65536 - 256,
# steem database.cpp:897). Keep a wide margin for the envelope and signatures.
MAX_TX_BYTES = 60_000
TRANSFER_OVERHEAD = 64  # op id, two names (<= 16 B + length each), 12-byte SMT asset, memo length


class PayoutLike(Protocol):
    """The points payout's ``Payout``: ``units`` token units (decimal) to ``account`` for ``entries``."""

    @property
    def account(self) -> str: ...
    @property
    def units(self) -> Decimal: ...
    @property
    def entries(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class SmtOutput:
    """SMT payouts from a treasury: one ``transfer`` of the SMT per payout, active key, block
    confirmation (``IntentKind.TRANSFER``); memo ``wpsb:<site>:<entry ids>`` like the sidechain's."""

    site: str
    treasury: str
    nai: str
    precision: int
    max_transfers: int = 50
    kind: IntentKind = IntentKind.TRANSFER

    def satoshis(self, units: Decimal) -> int:
        return int(units.scaleb(self.precision).to_integral_value(rounding=ROUND_DOWN))

    def memo(self, payout: PayoutLike) -> str:
        return f"wpsb:{self.site}:" + ",".join(payout.entries)

    def operations(self, payouts: Sequence[PayoutLike]) -> tuple[tuple[str, dict[str, Any]], ...]:
        return tuple(("transfer", {"from": self.treasury, "to": p.account,
                                   "amount": {"amount": str(self.satoshis(p.units)),
                                              "precision": self.precision, "nai": self.nai},
                                   "memo": self.memo(p)}) for p in payouts)

    def fits(self, payouts: Sequence[PayoutLike]) -> bool:
        if len(payouts) > self.max_transfers:
            return False
        if any(len(self.memo(p).encode("utf-8")) > MAX_MEMO_BYTES for p in payouts):
            return False
        size = sum(TRANSFER_OVERHEAD + len(self.memo(p).encode("utf-8")) for p in payouts)
        return size <= MAX_TX_BYTES


@dataclass(frozen=True)
class SmtTransfer:
    """One payout: ``units`` (integer, 10**-precision) of the SMT ``nai`` to ``member``."""

    site_id: str
    payout_id: str  # e.g. the first..last ledger entry ids it pays
    treasury: str
    member: str
    units: int
    nai: str
    precision: int
    memo: str = ""


def smt_transfer_intent(payout: SmtTransfer) -> Intent | Skip:
    source = SourceRef("wp", payout.site_id, "points", payout.payout_id)
    if payout.units <= 0:
        return Skip(source, "nothing to pay (amount is not positive)")
    if payout.member == payout.treasury:
        return Skip(source, "the treasury does not pay itself")
    memo = payout.memo.encode("utf-8")[:MAX_MEMO_BYTES].decode("utf-8", "ignore")
    amount = {"amount": str(payout.units), "precision": payout.precision, "nai": payout.nai}
    operation = ("transfer", {"from": payout.treasury, "to": payout.member, "amount": amount, "memo": memo})
    return Intent(key=intent_key(IntentKind.TRANSFER, source, f"smt:{payout.nai}:{payout.units}"),
                  kind=IntentKind.TRANSFER, account=payout.treasury, source=source, operations=(operation,),
                  title=f"{payout.units} {payout.nai} to @{payout.member}")
