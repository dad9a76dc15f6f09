"""SMT payouts as intents: one ledger payout -> one ``transfer`` of an SMT from the site's
treasury to a member (pure; the TRANSFER kind signs with the treasury's ACTIVE key and is confirmed
by its block, ``bridge/kinds.py``).

The amount is written in the appbase NAI form ``{"amount": "<int>", "precision": p, "nai": "@@..."}``
that the bridge serializes itself (``connectors/smt.py``; beem has no NAI assets). The idempotency key
is the ledger entries' ids: the same payout always yields the same key, so it is enqueued once.
This is the seam the points payout plugs its SMT output into (``SmtTransfer`` -> ``Intent``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.model import Intent, IntentKind, Skip, SourceRef, intent_key

MAX_MEMO_BYTES = 2047  # steem transfer memo must be < STEEM_MAX_MEMO_SIZE (2048)


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
