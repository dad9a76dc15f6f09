"""Operation evaluators (``do_apply``) for the operations the devnet supports.

Source: steem ``libraries/chain/steem_evaluator.cpp`` (comment 764-1001, comment_options 692-762,
delete_comment 647-690, vote hf20 1855-2202, transfer 1175, custom_json 2230, account_create 309,
account_update 505, claim_reward_balance 2970) and ``database.cpp`` (adjust_balance 4905). Assert
texts are copied verbatim because clients match on them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import diff_match_patch

from devnet.assets import MAX_TIME, Asset
from devnet.errors import ChainError, fc_assert, unknown_key
from devnet.genesis import (
    ACCOUNT_CREATION_FEE,
    CASHOUT_WINDOW_SECONDS,
    CUSTOM_OP_DATA_MAX_LENGTH,
    MAX_ACCOUNT_CREATION_FEE,
    MAX_AUTHORITY_MEMBERSHIP,
    MAX_COMMENT_DEPTH,
    MAX_PERMLINK_LENGTH,
    MIN_COMMENT_EDIT_INTERVAL,
    MIN_REPLY_INTERVAL_HF20,
    MIN_ROOT_COMMENT_INTERVAL,
    TREASURY_ACCOUNT,
)
from devnet.mana import vote_rshares
from devnet.state import Account, Comment, Db, Vote
from devnet.validate import byte_size


@dataclass
class EvalContext:
    db: Db
    now: int
    new_account: Callable[[str, dict[str, Any], int], Account]  # (name, op fields, fee) -> account


def get_account(db: Db, name: str) -> Account:
    if name not in db.accounts:
        raise unknown_key()
    return db.accounts[name]


def get_comment(db: Db, author: str, permlink: str) -> Comment:
    if (author, permlink) not in db.comments:
        raise unknown_key()
    return db.comments[(author, permlink)]


def adjust_balance(db: Db, name: str, delta: Asset) -> None:
    """database::adjust_balance: liquid STEEM/SBD/SMT with the sufficient-funds assert; SMT
    balances are account_regular_balance_objects (steem master database.cpp:4283-4321,4526-4543)
    and an SMT credited to ``null`` is burned (leaves the token's supply)."""
    smt = delta.smt
    if smt is not None:
        key = (name, smt.data)
        available = Asset(db.smt_balances.get(key, 0), delta.symbol, delta.decimals)
        if delta.amount < 0:
            fc_assert(available.amount >= -delta.amount, "available >= -delta",
                      f"Account {name} does not have sufficient funds for balance adjustment. "
                      f"Required: {_nai_json(delta)}, Available: {_nai_json(available)}")
        if name == "null" and delta.amount > 0 and smt.data in db.smt_tokens:
            db.touch(db.smt_tokens, smt.data)
            db.smt_tokens[smt.data].current_supply -= delta.amount
            return
        db.touch(db.smt_balances, key)
        db.smt_balances[key] = available.amount + delta.amount
        return
    account = db.account_mut(name)
    attr = "balance" if delta.symbol == "STEEM" else "sbd_balance"
    available = Asset(getattr(account, attr), delta.symbol)
    if delta.amount < 0:
        fc_assert(available.amount >= -delta.amount, "available >= -delta",
                  f"Account {name} does not have sufficient funds for balance adjustment. "
                  f"Required: {_nai_json(delta)}, Available: {_nai_json(available)}")
    setattr(account, attr, available.amount + delta.amount)


def _nai_json(asset: Asset) -> str:
    return json.dumps(asset.nai(), separators=(",", ":"))


# ------------------------------------------------------------------ comment

def _validate_permlink_0_1(permlink: str) -> None:
    """steem_evaluator.cpp:50 validate_permlink_0_1 (STEEM_MIN_PERMLINK_LENGTH is 0)."""
    fc_assert(0 < byte_size(permlink) < MAX_PERMLINK_LENGTH,
              "permlink.size() > STEEM_MIN_PERMLINK_LENGTH && permlink.size() < STEEM_MAX_PERMLINK_LENGTH",
              "Permlink is not a valid size.")
    for char in permlink:
        if not ("a" <= char <= "z" or "0" <= char <= "9" or char == "-"):
            fc_assert(False, "false", f"Invalid permlink character: {char}")


def apply_comment(ctx: EvalContext, f: dict[str, Any]) -> None:
    db = ctx.db
    fc_assert(bool(f["title"] or f["body"] or f["json_metadata"]),
              "o.title.size() + o.body.size() + o.json_metadata.size()",
              "Cannot update comment because nothing appears to be changing.")
    key = (f["author"], f["permlink"])
    auth = get_account(db, f["author"])
    parent = None
    if f["parent_author"]:
        parent = get_comment(db, f["parent_author"], f["parent_permlink"])
        fc_assert(parent.depth < MAX_COMMENT_DEPTH, "parent->depth < STEEM_MAX_COMMENT_DEPTH",
                  f"Comment is nested {parent.depth} posts deep, maximum depth is {MAX_COMMENT_DEPTH}.")
    if key not in db.comments:
        _create_comment(ctx, f, auth, parent)
    else:
        _edit_comment(ctx, f, auth, parent)


def _create_comment(ctx: EvalContext, f: dict[str, Any], auth: Account, parent: Comment | None) -> None:
    db, now = ctx.db, ctx.now
    if parent is not None:
        root = db.comments[(parent.root_author, parent.root_permlink)]
        fc_assert(root.allow_replies, "_db.get( parent->root_comment ).allow_replies", "The parent comment has disabled replies.")
        fc_assert(now - auth.last_post >= MIN_REPLY_INTERVAL_HF20, "(now - auth.last_post) >= STEEM_MIN_REPLY_INTERVAL_HF20",
                  "You may only comment once every 3 seconds.")
    else:
        fc_assert(now - auth.last_root_post > MIN_ROOT_COMMENT_INTERVAL,
                  "( now - auth.last_root_post ) > STEEM_MIN_ROOT_COMMENT_INTERVAL", "You may only post once every 5 minutes.")
    account = db.account_mut(auth.name)
    if parent is None:
        account.last_root_post = now
    account.last_post = now
    account.last_post_edit = now
    account.post_count += 1
    _validate_permlink_0_1(f["parent_permlink"])
    _validate_permlink_0_1(f["permlink"])
    g = db.globals_mut()
    g.next_comment_id += 1
    comment = Comment(
        id=g.next_comment_id - 1, author=f["author"], permlink=f["permlink"],
        category=parent.category if parent else f["parent_permlink"],
        parent_author=parent.author if parent else "",
        parent_permlink=parent.permlink if parent else f["parent_permlink"],
        title=f["title"], body=f["body"], json_metadata=f["json_metadata"],
        created=now, last_update=now, active=now, depth=parent.depth + 1 if parent else 0,
        root_author=parent.root_author if parent else f["author"],
        root_permlink=parent.root_permlink if parent else f["permlink"],
        cashout_time=now + CASHOUT_WINDOW_SECONDS,
    )
    db.touch(db.comments, (comment.author, comment.permlink))
    db.comments[(comment.author, comment.permlink)] = comment
    ancestor = parent
    while ancestor is not None:
        mutable = db.comment_mut((ancestor.author, ancestor.permlink))
        mutable.children += 1
        mutable.active = now
        ancestor = db.comments.get((ancestor.parent_author, ancestor.parent_permlink)) if ancestor.parent_author else None


def _edit_comment(ctx: EvalContext, f: dict[str, Any], auth: Account, parent: Comment | None) -> None:
    db, now = ctx.db, ctx.now
    fc_assert(now - auth.last_post_edit >= MIN_COMMENT_EDIT_INTERVAL,
              "now - auth.last_post_edit >= STEEM_MIN_COMMENT_EDIT_INTERVAL", "Can only perform one comment edit per block.")
    comment = db.comment_mut((f["author"], f["permlink"]))
    comment.last_update = now
    comment.active = now
    expected_parent = "" if parent is None else f["parent_author"]
    fc_assert(comment.parent_author == expected_parent,
              "com.parent_author == account_name_type()" if parent is None else "com.parent_author == o.parent_author",
              "The parent of a comment cannot change.")
    fc_assert(comment.parent_permlink == f["parent_permlink"], "equal( com.parent_permlink, o.parent_permlink )",
              "The permlink of a comment cannot change.")
    db.account_mut(auth.name).last_post_edit = now
    if f["title"]:
        comment.title = f["title"]
    if f["json_metadata"]:
        comment.json_metadata = f["json_metadata"]
    if f["body"]:
        comment.body = apply_body_edit(comment.body, f["body"])


def apply_body_edit(old_body: str, new_body: str) -> str:
    """A body that parses as a diff-match-patch patch is applied to the old body, else replaces it."""
    dmp = diff_match_patch.diff_match_patch()
    try:
        patches = dmp.patch_fromText(new_body)
    except (ValueError, IndexError):
        return new_body
    if not patches:
        return new_body
    patched, _ = dmp.patch_apply(patches, old_body)
    return patched


# ------------------------------------------------------------------ comment_options / delete

def apply_comment_options(ctx: EvalContext, f: dict[str, Any]) -> None:
    db = ctx.db
    comment = get_comment(db, f["author"], f["permlink"])
    if not f["allow_curation_rewards"] or not f["allow_votes"] or f["max_accepted_payout"] < comment.max_accepted_payout:
        fc_assert(comment.abs_rshares == 0, "comment.abs_rshares == 0",
                  "One of the included comment options requires the comment to have no rshares allocated to it.")
    fc_assert(comment.allow_curation_rewards >= f["allow_curation_rewards"],
              "comment.allow_curation_rewards >= o.allow_curation_rewards", "Curation rewards cannot be re-enabled.")
    fc_assert(comment.allow_votes >= f["allow_votes"], "comment.allow_votes >= o.allow_votes", "Voting cannot be re-enabled.")
    fc_assert(comment.max_accepted_payout >= f["max_accepted_payout"], "comment.max_accepted_payout >= o.max_accepted_payout",
              "A comment cannot accept a greater payout.")
    fc_assert(comment.percent_steem_dollars >= f["percent_steem_dollars"],
              "comment.percent_steem_dollars >= o.percent_steem_dollars", "A comment cannot accept a greater percent SBD.")
    mutable = db.comment_mut((f["author"], f["permlink"]))
    mutable.max_accepted_payout = f["max_accepted_payout"]
    mutable.percent_steem_dollars = f["percent_steem_dollars"]
    mutable.allow_votes = f["allow_votes"]
    mutable.allow_curation_rewards = f["allow_curation_rewards"]
    for ext in f["extensions"]:
        fc_assert(not mutable.beneficiaries, "_c.beneficiaries.size() == 0", "Comment already has beneficiaries specified.")
        fc_assert(mutable.abs_rshares == 0, "_c.abs_rshares == 0", "Comment must not have been voted on before specifying beneficiaries.")
        for ben in ext["beneficiaries"]:
            fc_assert(ben["account"] in db.accounts, "acc != nullptr", f'Beneficiary "{ben["account"]}" must exist.')
            mutable.beneficiaries.append(dict(ben))


def apply_delete_comment(ctx: EvalContext, f: dict[str, Any]) -> None:
    db = ctx.db
    comment = get_comment(db, f["author"], f["permlink"])
    fc_assert(comment.children == 0, "comment.children == 0", "Cannot delete a comment with replies.")
    fc_assert(comment.cashout_time != MAX_TIME, "comment.cashout_time != fc::time_point_sec::maximum()")
    fc_assert(comment.net_rshares <= 0, "comment.net_rshares <= 0", "Cannot delete a comment with net positive votes.")
    key = (comment.author, comment.permlink)
    db.touch(db.votes, key)
    db.votes.pop(key, None)
    ancestor_key = (comment.parent_author, comment.parent_permlink) if comment.parent_author else None
    while ancestor_key is not None:
        ancestor = db.comment_mut(ancestor_key)
        ancestor.children -= 1
        ancestor.active = ctx.now
        ancestor_key = (ancestor.parent_author, ancestor.parent_permlink) if ancestor.parent_author else None
    db.touch(db.comments, key)
    del db.comments[key]


# ------------------------------------------------------------------ vote

def apply_vote(ctx: EvalContext, f: dict[str, Any]) -> None:
    db, now = ctx.db, ctx.now
    comment = get_comment(db, f["author"], f["permlink"])
    voter = get_account(db, f["voter"])
    fc_assert(voter.can_vote, "voter.can_vote", "Voter has declined their voting rights.")
    if f["weight"] > 0:
        fc_assert(comment.allow_votes, "comment.allow_votes", "Votes are not allowed on the comment.")
    key = (comment.author, comment.permlink)
    if comment.cashout_time == MAX_TIME:  # paid out: record the vote with 0 rshares, no error
        votes = db.votes_mut(key)
        existing = votes.get(voter.name)
        if existing is None:
            votes[voter.name] = Vote(voter.name, 0, 0, f["weight"], now)
        else:
            existing.vote_percent, existing.last_update = f["weight"], now
        return
    fc_assert(now < comment.cashout_time, "_db.head_block_time() < comment.cashout_time",
              "Comment is actively being rewarded. Cannot vote on comment.")
    fc_assert(now - voter.last_vote_time >= 3, "( now - voter.last_vote_time ).to_seconds() >= STEEM_MIN_VOTE_INTERVAL_SEC",
              "Can only vote once every 3 seconds.")
    existing = db.votes.get(key, {}).get(voter.name)
    if existing is None:
        fc_assert(f["weight"] != 0, "o.weight != 0", "Vote weight cannot be 0.")
    else:
        fc_assert(existing.num_changes < 5, "itr->num_changes < STEEM_MAX_VOTE_CHANGES",
                  "Voter has used the maximum number of vote changes on this comment.")
        fc_assert(existing.vote_percent != f["weight"], "itr->vote_percent != o.weight",
                  "Your current vote on this comment is identical to this vote.")
    account = db.account_mut(voter.name)
    rshares = vote_rshares(account, f["weight"], now, comment.cashout_time)
    mutable = db.comment_mut(key)
    votes = db.votes_mut(key)
    old = votes.get(voter.name)
    if old is None:
        mutable.net_votes += 1 if rshares > 0 else (-1 if rshares < 0 else 0)
        votes[voter.name] = Vote(voter.name, max(rshares, 0), rshares, f["weight"], now)
    else:
        mutable.net_rshares -= old.rshares
        old.rshares, old.vote_percent, old.last_update = rshares, f["weight"], now
        old.weight = 0  # changed votes earn no curation (steem_evaluator.cpp, vote change branch)
        old.num_changes += 1
    mutable.net_rshares += rshares
    mutable.abs_rshares += abs(rshares)
    if rshares > 0:
        mutable.vote_rshares += rshares
    account.last_vote_time = now


# ------------------------------------------------------------------ transfer / custom_json / accounts

def apply_transfer(ctx: EvalContext, f: dict[str, Any]) -> None:
    db = ctx.db
    fc_assert(f["amount"].symbol == "SBD" or f["to"] != TREASURY_ACCOUNT,
              "o.amount.symbol == SBD_SYMBOL || o.to != STEEM_TREASURY_ACCOUNT", f"Can only transfer SBD to {TREASURY_ACCOUNT}")
    get_account(db, f["from"])
    get_account(db, f["to"])
    adjust_balance(db, f["from"], -f["amount"])
    adjust_balance(db, f["to"], f["amount"])


def apply_custom_json(ctx: EvalContext, f: dict[str, Any]) -> None:
    fc_assert(len(f["json"].encode()) <= CUSTOM_OP_DATA_MAX_LENGTH, "o.json.length() <= STEEM_CUSTOM_OP_DATA_MAX_LENGTH",
              f"Operation JSON must be less than {CUSTOM_OP_DATA_MAX_LENGTH} bytes.")
    num_auths = len(f["required_auths"]) + len(f["required_posting_auths"])
    fc_assert(num_auths <= MAX_AUTHORITY_MEMBERSHIP, "num_auths <= STEEM_MAX_AUTHORITY_MEMBERSHIP",
              f"Authority membership exceeded. Max: {MAX_AUTHORITY_MEMBERSHIP} Current: {num_auths}")


def _validate_auth_size(auth: dict[str, Any]) -> None:
    size = len(auth["account_auths"]) + len(auth["key_auths"])
    fc_assert(size <= MAX_AUTHORITY_MEMBERSHIP, "size <= STEEM_MAX_AUTHORITY_MEMBERSHIP",
              f"Authority membership exceeded. Max: {MAX_AUTHORITY_MEMBERSHIP} Current: {size}")


def _verify_accounts_exist(db: Db, auth: dict[str, Any], account: str, role: str) -> None:
    for name, _ in auth["account_auths"]:
        fc_assert(name in db.accounts, "a != nullptr",
                  f"New {role} authority on account {account} references non-existing account {name}")


def apply_account_create(ctx: EvalContext, f: dict[str, Any]) -> None:
    db = ctx.db
    get_account(db, f["creator"])
    fc_assert(f["fee"].amount <= MAX_ACCOUNT_CREATION_FEE, "o.fee <= asset( STEEM_MAX_ACCOUNT_CREATION_FEE, STEEM_SYMBOL )",
              "Account creation fee cannot be too large")
    fee_text = Asset(ACCOUNT_CREATION_FEE, "STEEM").legacy()
    fc_assert(f["fee"].amount == ACCOUNT_CREATION_FEE, "o.fee == wso.median_props.account_creation_fee",
              f"Must pay the exact account creation fee. paid: {f['fee'].legacy()} fee: {fee_text}")
    for role in ("owner", "active", "posting"):
        _validate_auth_size(f[role])
    for role in ("owner", "active", "posting"):
        _verify_accounts_exist(db, f[role], f["new_account_name"], role)
    adjust_balance(db, f["creator"], -f["fee"])
    if f["new_account_name"] in db.accounts:
        # chainbase unique index on account name (account_object by_name)
        raise ChainError((13, "std_exception", "could not insert object, most likely a uniqueness constraint was violated"), "")
    ctx.new_account(f["new_account_name"], f, f["fee"].amount)


def apply_account_update(ctx: EvalContext, f: dict[str, Any]) -> None:
    db = ctx.db
    get_account(db, f["account"])
    for role in ("owner", "active", "posting"):
        if f[role] is not None:
            _validate_auth_size(f[role])
            _verify_accounts_exist(db, f[role], f["account"], role)
    account = db.account_mut(f["account"])
    if f["owner"] is not None:
        fc_assert(ctx.now - account.last_owner_update > 3600,
                  "_db.head_block_time() - account_auth.last_owner_update > STEEM_OWNER_UPDATE_LIMIT",
                  "Owner authority can only be updated once an hour.")
        account.owner, account.last_owner_update = f["owner"], ctx.now
    if f["active"] is not None:
        account.active = f["active"]
    if f["posting"] is not None:
        account.posting = f["posting"]
    account.memo_key = f["memo_key"]
    if f["json_metadata"]:
        account.json_metadata = f["json_metadata"]
    account.last_account_update = ctx.now


def apply_claim_reward_balance(ctx: EvalContext, f: dict[str, Any]) -> None:
    db = ctx.db
    account = db.account_mut(get_account(db, f["account"]).name)
    for key, attr, sym in (("reward_steem", "reward_steem_balance", "STEEM"), ("reward_sbd", "reward_sbd_balance", "SBD"),
                           ("reward_vests", "reward_vesting_balance", "VESTS")):
        have = Asset(getattr(account, attr), sym)
        fc_assert(f[key].amount <= have.amount, f"op.{key} <= acnt.{attr}",
                  f"Cannot claim that much {sym}. Claim: {f[key].legacy()} Actual: {have.legacy()}")
    account.reward_steem_balance -= f["reward_steem"].amount
    account.reward_sbd_balance -= f["reward_sbd"].amount
    account.balance += f["reward_steem"].amount
    account.sbd_balance += f["reward_sbd"].amount
    claimed = f["reward_vests"].amount
    if claimed:
        steem_part = account.reward_vesting_steem * claimed // account.reward_vesting_balance
        account.reward_vesting_balance -= claimed
        account.reward_vesting_steem -= steem_part
        account.vesting_shares += claimed
        account.voting_manabar.current_mana += claimed

EVALUATORS: dict[str, Callable[[EvalContext, dict[str, Any]], None]] = {
    "comment": apply_comment,
    "comment_options": apply_comment_options,
    "delete_comment": apply_delete_comment,
    "vote": apply_vote,
    "transfer": apply_transfer,
    "custom_json": apply_custom_json,
    "account_create": apply_account_create,
    "account_update": apply_account_update,
    "claim_reward_balance": apply_claim_reward_balance,
}
