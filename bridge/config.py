"""Settings: one TOML file, overridden by environment variables; secrets only from env or 0600 files.

Precedence: built-in defaults < TOML file < ``WPSB__SECTION__KEY`` environment variables.
Secrets never come from the TOML file itself:
    WordPress application password: env ``WPSB_WORDPRESS_APP_PASSWORD`` or the file named by
        ``[wordpress] app_password_file`` (mode 0600).
    Posting keys: env ``WPSB_POSTING_KEY_<ACCOUNT>`` (account upper-cased, ``-`` and ``.`` as
        ``_``) or the TOML file named by ``[keys] file`` (mode 0600) with ``account = "5K..."``
        lines. ``[keys] app_account`` names one account whose posting key signs for every author
        who granted it posting authority.
Validation collects every problem, each saying where the value was looked for; what the file
may hold (known settings, no secrets, a safe site id) is checked by ``bridge.config_rules``.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from bridge.config_rules import (
    ENV_PREFIX,
    check_env_settings,
    check_file_settings,
    check_site_id,
    env_name_for_account,
)
from bridge.errors import ConfigError
from bridge.kinds import Authority
from bridge.logs import redact, register_secret
from bridge.model import Beneficiary
from bridge.points_config import PointsSettings, read_points

DEFAULT_PATHS = (Path("wp-steem-bridge.toml"), Path("/etc/wp-steem-bridge/config.toml"))
ACCOUNT_RE = re.compile(r"^[a-z][a-z0-9-]{1,14}[a-z0-9](\.[a-z][a-z0-9-]{1,14}[a-z0-9])*$")
CHAIN_ID_RE = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_STATE_FILE = "wp-steem-bridge.db"
# settings with a fixed set of values; the first is the default (it must match the dataclass)
MAPPING_CHOICES = {"payout": ("50/50", "power_up", "decline"), "body_format": ("html", "markdown"),
                   "tags_from": ("tags", "categories", "both"), "oversize": ("truncate", "fail"),
                   "on_refused_delete": ("keep", "tombstone")}


class Secret(str):
    """A string that never shows itself in repr, logs or tracebacks."""

    def __new__(cls, value: str = "") -> Secret:
        register_secret(value)
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return "Secret('***')"


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
class Keys:
    """Posting and active keys by account, each from its own source. ``repr`` never shows a
    key."""

    posting: Mapping[str, Secret] = field(default_factory=dict, repr=False)
    app_account: str = ""
    active: Mapping[str, Secret] = field(default_factory=dict, repr=False)

    def signing_key(self, account: str, authority: Authority = Authority.POSTING
                    ) -> Secret | None:
        """Posting: the account's own key, else the app account's (authority granted on
        chain). Active: only the account's own active key (token treasuries, transfers)."""
        if authority is Authority.ACTIVE:
            return self.active.get(account)
        if account in self.posting:
            return self.posting[account]
        if self.app_account and self.app_account in self.posting:
            return self.posting[self.app_account]
        return None


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
    points: PointsSettings = field(default_factory=PointsSettings)  # points -> tokens


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
    reader = _Reader(raw, config_file, problems, secrets_needed=secrets)
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


class _Reader:
    """Typed access to the merged raw config that records problems instead of raising."""

    def __init__(self, raw: dict[str, Any], path: Path | None, problems: list[str], *,
                 secrets_needed: bool = True) -> None:
        self.raw, self.path, self.problems = raw, path, problems
        self.secrets_needed = secrets_needed

    def where(self, section: str, key: str) -> str:
        env = f"{ENV_PREFIX}{section.upper()}__{key.upper()}"
        file = f"{self.path} [{section}] {key}" if self.path else f"[{section}] {key}"
        return f"looked in {file} and env {env}"

    def plain(self, section: str, cls: type[Any], **given: Any) -> Any:
        """An instance of settings dataclass ``cls`` whose fields not in ``given`` are read from
        ``[section]`` under their own names: the dataclass is the one source of every default
        and type; a field without a default is required."""
        values = dict(given)
        for item in fields(cls):
            if item.name in values:
                continue
            if item.default is not MISSING:
                default = item.default
            elif item.default_factory is not MISSING:
                default = item.default_factory()
            else:  # required: a string or a tuple of strings
                wanted = tuple if "tuple" in str(item.type) else str
                values[item.name] = self.get(section, item.name, wanted, required=True) \
                    or wanted()
                continue
            kind = float if isinstance(default, float) else type(default)
            values[item.name] = self.get(section, item.name, str if default is None else kind,
                                         default)
        return cls(**values)

    def get(self, section: str, key: str, kind: type, default: Any = None,
            required: bool = False) -> Any:
        value = self.raw.get(section, {}).get(key, default)
        if value is None:
            if required:
                self.problems.append(f"{section}.{key}: missing ({self.where(section, key)})")
            return default
        if kind is float and isinstance(value, int):
            value = float(value)
        if kind is tuple and isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, kind):
            self.problems.append(f"{section}.{key}: expected {kind.__name__}, got {value!r}")
            return default
        return value


def _build(r: _Reader, env: Mapping[str, str], config_file: Path | None) -> Settings | None:
    base_dir = config_file.parent if config_file else Path.cwd()
    app_password = _app_password(r, env, base_dir) if r.secrets_needed else Secret("")
    wordpress = r.plain("wordpress", WordPressSettings, app_password=app_password)
    check_site_id(wordpress.site_id, r.problems)
    if wordpress.api not in WORDPRESS_APIS:
        r.problems.append(f"wordpress.api: expected rest or xmlrpc, got {wordpress.api!r}")
    chain = r.plain("chain", ChainSettings)
    _check_chain(r, chain)
    keys = _keys(r, env, base_dir) if r.secrets_needed else \
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
                    webhook_secret=_webhook_secret(r, env, base_dir, required=bool(listen))
                    if r.secrets_needed else Secret(""),
                    mirror_extras=_mirror_extras(r),
                    points=read_points(r, chain.sidechain_url, wordpress.api))


def _mirror_extras(r: _Reader) -> MirrorExtras:
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


def _check_chain(r: _Reader, chain: ChainSettings) -> None:
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


def _app_password(r: _Reader, env: Mapping[str, str], base_dir: Path) -> Secret:
    if env.get("WPSB_WORDPRESS_APP_PASSWORD"):
        return Secret(env["WPSB_WORDPRESS_APP_PASSWORD"])
    file = r.get("wordpress", "app_password_file", str, None)
    if file:
        text = _read_secret_file(r, "wordpress.app_password_file", _resolve(base_dir, file))
        return Secret(text.strip())
    r.problems.append("wordpress.app_password: missing (looked in env "
                      "WPSB_WORDPRESS_APP_PASSWORD and [wordpress] app_password_file)")
    return Secret("")


def _webhook_secret(r: _Reader, env: Mapping[str, str], base_dir: Path,
                    required: bool) -> Secret:
    if env.get("WPSB_WEBHOOK_SECRET"):
        return Secret(env["WPSB_WEBHOOK_SECRET"])
    file = r.get("webhook", "secret_file", str, None)
    if file:
        return Secret(_read_secret_file(r, "webhook.secret_file", _resolve(base_dir, file))
                      .strip())
    if required:
        r.problems.append("webhook.secret: missing (looked in env WPSB_WEBHOOK_SECRET and "
                          "[webhook] secret_file); the webhook refuses unsigned pokes")
    return Secret("")


def _keys(r: _Reader, env: Mapping[str, str], base_dir: Path) -> Keys:
    """Posting keys (env WPSB_POSTING_KEY_<ACCOUNT>, [keys] file) and active keys (env
    WPSB_ACTIVE_KEY_<ACCOUNT>, [keys] active_file): two sources that never share a file."""
    posting = _key_source(r, env, base_dir, "file", "WPSB_POSTING_KEY_")
    active = _key_source(r, env, base_dir, "active_file", "WPSB_ACTIVE_KEY_")
    files = [r.get("keys", name, str, None) for name in ("file", "active_file")]
    if files[0] and files[1] and _resolve(base_dir, files[0]) == _resolve(base_dir, files[1]):
        r.problems.append("keys.active_file: active keys need their own file, not the posting "
                          "keys' file (a posting-only host then never holds an active key)")
    app_account = r.get("keys", "app_account", str, "")
    if not posting:
        r.problems.append("keys: no posting key configured (looked in env WPSB_POSTING_KEY_<ACCOUNT> "
                          "and the [keys] file)")
    if app_account and app_account not in posting:
        r.problems.append(f"keys.app_account: no posting key for @{app_account} "
                          f"(env WPSB_POSTING_KEY_{env_name_for_account(app_account)} or the [keys] file)")
    return Keys(posting=posting, app_account=app_account, active=active)


def _key_source(r: _Reader, env: Mapping[str, str], base_dir: Path, setting: str,
                env_prefix: str) -> dict[str, Secret]:
    keys: dict[str, Secret] = {}
    file = r.get("keys", setting, str, None)
    if file:
        text = _read_secret_file(r, f"keys.{setting}", _resolve(base_dir, file))
        try:
            for account, wif in tomllib.loads(text).items():
                keys[str(account)] = Secret(str(wif))
        except tomllib.TOMLDecodeError:
            r.problems.append(f"keys.{setting}: not valid TOML (expected lines like "
                              f"account = \"5K...\")")
    for name, value in env.items():
        if name.startswith(env_prefix) and value:
            keys[_account_from_env(name.removeprefix(env_prefix))] = Secret(value)
    return keys


def _mapping(r: _Reader) -> MappingSettings:
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


def _read_secret_file(r: _Reader, name: str, path: Path) -> str:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            r.problems.append(f"{name}: {path} is readable by others (mode {mode:04o}); "
                              f"run: chmod 600 {path}")
            return ""
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        r.problems.append(f"{name}: file {path} does not exist")
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        r.problems.append(f"{name}: cannot read {path} ({type(exc).__name__})")
        return ""
    register_secret(text.strip())
    return text


def _resolve(base_dir: Path, file: str) -> Path:
    path = Path(file).expanduser()
    return path if path.is_absolute() else base_dir / path


def _account_from_env(suffix: str) -> str:
    return suffix.lower().replace("__", ".").replace("_", "-")


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
