"""What the config file may hold: the known settings, no secrets, and a safe site id.

Owns the checks ``bridge.config`` runs before it reads any value:
    refused secrets  -- posting keys in ``[keys]``, ``[webhook] secret``, ``[wordpress]
                        app_password``/``password``, and any value anywhere in the file shaped
                        like a WIF private key, a WordPress application password or a URL with
                        a password in it. Each is named (``section.key``) with where it belongs;
                        the value is never echoed and is registered for log scrubbing.
    unknown settings -- a section or key nobody reads is a problem with a "did you mean", not a
                        silent no-op (the same for ``WPSB__SECTION__KEY`` environment variables).
    site ids         -- 1 to 32 of ``a-z``, ``0-9`` and ``-``: the id scopes a site's rows in a
                        shared state store.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from bridge.logs import SECRET_PATTERNS, register_secret

ENV_PREFIX = "WPSB__"
SITE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
SITE_ID_RULE = "use 1 to 32 characters of a-z, 0-9 and '-', starting with a letter or digit"

KNOWN_SETTINGS: dict[str, frozenset[str]] = {
    "wordpress": frozenset({"url", "user", "app_password_file", "site_id", "post_types",
                            "overlap_seconds", "published_overlap_seconds", "api"}),
    "chain": frozenset({"nodes", "chain_id", "name", "tx_expiration", "confirm_timeout",
                        "sidechain_url"}),
    "keys": frozenset({"file", "active_file", "app_account"}),
    "mapping": frozenset({
        "default_tags", "max_tags", "footer", "header", "payout", "max_accepted_payout",
        "beneficiaries", "body_format", "tags_from", "append_default_tags", "tag_map",
        "community", "oversize", "disclose_beneficiaries", "include_categories",
        "exclude_categories", "publish_delay_minutes", "include_password_protected",
        "on_refused_delete"}),
    "state": frozenset({"path", "url"}),
    "sync": frozenset({"interval"}),
    "mirror": frozenset({"enabled", "replies_to_comments", "reply_frontend", "points_per_vote",
                         "points_plugin", "points_type"}),
    "webhook": frozenset({"listen", "secret_file"}),
    "moments": frozenset({"enabled", "community"}),
    "points": frozenset({"enabled", "output", "symbol", "precision", "rate", "mode", "account",
                         "point_types", "refs", "minimum", "member_daily_cap", "site_daily_cap",
                         "cadence", "daily_at", "max_actions", "unlinked", "nai"}),
    "likes": frozenset({"enabled", "weight", "unlinked"}),
    "comments": frozenset({"enabled", "unlinked"}),
    "anchor": frozenset({"enabled", "account", "every", "max_entries"}),
}

APP_PASSWORD_HOME = "env WPSB_WORDPRESS_APP_PASSWORD or [wordpress] app_password_file (mode 0600)"
WEBHOOK_SECRET_HOME = "env WPSB_WEBHOOK_SECRET or [webhook] secret_file (mode 0600)"
# settings that only ever hold a secret -> where that secret belongs
SECRET_SETTINGS = {
    ("wordpress", "app_password"): APP_PASSWORD_HOME,
    ("wordpress", "password"): APP_PASSWORD_HOME,
    ("webhook", "secret"): WEBHOOK_SECRET_HOME,
}
WIF_RE = SECRET_PATTERNS[0]
APP_PASSWORD_RE = re.compile(r"(?:[A-Za-z0-9]{4} ){5}[A-Za-z0-9]{4}")
URL_PASSWORD_RE = re.compile(r"://[^:/@\s]*:([^@/\s]+)@|[?&]password=([^&\s]+)", re.IGNORECASE)


def check_file_settings(raw: dict[str, Any], path: Path | None, problems: list[str]) -> None:
    """Refuse secrets and report unknown settings in the parsed config file. Refused secret
    settings are removed from ``raw`` so nothing downstream reads them."""
    where = f"in {path}" if path else ""
    for section, table in list(raw.items()):
        if not isinstance(table, dict):
            known = section in KNOWN_SETTINGS
            problems.append(f"{section}: expected a [{section}] table, got a single value" if known
                            else f"unknown setting {section} outside any [section] ({where})")
            continue
        if section not in KNOWN_SETTINGS:
            problems.append(_unknown(section, None, where))
            continue
        for key in list(table):
            refusal = _secret_setting(section, key)
            if refusal:
                _register_all(table.pop(key))
                what, home = refusal
                problems.append(f"{section}.{key}: {what} are not read from the config file; "
                                f"use {home}")
            elif key not in KNOWN_SETTINGS[section]:
                problems.append(_unknown(section, key, where))
    for name, value in _strings(raw):
        _refuse_secret_shapes(name, value, problems)
    for section in [s for s, table in raw.items() if not isinstance(table, dict)]:
        del raw[section]


def check_env_settings(env: Mapping[str, str], problems: list[str]) -> None:
    """The same for ``WPSB__SECTION__KEY`` variables: secrets have their own variables."""
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = name.removeprefix(ENV_PREFIX).lower().split("__")
        section, key = parts[0], ".".join(parts[1:])
        refusal = _secret_setting(section, key) if key else None
        if refusal:
            register_secret(value)
            what, home = refusal
            problems.append(f"{section}.{key} (env {name}): {what} are not read from "
                            f"WPSB__ variables; use {home}")
        elif len(parts) != 2:
            problems.append(f"env {name}: not a setting (expected WPSB__<SECTION>__<KEY>, "
                            f"e.g. WPSB__WORDPRESS__URL)")
        elif section not in KNOWN_SETTINGS or key not in KNOWN_SETTINGS[section]:
            problems.append(_unknown(section, key if section in KNOWN_SETTINGS else None,
                                     f"env {name}"))


def env_name_for_account(account: str) -> str:
    """``my-app.blog`` -> ``MY_APP__BLOG``: ``_`` stands for ``-`` and ``__`` for ``.``."""
    return account.upper().replace(".", "__").replace("-", "_")


def check_site_id(site_id: str, problems: list[str]) -> None:
    if not SITE_ID_RE.match(site_id):
        problems.append(f"wordpress.site_id: {site_id!r} is not a valid site id: {SITE_ID_RULE} "
                        f"(it scopes this site's rows in the state store; a site that already "
                        f"synced keeps its rows under the old id, so renaming it makes its "
                        f"posts look new)")


def _secret_setting(section: str, key: str) -> tuple[str, str] | None:
    """(what, where it belongs) when ``section.key`` may only ever hold a secret."""
    if section == "keys" and key not in KNOWN_SETTINGS["keys"]:
        return ("posting keys", f"env WPSB_POSTING_KEY_{env_name_for_account(key)} or the "
                                f"[keys] file (mode 0600)")
    home = SECRET_SETTINGS.get((section, key))
    return ("secrets", home) if home else None


def _refuse_secret_shapes(name: str, value: str, problems: list[str]) -> None:
    """A value shaped like a secret, whatever its setting: refused, named, never echoed."""
    section, _, key = name.partition(".")
    env = f"{ENV_PREFIX}{section.upper()}__{key.split('.')[0].split('[')[0].upper()}"
    for match in WIF_RE.finditer(value):
        register_secret(match.group(0))
        problems.append(f"{name}: holds what looks like a WIF private key (not shown); secrets "
                        f"are not read from the config file; posting keys go in env "
                        f"WPSB_POSTING_KEY_<ACCOUNT> or the [keys] file (mode 0600)")
        break
    if APP_PASSWORD_RE.fullmatch(value.strip()):
        register_secret(value)
        problems.append(f"{name}: looks like a WordPress application password (not shown); "
                        f"secrets are not read from the config file; use {APP_PASSWORD_HOME}")
    for match in URL_PASSWORD_RE.finditer(value):
        register_secret(match.group(1) or match.group(2))
        problems.append(f"{name}: the URL holds a password (not shown); secrets are not read "
                        f"from the config file; set the whole URL in env {env} instead (for "
                        f"PostgreSQL, or use ~/.pgpass or env PGPASSWORD)")
        break


def _strings(value: Any, name: str = "") -> Iterator[tuple[str, str]]:
    """Every string in the parsed file with its dotted name (``mapping.beneficiaries[0]``)."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{name}.{key}" if name else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{name}[{index}]")


def _register_all(value: Any) -> None:
    for _, text in _strings(value):
        register_secret(text)


def _unknown(section: str, key: str | None, where: str) -> str:
    where = f" ({where})" if where else ""
    if key is None:
        guess = difflib.get_close_matches(section, KNOWN_SETTINGS, n=1)
        hint = f"did you mean [{guess[0]}]?" if guess else \
            f"known sections: {', '.join(sorted(KNOWN_SETTINGS))}"
        return f"unknown section [{section}]{where}; {hint}"
    known = KNOWN_SETTINGS[section]
    guess = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {section}.{guess[0]}?" if guess else \
        f"known settings of [{section}]: {', '.join(sorted(known))}"
    return f"unknown setting {section}.{key}{where}; {hint}"


class Reader:
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
