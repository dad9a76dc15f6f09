"""Signature -> authority verification, following steemd's ``verify_authority``.

Sources: steem ``libraries/protocol/include/steem/protocol/transaction_util.hpp`` (posting vs
active/owner branches, exact error kinds), ``libraries/protocol/sign_state.cpp`` (weight
thresholds, account_auths recursion, unused-signature detection), ``transaction.cpp``
``get_signature_keys`` (duplicate signatures), per-op ``get_required_*_authorities`` in
``steem_operations.hpp``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devnet.crypto import is_fc_canonical, public_key_to_str, recover_compact
from devnet.errors import (
    DUPLICATE_SIG,
    IRRELEVANT_SIG,
    MISSING_ACTIVE,
    MISSING_OWNER,
    MISSING_POSTING,
    ChainError,
    fc_assert,
)
from devnet.genesis import MAX_SIG_CHECK_DEPTH
from devnet.serializer import Op, Tx

AuthGetter = Callable[[str], dict[str, Any]]


def required_authorities(ops: list[Op]) -> tuple[set[str], set[str], set[str]]:
    """Return (active, owner, posting) account sets the operations need."""
    active: set[str] = set()
    owner: set[str] = set()
    posting: set[str] = set()
    for op in ops:
        f = op.fields
        if op.name in ("vote",):
            posting.add(f["voter"])
        elif op.name in ("comment", "delete_comment", "comment_options"):
            posting.add(f["author"])
        elif op.name == "claim_reward_balance":
            posting.add(f["account"])
        elif op.name == "transfer":
            active.add(f["from"])
        elif op.name == "account_create":
            active.add(f["creator"])
        elif op.name == "account_update":
            (owner if f["owner"] is not None else active).add(f["account"])
        elif op.name.startswith("smt_"):  # smt_operations.hpp: active of control_account
            active.add(f["control_account"])
        elif op.name == "custom_json":
            active.update(f["required_auths"])
            posting.update(f["required_posting_auths"])
    return active, owner, posting


def signature_keys(tx: Tx, digest: bytes) -> list[str]:
    keys: list[str] = []
    for sig in tx.signatures:
        fc_assert(is_fc_canonical(sig), "is_canonical( c, check_canonical )", "signature is not canonical")
        key = public_key_to_str(recover_compact(sig, digest))
        if key in keys:
            raise ChainError(DUPLICATE_SIG, "Duplicate Signature detected")
        keys.append(key)
    return keys


class SignState:
    """sign_state.cpp: which provided keys satisfy an authority; remembers the keys it used."""

    def __init__(self, keys: list[str], getter: AuthGetter):
        self.used = {key: False for key in keys}
        self.getter = getter

    def check_account(self, name: str) -> bool:
        return self.check(self.getter(name), 0)

    def check(self, auth: dict[str, Any], depth: int) -> bool:
        total = 0
        for key, weight in auth["key_auths"]:
            if key in self.used:
                self.used[key] = True
                total += weight
                if total >= auth["weight_threshold"]:
                    return True
        for name, weight in auth["account_auths"]:
            if depth < MAX_SIG_CHECK_DEPTH and self.check(self.getter(name), depth + 1):
                total += weight
                if total >= auth["weight_threshold"]:
                    return True
        return total >= auth["weight_threshold"]

    def has_unused(self) -> bool:
        return not all(self.used.values())


def verify_authority(ops: list[Op], keys: list[str], get_active: AuthGetter,
                     get_owner: AuthGetter, get_posting: AuthGetter) -> None:
    active, owner, posting = required_authorities(ops)
    if posting:
        fc_assert(not active, "required_active.size() == 0")
        fc_assert(not owner, "required_owner.size() == 0")
        state = SignState(keys, get_posting)
        for name in sorted(posting):
            if not (state.check_account(name) or state.check(get_active(name), 0)
                    or state.check(get_owner(name), 0)):
                raise ChainError(MISSING_POSTING, f"Missing Posting Authority {name}")
        if state.has_unused():
            raise ChainError(IRRELEVANT_SIG, "Unnecessary signature(s) detected")
        return
    state = SignState(keys, get_active)
    for name in sorted(active):
        if not (state.check_account(name) or state.check(get_owner(name), 0)):
            raise ChainError(MISSING_ACTIVE, f"Missing Active Authority {name}")
    for name in sorted(owner):
        if not state.check(get_owner(name), 0):
            raise ChainError(MISSING_OWNER, f"Missing Owner Authority {name}")
    if state.has_unused():
        raise ChainError(IRRELEVANT_SIG, "Unnecessary signature(s) detected")
