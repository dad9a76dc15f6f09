"""Stateless ``operation::validate()`` checks with steemd's exact assert texts.

Source: steem ``libraries/protocol/steem_operations.cpp`` (per-op validate), ``validation.hpp``
(validate_account_name / validate_permlink), ``authority.cpp:46`` (is_valid_account_name),
``transaction.cpp`` (transaction::validate).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from devnet.errors import fc_assert
from devnet.genesis import (
    BENEFICIARY_LIMIT,
    COMMENT_TITLE_LIMIT,
    CUSTOM_OP_ID_MAX_LENGTH,
    MAX_MEMO_SIZE,
    MAX_PERMLINK_LENGTH,
    PERCENT_100,
)
from devnet.serializer import Op, Tx

_SEGMENT = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


def byte_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def is_valid_json(text: str) -> bool:
    def _reject(_: str) -> None:
        raise ValueError("not JSON")

    try:
        json.loads(text, parse_constant=_reject)
        return True
    except ValueError:
        return False


def is_valid_account_name(name: str) -> bool:
    """authority.cpp ``is_valid_account_name``: 3-16 chars, dot-separated segments of >= 3 chars."""
    if not 3 <= len(name) <= 16:
        return False
    return all(len(seg) >= 3 and _SEGMENT.match(seg) for seg in name.split("."))


def validate_account_name(name: str) -> None:
    fc_assert(is_valid_account_name(name), "is_valid_account_name( name )", f"Account name {name} is invalid")


def validate_permlink(permlink: str) -> None:
    fc_assert(byte_size(permlink) < MAX_PERMLINK_LENGTH, "permlink.size() < STEEM_MAX_PERMLINK_LENGTH", "permlink is too long")
    fc_assert(is_utf8(permlink), "fc::is_utf8( permlink )", "permlink not formatted in UTF8")


def _validate_json_metadata(text: str) -> None:
    if text:
        fc_assert(is_utf8(text), "fc::is_utf8(json_metadata)", "JSON Metadata not formatted in UTF8")
        fc_assert(is_valid_json(text), "fc::json::is_valid(json_metadata)", "JSON Metadata not valid JSON")


def _validate_authority(auth: dict[str, Any]) -> None:
    for name, _ in auth["account_auths"]:
        fc_assert(is_valid_account_name(name), "is_valid_account_name( item.first )")


def validate_comment(f: dict[str, Any]) -> None:
    title_size = byte_size(f["title"])
    fc_assert(title_size < COMMENT_TITLE_LIMIT, "title.size() < STEEM_COMMENT_TITLE_LIMIT",
              f"Title size limit exceeded. Max: {COMMENT_TITLE_LIMIT - 1} Current: {title_size}")
    fc_assert(is_utf8(f["title"]), "fc::is_utf8( title )", "Title not formatted in UTF8")
    fc_assert(byte_size(f["body"]) > 0, "body.size() > 0", "Body is empty")
    fc_assert(is_utf8(f["body"]), "fc::is_utf8( body )", "Body not formatted in UTF8")
    if f["parent_author"]:
        validate_account_name(f["parent_author"])
    validate_account_name(f["author"])
    validate_permlink(f["parent_permlink"])
    validate_permlink(f["permlink"])
    if f["json_metadata"]:
        fc_assert(is_valid_json(f["json_metadata"]), "fc::json::is_valid(json_metadata)", "JSON Metadata not valid JSON")


def validate_beneficiaries(bens: list[dict[str, Any]]) -> None:
    """``comment_payout_beneficiaries::validate`` (incremental sum, strictly ascending names)."""
    fc_assert(len(bens) > 0, "beneficiaries.size()", "Must specify at least one beneficiary")
    fc_assert(len(bens) < BENEFICIARY_LIMIT, "beneficiaries.size() < STEEM_BENEFICIARY_LIMIT",
              f"Cannot specify more than {BENEFICIARY_LIMIT - 1} beneficiaries.")
    total = 0
    for i, ben in enumerate(bens):
        idx = "0" if i == 0 else "i"
        validate_account_name(ben["account"])
        fc_assert(ben["weight"] <= PERCENT_100, f"beneficiaries[{idx}].weight <= STEEM_100_PERCENT",
                  "Cannot allocate more than 100% of rewards to one account")
        total += ben["weight"]
        fc_assert(total <= PERCENT_100, "sum <= STEEM_100_PERCENT", "Cannot allocate more than 100% of rewards to a comment")
        if i > 0:
            fc_assert(bens[i - 1]["account"] < ben["account"], "beneficiaries[i - 1] < beneficiaries[i]",
                      "Benficiaries must be specified in sorted order (account ascending)")


def validate_comment_options(f: dict[str, Any]) -> None:
    validate_account_name(f["author"])
    fc_assert(f["percent_steem_dollars"] <= PERCENT_100, "percent_steem_dollars <= STEEM_100_PERCENT", "Percent cannot exceed 100%")
    fc_assert(f["max_accepted_payout"].symbol == "SBD", "max_accepted_payout.symbol == SBD_SYMBOL", "Max accepted payout must be in SBD")
    fc_assert(f["max_accepted_payout"].amount >= 0, "max_accepted_payout.amount.value >= 0", "Cannot accept less than 0 payout")
    validate_permlink(f["permlink"])
    for ext in f["extensions"]:
        validate_beneficiaries(ext["beneficiaries"])


def validate_vote(f: dict[str, Any]) -> None:
    validate_account_name(f["voter"])
    validate_account_name(f["author"])
    fc_assert(abs(f["weight"]) <= PERCENT_100, "abs(weight) <= STEEM_100_PERCENT", "Weight is not a STEEMIT percentage")
    validate_permlink(f["permlink"])


def validate_transfer(f: dict[str, Any]) -> None:
    validate_account_name(f["from"])
    validate_account_name(f["to"])
    smt = f["amount"].smt
    vesting = f["amount"].symbol == "VESTS" or (smt is not None and smt.is_vesting)
    fc_assert(not vesting, "amount.symbol.is_vesting() == false", "Transfer of vesting is not allowed.")
    fc_assert(f["amount"].amount > 0, "amount.amount > 0", "Cannot transfer a negative amount (aka: stealing)")
    fc_assert(byte_size(f["memo"]) < MAX_MEMO_SIZE, "memo.size() < STEEM_MAX_MEMO_SIZE", "Memo is too large")
    fc_assert(is_utf8(f["memo"]), "fc::is_utf8( memo )", "Memo is not UTF8")


def validate_custom_json(f: dict[str, Any]) -> None:
    fc_assert(len(f["required_auths"]) + len(f["required_posting_auths"]) > 0,
              "(required_auths.size() + required_posting_auths.size()) > 0", "at least one account must be specified")
    id_size = byte_size(f["id"])
    fc_assert(id_size <= CUSTOM_OP_ID_MAX_LENGTH, "id.size() <= STEEM_CUSTOM_OP_ID_MAX_LENGTH",
              f"Operation ID length exceeded. Max: {CUSTOM_OP_ID_MAX_LENGTH} Current: {id_size}")
    fc_assert(is_utf8(f["json"]), "fc::is_utf8(json)", "JSON Metadata not formatted in UTF8")
    fc_assert(is_valid_json(f["json"]), "fc::json::is_valid(json)", "JSON Metadata not valid JSON")


def validate_account_create(f: dict[str, Any]) -> None:
    validate_account_name(f["new_account_name"])
    fc_assert(f["fee"].symbol == "STEEM", "is_asset_type( fee, STEEM_SYMBOL )", "Account creation fee must be STEEM")
    _validate_authority(f["owner"])
    _validate_authority(f["active"])
    _validate_json_metadata(f["json_metadata"])
    fc_assert(f["fee"].amount >= 0, "fee >= asset( 0, STEEM_SYMBOL )", "Account creation fee cannot be negative")


def validate_account_update(f: dict[str, Any]) -> None:
    validate_account_name(f["account"])
    _validate_json_metadata(f["json_metadata"])


def validate_delete_comment(f: dict[str, Any]) -> None:
    validate_permlink(f["permlink"])
    validate_account_name(f["author"])


def validate_claim_reward_balance(f: dict[str, Any]) -> None:
    validate_account_name(f["account"])
    fc_assert(f["reward_steem"].symbol == "STEEM", "is_asset_type( reward_steem, STEEM_SYMBOL )", "Reward Steem must be STEEM")
    fc_assert(f["reward_sbd"].symbol == "SBD", "is_asset_type( reward_sbd, SBD_SYMBOL )", "Reward Steem must be SBD")
    fc_assert(f["reward_vests"].symbol == "VESTS", "is_asset_type( reward_vests, VESTS_SYMBOL )", "Reward Steem must be VESTS")
    for key in ("reward_steem", "reward_sbd", "reward_vests"):
        fc_assert(f[key].amount >= 0, f"{key}.amount >= 0", "Cannot claim a negative amount")
    fc_assert(any(f[k].amount > 0 for k in ("reward_steem", "reward_sbd", "reward_vests")),
              "reward_steem.amount > 0 || reward_sbd.amount > 0 || reward_vests.amount > 0", "Must claim something.")


VALIDATORS: dict[str, Callable[[dict[str, Any]], None]] = {
    "comment": validate_comment,
    "comment_options": validate_comment_options,
    "vote": validate_vote,
    "transfer": validate_transfer,
    "custom_json": validate_custom_json,
    "account_create": validate_account_create,
    "account_update": validate_account_update,
    "delete_comment": validate_delete_comment,
    "claim_reward_balance": validate_claim_reward_balance,
}


def validate_operation(op: Op, extra: dict[str, Callable[[dict[str, Any]], None]] | None = None) -> None:
    (VALIDATORS.get(op.name) or (extra or {})[op.name])(op.fields)


def validate_transaction(tx: Tx, extra: dict[str, Callable[[dict[str, Any]], None]] | None = None) -> None:
    """``extra``: validators of further operations (the SMT ones, when the chain has SMTs)."""
    fc_assert(len(tx.operations) > 0, "operations.size() > 0", "A transaction must have at least one operation")
    for op in tx.operations:
        validate_operation(op, extra)
