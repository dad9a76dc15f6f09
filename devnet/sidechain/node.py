"""The sidechain node: follows the devnet's blocks and produces sidechain blocks.

Follows harpagon210/steemsmartcontracts ``plugins/Streamer.js`` (a Steem block is handed on only
once two newer blocks exist: the anti-fork buffer of size 2, so a transaction in block N is
processed when the head reaches N + 2), ``plugins/Blockchain.js`` (a sidechain block only for a
Steem block that carries sidechain transactions), ``libs/Block.js`` (per-transaction execution,
``logs`` stored as a JSON string without empty ``errors``/``events``, hashes, merkle root, the
``checkPendingUnstakes`` virtual transaction) and ``libs/Transaction.js``.

The node is derived state: it reads ``Chain.accepted_transactions`` (``id``, ``block_num``,
``trx``) and catches up lazily whenever the sidechain RPC is asked, so a devnet restarted from its
``--data`` journal rebuilds the sidechain by itself. Callers hold ``chain.lock``.
"""

from __future__ import annotations

import weakref
from typing import Any

from devnet.assets import fmt_time
from devnet.sidechain import jsnum as js
from devnet.sidechain import staking, tokens
from devnet.sidechain.contract import Contract, execute
from devnet.sidechain.store import ContractDb, sha256_hex
from devnet.sidechain.streamer import SscTransaction, parse_operations

STREAMER_LAG_BLOCKS = 2  # Streamer.js antiForkBufferMaxSize
NODE_VERSION = "0.1.12"  # steemsmartcontracts package.json at the ported commit
GENESIS_TIMESTAMP = "2018-06-01T00:00:00"
DEPLOYERS = ("null", "steemsc", "steem-peg")  # Block.js authorizedAccountContractDeployment


def _tokens_contract() -> Contract:
    actions = {"create": tokens.create, "issue": tokens.issue, "transfer": tokens.transfer,
               "updateParams": tokens.update_params, "enableStaking": staking.enable_staking,
               "stake": staking.stake, "unstake": staking.unstake, "cancelUnstake": staking.cancel_unstake,
               "checkPendingUnstakes": staking.check_pending_unstakes}
    # real nodes hash the contract's JS source; this stands in for it (documented devnet difference)
    return Contract(tokens.CONTRACT, tokens.OWNER, sha256_hex("devnet/sidechain tokens contract"), actions,
                    tokens.UNMODELLED_ACTIONS)


class Sidechain:
    def __init__(self) -> None:
        self.db = ContractDb()
        tokens.create_tables(self.db)
        self.contracts = {tokens.CONTRACT: _tokens_contract()}
        self.blocks: list[dict[str, Any]] = [self._genesis_block()]
        self.tx_locations: dict[str, tuple[int, int]] = {}
        self.next_record = 0
        self.last_parsed_steem_block = 0

    @staticmethod
    def _genesis_block() -> dict[str, Any]:
        return {"_id": 0, "blockNumber": 0, "refSteemBlockNumber": 0, "refSteemBlockId": "",
                "prevRefSteemBlockId": "", "previousHash": "0", "previousDatabaseHash": "",
                "timestamp": GENESIS_TIMESTAMP, "transactions": [], "virtualTransactions": [],
                "hash": sha256_hex("0" + "" + "0" + "0" + "" + "" + GENESIS_TIMESTAMP + "[]"), "databaseHash": "",
                "merkleRoot": "", "round": None, "roundHash": "", "witness": "", "signingKey": "",
                "roundSignature": ""}

    # ------------------------------------------------------------------ following the Steem chain

    def catch_up(self, chain: Any) -> None:
        """Process every accepted Steem block up to ``head - STREAMER_LAG_BLOCKS``."""
        limit = chain.head_num - STREAMER_LAG_BLOCKS
        records = chain.accepted_transactions
        while self.next_record < len(records) and records[self.next_record]["block_num"] <= limit:
            block_num = records[self.next_record]["block_num"]
            found: list[SscTransaction] = []
            while self.next_record < len(records) and records[self.next_record]["block_num"] == block_num:
                record = records[self.next_record]
                found.extend(parse_operations(block_num, record["id"], record["trx"]["operations"]))
                self.next_record += 1
            if found:
                self._produce_block(chain, block_num, found)
        self.last_parsed_steem_block = max(self.last_parsed_steem_block, limit)

    def _produce_block(self, chain: Any, steem_block: int, found: list[SscTransaction]) -> None:
        previous = self.blocks[-1]
        timestamp = fmt_time(chain.block_time(steem_block))
        block: dict[str, Any] = {
            "_id": previous["blockNumber"] + 1, "blockNumber": previous["blockNumber"] + 1,
            "refSteemBlockNumber": steem_block, "refSteemBlockId": chain.block_id(steem_block),
            "prevRefSteemBlockId": chain.block_id(steem_block - 1), "previousHash": previous["hash"],
            "previousDatabaseHash": previous["databaseHash"], "timestamp": timestamp}
        database_hash = previous["databaseHash"]
        transactions = []
        for ssc in found:
            tx = self._process(ssc, timestamp, database_hash)
            database_hash = tx["databaseHash"]
            if tx["contract"] != "comments" or tx["logs"] == "{}":
                transactions.append(tx)
        virtual = self._process(SscTransaction(steem_block, f"{steem_block}-0", "null", tokens.CONTRACT,
                                               "checkPendingUnstakes", ""), timestamp, database_hash)
        virtual_transactions = [virtual] if virtual["logs"] not in ("{}", '{"errors":["unknown error"]}') else []
        if not transactions and not virtual_transactions:
            return
        merkle = _merkle_root(transactions + virtual_transactions)
        block.update(transactions=transactions, virtualTransactions=virtual_transactions,
                     merkleRoot=merkle[0], databaseHash=merkle[1], round=None, roundHash="", witness="",
                     signingKey="", roundSignature="")
        block["hash"] = sha256_hex(
            f"{block['previousHash']}{block['previousDatabaseHash']}{block['blockNumber']}{steem_block}"
            f"{block['refSteemBlockId']}{block['prevRefSteemBlockId']}{timestamp}{js.stringify(transactions)}")
        block = {k: block[k] for k in ("_id", "blockNumber", "refSteemBlockNumber", "refSteemBlockId",
                                       "prevRefSteemBlockId", "previousHash", "previousDatabaseHash", "timestamp",
                                       "transactions", "virtualTransactions", "hash", "databaseHash", "merkleRoot",
                                       "round", "roundHash", "witness", "signingKey", "roundSignature")}
        self.blocks.append(block)
        for index, tx in enumerate(transactions):
            self.tx_locations[tx["transactionId"]] = (block["blockNumber"], index)

    def _process(self, ssc: SscTransaction, timestamp: str, database_hash: str) -> dict[str, Any]:
        self.db.database_hash = database_hash
        logs, code_hash = self._run(ssc, timestamp)
        final_logs = {k: v for k, v in logs.items() if v}
        tx = {"refSteemBlockNumber": ssc.ref_steem_block_number, "transactionId": ssc.transaction_id,
              "sender": ssc.sender, "contract": ssc.contract, "action": ssc.action, "payload": ssc.payload,
              "executedCodeHash": code_hash, "hash": "", "databaseHash": self.db.database_hash,
              "logs": js.stringify(final_logs)}
        sender = "null" if ssc.sender is None else ssc.sender
        tx["hash"] = sha256_hex(f"{ssc.ref_steem_block_number}{ssc.transaction_id}{sender}{ssc.contract}{ssc.action}"
                                f"{ssc.payload}{code_hash}{tx['databaseHash']}{tx['logs']}")
        return tx

    def _run(self, ssc: SscTransaction, timestamp: str) -> tuple[dict[str, list[Any]], str]:
        if not (ssc.sender and ssc.contract and ssc.action):
            return {"errors": ["the parameters sender, contract and action are required"]}, ""
        if ssc.contract == "contract" and ssc.action in ("deploy", "update") and ssc.payload:
            if ssc.sender not in DEPLOYERS:
                return {"errors": ["the contract deployment is currently unavailable"]}, ""
            return {"errors": ["devnet: contract deployment is not modelled"]}, ""
        if ssc.contract == "blockProduction" and ssc.payload:
            return {"errors": ["blockProduction contract not available"]}, ""
        try:
            payload = js.parse_json(ssc.payload) if ssc.payload else {}
        except ValueError as exc:
            return {"errors": [f"SyntaxError: {exc}"]}, ""
        api_args = {"db": self.db, "contract": ssc.contract, "sender": ssc.sender,
                    "transaction_id": ssc.transaction_id, "steem_block_timestamp": timestamp}
        return execute(self.contracts, api_args, ssc.action, payload)

    # ------------------------------------------------------------------ reads for the RPC

    def transaction_info(self, tx_id: str) -> dict[str, Any] | None:
        location = self.tx_locations.get(tx_id)
        if location is None:
            return None
        block_number, index = location
        return {"blockNumber": block_number, **self.blocks[block_number]["transactions"][index]}

    def block_info(self, block_number: int) -> dict[str, Any] | None:
        return self.blocks[block_number] if 0 <= block_number < len(self.blocks) else None

    def contract_info(self, name: str) -> dict[str, Any] | None:
        contract = self.contracts.get(name)
        if contract is None:
            return None
        tables = {key: {"size": len(t.records), "hash": t.hash, "nbIndexes": len(t.indexes)}
                  for key, t in self.db.tables.items() if key.startswith(f"{name}_")}
        return {"_id": name, "owner": contract.owner, "code": "", "codeHash": contract.code_hash, "tables": tables}


def _merkle_root(transactions: list[dict[str, Any]]) -> tuple[str, str]:
    """Block.js calculateMerkleRoot over (hash, databaseHash) pairs."""
    level = [(tx["hash"], tx["databaseHash"]) for tx in transactions]
    while True:
        paired = []
        for index in range(0, len(level), 2):
            left = level[index]
            right = level[index + 1] if index + 1 < len(level) else left
            paired.append((sha256_hex(left[0] + right[0]), sha256_hex(left[1] + right[1])))
        if len(paired) == 1:
            return paired[0]
        level = paired


_NODES: weakref.WeakKeyDictionary[Any, Sidechain] = weakref.WeakKeyDictionary()


def sidechain_for(chain: Any) -> Sidechain:
    """The sidechain following ``chain`` (created on first use), caught up to the current head."""
    node = _NODES.get(chain)
    if node is None:
        node = _NODES[chain] = Sidechain()
    node.catch_up(chain)
    return node
