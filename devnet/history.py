"""Operation history: per-account sequence numbers and per-block op lists (real and virtual ops).

Entry shape per steem ``account_history_api.hpp`` api_operation_object (trx_id, block,
trx_in_block, op_in_trx, virtual_op, timestamp, op); impacted accounts per
``libraries/chain/util/impacted.cpp``.
"""

from __future__ import annotations

from dataclasses import dataclass

from devnet.serializer import Op

_IMPACTED_FIELDS: dict[str, tuple[str, ...]] = {
    "vote": ("voter", "author"),
    "comment": ("author", "parent_author"),
    "transfer": ("from", "to"),
    "account_create": ("creator", "new_account_name"),
    "account_update": ("account",),
    "delete_comment": ("author",),
    "comment_options": ("author",),
    "claim_reward_balance": ("account",),
    "author_reward": ("author",),
    "curation_reward": ("curator",),
    "comment_reward": ("author",),
    "comment_benefactor_reward": ("benefactor", "author"),
    "comment_payout_update": ("author",),
}


def impacted_accounts(op: Op) -> list[str]:
    if op.name == "custom_json":
        names = list(op.fields["required_auths"]) + list(op.fields["required_posting_auths"])
    else:
        names = [op.fields.get(key, "") for key in _IMPACTED_FIELDS.get(op.name, ())]
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return seen


@dataclass
class OpEntry:
    trx_id: str
    block: int
    trx_in_block: int
    op_in_trx: int
    virtual_op: int
    timestamp: int
    op: Op


class History:
    def __init__(self) -> None:
        self.entries: list[OpEntry] = []
        self.by_account: dict[str, list[int]] = {}
        self.by_block: dict[int, list[int]] = {}

    def record(self, op: Op, trx_id: str, block: int, trx_in_block: int, op_in_trx: int,
               virtual_op: int, timestamp: int) -> None:
        index = len(self.entries)
        self.entries.append(OpEntry(trx_id, block, trx_in_block, op_in_trx, virtual_op, timestamp, op))
        self.by_block.setdefault(block, []).append(index)
        for name in impacted_accounts(op):
            self.by_account.setdefault(name, []).append(index)

    def account_slice(self, account: str, start: int, limit: int) -> list[tuple[int, OpEntry]]:
        """Sequences ``start-limit .. start`` ascending (start = -1 means newest)."""
        indexes = self.by_account.get(account, [])
        if not indexes:
            return []
        last = len(indexes) - 1 if start < 0 else min(start, len(indexes) - 1)
        first = max(0, last - limit)
        return [(seq, self.entries[indexes[seq]]) for seq in range(first, last + 1)]

    def in_block(self, block: int, only_virtual: bool) -> list[OpEntry]:
        entries = [self.entries[i] for i in self.by_block.get(block, [])]
        return [e for e in entries if e.virtual_op or not only_virtual]
