"""The ``tokens`` contract: tables, balances, ``create``, ``issue``, ``transfer``.

A port of the rules in harpagon210/steemsmartcontracts ``contracts/tokens.js`` (master), same
assert order and texts, same record shapes (amounts are strings; a brand-new balance record stores
the payload's quantity string as given, later updates use ``toFixed(precision)``).

Devnet difference (documented): fees are waived. ``params`` holds the contract's fresh-deploy value
``tokenCreationFee: "0"`` (``createSSC``) and no ``enableStakingFee``, so no ENG is needed; on
steem-engine mainnet creation cost 100 ENG and enabling staking 1000 ENG. There is no ENG token.
Staking actions live in ``devnet.sidechain.staking``.
"""

from __future__ import annotations

from typing import Any

from devnet.sidechain import jsnum as js
from devnet.sidechain.contract import ContractApi, is_valid_account_name
from devnet.sidechain.store import ContractDb

CONTRACT = "tokens"
OWNER = "steemsc"
ACTIVE_KEY_ERROR = "you must use a custom_json signed with your active key"
TABLES = {"tokens": ["symbol"], "balances": ["account"], "contractsBalances": ["account"], "params": [],
          "pendingUnstakes": ["account", "unstakeCompleteTimestamp"], "delegations": ["from", "to"],
          "pendingUndelegations": ["account", "completeTimestamp"]}
# Real actions this devnet does not model (they answer an explicit devnet error instead).
UNMODELLED_ACTIONS = ("updateUrl", "updateMetadata", "updatePrecision", "transferOwnership", "issueToContract",
                      "transferToContract", "transferFromContract", "enableDelegation", "delegate", "undelegate",
                      "checkPendingUndelegations", "stakeFromContract")


def create_tables(db: ContractDb) -> None:
    for table, indexes in TABLES.items():
        db.create_table(CONTRACT, table, indexes)
    db.insert(CONTRACT, "params", {"tokenCreationFee": "0"})


# ------------------------------------------------------------------ balance helpers (tokens.js top)

def balance_template(api: ContractApi) -> dict[str, Any]:
    # balanceTemplate is one module-level object per execution that addBalance mutates
    return api.memo.setdefault("balanceTemplate", {
        "account": None, "symbol": None, "balance": "0", "stake": "0", "pendingUnstake": "0",
        "delegationsIn": "0", "delegationsOut": "0", "pendingUndelegations": "0"})


def calculate_balance(balance: Any, quantity: Any, precision: int, add: bool) -> str:
    return js.plus(balance, quantity, precision) if add else js.minus(balance, quantity, precision)


def sub_balance(api: ContractApi, account: str, token: dict[str, Any], quantity: str, table: str) -> bool:
    balance = api.find_one(table, {"account": account, "symbol": token["symbol"]})
    if (api.check(balance is not None, "balance does not exist")
            and api.check(js.gte(balance["balance"], quantity), "overdrawn balance")):  # type: ignore[index]
        assert balance is not None
        original = balance["balance"]
        balance["balance"] = calculate_balance(original, quantity, token["precision"], False)
        if api.check(js.lt(balance["balance"], original), "cannot subtract"):
            api.update(table, balance)
            return True
    return False


def add_balance(api: ContractApi, account: str, token: dict[str, Any], quantity: str, table: str) -> bool:
    balance = api.find_one(table, {"account": account, "symbol": token["symbol"]})
    if balance is None:
        template = balance_template(api)
        template.update(account=account, symbol=token["symbol"], balance=quantity)
        api.insert(table, template)
        return True
    original = balance["balance"]
    balance["balance"] = calculate_balance(original, quantity, token["precision"], True)
    if api.check(js.gt(balance["balance"], original), "cannot add"):
        api.update(table, balance)
        return True
    return False


def quantity_params_ok(*values: Any) -> bool:
    """``x && typeof x === 'string'`` for each field, and the last one (quantity) is not NaN."""
    return all(js.truthy_str(v) for v in values) and not js.is_nan(values[-1])


# ------------------------------------------------------------------ actions

def _create_params_ok(p: dict[str, Any]) -> bool:
    url, precision, max_supply = p.get("url", ...), p.get("precision"), p.get("maxSupply")
    return (js.truthy_str(p.get("name")) and js.truthy_str(p.get("symbol"))
            and (url is ... or js.truthy_str(url))
            and js.is_number(precision)  # (precision && typeof precision === 'number') || precision === 0
            and js.truthy_str(max_supply) and not js.is_nan(max_supply))


def _create_values_ok(api: ContractApi, p: dict[str, Any]) -> bool:
    symbol, name, url, precision, max_supply = p["symbol"], p["name"], p.get("url"), p["precision"], p["maxSupply"]
    bare_name = name.replace(" ", "")
    return (api.check(symbol.isascii() and symbol.isalpha() and symbol == symbol.upper() and 0 < js.js_len(symbol) <= 10,
                      "invalid symbol: uppercase letters only, max length of 10")
            and api.check(bare_name.isascii() and bare_name.isalnum() and 0 < js.js_len(name) <= 50,
                          "invalid name: letters, numbers, whitespaces only, max length of 50")
            and api.check(url is None or js.js_len(url) <= 255, "invalid url: max length of 255")
            and api.check(0 <= precision <= 8 and js.is_integer(precision), "invalid precision")
            and api.check(js.gt(max_supply, 0), "maxSupply must be positive")
            and api.check(js.lte(max_supply, js.MAX_SAFE_INTEGER),
                          f"maxSupply must be lower than {js.MAX_SAFE_INTEGER}"))


def create(api: ContractApi, p: dict[str, Any]) -> None:
    params = api.find_one("params", {}) or {}
    fee = params.get("tokenCreationFee")
    utility = api.find_one("balances", {"account": api.sender, "symbol": "ENG"})
    authorized = js.lte(fee, 0) or (utility is not None and js.gte(utility["balance"], fee))
    if not (api.check(authorized, "you must have enough tokens to cover the creation fees")
            and api.check(p.get("isSignedWithActiveKey") is True, ACTIVE_KEY_ERROR)
            and api.check(_create_params_ok(p), "invalid params")
            and _create_values_ok(api, p)):
        return
    if api.check(api.find_one("tokens", {"symbol": p["symbol"]}) is None, "symbol already exists"):
        precision = p["precision"]
        api.insert("tokens", {
            "issuer": api.sender, "symbol": p["symbol"], "name": p["name"],
            "metadata": js.stringify({"url": p.get("url", "")}), "precision": precision,
            "maxSupply": js.to_fixed(p["maxSupply"], precision), "supply": "0", "circulatingSupply": "0",
            "stakingEnabled": False, "unstakingCooldown": 1, "delegationEnabled": False, "undelegationCooldown": 0})


def issue(api: ContractApi, p: dict[str, Any]) -> None:
    to, symbol, quantity = p.get("to"), p.get("symbol"), p.get("quantity")
    if not (api.check(p.get("isSignedWithActiveKey") is True, ACTIVE_KEY_ERROR)
            and api.check(quantity_params_ok(to, symbol, quantity), "invalid params")):
        return
    final_to = to.strip()  # type: ignore[union-attr]
    token = api.find_one("tokens", {"symbol": symbol})
    if not (api.check(token is not None, "symbol does not exist")
            and api.check(token["issuer"] == api.sender, "not allowed to issue tokens")  # type: ignore[index]
            and api.check(js.at_most(js.decimal_places(quantity), token["precision"]),  # type: ignore[index]
                          "symbol precision mismatch")
            and api.check(js.gt(quantity, 0), "must issue positive quantity")
            and api.check(js.gte(js.minus(token["maxSupply"], token["supply"], 20), quantity),  # type: ignore[index]
                          "quantity exceeds available supply")
            and api.check(is_valid_account_name(final_to), "invalid to")):
        return
    assert token is not None and isinstance(quantity, str)
    done = add_balance(api, token["issuer"], token, quantity, "balances")
    if done and final_to != token["issuer"] and sub_balance(api, token["issuer"], token, quantity, "balances"):
        done = add_balance(api, final_to, token, quantity, "balances")
        if not done:
            add_balance(api, token["issuer"], token, quantity, "balances")
    if done:
        token["supply"] = calculate_balance(token["supply"], quantity, token["precision"], True)
        if final_to != "null":
            token["circulatingSupply"] = calculate_balance(token["circulatingSupply"], quantity, token["precision"], True)
        api.update("tokens", token)
        api.emit("transferFromContract", {"from": "tokens", "to": final_to, "symbol": symbol, "quantity": quantity})


def transfer(api: ContractApi, p: dict[str, Any]) -> bool:
    to, symbol, quantity = p.get("to"), p.get("symbol"), p.get("quantity")
    if not (api.check(p.get("isSignedWithActiveKey") is True, ACTIVE_KEY_ERROR)
            and api.check(quantity_params_ok(to, symbol, quantity), "invalid params")):
        return False
    final_to = to.strip()  # type: ignore[union-attr]
    if not (api.check(final_to != api.sender, "cannot transfer to self")
            and api.check(is_valid_account_name(final_to), "invalid to")):
        return False
    token = api.find_one("tokens", {"symbol": symbol})
    if not (api.check(token is not None, "symbol does not exist")
            and api.check(js.at_most(js.decimal_places(quantity), token["precision"]),  # type: ignore[index]
                          "symbol precision mismatch")
            and api.check(js.gt(quantity, 0), "must transfer positive quantity")):
        return False
    assert token is not None and isinstance(quantity, str)
    if not sub_balance(api, api.sender, token, quantity, "balances"):
        return False
    if not add_balance(api, final_to, token, quantity, "balances"):
        add_balance(api, api.sender, token, quantity, "balances")
        return False
    if final_to == "null":
        token["circulatingSupply"] = calculate_balance(token["circulatingSupply"], quantity, token["precision"], False)
        api.update("tokens", token)
    api.emit("transfer", {"from": api.sender, "to": final_to, "symbol": symbol, "quantity": quantity})
    return True


def update_params(api: ContractApi, p: dict[str, Any]) -> None:
    if api.sender != api.owner:
        return
    params = api.find_one("params", {})
    if params is not None:
        params["tokenCreationFee"] = p.get("tokenCreationFee")
        api.update("params", params)
