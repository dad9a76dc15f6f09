"""Settings: one TOML file, overridden by environment variables; secrets only from env or 0600 files.

Precedence: built-in defaults < TOML file < ``WPSB__SECTION__KEY`` environment variables.
Secrets never come from the TOML file itself: ``bridge.config_secrets`` reads them from the
environment or 0600 files (the WordPress application password, the webhook secret, posting and
active keys, each from its own source).
Validation collects every problem, each saying where the value was looked for; what the file
may hold (known settings, no secrets, a safe site id) is checked by ``bridge.config_rules``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.config_rules import (
    ENV_PREFIX,
    Reader,
    check_env_settings,
    check_file_settings,
    check_site_id,
)
from bridge.config_secrets import (
    Keys,
    Secret,
    read_app_password,
    read_keys,
    read_webhook_secret,
)
from bridge.errors import ConfigError
from bridge.logs import redact
from bridge.model import Beneficiary
from bridge.points_config import AnchorSettings, PointsSettings, read_anchor, read_points

DEFAULT_PATHS = (Path("wp-steem-bridge.toml"), Path("/etc/wp-steem-bridge/config.toml"))
ACCOUNT_RE = re.compile(r"^[a-z][a-z0-9-]{1,14}[a-z0-9](\.[a-z][a-z0-9-]{1,14}[a-z0-9])*$")
CHAIN_ID_RE = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_STATE_FILE = "wp-steem-bridge.db"
# settings with a fixed set of values; the first is the default (it must match the dataclass)
MAPPING_CHOICES = {"payout": ("50/50", "power_up", "decline"), "body_format": ("html", "markdown"),
                   "tags_from": ("tags", "categories", "both"), "oversize": ("truncate", "fail"),
                   "on_refused_delete": ("keep", "tombstone")}


WORDPRESS_APIS = ("rest", "xmlrpc")


@dataclass(frozen=True)
class WordPressSettings:
    url: str
    user: str
    app_password: Secret = field(repr=False)
    site_id: str = "default"
    post_types: tuple[str, ...] = ("posts",)
    overlap_seconds: int = 3900  # > 1 h: site-local modified times repeat when DST ends
    published_overlap_seconds: int = 172800  # scheduled posts that WP-cron publishes late
    api: str = "rest"  # "rest" or "xmlrpc" (sites whose REST API is disabled or cut down)


@dataclass(frozen=True)
class ChainSettings:
    nodes: tuple[str, ...]
    chain_id: str
    name: str = "steem"
    tx_expiration: int = 60
    confirm_timeout: float = 15.0
    sidechain_url: str = ""  # a Steem-Engine style sidechain's JSON-RPC base; empty = none


@dataclass(frozen=True)
class MappingSettings:
    default_tags: tuple[str, ...] = ()
    max_tags: int = 5
    footer: str | None = None
    header: str = ""
    payout: str = "50/50"
    max_accepted_payout: str = "1000000.000 SBD"
    beneficiaries: tuple[Beneficiary, ...] = ()
    body_format: str = "html"
    tags_from: str = "tags"
    append_default_tags: bool = False
    tag_map: tuple[tuple[str, str], ...] = ()
    community: str = ""
    oversize: str = "truncate"
    disclose_beneficiaries: bool = False
    include_categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    publish_delay_minutes: int = 0
    include_password_protected: bool = False
    on_refused_delete: str = "keep"  # "tombstone": replace the text of a post kept on chain


@dataclass(frozen=True)
class MirrorExtras:
    """Optional parts of the rewards mirror ([mirror]); each is off by default."""

    replies_to_comments: bool = False  # chain replies -> held WordPress comments
    reply_frontend: str = "https://steemit.com"  # where a comment's author link points
    points_per_vote: int = 0  # > 0: each upvote awards this many points to the post's author
    points_plugin: str = "mycred"  # mycred | gamipress
    points_type: str = ""  # myCRED point type key / GamiPress points type slug ("" = default)


@dataclass(frozen=True)
class MomentsSettings:
    """bbPress topics (微慕 Pro's moments) as root posts ([moments]); off by default.
    ``community``: "hive-NNNNNN" puts every topic into that Steem community."""

    enabled: bool = False
    community: str = ""


@dataclass(frozen=True)
class LikesSettings:
    """Members' likes -> votes by their linked accounts ([likes]; off by default)."""

    enabled: bool = False
    weight: float = 100.0  # percent of a full vote one like is worth
    unlinked: str = "skip"  # a member without a linked account: skip, with the reason shown


@dataclass(frozen=True)
class CommentSettings:
    """[comments]: approved WordPress comments on bridged posts -> chain replies (off by
    default). ``unlinked``: a member without a linked steem_account is "skip"ped (with the
    reason), or posted for by the "app_account" ([keys] app_account) with attribution."""

    enabled: bool = False
    unlinked: str = "skip"


@dataclass(frozen=True)
class Settings:
    wordpress: WordPressSettings
    chain: ChainSettings
    keys: Keys
    mapping: MappingSettings
    state_path: Path
    interval: float = 60.0
    state_url: str = ""  # postgresql://… when the state lives in a shared PostgreSQL
    source: str = "defaults"
    mirror: bool = True  # votes, payouts and rewards back into WordPress meta
    webhook_listen: str = ""  # "127.0.0.1:8787"; empty = no webhook
    webhook_secret: Secret = field(default=Secret(""), repr=False)
    mirror_extras: MirrorExtras = field(default_factory=MirrorExtras)
    moments: MomentsSettings = field(default_factory=MomentsSettings)
    likes: LikesSettings = field(default_factory=LikesSettings)
    comments: CommentSettings = field(default_factory=CommentSettings)
    points: PointsSettings = field(default_factory=PointsSettings)  # points -> tokens
    anchor: AnchorSettings = field(default_factory=AnchorSettings)  # ledger roots on chain


def find_config_file(explicit: str | None, env: Mapping[str, str]) -> Path | None:
    if explicit:
        return Path(explicit)
    if env.get("WPSB_CONFIG"):
        return Path(env["WPSB_CONFIG"])
    return next((p for p in DEFAULT_PATHS if p.exists()), None)


def load_settings(path: str | None = None, env: Mapping[str, str] | None = None, *,
                  secrets: bool = True) -> Settings:
    """Read, merge and validate; raises ConfigError listing every problem at once.

    ``secrets=False`` is for commands that only read the state store (``status``, ``retry``):
    keys and passwords are still never taken from the config file, but missing ones are not a
    problem, so those commands work on a host (or as a user) that holds no key."""
    env = os.environ if env is None else env
    config_file = find_config_file(path, env)
    problems: list[str] = []
    raw: dict[str, Any] = {}
    if config_file is not None:
        try:
            raw = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(f"config file {config_file} does not exist")
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"config file {config_file} is not valid TOML: {exc}")
    check_file_settings(raw, config_file, problems)
    check_env_settings(env, problems)
    _apply_env_overrides(raw, env)
    reader = Reader(raw, config_file, problems, secrets_needed=secrets)
    settings = _build(reader, env, config_file)
    if problems:
        where = str(config_file) if config_file else "no config file (looked for --config, "
        where += "" if config_file else "$WPSB_CONFIG, ./wp-steem-bridge.toml, " \
                                        "/etc/wp-steem-bridge/config.toml)"
        problems = [redact(problem) for problem in problems]  # refused secrets are registered
        raise ConfigError(f"the configuration is incomplete or invalid ({where})", problems,
                          hint="fix the settings above, then run: wp-steem-bridge check")
    assert settings is not None
    return settings


def _build(r: Reader, env: Mapping[str, str], config_file: Path | None) -> Settings | None:
    base_dir = config_file.parent if config_file else Path.cwd()
    app_password = read_app_password(r, env, base_dir) if r.secrets_needed else Secret("")
    wordpress = r.plain("wordpress", WordPressSettings, app_password=app_password)
    check_site_id(wordpress.site_id, r.problems)
    if wordpress.api not in WORDPRESS_APIS:
        r.problems.append(f"wordpress.api: expected rest or xmlrpc, got {wordpress.api!r}")
    chain = r.plain("chain", ChainSettings)
    _check_chain(r, chain)
    keys = read_keys(r, env, base_dir) if r.secrets_needed else \
        Keys(app_account=r.get("keys", "app_account", str, ""))
    mapping = _mapping(r)
    state = Path(r.get("state", "path", str, DEFAULT_STATE_FILE))
    state = state if state.is_absolute() else base_dir / state
    state_url = r.get("state", "url", str, _default(Settings, "state_url"))
    if state_url and not state_url.startswith(("postgresql://", "postgres://")):
        r.problems.append("state.url: expected a postgresql:// URL (use [state] path for "
                          "SQLite)")
    listen = r.get("webhook", "listen", str, _default(Settings, "webhook_listen"))
    return Settings(wordpress=wordpress, chain=chain, keys=keys, mapping=mapping,
                    state_path=state,
                    interval=r.get("sync", "interval", float, _default(Settings, "interval")),
                    state_url=state_url,
                    source=str(config_file) if config_file else "environment",
                    mirror=r.get("mirror", "enabled", bool, _default(Settings, "mirror")),
                    webhook_listen=listen,
                    webhook_secret=read_webhook_secret(r, env, base_dir, required=bool(listen))
                    if r.secrets_needed else Secret(""),
                    mirror_extras=_mirror_extras(r), likes=_likes(r, wordpress.api),
                    moments=_moments(r), comments=_comments(r, keys),
                    points=read_points(r, chain.sidechain_url, wordpress.api),
                    anchor=read_anchor(r, wordpress.api))


def _moments(r: Reader) -> MomentsSettings:
    moments: MomentsSettings = r.plain("moments", MomentsSettings)
    if moments.community and not re.fullmatch(r"hive-[0-9]{1,7}", moments.community):
        r.problems.append(f"moments.community: expected a community name like hive-123456, "
                          f"got {moments.community!r}")
    return moments


def _likes(r: Reader, api: str) -> LikesSettings:
    likes: LikesSettings = r.plain("likes", LikesSettings)
    if likes.enabled and api == "xmlrpc":
        r.problems.append("likes.enabled: the like-events feed is read over REST; it needs "
                          "[wordpress] api = \"rest\"")
    if not 0 < likes.weight <= 100:
        r.problems.append(f"likes.weight: expected a percent above 0 and at most 100, got "
                          f"{likes.weight!r}")
    if likes.unlinked != "skip":
        r.problems.append(f"likes.unlinked: expected \"skip\", got {likes.unlinked!r}")
    return likes


def _comments(r: Reader, keys: Keys) -> CommentSettings:
    comments: CommentSettings = r.plain("comments", CommentSettings)
    if comments.unlinked not in ("skip", "app_account"):
        r.problems.append(f"comments.unlinked: expected skip or app_account, got "
                          f"{comments.unlinked!r}")
    elif comments.enabled and comments.unlinked == "app_account" and not keys.app_account:
        r.problems.append("comments.unlinked: \"app_account\" needs [keys] app_account")
    return comments


def _mirror_extras(r: Reader) -> MirrorExtras:
    extras: MirrorExtras = r.plain("mirror", MirrorExtras)
    if not extras.reply_frontend.startswith(("http://", "https://")):
        r.problems.append(f"mirror.reply_frontend: expected an http(s) URL, got "
                          f"{extras.reply_frontend!r}")
    if extras.points_plugin not in ("mycred", "gamipress"):
        r.problems.append(f"mirror.points_plugin: expected mycred or gamipress, got "
                          f"{extras.points_plugin!r}")
    if extras.points_per_vote < 0:
        r.problems.append("mirror.points_per_vote: expected 0 (off) or more")
    if extras.points_per_vote and extras.points_plugin == "gamipress" and not extras.points_type:
        r.problems.append("mirror.points_type: GamiPress needs the slug of a points type")
    return extras


def _check_chain(r: Reader, chain: ChainSettings) -> None:
    if not 10 <= chain.tx_expiration <= 3600:
        r.problems.append(f"chain.tx_expiration: {chain.tx_expiration} is outside 10..3600 "
                          f"seconds (the node refuses expirations more than an hour ahead)")
    if chain.chain_id and not CHAIN_ID_RE.match(chain.chain_id):
        r.problems.append(f"chain.chain_id: expected 64 hex digits, got {chain.chain_id!r}")
    for node in chain.nodes:
        if not str(node).startswith(("http://", "https://")):
            r.problems.append(f"chain.nodes: {node!r} is not an http(s) URL (websocket nodes "
                              f"do not work with beem on Python >= 3.9)")
    if chain.sidechain_url and not chain.sidechain_url.startswith(("http://", "https://")):
        r.problems.append(f"chain.sidechain_url: expected the sidechain's http(s) JSON-RPC URL "
                          f"(e.g. https://api.steem-engine.com/rpc/), got {chain.sidechain_url!r}")
    if chain.name not in ("steem", "hive"):
        r.problems.append(f"chain.name: expected 'steem' or 'hive', got {chain.name!r}")


def _mapping(r: Reader) -> MappingSettings:
    beneficiaries = []
    for item in r.get("mapping", "beneficiaries", tuple, ()):
        if not isinstance(item, dict) or "account" not in item or "weight" not in item:
            r.problems.append("mapping.beneficiaries: each entry needs account and weight")
            continue
        try:
            beneficiaries.append(Beneficiary(str(item["account"]), int(item["weight"])))
        except (TypeError, ValueError):
            r.problems.append(f"mapping.beneficiaries: weight {item['weight']!r} of "
                              f"{item['account']} is not a whole number of basis points")
    tag_map = r.get("mapping", "tag_map", dict, {})
    mapping: MappingSettings = r.plain(
        "mapping", MappingSettings, beneficiaries=tuple(beneficiaries),
        tag_map=tuple((str(k), str(v)) for k, v in tag_map.items()))
    for key, allowed in MAPPING_CHOICES.items():
        if getattr(mapping, key) not in allowed:
            r.problems.append(f"mapping.{key}: expected one of {', '.join(allowed)}, "
                              f"got {getattr(mapping, key)!r}")
    return mapping


def _default(cls: type[Any], name: str) -> Any:
    return cls.__dataclass_fields__[name].default


def _apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> None:
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = name.removeprefix(ENV_PREFIX).lower().split("__")
        if len(parts) != 2:
            continue
        raw.setdefault(parts[0], {})[parts[1]] = _parse_env_value(value)


def _parse_env_value(value: str) -> Any:
    """TOML value syntax when it parses (lists, numbers, booleans), else the plain string."""
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value
