"""An in-memory chain with failure knobs, for engine tests that need no node.

Applies the same per-account clocks as steemd (last_root_post, last_post, last_post_edit), keeps
tx ids, and can lose the acknowledgement of a broadcast that did land.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.failures import ConnectorError
from bridge.ports import AccountTimes, ChainHead, SignedTx
from connectors.failures import rpc_error

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class FakeChain:
    now: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    block_num: int = 1
    keys: dict[str, str] = field(default_factory=dict)  # account -> the wif it accepts
    posts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    txs: dict[str, int] = field(default_factory=dict)  # tx id -> block
    applied: list[dict[str, Any]] = field(default_factory=list)
    clocks: dict[str, dict[str, datetime]] = field(default_factory=dict)
    broadcast_calls: int = 0
    fail_next_broadcast: list[ConnectorError] = field(default_factory=list)
    lose_ack_next: int = 0  # the tx lands, but the caller sees a transient error
    sign_counter: int = 0

    def advance(self, seconds: int) -> None:
        blocks = max(1, seconds // 3)
        self.block_num += blocks
        self.now += timedelta(seconds=3 * blocks)

    def head(self) -> ChainHead:
        return ChainHead(self.block_num, self.now, self.block_num - 1)

    def account_times(self, name: str) -> AccountTimes | None:
        c = self.clocks.get(name, {})
        return AccountTimes(name, c.get("root", EPOCH), c.get("post", EPOCH),
                            c.get("edit", EPOCH), c.get("vote", EPOCH))

    def sign(self, operations: Any, wif: str) -> SignedTx:
        self.sign_counter += 1
        body = {"ops": [[n, p] for n, p in operations], "wif_hash": _h(wif)[:8],
                "n": self.sign_counter}
        tx_id = _h(json.dumps(body, sort_keys=True))[:40]
        tx = dict(body, expiration=(self.now + timedelta(seconds=60)).isoformat())
        return SignedTx(tx_id, self.now + timedelta(seconds=60), tx)

    def broadcast(self, signed: Any) -> None:
        self.broadcast_calls += 1
        if self.fail_next_broadcast:
            raise self.fail_next_broadcast.pop(0)
        if signed.tx_id in self.txs:
            raise rpc_error("Duplicate transaction check failed")
        if self.now >= signed.expiration:
            raise rpc_error("transaction expiration exception:")
        for name, payload in signed.tx["ops"]:
            self._apply(name, payload, signed.tx["wif_hash"])
        self.block_num += 1
        self.txs[signed.tx_id] = self.block_num
        self.applied.append(signed.tx)
        self.now += timedelta(seconds=3)
        if self.lose_ack_next:
            self.lose_ack_next -= 1
            raise rpc_error("Internal Error")

    def get_content(self, author: str, permlink: str) -> dict[str, Any] | None:
        post = self.posts.get((author, permlink))
        if post is None:
            return None
        return {"children": 0, "net_rshares": 0, "cashout_time": "2026-01-08T00:00:00", **post}

    def _apply(self, name: str, payload: dict[str, Any], wif_hash: str) -> None:
        if name == "delete_comment":
            post = self.posts[(payload["author"], payload["permlink"])]
            if int(post.get("net_rshares", 0)) > 0:
                raise rpc_error("Cannot delete a comment with net positive votes.")
            del self.posts[(payload["author"], payload["permlink"])]
            return
        if name != "comment":
            return
        author = payload["author"]
        if _h(self.keys.get(author, ""))[:8] != wif_hash:
            raise rpc_error(f"missing required posting authority:Missing Posting Authority "
                            f"{author}")
        clock = self.clocks.setdefault(author, {})
        key = (author, payload["permlink"])
        if key in self.posts:
            if self.now - clock.get("edit", EPOCH) < timedelta(seconds=3):
                raise rpc_error("Can only perform one comment edit per block.")
            self.posts[key].update(payload)
            clock["edit"] = self.now
            return
        if self.now - clock.get("root", EPOCH) <= timedelta(seconds=300):
            raise rpc_error("You may only post once every 5 minutes.")
        self.posts[key] = dict(payload)
        clock["root"] = clock["post"] = clock["edit"] = self.now

    def find_transaction(self, tx_id: str) -> int | None:
        return self.txs.get(tx_id)


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
