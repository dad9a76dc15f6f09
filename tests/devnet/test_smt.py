"""SMTs on the devnet (steem master smt_operations.cpp / smt_evaluator.cpp texts) and SMT transfers
signed by the bridge's own serializer (connectors/smt.py) inside beem's transaction builder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.steem import SteemChain
from devnet.assets import fmt_time, parse_time
from devnet.genesis import INITMINER_WIF
from devnet.nai import NaiSymbol, nai_data
from devnet.server import DevnetHandle, start_devnet
from tests.devnet.conftest import Client, error_message


@pytest.fixture
def smt_client(devnet_tx_collector: Any, request: pytest.FixtureRequest) -> Iterator[Client]:
    handle = start_devnet(smt=True)
    try:
        yield Client(handle)
    finally:
        devnet_tx_collector.add(handle, request.node.nodeid)
        handle.stop()


def bridge_send(client: Client, ops: list[tuple[str, dict[str, Any]]], wif: str) -> dict[str, Any]:
    """Sign as the bridge does (connectors.steem.SteemChain.sign) and broadcast over raw RPC."""
    chain = SteemChain([client.url], client.handle.chain.chain_id)
    signed = chain.sign(ops, wif)
    return client.rpc("condenser_api.broadcast_transaction", [signed.tx])


def raw_send(client: Client, ops: list[Any], wif: str) -> dict[str, Any]:
    return client.rpc("condenser_api.broadcast_transaction", [client.sign_raw(ops, [wif])])


def fund_sbd(client: Client, name: str, amount: str = "10.000 SBD") -> None:
    op = ["transfer", {"from": "initminer", "to": name, "amount": amount, "memo": ""}]
    assert raw_send(client, [op], INITMINER_WIF).get("result") == {}


def create_op(owner: str, symbol: dict[str, Any], fee: str = "1.000 SBD", ticker: str = "PTS",
              precision: int | None = None) -> tuple[str, dict[str, Any]]:
    return ("smt_create", {"control_account": owner, "symbol": symbol, "desired_ticker": ticker,
                           "smt_creation_fee": fee,
                           "precision": symbol["precision"] if precision is None else precision})


def pool_symbol(client: Client, precision: int = 3) -> dict[str, Any]:
    pool = client.call("database_api.get_nai_pool", {})["nai_pool"]
    assert len(pool) == 10 and all(p["precision"] == 0 for p in pool)
    return {"nai": pool[0]["nai"], "precision": precision}


def launched_token(client: Client, owner: str, amount: int = 1_000_000) -> dict[str, Any]:
    """Create, set up and launch an SMT whose only emission pays ``amount`` units to ``owner``."""
    fund_sbd(client, owner)
    symbol = pool_symbol(client)
    active = client.keys[owner]["active"]
    assert bridge_send(client, [create_op(owner, symbol)], active).get("result") == {}
    now = parse_time(client.call("condenser_api.get_dynamic_global_properties", [])["time"])
    begin, launch = now + 30, now + 60
    emissions = ["smt_setup_emissions", {
        "control_account": owner, "symbol": symbol, "schedule_time": fmt_time(launch + 30),
        "emissions_unit": {"token_unit": [[owner, 1]]}, "interval_seconds": 21600, "emission_count": 1,
        "lep_time": fmt_time(launch + 30), "rep_time": fmt_time(launch + 30), "lep_abs_amount": amount,
        "rep_abs_amount": amount, "lep_rel_amount_numerator": 0, "rep_rel_amount_numerator": 0,
        "rel_amount_denom_bits": 0, "remove": False, "floor_emissions": False, "extensions": []}]
    setup = ["smt_setup", {"control_account": owner, "symbol": symbol, "max_supply": 10**12,
                           "contribution_begin_time": fmt_time(begin), "contribution_end_time": fmt_time(begin),
                           "launch_time": fmt_time(launch), "steem_satoshi_min": 0, "min_unit_ratio": 1,
                           "max_unit_ratio": 1, "extensions": []}]
    params = ["smt_set_setup_parameters", {"control_account": owner, "symbol": symbol,
                                           "setup_parameters": [[0, {"value": True}]], "extensions": []}]
    assert raw_send(client, [emissions, params, setup], active).get("result") == {}
    client.generate(40)  # past begin, end, launch and the emission's schedule time
    return symbol


def test_nai_pool_create_and_create_rules(smt_client: Client) -> None:
    client = smt_client
    alice = client.new_account("alice")
    fund_sbd(client, alice)
    active = client.keys[alice]["active"]
    symbol = pool_symbol(client)
    msg = lambda ops: error_message(bridge_send(client, ops, active))  # noqa: E731
    assert msg([create_op(alice, symbol, ticker="STEEM")]).endswith("SMT Ticker Symbol cannot be STEEM")
    assert msg([create_op(alice, symbol, ticker="AB")]).endswith(
        "SMT Ticker Symbol must be at least 3 characters long.")
    assert msg([create_op(alice, symbol, ticker="Abc")]).endswith(
        "SMT Ticker Symbol can only contain capital letters.")
    assert msg([create_op(alice, symbol, fee="1.000000 VESTS")]).endswith("Fee must be STEEM or SBD")
    assert msg([create_op(alice, symbol, precision=2)]) == (
        "Assert Exception:symbol.decimals() == precision: Mismatch between redundantly provided precision 3 vs 2")
    core = list(create_op(alice, {"nai": "@@000000021", "precision": 3}))  # the bridge refuses to write it
    assert error_message(raw_send(client, [core], active)) == (
        "Assert Exception:symbol.space() == asset_symbol_type::smt_nai_space: legacy symbol used instead of NAI")
    assert msg([create_op(alice, {"nai": "@@422838704", "precision": 3})]).endswith(
        "Cannot create an SMT that didn't come from the NAI pool.")
    assert msg([create_op(alice, symbol, fee="2.000 SBD")]).endswith(
        'Fee of {"amount":"2000","precision":3,"nai":"@@000000013"} does not match the creation fee of '
        '{"amount":"1000","precision":3,"nai":"@@000000013"}')
    assert msg([create_op(alice, symbol, fee="0.000 SBD")]).endswith(
        "Cannot reset a non-existent SMT. Did you forget to specify the creation fee?")
    assert bridge_send(client, [create_op(alice, symbol)], active).get("result") == {}
    assert msg([create_op(alice, symbol)]).endswith(f"SMT {symbol['nai']} has already been created.")
    (found,) = client.call("database_api.find_smt_tokens", {"symbols": [symbol]})["tokens"]
    assert found["token"]["phase"] == "setup" and found["token"]["desired_ticker"] == "PTS"
    assert found["token"]["control_account"] == alice and found["ico"] is None
    assert symbol["nai"] not in [p["nai"] for p in client.call("database_api.get_nai_pool", {})["nai_pool"]]
    account = client.call("condenser_api.get_accounts", [[alice]])[0]
    assert account["sbd_balance"] == "9.000 SBD"  # the fee went to null
    bob = client.new_account("bob")
    bob_reset = create_op(bob, symbol, fee="0.000 SBD")
    assert error_message(bridge_send(client, [bob_reset], client.keys[bob]["active"])).endswith(
        f"You do not control this SMT. Control Account: {alice}")
    assert error_message(bridge_send(client, [create_op(alice, symbol)], client.keys[alice]["posting"])) == (
        f"missing required active authority:Missing Active Authority {alice}")


def test_setup_launch_emission_and_smt_transfers(smt_client: Client) -> None:
    client = smt_client
    alice, bob = client.new_account("alice"), client.new_account("bob")
    symbol = launched_token(client, alice)
    (token,) = client.call("database_api.find_smt_tokens", {"symbols": [symbol]})["tokens"]
    assert token["token"]["phase"] == "launch_success" and token["token"]["current_supply"] == "1000000"
    balances = client.call("database_api.find_smt_token_balances", {"account_symbols": [[alice, symbol]]})
    assert balances["balances"][0]["liquid"] == {"amount": "1000000", "precision": 3, "nai": symbol["nai"]}
    active = client.keys[alice]["active"]
    amount = {"amount": "1500", "precision": 3, "nai": symbol["nai"]}
    transfer = ("transfer", {"from": alice, "to": bob, "amount": amount, "memo": "points 1-3"})
    assert bridge_send(client, [transfer], active).get("result") == {}
    legacy = client.call("condenser_api.get_smt_balances", [[[bob, symbol["nai"]], [alice, symbol["nai"]]]])
    assert [b["liquid"] for b in legacy] == [f"1.500 {symbol['nai']}", f"998.500 {symbol['nai']}"]
    history = client.call("condenser_api.get_account_history", [bob, -1, 10])
    assert history[-1][1]["op"] == ["transfer", {"from": alice, "to": bob, "amount": f"1.500 {symbol['nai']}",
                                                 "memo": "points 1-3"}]
    too_much = ("transfer", {"from": bob, "to": alice, "amount": {**amount, "amount": "1501"}, "memo": ""})
    assert error_message(bridge_send(client, [too_much], client.keys[bob]["active"])) == (
        f"Assert Exception:available >= -delta: Account {bob} does not have sufficient funds for balance "
        f'adjustment. Required: {{"amount":"-1501","precision":3,"nai":"{symbol["nai"]}"}}, '
        f'Available: {{"amount":"1500","precision":3,"nai":"{symbol["nai"]}"}}')
    twin = NaiSymbol(nai_data(symbol["nai"]), 3).vesting()  # asset_num | 0x20: its own NAI
    vesting = ("transfer", {"from": alice, "to": bob, "amount": {"amount": "1", "precision": 3, "nai": twin.nai},
                            "memo": ""})
    assert error_message(bridge_send(client, [vesting], active)) == (
        "Assert Exception:amount.symbol.is_vesting() == false: Transfer of vesting is not allowed.")
    burn = ("transfer", {"from": alice, "to": "null", "amount": {**amount, "amount": "500"}, "memo": ""})
    assert bridge_send(client, [burn], active).get("result") == {}
    (token,) = client.call("database_api.find_smt_tokens", {"symbols": [symbol]})["tokens"]
    assert token["token"]["current_supply"] == "999500"


def test_admin_rules_after_setup(smt_client: Client) -> None:
    client = smt_client
    alice, bob = client.new_account("alice"), client.new_account("bob")
    symbol = launched_token(client, alice)
    params = ["smt_set_setup_parameters", {"control_account": alice, "symbol": symbol,
                                           "setup_parameters": [[0, {"value": False}]], "extensions": []}]
    assert error_message(raw_send(client, [params], client.keys[alice]["active"])).endswith(
        "SMT pre-setup operation no longer allowed after setup phase is over")
    params[1]["control_account"] = bob
    assert error_message(raw_send(client, [params], client.keys[bob]["active"])).endswith(
        f'The account {bob} does NOT control the SMT {{"nai":"{symbol["nai"]}","precision":3}}')
    params[1]["symbol"] = {"nai": symbol["nai"], "precision": 4}
    assert error_message(raw_send(client, [params], client.keys[bob]["active"])).endswith(
        f'SMT numerical asset identifier {{"nai":"{symbol["nai"]}","precision":4}} not found')
    params[1]["setup_parameters"] = []
    assert error_message(raw_send(client, [params], client.keys[bob]["active"])) == (
        "Assert Exception:setup_parameters.empty() == false: ")


def test_setup_and_emission_validate_texts(smt_client: Client) -> None:
    client = smt_client
    alice = client.new_account("alice")
    fund_sbd(client, alice)
    symbol = pool_symbol(client)
    active = client.keys[alice]["active"]
    assert bridge_send(client, [create_op(alice, symbol)], active).get("result") == {}
    base = {"control_account": alice, "symbol": symbol, "max_supply": 1000,
            "contribution_begin_time": "2026-02-01T00:00:00", "contribution_end_time": "2026-02-01T00:00:00",
            "launch_time": "2026-02-01T00:00:00", "steem_satoshi_min": 0, "min_unit_ratio": 1,
            "max_unit_ratio": 1, "extensions": []}
    cases = [({"max_supply": 0}, "Max supply must be greater than 0"),
             ({"max_supply": 10**15 + 1}, "Max supply must be less than 1000000000000000"),
             ({"contribution_end_time": "2026-01-31T00:00:00"},
              "Contribution end time must be equal to or later than contribution begin time"),
             ({"launch_time": "2026-01-31T00:00:00"},
              "Launch time must be equal to or later than the contribution end time"),
             ({"steem_satoshi_min": -1}, "Steem satoshi minimum must be greater than or equal to 0"),
             ({"steem_satoshi_min": 5}, "An SMT with a Steem Satoshi Minimum of 5 cannot succeed without an ICO tier.")]
    for change, text in cases:
        assert error_message(raw_send(client, [["smt_setup", {**base, **change}]], active)).endswith(text), change
    emission = {"control_account": alice, "symbol": symbol, "schedule_time": "2026-03-01T00:00:00",
                "emissions_unit": {"token_unit": [[alice, 1]]}, "interval_seconds": 21600, "emission_count": 1,
                "lep_time": "2026-03-01T00:00:00", "rep_time": "2026-03-01T00:00:00", "lep_abs_amount": 10,
                "rep_abs_amount": 10, "lep_rel_amount_numerator": 0, "rep_rel_amount_numerator": 0,
                "rel_amount_denom_bits": 0, "remove": False, "floor_emissions": False, "extensions": []}
    cases = [({"emissions_unit": {"token_unit": []}}, "Emissions token unit cannot be empty"),
             ({"interval_seconds": 60}, "Interval seconds must be greater than or equal to 21600"),
             ({"emission_count": 0}, "Emission count must be greater than 0"),
             ({"lep_abs_amount": 0, "rep_abs_amount": 0}, "An emission operation must have positive non-zero emission"),
             ({"emissions_unit": {"token_unit": [["null", 1]]}}, "Invalid emission destination, cannot emit to null"),
             ({"emissions_unit": {"token_unit": [["nobody", 1]]}},
              "Invalid emission destination, account nobody must exist"),
             ({"schedule_time": "2026-01-01T00:00:03", "lep_time": "2026-01-01T00:00:03",
               "rep_time": "2026-01-01T00:00:03"}, "Emissions schedule time must be in the future"),
             ({"remove": True}, f'Could not find token emission for the given SMT: {{"nai":"{symbol["nai"]}"')]
    for change, text in cases:
        answer = error_message(raw_send(client, [["smt_setup_emissions", {**emission, **change}]], active))
        assert text in answer, (change, answer)


def test_nai_format_errors_and_a_chain_without_smts(smt_client: Client, client: Client) -> None:
    alice = smt_client.new_account("alice")
    bad = ("transfer", {"from": alice, "to": "initminer", "amount": "1.000 @@422838705", "memo": ""})
    answer = smt_client.rpc(
        "condenser_api.broadcast_transaction", [{"ref_block_num": 0, "ref_block_prefix": 0,
                                                 "expiration": "2026-01-01T00:01:00", "operations": [list(bad)],
                                                 "extensions": [], "signatures": []}])
    assert error_message(answer) == "Assert Exception:check_digit == checksum: Invalid check digit"
    # A mainnet-like devnet (the default): SMT op ids are virtual ops, NAI assets unknown symbols.
    bob = client.new_account("bob")
    symbol = {"nai": "@@422838704", "precision": 3}
    assert error_message(bridge_send(client, [create_op(bob, symbol)], client.keys[bob]["active"])) == (
        "Assert Exception:false: This is a virtual operation")
    transfer = ("transfer", {"from": bob, "to": "initminer", "amount": {"amount": "1", **symbol}, "memo": ""})
    assert error_message(bridge_send(client, [transfer], client.keys[bob]["active"])) == (
        "Assert Exception:false: Invalid symbol: @@422838704")


def test_devnet_smt_state_survives_a_restart(tmp_path: Any) -> None:
    handle: DevnetHandle = start_devnet(data_dir=str(tmp_path), smt=True)
    try:
        client = Client(handle)
        alice = client.new_account("alice")
        symbol = launched_token(client, alice)
    finally:
        handle.stop()
    again = start_devnet(data_dir=str(tmp_path), smt=True)
    try:
        found = Client(again).call("database_api.find_smt_token_balances", {"account_symbols": [[alice, symbol]]})
        assert found["balances"][0]["liquid"]["amount"] == "1000000"
    finally:
        again.stop()
