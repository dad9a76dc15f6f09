"""Staking actions of the ``tokens`` contract: enableStaking, stake, unstake, cancelUnstake, and the
per-block ``checkPendingUnstakes`` virtual transaction.

Ported from harpagon210/steemsmartcontracts ``contracts/tokens.js`` (same assert order and texts).
An unstake is released in ``numberTransactions`` instalments, one every
``unstakingCooldown days / numberTransactions``, by ``checkPendingUnstakes``, which the node runs at
the end of every sidechain block it produces (``libs/Block.js``); a sidechain block is only produced
for a Steem block carrying sidechain transactions, so on a quiet devnet a due release waits for the
next one, exactly as the real node would.
"""

from __future__ import annotations

from typing import Any

from devnet.sidechain import jsnum as js
from devnet.sidechain.contract import ContractApi, is_valid_account_name
from devnet.sidechain.tokens import (
    ACTIVE_KEY_ERROR,
    add_balance,
    balance_template,
    calculate_balance,
    quantity_params_ok,
    sub_balance,
)

_DAY_MS = 24 * 3600 * 1000
_COOLDOWN_LIMIT = 18250


def _add_stake(api: ContractApi, account: str, token: dict[str, Any], quantity: str) -> bool:
    balance = api.find_one("balances", {"account": account, "symbol": token["symbol"]})
    if balance is None:
        template = balance_template(api)
        template.update(account=account, symbol=token["symbol"])
        balance = api.insert("balances", template)
        assert balance is not None
    balance.setdefault("stake", "0")
    balance.setdefault("pendingUnstake", "0")
    original = balance["stake"]
    balance["stake"] = calculate_balance(original, quantity, token["precision"], True)
    if not api.check(js.gt(balance["stake"], original), "cannot add"):
        return False
    api.update("balances", balance)
    token["totalStaked"] = calculate_balance(token.get("totalStaked", "0"), quantity, token["precision"], True)
    api.update("tokens", token)
    return True


def _sub_stake(api: ContractApi, account: str, token: dict[str, Any], quantity: str) -> bool:
    balance = api.find_one("balances", {"account": account, "symbol": token["symbol"]})
    if not (api.check(balance is not None, "balance does not exist")
            and api.check(js.gte(balance["stake"], quantity), "overdrawn stake")):  # type: ignore[index]
        return False
    assert balance is not None
    original_stake, original_pending = balance["stake"], balance["pendingUnstake"]
    balance["stake"] = calculate_balance(original_stake, quantity, token["precision"], False)
    balance["pendingUnstake"] = calculate_balance(original_pending, quantity, token["precision"], True)
    if api.check(js.lt(balance["stake"], original_stake) and js.gt(balance["pendingUnstake"], original_pending),
                 "cannot subtract"):
        api.update("balances", balance)
        return True
    return False


def _cooldown_ok(value: Any) -> bool:
    return bool(value) and js.is_integer(value) and 0 < value <= _COOLDOWN_LIMIT


def enable_staking(api: ContractApi, p: dict[str, Any]) -> None:
    params = api.find_one("params", {}) or {}
    fee = params.get("enableStakingFee")
    utility = api.find_one("balances", {"account": api.sender, "symbol": "ENG"})
    authorized = fee is None or js.lte(fee, 0) or (utility is not None and js.gte(utility["balance"], fee))
    symbol, cooldown, instalments = p.get("symbol"), p.get("unstakingCooldown"), p.get("numberTransactions")
    if not (api.check(authorized, "you must have enough tokens to cover  fees")
            and api.check(p.get("isSignedWithActiveKey") is True, ACTIVE_KEY_ERROR)
            and api.check(js.truthy_str(symbol), "invalid symbol")
            and api.check(_cooldown_ok(cooldown), "unstakingCooldown must be an integer between 1 and 18250")
            and api.check(_cooldown_ok(instalments), "numberTransactions must be an integer between 1 and 18250")):
        return
    token = api.find_one("tokens", {"symbol": symbol})
    if (api.check(token is not None, "symbol does not exist")
            and api.check(token["issuer"] == api.sender, "must be the issuer")  # type: ignore[index]
            and api.check(not token.get("stakingEnabled"), "staking already enabled")):  # type: ignore[union-attr]
        assert token is not None
        token.update(stakingEnabled=True, totalStaked="0", unstakingCooldown=cooldown, numberTransactions=instalments)
        api.update("tokens", token)


def stake(api: ContractApi, p: dict[str, Any]) -> None:
    symbol, quantity, to = p.get("symbol"), p.get("quantity"), p.get("to")
    if not (api.check(p.get("isSignedWithActiveKey") is True, ACTIVE_KEY_ERROR)
            and api.check(quantity_params_ok(symbol, to, quantity), "invalid params")):
        return
    token = api.find_one("tokens", {"symbol": symbol})
    final_to = to.strip()  # type: ignore[union-attr]
    if not (api.check(is_valid_account_name(final_to), "invalid to")
            and api.check(token is not None, "symbol does not exist")
            and api.check(js.at_most(js.decimal_places(quantity), token["precision"]),  # type: ignore[index]
                          "symbol precision mismatch")
            and api.check(token.get("stakingEnabled") is True, "staking not enabled")  # type: ignore[union-attr]
            and api.check(js.gt(quantity, 0), "must stake positive quantity")):
        return
    assert token is not None and isinstance(quantity, str)
    if sub_balance(api, api.sender, token, quantity, "balances"):
        if _add_stake(api, final_to, token, quantity):
            api.emit("stake", {"account": final_to, "symbol": symbol, "quantity": quantity})
        else:
            add_balance(api, api.sender, token, quantity, "balances")


def unstake(api: ContractApi, p: dict[str, Any]) -> None:
    symbol, quantity = p.get("symbol"), p.get("quantity")
    if not (api.check(p.get("isSignedWithActiveKey") is True, ACTIVE_KEY_ERROR)
            and api.check(quantity_params_ok(symbol, quantity), "invalid params")):
        return
    token = api.find_one("tokens", {"symbol": symbol})
    if not (api.check(token is not None, "symbol does not exist")
            and api.check(token.get("stakingEnabled") is True, "staking not enabled")  # type: ignore[union-attr]
            and api.check(js.at_most(js.decimal_places(quantity), token["precision"]),  # type: ignore[index]
                          "symbol precision mismatch")
            and api.check(js.gt(quantity, 0), "must unstake positive quantity")):
        return
    assert token is not None and isinstance(quantity, str)
    if _sub_stake(api, api.sender, token, quantity):
        period = (token["unstakingCooldown"] * _DAY_MS) // token["numberTransactions"]
        api.insert("pendingUnstakes", {
            "account": api.sender, "symbol": token["symbol"], "quantity": quantity, "quantityLeft": quantity,
            "nextTransactionTimestamp": api.block_millis() + period,
            "numberTransactionsLeft": token["numberTransactions"], "millisecPerPeriod": period,
            "txID": api.transaction_id})
        api.emit("unstakeStart", {"account": api.sender, "symbol": symbol, "quantity": quantity})


def cancel_unstake(api: ContractApi, p: dict[str, Any]) -> None:
    tx_id = p.get("txID")
    if not (api.check(p.get("isSignedWithActiveKey") is True, ACTIVE_KEY_ERROR)
            and api.check(js.truthy_str(tx_id), "invalid params")):
        return
    pending = api.find_one("pendingUnstakes", {"account": api.sender, "txID": tx_id})
    if not api.check(pending, "unstake does not exist"):
        return
    assert pending is not None
    balance = api.find_one("balances", {"account": pending["account"], "symbol": pending["symbol"]})
    token = api.find_one("tokens", {"symbol": pending["symbol"]})
    left = pending["quantityLeft"]
    if not (api.check(balance is not None, "balance does not exist")
            and api.check(js.gte(balance["pendingUnstake"], left), "overdrawn pendingUnstake")):  # type: ignore[index]
        return
    assert balance is not None and token is not None
    original_stake, original_pending = balance["stake"], balance["pendingUnstake"]
    balance["stake"] = calculate_balance(original_stake, left, token["precision"], True)
    balance["pendingUnstake"] = calculate_balance(original_pending, left, token["precision"], False)
    if api.check(js.lt(balance["pendingUnstake"], original_pending) and js.gt(balance["stake"], original_stake),
                 "cannot subtract"):
        api.update("balances", balance)
        api.emit("unstake", {"account": pending["account"], "symbol": pending["symbol"], "quantity": left})
        api.remove("pendingUnstakes", pending)


def _release(api: ContractApi, pending: dict[str, Any]) -> None:
    balance = api.find_one("balances", {"account": pending["account"], "symbol": pending["symbol"]})
    token = api.find_one("tokens", {"symbol": pending["symbol"]})
    if not api.check(balance is not None, "balance does not exist"):
        return
    assert balance is not None and token is not None
    if pending["numberTransactionsLeft"] == 1:
        release = pending["quantityLeft"]
        api.remove("pendingUnstakes", pending)
    else:
        release = js.divided_down(pending["quantity"], token["numberTransactions"], token["precision"])
        pending["quantityLeft"] = js.minus(pending["quantityLeft"], release, token["precision"])
        pending["numberTransactionsLeft"] -= 1
        pending["nextTransactionTimestamp"] += pending["millisecPerPeriod"]
        api.update("pendingUnstakes", pending)
    if not js.gt(release, 0):
        return
    original_balance, original_pending = balance["balance"], balance["pendingUnstake"]
    balance["balance"] = calculate_balance(original_balance, release, token["precision"], True)
    balance["pendingUnstake"] = calculate_balance(original_pending, release, token["precision"], False)
    if api.check(js.lt(balance["pendingUnstake"], original_pending) and js.gt(balance["balance"], original_balance),
                 "cannot subtract"):
        api.update("balances", balance)
        token["totalStaked"] = calculate_balance(token["totalStaked"], release, token["precision"], False)
        api.update("tokens", token)
        api.emit("unstake", {"account": pending["account"], "symbol": pending["symbol"], "quantity": release})


def check_pending_unstakes(api: ContractApi, p: dict[str, Any]) -> None:
    if not api.check(api.sender == "null", "not authorized"):
        return
    now = api.block_millis()
    due = api.find("pendingUnstakes", {"nextTransactionTimestamp": {"$lte": now}})
    while due:
        for pending in due:
            _release(api, pending)
        due = api.find("pendingUnstakes", {"nextTransactionTimestamp": {"$lte": now}})
