"""Members link their own chain account: the bridge's verdicts, and the grants it keeps watching.

A member asks WordPress to link an account (``linking.php`` issues a one-time challenge) and
proves it without giving the server a key, in either of two ways:
    grant      -- the account's posting authority lists the app account (``account_auths``,
                  added with Keychain or any wallet by ``account_update``); seen on chain
    signature  -- the member signed the challenge with the account's posting key; the public key
                  recovered from it must be one of the account's posting keys
                  (``bridge/signatures.py``)
A grant counts only when it was made after the bridge first looked at the request (the
account's ``last_account_update`` moved past what it was then): an account that granted the app
account earlier, for another member or another site sharing the app account, proves nothing
about who asks, and the member is told to sign or to grant again. Only then does WordPress set
``steem_account``. A wrong signature, an unknown account or a
challenge that ran out is refused with the reason the member is shown.

Each tick (before dispatch) ``Linking.step`` reads the link feed only when the change feed said
it moved (else the cached copy in the state store), reads every named account in ONE batched
``get_accounts`` and writes its verdicts back in one request. Linked members are watched the
same way: a member whose grant was in force and is no longer is unlinked in that tick and their
queued intents fail with ``Code.GRANT_REVOKED`` (shown by ``status``), since the app account can
no longer sign for them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bridge.failures import Code, ConnectorError
from bridge.model import from_text, to_text
from bridge.ports import ChainReads, LinkDesk, LinkRequest, LinkVerdict
from bridge.report import TickReport
from bridge.signatures import BadSignature, signed_by_any
from bridge.store import StateStore

log = logging.getLogger("wp_steem_bridge.linking")
CURSOR = "links"
GRANTED_BEFORE = "granted before the request"


class Linking:
    name = "linking"

    def __init__(self, store: StateStore, desk: LinkDesk, reads: ChainReads, app_account: str,
                 *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store, self.desk, self.reads = store, desk, reads
        self.app_account, self.clock = app_account, clock
        self._missing_said = False

    def step(self, report: TickReport) -> None:
        seq, requests, seen = self._load()
        try:
            feed = self.desk.link_requests(seq)
        except ConnectorError as exc:
            if exc.code is not Code.PLUGIN_MISSING:
                raise
            if not self._missing_said:  # an older plugin: said once, not a problem every tick
                log.warning("the companion plugin has no link routes (update it so members "
                            "can link their accounts): %s", exc.message)
                self._missing_said = True
            return
        if feed is not None:
            seq, requests = feed.seq, list(feed.requests)
        names = sorted({r.account for r in requests})
        accounts = self.reads.accounts(names) if names else {}
        verdicts = [v for r in requests
                    if (v := self._judge(r, accounts.get(r.account), seen))]
        if verdicts:
            self.desk.write_link_verdicts(verdicts)
        with self.store.transaction():
            for verdict in verdicts:
                if verdict.verdict == "unlinked":
                    stopped = self.store.outbox.fail_queued(verdict.account, _stop_reason(
                        verdict.account, self.app_account))
                    report.failed += stopped
                    report.notes.append(f"@{verdict.account} unlinked ({verdict.reason}); "
                                        f"{stopped} queued intent(s) stopped")
                elif verdict.verdict == "linked" and not _was_linked(requests, verdict):
                    report.notes.append(f"@{verdict.account} linked to user {verdict.user_id}")
            kept = _after(requests, verdicts)
            self._save(seq, kept, {k: v for k, v in seen.items()
                                   if k in {_seen_key(r) for r in kept}})
        for verdict in verdicts:
            log.info("link of user %s to @%s: %s %s", verdict.user_id, verdict.account,
                     verdict.verdict, verdict.reason)

    def _judge(self, request: LinkRequest, account: dict[str, Any] | None,
               seen: dict[str, str]) -> LinkVerdict | None:
        """``seen``: per pending request, the account's ``last_account_update`` when the bridge
        first looked while the grant was absent (or ``GRANTED_BEFORE``): a grant proves the
        member holds the account only when it was made after that look, so an account that
        granted the app account earlier (for another site or member) cannot be claimed by
        anyone who names it."""
        granted = self.granted(account)
        verdict = LinkVerdict(request.user_id, request.account, "linked", grant=granted)
        if request.state == "linked":
            if request.grant and not granted:
                return replace(verdict, verdict="unlinked", reason=(
                    f"@{request.account} revoked the posting authority of @{self.app_account} "
                    f"on chain"))
            return verdict if granted and not request.grant else None  # grant newly in force
        if account is None:
            return replace(verdict, verdict="refused",
                           reason=f"there is no account @{request.account} on the chain")
        key, updated = _seen_key(request), str(account.get("last_account_update") or "")
        first_look = key not in seen
        if first_look or (not granted and seen[key] == GRANTED_BEFORE):
            seen[key] = GRANTED_BEFORE if granted else updated
        if request.signature:
            keys = [str(k[0]) for k in _posting(account).get("key_auths", [])
                    if isinstance(k, list | tuple) and k]
            try:
                if signed_by_any(request.challenge, request.signature, keys):
                    return replace(verdict, reason="the challenge was signed with a posting "
                                                   f"key of @{request.account}")
                reason = (f"the signature was not made by a posting key of @{request.account}; "
                          f"sign the challenge with that account's posting key")
            except BadSignature as exc:
                reason = f"the signature could not be read: {exc}"
            return replace(verdict, verdict="refused", reason=reason)
        if granted and seen[key] != GRANTED_BEFORE and updated > seen[key]:
            return replace(verdict, reason=f"@{request.account} granted @{self.app_account} "
                                           f"posting authority")
        if granted and first_look:
            return replace(verdict, verdict="pending", reason=(
                f"@{request.account} granted @{self.app_account} posting authority before this "
                f"request, which does not show who asks: sign the challenge with a posting key "
                f"of @{request.account}, or revoke the grant and grant it again"))
        if request.expires is not None and self.clock() > request.expires:
            return replace(verdict, verdict="refused", reason=(
                "the challenge expired before a grant or a signature arrived; ask for a new one"))
        return None  # still waiting for the member's grant or signature

    def granted(self, account: dict[str, Any] | None) -> bool:
        auths = _posting(account).get("account_auths", []) if account else []
        return any(isinstance(a, list | tuple) and a and a[0] == self.app_account for a in auths)

    # -- the cached feed ----------------------------------------------------------------------

    def _load(self) -> tuple[int, list[LinkRequest], dict[str, str]]:
        stored = self.store.get_cursor(self.store.scoped(CURSOR))
        if not stored:
            return 0, [], {}
        data = json.loads(stored)
        return (int(data["seq"]), [_request(r) for r in data["requests"]],
                dict(data.get("seen") or {}))

    def _save(self, seq: int, requests: list[LinkRequest], seen: dict[str, str]) -> None:
        rows = [{"user_id": r.user_id, "account": r.account, "state": r.state,
                 "challenge": r.challenge, "signature": r.signature, "grant": r.grant,
                 "expires": to_text(r.expires) if r.expires else None} for r in requests]
        self.store.set_cursor(self.store.scoped(CURSOR),
                              json.dumps({"seq": seq, "requests": rows, "seen": seen},
                                         sort_keys=True))


def _seen_key(request: LinkRequest) -> str:
    return f"{request.user_id}:{request.challenge}"


def _posting(account: dict[str, Any] | None) -> dict[str, Any]:
    posting = account.get("posting") if account else None
    return posting if isinstance(posting, dict) else {}


def _request(row: dict[str, Any]) -> LinkRequest:
    expires = from_text(row["expires"]) if row.get("expires") else None
    return LinkRequest(int(row["user_id"]), str(row["account"]), row["state"],
                       str(row.get("challenge") or ""), str(row.get("signature") or ""),
                       expires, bool(row.get("grant")))


def _was_linked(requests: list[LinkRequest], verdict: LinkVerdict) -> bool:
    return any(r.user_id == verdict.user_id and r.state == "linked" for r in requests)


def _after(requests: list[LinkRequest], verdicts: list[LinkVerdict]) -> list[LinkRequest]:
    """The cached feed as WordPress holds it once the verdicts are written."""
    by_user = {v.user_id: v for v in verdicts}
    kept: list[LinkRequest] = []
    for request in requests:
        verdict = by_user.get(request.user_id)
        if verdict is None or verdict.verdict == "pending":
            kept.append(request)
        elif verdict.verdict == "linked":
            kept.append(replace(request, state="linked", grant=verdict.grant, signature=""))
    return kept


def _stop_reason(account: str, app_account: str) -> str:
    return (f"{Code.GRANT_REVOKED.value}: @{account} revoked the posting authority of "
            f"@{app_account}, so the bridge may no longer sign for it; the member was unlinked "
            f"(link again, then `wp-steem-bridge retry --failed`)")
