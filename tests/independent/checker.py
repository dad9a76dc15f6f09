"""Independent verification of devnet-recorded transactions with steem-js and @hiveio/wax (both run by node).

Owns: choosing, for each recorded transaction, the public keys its signatures may belong to (the keys of
the accounts whose authority the operations need, following ``account_auths`` two levels deep, as
steemd's sign_state does) and handing the records to ``js/verify-transactions.js``, which re-serializes
each one with steem-js, compares bytes and tx id with the devnet's, and recovers/verifies every signature.

The same input lines go to ``js/validate-wax.js``: @hiveio/wax (hived's protocol code as WebAssembly) rebuilds
each transaction under the devnet's chain id, runs the node's operation ``validate()`` and compares its legacy
bytes, tx id, signing digest and recovered keys with the devnet's.

Keys come from the recorded transactions themselves (``account_create``/``account_update`` carry the
authorities) plus genesis accounts, so this check does not trust the devnet's state or authority code.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
VERIFY_SCRIPT = REPO_ROOT / "js" / "verify-transactions.js"
WAX_SCRIPT = REPO_ROOT / "js" / "validate-wax.js"
SIG_CHECK_DEPTH = 2  # STEEM_MAX_SIG_CHECK_DEPTH
ROLES = ("owner", "active", "posting")

Record = dict[str, Any]


@dataclass
class SteemJsResult:
    checked: int
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


@dataclass
class WaxResult:
    checked: int
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.invalid


@dataclass
class Authorities:
    """Per account: every signing key and every ``account_auths`` member ever granted."""

    keys: dict[str, set[str]] = field(default_factory=dict)
    account_auths: dict[str, set[str]] = field(default_factory=dict)

    def add_authority(self, account: str, authority: dict[str, Any] | None) -> None:
        if not authority:
            return
        self.keys.setdefault(account, set()).update(str(k) for k, _ in authority.get("key_auths", []))
        self.account_auths.setdefault(account, set()).update(str(a) for a, _ in authority.get("account_auths", []))

    def signing_keys(self, account: str, depth: int = 0) -> set[str]:
        found = set(self.keys.get(account, set()))
        if depth < SIG_CHECK_DEPTH:
            for member in self.account_auths.get(account, set()):
                found |= self.signing_keys(member, depth + 1)
        return found


def required_accounts(operation: Any) -> set[str]:
    """Accounts whose authority an operation needs (steem_operations.hpp get_required_*_authorities)."""
    name, body = _name_and_body(operation)
    single = {"vote": "voter", "comment": "author", "comment_options": "author", "delete_comment": "author",
              "transfer": "from", "account_create": "creator", "account_update": "account",
              "claim_reward_balance": "account"}
    if name in single:
        return {str(body[single[name]])}
    if name == "custom_json":
        return set(body.get("required_auths", [])) | set(body.get("required_posting_auths", []))
    return set()


def _name_and_body(operation: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(operation, dict):
        return str(operation["type"]).removesuffix("_operation"), operation["value"]
    return str(operation[0]), operation[1]


def authorities_from_records(records: Iterable[Record], genesis_keys: dict[str, Sequence[str]]) -> Authorities:
    """Build the key map from genesis plus the authorities carried by account_create/account_update."""
    auths = Authorities()
    for account, keys in genesis_keys.items():
        auths.keys.setdefault(account, set()).update(keys)
    for record in records:
        for operation in legacy_operations(record):
            name, body = _name_and_body(operation)
            if name == "account_create":
                for role in ROLES:
                    auths.add_authority(body["new_account_name"], body[role])
            elif name == "account_update":
                for role in ROLES:
                    auths.add_authority(body["account"], body.get(role))
    return auths


SMT_EXCLUSION = ("steem-js 0.7.11 has no NAI assets and only the pre-2020-02 SMT op layout (no desired_ticker, "
                 "steem_units_min); SMT transactions are checked by tests/independent/smt_vectors.json instead")


WAX_SMT_EXCLUSION = ("Hive has no SMTs (no smt_* operations, no NAI assets beyond HIVE/HBD/VESTS), so wax cannot "
                     "read them; SMT transactions are checked by tests/independent/smt_vectors.json instead")


def _has_nai(value: Any) -> bool:
    if isinstance(value, str):
        return " @@" in value
    if isinstance(value, dict):
        core = ("@@000000013", "@@000000021", "@@000000037")
        return ("nai" in value and value["nai"] not in core) or any(_has_nai(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nai(v) for v in value)
    return False


def is_smt_record(record: Record) -> bool:
    """An SMT operation or an SMT (NAI) asset anywhere: excluded from steem-js (``SMT_EXCLUSION``)."""
    ops = legacy_operations(record)
    return any(_name_and_body(op)[0].startswith("smt_") or _has_nai(_name_and_body(op)[1]) for op in ops)


def legacy_operations(record: Record) -> list[Any]:
    """Condenser-form operations; appbase-form broadcasts fall back to the devnet's legacy rendering."""
    operations = record["trx"].get("operations", [])
    if all(isinstance(op, list) for op in operations):
        return operations
    return record["legacy_operations"]


def _input_line(record: Record, chain_id: str, prefix: str, auths: Authorities | None,
                public_keys_by_account: dict[str, Sequence[str]]) -> str:
    trx = dict(record["trx"], operations=legacy_operations(record))
    accounts = set().union(*(required_accounts(op) for op in trx["operations"]))
    keys: set[str] = set()
    for account in accounts:
        keys.update(public_keys_by_account.get(account, ()))
        if auths is not None:
            keys |= auths.signing_keys(account)
    return json.dumps({"trx": trx, "hex": record.get("hex"), "id": record.get("id"), "chain_id": chain_id,
                       "address_prefix": prefix, "public_keys": sorted(keys)})


def input_lines(records: Sequence[Record], chain_id: str, prefix: str, auths: Authorities | None,
                public_keys_by_account: dict[str, Sequence[str]] | None = None) -> list[str]:
    """The JSON lines verify-transactions.js reads, one per record."""
    return [_input_line(r, chain_id, prefix, auths, public_keys_by_account or {}) for r in records]


def _run_node(script: Path, lines: Sequence[str], timeout: float) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"node is not installed; {script.name} cannot run")
    done = subprocess.run([node, str(script)], input="\n".join(lines) + "\n", capture_output=True,
                          text=True, timeout=timeout, cwd=script.parent, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} failed ({done.returncode}): {done.stderr[-2000:]}")
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def run_steem_js(lines: Sequence[str], timeout: float = 600) -> SteemJsResult:
    """One node run of js/verify-transactions.js over prepared input lines."""
    if not lines:
        return SteemJsResult(0)
    answer = _run_node(VERIFY_SCRIPT, lines, timeout)
    return SteemJsResult(int(answer["checked"]), list(answer["mismatches"]))


def run_wax(lines: Sequence[str], timeout: float = 600) -> WaxResult:
    """One node run of js/validate-wax.js over the same input lines as ``run_steem_js``."""
    if not lines:
        return WaxResult(0)
    answer = _run_node(WAX_SCRIPT, lines, timeout)
    return WaxResult(int(answer["checked"]), list(answer["mismatches"]), list(answer["invalid"]))


def verify_with_steem_js(records: Sequence[Record], chain_id: str,
                         public_keys_by_account: dict[str, Sequence[str]], *, address_prefix: str = "STM",
                         authorities: Authorities | None = None) -> SteemJsResult:
    """Run steem-js over ``records`` ({trx, hex, id, ...}); signatures must come from the signers' keys.

    ``public_keys_by_account`` lists the keys each account may sign with; ``authorities`` (optional) adds
    keys reachable through ``account_auths``.
    """
    return run_steem_js(input_lines(records, chain_id, address_prefix, authorities, public_keys_by_account))


def read_records(data_dir: str | Path) -> list[Record]:
    """The records a devnet started with ``--data DIR`` wrote to ``DIR/transactions.jsonl``."""
    path = Path(data_dir) / "transactions.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def genesis_keys(chain: str = "steem") -> dict[str, list[str]]:
    """The genesis signer (initminer) of a devnet, from its published WIF."""
    from devnet.crypto import wif_to_public_str
    from devnet.genesis import INITMINER, INITMINER_WIF

    prefix = chain_params(chain)[1]
    return {INITMINER: [prefix + wif_to_public_str(INITMINER_WIF).removeprefix("STM")]}


def chain_params(chain: str = "steem") -> tuple[str, str]:
    """(chain id, address prefix) of a devnet chain."""
    from devnet import genesis

    params = getattr(genesis, "CHAIN_PARAMS", None)
    if params is not None:
        return params[chain]["chain_id"], params[chain]["prefix"]
    return genesis.CHAIN_ID, genesis.ADDRESS_PREFIX


def _records(data_dir_or_records: str | Path | Sequence[Record]) -> list[Record]:
    if isinstance(data_dir_or_records, (str, Path)):
        return read_records(data_dir_or_records)
    return list(data_dir_or_records)


def check_recorded_with_wax(data_dir_or_records: str | Path | Sequence[Record], *, chain: str = "steem",
                            chain_id: str | None = None) -> WaxResult:
    """Validate and re-serialize one devnet's recorded transactions with @hiveio/wax."""
    records = [r for r in _records(data_dir_or_records) if not is_smt_record(r)]  # WAX_SMT_EXCLUSION
    default_id, prefix = chain_params(chain)
    auths = authorities_from_records(records, genesis_keys(chain))
    return run_wax(input_lines(records, chain_id or default_id, prefix, auths))


def check_recorded(data_dir_or_records: str | Path | Sequence[Record], *, chain: str = "steem",
                   chain_id: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Verify one devnet's recorded transactions with steem-js; returns (checked, mismatches).

    Accepts a ``--data`` directory or the records themselves (``handle.chain.accepted_transactions``).
    All records must come from the same devnet (keys are derived from its account_create history).
    """
    records = [r for r in _records(data_dir_or_records) if not is_smt_record(r)]  # SMT_EXCLUSION
    default_id, prefix = chain_params(chain)
    auths = authorities_from_records(records, genesis_keys(chain))
    result = verify_with_steem_js(records, chain_id or default_id, {}, address_prefix=prefix, authorities=auths)
    return result.checked, result.mismatches
