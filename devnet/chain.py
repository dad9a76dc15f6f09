"""The devnet chain: blocks, transaction admission, history and persistence.

Admission follows steem ``libraries/chain/database.cpp`` ``push_transaction`` (size cap, line 897)
and ``_apply_transaction`` (3627-3711): validate, duplicate check, authority, TaPoS, expiration,
then the evaluators inside one undo session; the RC plugin charges the resource user afterwards
(``libraries/plugins/rc/rc_plugin.cpp``). Blocks are 3 s apart in chain time; empty blocks are not
materialized: a block id is a pure function of its number and its transactions, so TaPoS over the
last 65536 blocks needs no per-block storage.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from typing import Any

from devnet import genesis as G
from devnet.authority import required_authorities, signature_keys, verify_authority
from devnet.crypto import wif_to_public_str
from devnet.errors import EXPIRATION, TAPOS, ChainError, fc_assert, unknown_key
from devnet.evaluators import EVALUATORS, EvalContext
from devnet.history import History
from devnet.mana import charge_rc, rc_cost
from devnet.render import check_symbols, op_legacy
from devnet.rewards import process_cashouts
from devnet.serializer import Tx, parse_transaction
from devnet.smt import SMT_EVALUATORS, SMT_VALIDATORS, advance, ensure_pool
from devnet.smt_wire import SMT_OPERATIONS
from devnet.state import Account, Db, Manabar
from devnet.validate import validate_transaction


def _key_authority(pub: str) -> dict[str, Any]:
    return {"weight_threshold": 1, "account_auths": [], "key_auths": [[pub, 1]]}


@dataclass
class Accepted:
    tx_id: str
    block_num: int
    trx_num: int


class Chain:
    """All chain state; callers hold ``lock`` (the server does) around every call."""

    def __init__(self, data_dir: str | None = None, seal_each_tx: bool = True, chain_name: str = "steem",
                 smt: bool = False):
        if chain_name not in G.CHAIN_PARAMS:
            raise ValueError(f"unsupported chain {chain_name!r} (steem or hive)")
        self.chain_name = chain_name
        self.chain_id = G.CHAIN_PARAMS[chain_name]["chain_id"]
        self.chain_id_bytes = bytes.fromhex(self.chain_id)
        self.lock = threading.RLock()
        self.block_produced = threading.Condition(self.lock)
        self.seal_each_tx = seal_each_tx
        self.db = Db()
        self.history = History()
        self.head_num = 1  # block 1 exists at genesis so beem's TaPoS lookup (LIB + 1) works
        self.time_marks: list[tuple[int, int]] = [(1, G.GENESIS_TIME)]
        self.block_txs: dict[int, list[tuple[dict[str, Any], str]]] = {}
        self.pending: list[tuple[dict[str, Any], str]] = []
        self.tx_expirations: dict[str, int] = {}
        self.tx_locations: dict[str, tuple[int, int]] = {}
        self.accepted_transactions: list[dict[str, Any]] = []
        self.data_dir = data_dir
        self._replaying = False
        # smt=True: an SMT build (steem master IS_TEST_NET, SMT hardfork active): SMT ops and NAI
        # assets are admitted; otherwise they fail as on mainnet (token-facts.md §1.1).
        self.smt = smt
        self._create_genesis()
        if smt:
            ensure_pool(self.db, 0)
        if data_dir:
            os.makedirs(data_dir, exist_ok=True)
            self._replay()

    # ------------------------------------------------------------------ genesis & accounts

    def _create_genesis(self) -> None:
        g = self.db.g
        pub = wif_to_public_str(G.INITMINER_WIF)
        miner = self._make_account(G.INITMINER, _key_authority(pub), _key_authority(pub), _key_authority(pub), pub,
                                   G.INITMINER_VESTS)
        miner.balance, miner.sbd_balance = G.INITMINER_BALANCE, G.INITMINER_SBD
        empty = {"weight_threshold": 1, "account_auths": [], "key_auths": []}
        for name in (G.NULL_ACCOUNT, G.TREASURY_ACCOUNT):
            self._make_account(name, empty, empty, empty, "STM1111111111111111111111111111111114T1Anm", 0)
        g.current_supply = G.INITMINER_BALANCE + G.INITMINER_VESTS // (G.VESTS_PER_STEEM * 1000) + G.REWARD_BALANCE
        g.current_sbd_supply = G.INITMINER_SBD
        g.reward_balance, g.recent_claims = G.REWARD_BALANCE, G.RECENT_CLAIMS

    def _make_account(self, name: str, owner: dict[str, Any], active: dict[str, Any], posting: dict[str, Any],
                      memo: str, vesting: int) -> Account:
        g = self.db.globals_mut()
        now = self.head_time()
        account = Account(id=g.next_account_id, name=name, owner=owner, active=active, posting=posting,
                          memo_key=memo, created=now, recovery_account=G.INITMINER, vesting_shares=vesting,
                          voting_manabar=Manabar(vesting, now),
                          downvote_manabar=Manabar(vesting * G.DOWNVOTE_POOL_PERCENT // G.PERCENT_100, now),
                          rc_manabar=Manabar(vesting, now))
        g.next_account_id += 1
        g.total_vesting_shares += vesting
        g.total_vesting_fund_steem += vesting // (G.VESTS_PER_STEEM * 1000)
        self.db.touch(self.db.accounts, name)
        self.db.accounts[name] = account
        return account

    def _new_account_from_op(self, name: str, f: dict[str, Any], fee: int) -> Account:
        # Simplification (documented): the fee is turned into the new account's vesting so it can
        # vote and transact; HF20+ steemd burns it and relies on delegation instead.
        account = self._make_account(name, f["owner"], f["active"], f["posting"], f["memo_key"],
                                     fee * G.VESTS_PER_STEEM * 1000)
        account.json_metadata = f["json_metadata"]
        account.recovery_account = f["creator"]
        return account

    # ------------------------------------------------------------------ blocks

    def block_time(self, num: int) -> int:
        for start, time in reversed(self.time_marks):
            if num >= start:
                return time + G.BLOCK_INTERVAL * (num - start)
        return G.GENESIS_TIME - G.BLOCK_INTERVAL * (1 - num)

    def head_time(self) -> int:
        return self.block_time(self.head_num)

    def last_irreversible(self) -> int:
        return max(0, self.head_num - 1)

    def block_id(self, num: int) -> str:
        if num <= 0:
            return "0" * 40
        ids = "".join(tx_id for _, tx_id in self.block_txs.get(num, []))
        tail = hashlib.sha256(G.CHAIN_ID_BYTES + num.to_bytes(4, "big") + ids.encode()).digest()[:16]
        return (num.to_bytes(4, "big") + tail).hex()

    def merkle_root(self, num: int) -> str:
        ids = [tx_id for _, tx_id in self.block_txs.get(num, [])]
        return hashlib.new("ripemd160", "".join(ids).encode()).hexdigest() if ids else "0" * 40

    def produce_blocks(self, count: int, miss_blocks: int = 0) -> int:
        """Append ``count`` blocks (the first holds the pending txs); pays out due comments."""
        if count <= 0:
            return 0
        self._journal({"e": "blocks", "n": count, "miss": miss_blocks})
        first = self.head_num + 1
        if miss_blocks:
            self.time_marks.append((first, self.head_time() + G.BLOCK_INTERVAL * (miss_blocks + 1)))
        if self.pending:
            self.block_txs[first] = self.pending
            self.pending = []
        last = self.head_num + count
        process_cashouts(self, first, last)
        if self.smt:
            advance(self.db, self.block_time(last))
        self.head_num = last
        now = self.head_time()
        self.tx_expirations = {k: v for k, v in self.tx_expirations.items() if v >= now}
        with self.block_produced:
            self.block_produced.notify_all()
        return count

    # ------------------------------------------------------------------ transactions

    def push_transaction(self, trx: dict[str, Any]) -> Accepted:
        check_symbols(trx, self.chain_name)
        tx = parse_transaction(trx, self.chain_name)
        raw = tx.signed_bytes()
        fc_assert(len(raw) <= G.MAXIMUM_BLOCK_SIZE - 256,
                  "fc::raw::pack_size(trx) <= (get_dynamic_global_properties().maximum_block_size - 256)")
        self._check_smt(tx)
        validate_transaction(tx, SMT_VALIDATORS if self.smt else None)
        tx_id = tx.tx_id()
        fc_assert(tx_id not in self.tx_expirations,
                  "(skip & skip_transaction_dupe_check) || trx_idx.indices().get<by_trx_id>().find(trx_id) == "
                  "trx_idx.indices().get<by_trx_id>().end()", "Duplicate transaction check failed")
        keys = signature_keys(tx, tx.sig_digest(self.chain_id_bytes))
        verify_authority(tx.operations, keys, self._getter("active"), self._getter("owner"), self._getter("posting"))
        self._check_tapos_and_expiration(tx)
        accepted = self._apply(tx, trx, tx_id, len(raw))
        self._journal({"e": "tx", "trx": trx})
        self._record_accepted(trx, tx, tx_id, accepted)
        if self.seal_each_tx:
            self.produce_blocks(1)
        return accepted

    def _check_smt(self, tx: Tx) -> None:
        """Without SMTs, ids 47-55 are virtual ops (steem main ``base.hpp:25``) and a NAI asset
        other than the core three is an unknown symbol (main ``database.cpp:5102``)."""
        if self.smt:
            return
        for op in tx.operations:
            fc_assert(op.name not in SMT_OPERATIONS, "false", "This is a virtual operation")
            for value in op.fields.values():
                smt = getattr(value, "smt", None)
                fc_assert(smt is None, "false", f"Invalid symbol: {smt.nai if smt else ''}")

    def _getter(self, role: str) -> Any:
        def get(name: str) -> dict[str, Any]:
            if name not in self.db.accounts:
                raise unknown_key()
            return getattr(self.db.accounts[name], role)
        return get

    def _check_tapos_and_expiration(self, tx: Tx) -> None:
        ref = self._tapos_block(tx.ref_block_num)
        prefix = int.from_bytes(bytes.fromhex(self.block_id(ref))[4:8], "little") if ref is not None else None
        if prefix != tx.ref_block_prefix:
            raise ChainError(TAPOS, "")
        now = self.head_time()
        if not (now < tx.expiration <= now + G.MAX_TIME_UNTIL_EXPIRATION):
            raise ChainError(EXPIRATION, "")

    def _tapos_block(self, ref_block_num: int) -> int | None:
        """The block_summary slot ``ref_block_num`` holds the newest block with those low 16 bits."""
        candidate = self.head_num - ((self.head_num - ref_block_num) & 0xFFFF)
        return candidate if candidate >= 0 else None

    def _apply(self, tx: Tx, trx: dict[str, Any], tx_id: str, size: int) -> Accepted:
        block_num, trx_num = self.head_num + 1, len(self.pending)
        now = self.head_time()
        ctx = EvalContext(self.db, now, self._new_account_from_op)
        self.db.begin()
        try:
            for op in tx.operations:
                (EVALUATORS.get(op.name) or SMT_EVALUATORS[op.name])(ctx, op.fields)
            if self.smt:
                ensure_pool(self.db, block_num)
            payer = self._resource_user(tx)
            charge_rc(self.db.account_mut(payer), rc_cost(size), now)
        except BaseException:
            self.db.rollback()
            raise
        self.db.commit()
        self.tx_expirations[tx_id] = tx.expiration
        self.tx_locations[tx_id] = (block_num, trx_num)
        self.pending.append((trx, tx_id))
        for op_index, op in enumerate(tx.operations):
            self.history.record(op, tx_id, block_num, trx_num, op_index, 0, self.block_time(block_num))
        return Accepted(tx_id, block_num, trx_num)

    @staticmethod
    def _resource_user(tx: Tx) -> str:
        """rc_plugin get_resource_user_visitor: first active, else owner, else posting account."""
        active, owner, posting = required_authorities(tx.operations[:1])
        for group in (active, owner, posting):
            if group:
                return sorted(group)[0]
        raise AssertionError("operation without authority")

    def _record_accepted(self, trx: dict[str, Any], tx: Tx, tx_id: str, accepted: Accepted) -> None:
        record = {"id": tx_id, "block_num": accepted.block_num, "trx": trx, "hex": tx.signed_bytes().hex(),
                  "legacy_operations": [op_legacy(op) for op in tx.operations]}
        self.accepted_transactions.append(record)
        if self.data_dir and not self._replaying:
            self._append(os.path.join(self.data_dir, "transactions.jsonl"), record)

    # ------------------------------------------------------------------ persistence

    def _journal(self, event: dict[str, Any]) -> None:
        if self.data_dir and not self._replaying:
            self._append(os.path.join(self.data_dir, "journal.jsonl"), event)

    @staticmethod
    def _append(path: str, record: dict[str, Any]) -> None:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _replay(self) -> None:
        path = os.path.join(self.data_dir or "", "journal.jsonl")
        if not os.path.exists(path):
            return
        self._replaying = True
        seal, self.seal_each_tx = self.seal_each_tx, False
        try:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if not line.strip():
                        continue
                    try:
                        event = json.loads(line)
                    except json.JSONDecodeError:
                        break  # torn last line after a crash: everything before it was acknowledged
                    if event["e"] == "tx":
                        self.push_transaction(event["trx"])
                    else:
                        self.produce_blocks(event["n"], event.get("miss", 0))
        finally:
            self.seal_each_tx, self._replaying = seal, False
        self._rewrite_accepted()
        if self.seal_each_tx and self.pending:  # crashed between "tx" and its "blocks" event
            self.produce_blocks(1)

    def _rewrite_accepted(self) -> None:
        """Rebuild transactions.jsonl from the journal (the source of truth), atomically."""
        path = os.path.join(self.data_dir or "", "transactions.jsonl")
        with open(path + ".tmp", "w", encoding="utf-8") as handle:
            for record in self.accepted_transactions:
                handle.write(json.dumps(record, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(path + ".tmp", path)
