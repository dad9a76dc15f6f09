"""Smart Media Tokens on the devnet: validate() and evaluators of smt_create, smt_setup,
smt_set_setup_parameters and smt_setup_emissions, the launch phases, and token emissions.

Source: steemit/steem ``master`` @ 8d26f079 (the SMT line; token-facts.md §1):
``libraries/protocol/smt_operations.cpp`` (validate texts: admin ops ``:9-13`` with
``validation.hpp:17-33``, smt_create ``:15-39``, emissions ``:175-213``, smt_setup ``:215-225``,
set_setup_parameters), ``libraries/chain/smt_evaluator.cpp`` (admin checks ``:18-58``, smt_create
``:62-122``, smt_setup ``:167-241``, emissions ``:283-344``), ``smt_token_object.hpp:12-20``
(phases), ``database.cpp:3469-3511`` + ``required_action_evaluator.cpp`` (phase changes are
required actions at contribution_begin/end and launch time), ``token_emissions_plugin.cpp:34-117``,
``util/smt_token.cpp:100-156`` and ``optional_action_evaluator.cpp:19-81`` (emissions).

Simplifications (documented in devnet/README.md): no ICO tiers or contributions, so an SMT
launches with zero supply and emissions are its only source (as steem without tiers);
``$!name.vesting``/``$from.vesting`` targets are not accepted; emitted tokens for ``$market_maker``,
``$rewards`` and ``$vesting`` go to per-token pools; no virtual ops are written for emissions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devnet.assets import Asset, fmt_time, sbd, smt_asset
from devnet.errors import fc_assert
from devnet.evaluators import EvalContext, adjust_balance, get_account
from devnet.genesis import (
    MEDIAN_PRICE_BASE_SBD,
    MEDIAN_PRICE_QUOTE_STEEM,
    NULL_ACCOUNT,
    TREASURY_ACCOUNT,
)
from devnet.nai import NaiSymbol, pool_candidates
from devnet.state import Db
from devnet.validate import is_valid_account_name, validate_account_name

MAX_SHARE_SUPPLY = 1_000_000_000_000_000  # STEEM_MAX_SHARE_SUPPLY
SMT_CREATION_FEE = sbd(1000)  # dgpo.smt_creation_fee default (global_property_object.hpp:150)
EMISSION_MIN_INTERVAL_SECONDS = 21600  # SMT_EMISSION_MIN_INTERVAL_SECONDS
EMIT_INDEFINITELY = 0xFFFFFFFF  # SMT_EMIT_INDEFINITELY
NAI_POOL_SIZE = 10
GENESIS_TIME = 1458835200  # STEEM_GENESIS_TIME 2016-03-24T16:00:00
POOL_TARGETS = ("$market_maker", "$rewards", "$vesting")
PHASES = ("setup", "setup_completed", "ico", "ico_completed", "launch_failed", "launch_success")


@dataclass
class SmtToken:
    symbol: NaiSymbol  # liquid
    control_account: str
    desired_ticker: str
    phase: str = "setup"
    current_supply: int = 0
    max_supply: int = 0
    contribution_begin_time: int = 0
    contribution_end_time: int = 0
    launch_time: int = 0
    steem_satoshi_min: int = 0
    min_unit_ratio: int = 0
    max_unit_ratio: int = 0
    allow_voting: bool = True
    pools: dict[str, int] = field(default_factory=lambda: dict.fromkeys(POOL_TARGETS, 0))


@dataclass
class Emission:
    data: int
    schedule_time: int
    token_unit: list[tuple[str, int]]
    interval_seconds: int
    emission_count: int
    lep_time: int
    rep_time: int
    lep_abs_amount: int
    rep_abs_amount: int
    lep_rel: int
    rep_rel: int
    denom_bits: int
    floor_emissions: bool
    emitted: int = 0  # how many of emission_count have fired


def symbol_json(symbol: NaiSymbol) -> str:
    return json.dumps(symbol.json(), separators=(",", ":"))


def ensure_pool(db: Db, seed: int) -> None:
    """Keep NAI_POOL_SIZE unused NAIs in the pool (nai_generator.hpp: even data >= 10 000 000)."""
    g = db.g
    if len(g.nai_pool) >= NAI_POOL_SIZE:
        return
    g = db.globals_mut()
    for symbol in pool_candidates(seed + len(g.nai_pool), NAI_POOL_SIZE * 2):
        if len(g.nai_pool) < NAI_POOL_SIZE and symbol.data not in g.nai_pool and symbol.data not in db.smt_tokens:
            g.nai_pool.append(symbol.data)


# ------------------------------------------------------------------ validate()

def _validate_admin(f: dict[str, Any]) -> None:
    """smt_admin_operation_validate: validate_account_name + validate_smt_symbol (validation.hpp)."""
    validate_account_name(f["control_account"])
    symbol: NaiSymbol = f["symbol"]
    fc_assert(symbol.data > 3, "symbol.space() == asset_symbol_type::smt_nai_space", "legacy symbol used instead of NAI")
    fc_assert(not symbol.is_vesting, "symbol.is_vesting() == false", "liquid variant of NAI expected")


def validate_smt_create(f: dict[str, Any]) -> None:
    _validate_admin(f)
    ticker = f["desired_ticker"][:8]  # smt_ticker_type is fixed_string<8>: longer values are truncated
    if ticker:
        for core in ("STEEM", "SBD", "VESTS"):
            fc_assert(ticker != core, f"desired_ticker != {core}_SYMBOL_STR", f"SMT Ticker Symbol cannot be {core}")
        fc_assert(len(ticker) >= 3, "ticker_str.length() >= 3", "SMT Ticker Symbol must be at least 3 characters long.")
        for char in ticker:
            fc_assert("A" <= char <= "Z", "ticker_str[i] >= 'A' && ticker_str[i] <= 'Z'",
                      "SMT Ticker Symbol can only contain capital letters.")
    fee: Asset = f["smt_creation_fee"]
    fc_assert(fee.amount >= 0, "smt_creation_fee.amount >= 0", "fee cannot be negative")
    fc_assert(fee.amount <= MAX_SHARE_SUPPLY, "smt_creation_fee.amount <= STEEM_MAX_SHARE_SUPPLY",
              "Fee must be smaller than STEEM_MAX_SHARE_SUPPLY")
    fc_assert(fee.symbol in ("STEEM", "SBD"), "is_asset_type( smt_creation_fee, STEEM_SYMBOL ) || "
              "is_asset_type( smt_creation_fee, SBD_SYMBOL )", "Fee must be STEEM or SBD")
    fc_assert(f["symbol"].precision == f["precision"], "symbol.decimals() == precision",
              f"Mismatch between redundantly provided precision {f['symbol'].precision} vs {f['precision']}")


def validate_smt_setup(f: dict[str, Any]) -> None:
    _validate_admin(f)
    fc_assert(f["max_supply"] > 0, "max_supply > 0", "Max supply must be greater than 0")
    fc_assert(f["max_supply"] <= MAX_SHARE_SUPPLY, "max_supply <= STEEM_MAX_SHARE_SUPPLY",
              f"Max supply must be less than {MAX_SHARE_SUPPLY}")
    fc_assert(f["contribution_begin_time"] > GENESIS_TIME, "contribution_begin_time > STEEM_GENESIS_TIME",
              f"Contribution begin time must be greater than {fmt_time(GENESIS_TIME)}")
    fc_assert(f["contribution_end_time"] >= f["contribution_begin_time"],
              "contribution_end_time >= contribution_begin_time",
              "Contribution end time must be equal to or later than contribution begin time")
    fc_assert(f["launch_time"] >= f["contribution_end_time"], "launch_time >= contribution_end_time",
              "Launch time must be equal to or later than the contribution end time")
    fc_assert(f["steem_satoshi_min"] >= 0, "steem_satoshi_min >= 0",
              "Steem satoshi minimum must be greater than or equal to 0")


def validate_smt_set_setup_parameters(f: dict[str, Any]) -> None:
    _validate_admin(f)
    fc_assert(bool(f["setup_parameters"]), "setup_parameters.empty() == false")


def _valid_token_target(name: str) -> bool:
    return is_valid_account_name(name) or name in POOL_TARGETS


def validate_smt_setup_emissions(f: dict[str, Any]) -> None:
    _validate_admin(f)
    fc_assert(f["schedule_time"] > GENESIS_TIME, "schedule_time > STEEM_GENESIS_TIME")
    units = f["emissions_unit"]["token_unit"]
    fc_assert(len(units) > 0, "token_unit.empty() == false", "Emissions token unit cannot be empty")
    for name, weight in units:
        fc_assert(_valid_token_target(name), "smt::unit_target::is_valid_emissions_destination( e.first )",
                  f"Emissions token unit destination {name} is invalid")
        fc_assert(weight > 0, "e.second > 0", "Emissions token unit must be greater than 0")
    fc_assert(f["interval_seconds"] >= EMISSION_MIN_INTERVAL_SECONDS,
              "interval_seconds >= SMT_EMISSION_MIN_INTERVAL_SECONDS",
              f"Interval seconds must be greater than or equal to {EMISSION_MIN_INTERVAL_SECONDS}")
    fc_assert(f["emission_count"] > 0, "emission_count > 0", "Emission count must be greater than 0")
    fc_assert(f["lep_time"] <= f["rep_time"], "lep_time <= rep_time",
              "Left endpoint time must be less than or equal to right endpoint time")
    if f["lep_time"] != f["rep_time"]:
        fc_assert(f["lep_time"] >= f["schedule_time"], "lep_time >= schedule_time",
                  "Left endpoint time cannot be before the schedule time")
        if f["emission_count"] != EMIT_INDEFINITELY:
            end = f["interval_seconds"] * (f["emission_count"] - 1) + f["schedule_time"]
            fc_assert(end <= 0x7FFFFFFF, "uint64_t( interval_seconds ) * ( emission_count - 1 ) + uint64_t( "
                      "schedule_time.sec_since_epoch() ) <= std::numeric_limits< int32_t >::max()",
                      "Schedule end time overflow")
            fc_assert(f["rep_time"] <= end, "rep_time <= schedule_time + fc::seconds( uint64_t( interval_seconds ) "
                      "* ( emission_count - 1 ) )", "Right endpoint time cannot be after the schedule end time")
    fc_assert(f["lep_abs_amount"] >= 0, "lep_abs_amount >= 0", "Left endpoint cannot have negative emission")
    fc_assert(f["rep_abs_amount"] >= 0, "rep_abs_amount >= 0", "Right endpoint cannot have negative emission")
    fc_assert(f["lep_abs_amount"] > 0 or f["lep_rel_amount_numerator"] > 0 or f["rep_abs_amount"] > 0
              or f["rep_rel_amount_numerator"] > 0, "lep_abs_amount > 0 || lep_rel_amount_numerator > 0 || "
              "rep_abs_amount > 0 || rep_rel_amount_numerator > 0",
              "An emission operation must have positive non-zero emission")
    for name, _ in units:
        if is_valid_account_name(name):
            fc_assert(name != TREASURY_ACCOUNT, "name != STEEM_TREASURY_ACCOUNT",
                      f"Invalid emission destination, cannot emit to the treasury account {TREASURY_ACCOUNT}")
            fc_assert(name != NULL_ACCOUNT, "name != STEEM_NULL_ACCOUNT",
                      f"Invalid emission destination, cannot emit to {NULL_ACCOUNT}")


# ------------------------------------------------------------------ evaluators

def _controlled_token(db: Db, f: dict[str, Any]) -> SmtToken:
    """smt_evaluator.cpp:18-58 common_pre_setup_evaluation."""
    symbol: NaiSymbol = f["symbol"]
    token = db.smt_tokens.get(symbol.data)
    fc_assert(token is not None and token.symbol == symbol, "smt != nullptr",
              f"SMT numerical asset identifier {symbol_json(symbol)} not found")
    fc_assert(token.control_account == f["control_account"], "smt->control_account == o.control_account",
              f"The account {f['control_account']} does NOT control the SMT {symbol_json(symbol)}")
    fc_assert(token.phase == "setup", "smt->phase < smt_phase::setup_completed",
              "SMT pre-setup operation no longer allowed after setup phase is over")
    db.touch(db.smt_tokens, symbol.data)
    return token


def apply_smt_create(ctx: EvalContext, f: dict[str, Any]) -> None:
    db, symbol, fee = ctx.db, f["symbol"], f["smt_creation_fee"]
    get_account(db, f["control_account"])
    existing = db.smt_tokens.get(symbol.data)
    ticker = f["desired_ticker"][:8]
    if fee.amount > 0:
        fc_assert(existing is None, "smt == nullptr", f"SMT {symbol.nai} has already been created.")
        fc_assert(symbol.data in db.g.nai_pool, "_db.get< nai_pool_object >().contains( o.symbol )",
                  "Cannot create an SMT that didn't come from the NAI pool.")
        required = SMT_CREATION_FEE if fee.symbol == "SBD" else \
            Asset(SMT_CREATION_FEE.amount * MEDIAN_PRICE_QUOTE_STEEM // MEDIAN_PRICE_BASE_SBD, "STEEM")
        fc_assert(fee == required, "o.smt_creation_fee == creation_fee",
                  f"Fee of {_asset_json(fee)} does not match the creation fee of {_asset_json(required)}")
        adjust_balance(db, f["control_account"], -fee)
        adjust_balance(db, NULL_ACCOUNT, fee)
        g = db.globals_mut()
        g.nai_pool = [d for d in g.nai_pool if d != symbol.data]
        db.touch(db.smt_tokens, symbol.data)
        db.smt_tokens[symbol.data] = SmtToken(symbol, f["control_account"], ticker)
        return
    fc_assert(existing is not None, "smt != nullptr", "Cannot reset a non-existent SMT. Did you forget to specify "
              "the creation fee?")
    fc_assert(existing.control_account == f["control_account"], "smt->control_account == o.control_account",
              f"You do not control this SMT. Control Account: {existing.control_account}")
    fc_assert(existing.phase == "setup", "smt->phase == smt_phase::setup",
              f"SMT cannot be reset if setup is completed. Phase: {existing.phase}")
    fc_assert(not any(d == symbol.data for d, _ in db.smt_emissions), "emission == nullptr",
              "Cannot reset an SMT that has existing token emissions.")
    db.touch(db.smt_tokens, symbol.data)
    db.smt_tokens[symbol.data] = SmtToken(symbol, f["control_account"], ticker)


def _asset_json(asset: Asset) -> str:
    return json.dumps(asset.nai(), separators=(",", ":"))


def apply_smt_setup(ctx: EvalContext, f: dict[str, Any]) -> None:
    token = _controlled_token(ctx.db, f)
    if f["steem_satoshi_min"] > 0:  # the devnet has no ICO tiers (smt_evaluator.cpp:167-241)
        fc_assert(False, "ico_tiers.size() > 0", f"An SMT with a Steem Satoshi Minimum of "
                  f"{f['steem_satoshi_min']} cannot succeed without an ICO tier.")
    token.phase = "setup_completed"
    for name in ("max_supply", "contribution_begin_time", "contribution_end_time", "launch_time",
                 "steem_satoshi_min", "min_unit_ratio", "max_unit_ratio"):
        setattr(token, name, f[name])


def apply_smt_set_setup_parameters(ctx: EvalContext, f: dict[str, Any]) -> None:
    token = _controlled_token(ctx.db, f)
    for tag, flag in f["setup_parameters"]:
        if tag == 0:
            token.allow_voting = flag


def apply_smt_setup_emissions(ctx: EvalContext, f: dict[str, Any]) -> None:
    db = ctx.db
    token = _controlled_token(db, f)
    data = token.symbol.data
    mine = sorted(t for d, t in db.smt_emissions if d == data)
    if f["remove"]:
        fc_assert((data, f["schedule_time"]) in db.smt_emissions, "emission != nullptr",
                  f"Could not find token emission for the given SMT: {symbol_json(token.symbol)}")
        fc_assert(f["schedule_time"] == mine[-1], "last_emission->schedule_time == o.schedule_time",
                  "SMT emissions must be removed from latest to earliest, last emission: "
                  f"{fmt_time(mine[-1])}. Received: {fmt_time(f['schedule_time'])}")
        db.touch(db.smt_emissions, (data, f["schedule_time"]))
        del db.smt_emissions[(data, f["schedule_time"])]
        return
    fc_assert(f["schedule_time"] > ctx.now, "o.schedule_time > _db.head_block_time()",
              "Emissions schedule time must be in the future")
    if mine:
        last = db.smt_emissions[(data, mine[-1])]
        fc_assert(last.emission_count != EMIT_INDEFINITELY, "last_emission->emission_count != SMT_EMIT_INDEFINITELY",
                  "Cannot add token emission when the prior emission is indefinite.")
        end = last.schedule_time + last.interval_seconds * (last.emission_count - 1)
        fc_assert(f["schedule_time"] >= end + EMISSION_MIN_INTERVAL_SECONDS,
                  "o.schedule_time >= last_emission_time + SMT_EMISSION_MIN_INTERVAL_SECONDS",
                  f"New token emissions must begin no earlier than {EMISSION_MIN_INTERVAL_SECONDS} seconds after "
                  f"the last emission. Last emission time: {fmt_time(end)}")
    for name, _ in f["emissions_unit"]["token_unit"]:
        if is_valid_account_name(name):
            fc_assert(name in db.accounts, "_db.find< account_object, by_name >( name ) != nullptr",
                      f"Invalid emission destination, account {name} must exist")
    key = (data, f["schedule_time"])
    db.touch(db.smt_emissions, key)
    db.smt_emissions[key] = Emission(
        data, f["schedule_time"], list(f["emissions_unit"]["token_unit"]), f["interval_seconds"],
        f["emission_count"], f["lep_time"], f["rep_time"], f["lep_abs_amount"], f["rep_abs_amount"],
        f["lep_rel_amount_numerator"], f["rep_rel_amount_numerator"], f["rel_amount_denom_bits"],
        f["floor_emissions"])


SMT_VALIDATORS: dict[str, Callable[[dict[str, Any]], None]] = {
    "smt_create": validate_smt_create, "smt_setup": validate_smt_setup,
    "smt_set_setup_parameters": validate_smt_set_setup_parameters,
    "smt_setup_emissions": validate_smt_setup_emissions,
}
SMT_EVALUATORS: dict[str, Callable[[EvalContext, dict[str, Any]], None]] = {
    "smt_create": apply_smt_create, "smt_setup": apply_smt_setup,
    "smt_set_setup_parameters": apply_smt_set_setup_parameters,
    "smt_setup_emissions": apply_smt_setup_emissions,
}


# ------------------------------------------------------------------ launch and emissions (per block)

def advance(db: Db, now: int) -> None:
    """Required actions up to ``now``: ico at begin, ico_completed at end (no tiers: nothing
    contributed, steem_satoshi_min is 0), launch_success at launch; then due emissions."""
    for data, token in list(db.smt_tokens.items()):
        if token.phase in ("setup", "launch_failed", "launch_success"):
            continue
        phase = token.phase
        if phase == "setup_completed" and now >= token.contribution_begin_time:
            phase = "ico"
        if phase == "ico" and now >= token.contribution_end_time:
            phase = "ico_completed"
        if phase == "ico_completed" and now >= token.launch_time:
            phase = "launch_success"
        if phase != token.phase:
            db.touch(db.smt_tokens, data)
            token.phase = phase
    for key, emission in sorted(db.smt_emissions.items()):
        token = db.smt_tokens.get(emission.data)
        if token is None or token.phase != "launch_success":
            continue
        while emission.emitted < emission.emission_count:
            when = emission.schedule_time + emission.emitted * emission.interval_seconds
            if when > now:
                break
            db.touch(db.smt_emissions, key)
            db.touch(db.smt_tokens, emission.data)
            emission.emitted += 1
            _emit(db, token, emission, when)


def _interpolate(now: int, lep_time: int, rep_time: int, left: int, right: int) -> int:
    if now <= lep_time:
        return left
    if now >= rep_time:
        return right
    return left + (right - left) * (now - lep_time) // (rep_time - lep_time)


def _emit(db: Db, token: SmtToken, e: Emission, when: int) -> None:
    """util/smt_token.cpp:100-156: max (min if floor) of the absolute and relative amounts, capped at
    max_supply; each target gets units/total of it; nothing when the amount is below the unit sum."""
    absolute = _interpolate(when, e.lep_time, e.rep_time, e.lep_abs_amount, e.rep_abs_amount)
    rel = _interpolate(when, e.lep_time, e.rep_time, e.lep_rel, e.rep_rel)
    relative = (token.current_supply * rel) >> e.denom_bits
    amount = min(absolute, relative) if e.floor_emissions else max(absolute, relative)
    amount = min(amount, token.max_supply - token.current_supply)
    total_units = sum(units for _, units in e.token_unit)
    if amount < total_units or amount <= 0:
        return
    per_unit = amount // total_units
    for name, units in e.token_unit:
        share = per_unit * units
        if name in POOL_TARGETS:
            token.pools[name] += share
        else:
            key = (name, token.symbol.data)
            db.touch(db.smt_balances, key)
            db.smt_balances[key] = db.smt_balances.get(key, 0) + share
        token.current_supply += share


def balance_of(db: Db, account: str, symbol: NaiSymbol) -> Asset:
    return smt_asset(db.smt_balances.get((account, symbol.data), 0), symbol)
