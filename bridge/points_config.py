"""``[points]``: the site's rules for turning members' points into tokens (off by default).

    [points]
    enabled = true
    output = "steem-engine"        # or "hive-engine" (custom_json id ssc-mainnet1 / ssc-mainnet-hive),
                                   # or "smt": a transfer of the SMT ``nai`` per member (mode transfer)
    symbol = "BLOG"                # the sidechain token
    precision = 3                  # the token's precision (decimals, 0..8)
    rate = "0.1"                   # token units per point (exact decimal)
    mode = "issue"                 # "issue" (account is the token's issuer) or "transfer"
    account = "blog-treasury"      # issuer / treasury; its ACTIVE key signs (WPSB_ACTIVE_KEY_...)
    point_types = ["mycred_default"]   # myCRED ctype / GamiPress points type; [] = all
    refs = ["publishing_content", "approved_comment", "points_award"]  # reasons; [] = all
    minimum = "1"                  # per member and batch, token units
    member_daily_cap = "100"       # token units per member per UTC day; "0" = none
    site_daily_cap = "5000"        # token units per site per UTC day; "0" = none
    cadence = "tick"               # "tick" or "daily" (once a day from daily_at, UTC hour)
    unlinked = "hold"              # members with no linked account: "hold" until they link, or "forfeit"

Points the bridge itself awards for chain votes (ref ``steem_vote``) never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from mappings.smt_payout import SmtOutput
from mappings.tokens import HIVE_ENGINE_MAX_ACTIONS, SIDECHAIN_IDS, PayoutRules, TokenOutput

NAI_RE = re.compile(r"^@@[0-9]{9}$")
SYMBOL_RE = re.compile(r"^[A-Z]{1,10}(\.[A-Z]{1,10})?$")
ACCOUNT_RE = re.compile(r"^[a-z][a-z0-9-]{1,14}[a-z0-9](\.[a-z][a-z0-9-]{1,14}[a-z0-9])*$")


@dataclass(frozen=True)
class PointsSettings:
    enabled: bool = False
    output: str = "steem-engine"
    symbol: str = ""
    precision: int = 3
    rate: str = "1"
    mode: str = "issue"
    account: str = ""
    point_types: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    minimum: str = "0"
    member_daily_cap: str = "0"
    site_daily_cap: str = "0"
    cadence: str = "tick"
    daily_at: int = 0
    max_actions: int = 0  # per transaction; 0 = the byte limit only (Hive-Engine: 20)
    unlinked: str = "hold"
    nai: str = ""  # output "smt": the SMT's NAI ("@@" + 9 digits)

    def token_output(self, site: str) -> TokenOutput | None:
        """The SMT output for ``output = "smt"``; None: the sidechain's custom_json."""
        if self.output != "smt":
            return None
        return SmtOutput(site=site, treasury=self.account, nai=self.nai,
                         precision=self.precision)

    def rules(self, site: str) -> PayoutRules:
        hive = self.output == "hive-engine"
        return PayoutRules(
            site=site, symbol=self.symbol, precision=self.precision, rate=Decimal(self.rate),
            account=self.account, mode=self.mode,
            sidechain_id=SIDECHAIN_IDS.get(self.output, ""),
            point_types=self.point_types, refs=self.refs, minimum=Decimal(self.minimum),
            member_daily_cap=Decimal(self.member_daily_cap),
            site_daily_cap=Decimal(self.site_daily_cap), cadence=self.cadence,
            daily_at=self.daily_at,
            max_actions=self.max_actions or (HIVE_ENGINE_MAX_ACTIONS if hive else 0),
            unlinked=self.unlinked)


def read_points(reader: Any, sidechain_url: str, api: str = "rest") -> PointsSettings:
    """``[points]`` through the config reader (``bridge.config._Reader``), every problem
    recorded in ``reader.problems``."""
    points: PointsSettings = reader.plain("points", PointsSettings)
    if not points.enabled:
        return points
    problems: list[str] = reader.problems
    choices = {"output": (*SIDECHAIN_IDS, "smt"), "mode": ("issue", "transfer"),
               "cadence": ("tick", "daily"), "unlinked": ("hold", "forfeit")}
    for key, allowed in choices.items():
        if getattr(points, key) not in allowed:
            problems.append(f"points.{key}: expected one of {', '.join(allowed)}, got "
                            f"{getattr(points, key)!r}")
    if not SYMBOL_RE.match(points.symbol):
        problems.append(f"points.symbol: expected the token's symbol (capital letters, up to 10), "
                        f"got {points.symbol!r}")
    if not 0 <= points.precision <= 8:
        problems.append(f"points.precision: expected 0..8 (the token's precision), got "
                        f"{points.precision}")
    if not ACCOUNT_RE.match(points.account):
        problems.append(f"points.account: expected the issuer's or treasury's chain account, got "
                        f"{points.account!r}")
    if not 0 <= points.daily_at <= 23:
        problems.append(f"points.daily_at: expected an hour 0..23 (UTC), got {points.daily_at}")
    for key in ("rate", "minimum", "member_daily_cap", "site_daily_cap"):
        value = getattr(points, key)
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal(-1)
        if not number.is_finite() or number < 0 or (key == "rate" and number == 0):
            problems.append(f"points.{key}: expected a non-negative decimal string such as "
                            f"\"0.5\", got {value!r}")
    if api != "rest":
        problems.append("points.enabled: the points feed is read over the REST API; it does not "
                        "work with [wordpress] api = \"xmlrpc\"")
    if points.output == "smt":
        if not NAI_RE.match(points.nai):
            problems.append(f"points.nai: output \"smt\" needs the SMT's NAI (\"@@\" and 9 "
                            f"digits, e.g. \"@@422838704\"), got {points.nai!r}")
        if points.mode != "transfer":
            problems.append("points.mode: SMTs have no issue operation; output \"smt\" pays by "
                            "transfer from a treasury (mode = \"transfer\")")
    elif not sidechain_url:
        problems.append("chain.sidechain_url: [points] pays through a sidechain; set its JSON-RPC "
                        "URL (e.g. https://api.steem-engine.com/rpc/)")
    return points


@dataclass(frozen=True)
class AnchorSettings:
    """``[anchor]``: anchor-only mode (no token), independent of ``[points]``: every ``every``
    minutes, the Merkle root of the points feed's entries since the last anchor is posted as a
    ``wpsb-anchor`` custom_json by ``account`` (its POSTING key, from the keys file).

        [anchor]
        enabled = true
        account = "blog-ledger"
        every = 60          # minutes between anchors (0 = every tick with new entries)
        max_entries = 5000  # per anchor; a longer backlog is anchored over the next ticks
    """

    enabled: bool = False
    account: str = ""
    every: int = 60
    max_entries: int = 5000


def read_anchor(reader: Any, api: str = "rest") -> AnchorSettings:
    """``[anchor]`` through the config reader, every problem recorded in ``reader.problems``."""
    anchor: AnchorSettings = reader.plain("anchor", AnchorSettings)
    if not anchor.enabled:
        return anchor
    problems: list[str] = reader.problems
    if not ACCOUNT_RE.match(anchor.account):
        problems.append(f"anchor.account: expected the chain account that posts the anchors "
                        f"(its posting key in the keys file), got {anchor.account!r}")
    if anchor.every < 0:
        problems.append(f"anchor.every: expected minutes between anchors (0 or more), got "
                        f"{anchor.every}")
    if anchor.max_entries < 1:
        problems.append(f"anchor.max_entries: expected 1 or more, got {anchor.max_entries}")
    if api != "rest":
        problems.append("anchor.enabled: the points feed is read over the REST API; it does not "
                        "work with [wordpress] api = \"xmlrpc\"")
    return anchor
