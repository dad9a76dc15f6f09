"""An in-memory chain with failure knobs, for engine tests that need no node.

Implements ``bridge.ports.Chain`` and ``Sidechain`` no more leniently than the devnet in every rule
the engine relies on (tests/contract/test_chain_contract.py runs one suite against both): unknown
accounts, posting/active authority, steemd's per-account clocks (last_root_post, last_post,
last_post_edit, last_vote_time), duplicate and expired transactions, the delete rules (replies,
positive votes), identical votes and the five vote changes, and the Steem-Engine sidechain (``FakeSidechain``). Refusals
carry the node's own error text, so they are sorted by the same ``connectors.failures`` table as
the real connector's. A transaction applies all of its operations or none. It can also lose the
acknowledgement of a broadcast that did land.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.failures import ConnectorError
from bridge.ports import AccountTimes, ChainHead, Operation, SidechainReceipt, SignedTx
from connectors.failures import rpc_error
from tests.support.fake_sidechain import FakeSidechain

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ROOT_POST_INTERVAL = timedelta(seconds=300)  # STEEM_MIN_ROOT_COMMENT_INTERVAL (strict >)
SHORT_INTERVAL = timedelta(seconds=3)  # reply, edit and vote intervals (>=)


@dataclass
class FakeChain:
    now: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    block_num: int = 1
    keys: dict[str, str] = field(default_factory=dict)  # account -> the posting wif it accepts
    active_keys: dict[str, str] = field(default_factory=dict)  # account -> its active wif
    posts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    votes: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # voter -> weight
    vote_changes: dict[tuple[str, str, str], int] = field(default_factory=dict)  # num_changes
    txs: dict[str, int] = field(default_factory=dict)  # tx id -> block
    applied: list[dict[str, Any]] = field(default_factory=list)
    clocks: dict[str, dict[str, datetime]] = field(default_factory=dict)
    sidechain: FakeSidechain = field(default_factory=FakeSidechain)
    broadcast_calls: int = 0
    fail_next_broadcast: list[ConnectorError] = field(default_factory=list)
    lose_ack_next: int = 0  # the tx lands, but the caller sees a transient error
    sign_counter: int = 0
    lookups: int = 0  # batched transaction look-ups (find_transactions calls)

    def create_account(self, name: str, posting_wif: str, active_wif: str = "") -> None:
        self.keys[name] = posting_wif
        if active_wif:
            self.active_keys[name] = active_wif

    def advance(self, seconds: int) -> None:
        blocks = max(1, seconds // 3)
        self.block_num += blocks
        self.now += timedelta(seconds=3 * blocks)

    # -- Chain --------------------------------------------------------------------------------

    def head(self) -> ChainHead:
        return ChainHead(self.block_num, self.now, self.block_num - 1)

    def account_times(self, name: str) -> AccountTimes | None:
        if not self._exists(name):
            return None
        c = self.clocks.get(name, {})
        return AccountTimes(name, c.get("root", EPOCH), c.get("post", EPOCH),
                            c.get("edit", EPOCH), c.get("vote", EPOCH))

    def sign(self, operations: Sequence[Operation], wif: str) -> SignedTx:
        self.sign_counter += 1
        expiration = self.now + timedelta(seconds=60)
        body = {"ops": [[n, p] for n, p in operations], "wif_hash": _h(wif)[:8],
                "n": self.sign_counter}
        tx_id = _h(json.dumps(body, sort_keys=True))[:40]
        return SignedTx(tx_id, expiration, dict(body, expiration=expiration.isoformat()))

    def broadcast(self, signed: SignedTx) -> None:
        self.broadcast_calls += 1
        if self.fail_next_broadcast:
            raise self.fail_next_broadcast.pop(0)
        # steemd's order: duplicate check (while unexpired), authority, expiration, operations
        _assert(not (signed.tx_id in self.txs and signed.expiration >= self.now),
                "trx_idx.indices().get<by_trx_id>().find(trx_id) == end()",
                "Duplicate transaction check failed")
        for name, payload in signed.tx["ops"]:
            self._check_authority(name, payload, signed.tx["wif_hash"])
        if not self.now < signed.expiration:
            raise rpc_error("transaction expiration exception:")
        self._apply_all(signed)
        if self.lose_ack_next:
            self.lose_ack_next -= 1
            raise rpc_error("Internal Error")

    def find_transactions(self, tx_ids: Sequence[str]) -> dict[str, int]:
        self.lookups += 1
        return {tx: self.txs[tx] for tx in tx_ids if tx in self.txs}

    def find_transaction(self, tx_id: str) -> int | None:
        return self.txs.get(tx_id)

    def get_content(self, author: str, permlink: str) -> dict[str, Any] | None:
        post = self.posts.get((author, permlink))
        if post is None:
            return None
        return {"children": 0, "net_rshares": 0, "cashout_time": "2026-01-08T00:00:00", **post}

    # -- Sidechain ----------------------------------------------------------------------------

    def find_sidechain_transaction(self, tx_id: str) -> SidechainReceipt | None:
        return self.sidechain.receipt(tx_id, self.block_num)

    # -- applying a transaction ---------------------------------------------------------------

    def _exists(self, name: str) -> bool:
        return name in self.keys or name in self.active_keys

    def _check_authority(self, name: str, payload: dict[str, Any], wif_hash: str) -> None:
        accounts, role = _required(name, payload)
        for account in accounts:
            if not self._exists(account):
                raise rpc_error("unknown key:unknown key: ")
            accepted = {_h(self.active_keys.get(account, "-"))[:8]}
            if role == "posting":  # active (and owner) keys satisfy posting authority too
                accepted.add(_h(self.keys.get(account, "-"))[:8])
            if wif_hash not in accepted:
                raise rpc_error(f"missing required {role} authority:Missing {role.title()} "
                                f"Authority {account}")

    def _apply_all(self, signed: SignedTx) -> None:
        saved = copy.deepcopy((self.posts, self.votes, self.clocks))
        try:
            for name, payload in signed.tx["ops"]:
                self._apply(name, payload)
        except BaseException:
            self.posts, self.votes, self.clocks = saved
            raise
        self.block_num += 1
        self.txs[signed.tx_id] = self.block_num
        self.applied.append(signed.tx)
        for name, payload in signed.tx["ops"]:
            if name == "custom_json":
                self.sidechain.process(signed.tx_id, self.block_num, payload)
        self.now += timedelta(seconds=3)

    def _apply(self, name: str, payload: dict[str, Any]) -> None:
        if name == "custom_json":
            return  # the sidechain reads it once the transaction is in a block
        appliers = {"comment": self._comment, "delete_comment": self._delete, "vote": self._vote,
                    "comment_options": self._comment_options}
        if name not in appliers:
            raise NotImplementedError(f"FakeChain does not model the {name} operation")
        appliers[name](payload)

    def _comment(self, payload: dict[str, Any]) -> None:
        author, key = payload["author"], (payload["author"], payload["permlink"])
        clock = self.clocks.setdefault(author, {})
        if key in self.posts:
            _assert(self.now - clock.get("edit", EPOCH) >= SHORT_INTERVAL,
                    "now - auth.last_post_edit >= STEEM_MIN_COMMENT_EDIT_INTERVAL",
                    "Can only perform one comment edit per block.")
            self.posts[key].update(payload)
            clock["edit"] = self.now
            return
        parent = (payload.get("parent_author", ""), payload["parent_permlink"])
        if parent[0]:
            _found(parent in self.posts)
            _assert(self.now - clock.get("post", EPOCH) >= SHORT_INTERVAL,
                    "(now - auth.last_post) >= STEEM_MIN_REPLY_INTERVAL_HF20",
                    "You may only comment once every 3 seconds.")
            self.posts[parent]["children"] = self.posts[parent].get("children", 0) + 1
        else:
            _assert(self.now - clock.get("root", EPOCH) > ROOT_POST_INTERVAL,
                    "( now - auth.last_root_post ) > STEEM_MIN_ROOT_COMMENT_INTERVAL",
                    "You may only post once every 5 minutes.")
            clock["root"] = self.now
        self.posts[key] = dict(payload)
        clock["post"] = clock["edit"] = self.now

    def _delete(self, payload: dict[str, Any]) -> None:
        key = (payload["author"], payload["permlink"])
        _found(key in self.posts)
        post = self.posts[key]
        _assert(int(post.get("children", 0)) == 0, "comment.children == 0",
                "Cannot delete a comment with replies.")
        _assert(int(post.get("net_rshares", 0)) <= 0, "comment.net_rshares <= 0",
                "Cannot delete a comment with net positive votes.")
        del self.posts[key]
        self.votes.pop(key, None)
        parent = (post.get("parent_author", ""), post.get("parent_permlink", ""))
        if parent in self.posts:
            self.posts[parent]["children"] -= 1

    def _vote(self, payload: dict[str, Any]) -> None:
        voter, key, weight = payload["voter"], (payload["author"], payload["permlink"]), \
            int(payload["weight"])
        _found(key in self.posts)
        clock = self.clocks.setdefault(voter, {})
        _assert(self.now - clock.get("vote", EPOCH) >= SHORT_INTERVAL,
                "( now - voter.last_vote_time ).to_seconds() >= STEEM_MIN_VOTE_INTERVAL_SEC",
                "Can only vote once every 3 seconds.")
        votes = self.votes.setdefault(key, {})
        if voter in votes:
            changes = self.vote_changes.get((*key, voter), 0)
            _assert(changes < 5, "itr->num_changes < STEEM_MAX_VOTE_CHANGES",
                    "Voter has used the maximum number of vote changes on this comment.")
            _assert(votes[voter] != weight, "itr->vote_percent != o.weight",
                    "Your current vote on this comment is identical to this vote.")
            self.vote_changes[(*key, voter)] = changes + 1
        else:
            _assert(weight != 0, "o.weight != 0", "Vote weight cannot be 0.")
        votes[voter] = weight
        self.posts[key]["net_rshares"] = sum(w * 1_000_000 for w in votes.values())
        clock["vote"] = self.now

    def _comment_options(self, payload: dict[str, Any]) -> None:
        key = (payload["author"], payload["permlink"])
        _found(key in self.posts)
        self.posts[key]["options"] = dict(payload)


def _required(name: str, payload: dict[str, Any]) -> tuple[list[str], str]:
    """The accounts whose authority ``name`` needs, and which role (steemd get_required_*)."""
    if name == "vote":
        return [payload["voter"]], "posting"
    if name == "custom_json":
        if payload.get("required_auths"):
            return list(payload["required_auths"]), "active"
        return list(payload.get("required_posting_auths", [])), "posting"
    if name == "transfer":
        return [payload["from"]], "active"
    return [payload["author"]], "posting"


def _assert(condition: bool, expression: str, message: str) -> None:
    """steemd's ``FC_ASSERT`` text, as the node answers it."""
    if not condition:
        raise rpc_error(f"Assert Exception:{expression}: {message}")


def _found(condition: bool) -> None:
    """chainbase ``get`` of a missing object."""
    if not condition:
        raise rpc_error("unknown key:unknown key: ")


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
