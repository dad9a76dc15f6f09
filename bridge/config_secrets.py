"""Where the bridge's secrets come from: the environment or 0600 files, never the config file.

Owns ``Secret`` (a string that never shows itself), ``Keys`` (posting and active keys by account,
each from its own source) and reading them:
    WordPress application password: env ``WPSB_WORDPRESS_APP_PASSWORD`` or the file named by
        ``[wordpress] app_password_file``.
    Webhook secret: env ``WPSB_WEBHOOK_SECRET`` or ``[webhook] secret_file``.
    Posting keys: env ``WPSB_POSTING_KEY_<ACCOUNT>`` (account upper-cased, ``-`` and ``.`` as
        ``_``) or the TOML file named by ``[keys] file`` with ``account = "5K..."`` lines; active
        keys the same with ``WPSB_ACTIVE_KEY_<ACCOUNT>`` and ``[keys] active_file`` (never the
        posting keys' file).
A secret file readable by others is refused with the ``chmod`` to run; every secret read is
registered for log scrubbing.
"""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bridge.config_rules import Reader, env_name_for_account
from bridge.kinds import Authority
from bridge.logs import register_secret


class Secret(str):
    """A string that never shows itself in repr, logs or tracebacks."""

    def __new__(cls, value: str = "") -> Secret:
        register_secret(value)
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return "Secret('***')"


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


def read_app_password(r: Reader, env: Mapping[str, str], base_dir: Path) -> Secret:
    if env.get("WPSB_WORDPRESS_APP_PASSWORD"):
        return Secret(env["WPSB_WORDPRESS_APP_PASSWORD"])
    file = r.get("wordpress", "app_password_file", str, None)
    if file:
        text = read_secret_file(r, "wordpress.app_password_file", resolve(base_dir, file))
        return Secret(text.strip())
    r.problems.append("wordpress.app_password: missing (looked in env "
                      "WPSB_WORDPRESS_APP_PASSWORD and [wordpress] app_password_file)")
    return Secret("")


def read_webhook_secret(r: Reader, env: Mapping[str, str], base_dir: Path,
                    required: bool) -> Secret:
    if env.get("WPSB_WEBHOOK_SECRET"):
        return Secret(env["WPSB_WEBHOOK_SECRET"])
    file = r.get("webhook", "secret_file", str, None)
    if file:
        return Secret(read_secret_file(r, "webhook.secret_file", resolve(base_dir, file))
                      .strip())
    if required:
        r.problems.append("webhook.secret: missing (looked in env WPSB_WEBHOOK_SECRET and "
                          "[webhook] secret_file); the webhook refuses unsigned pokes")
    return Secret("")


def read_keys(r: Reader, env: Mapping[str, str], base_dir: Path) -> Keys:
    """Posting keys (env WPSB_POSTING_KEY_<ACCOUNT>, [keys] file) and active keys (env
    WPSB_ACTIVE_KEY_<ACCOUNT>, [keys] active_file): two sources that never share a file."""
    posting = key_source(r, env, base_dir, "file", "WPSB_POSTING_KEY_")
    active = key_source(r, env, base_dir, "active_file", "WPSB_ACTIVE_KEY_")
    files = [r.get("keys", name, str, None) for name in ("file", "active_file")]
    if files[0] and files[1] and resolve(base_dir, files[0]) == resolve(base_dir, files[1]):
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


def key_source(r: Reader, env: Mapping[str, str], base_dir: Path, setting: str,
                env_prefix: str) -> dict[str, Secret]:
    keys: dict[str, Secret] = {}
    file = r.get("keys", setting, str, None)
    if file:
        text = read_secret_file(r, f"keys.{setting}", resolve(base_dir, file))
        try:
            for account, wif in tomllib.loads(text).items():
                keys[str(account)] = Secret(str(wif))
        except tomllib.TOMLDecodeError:
            r.problems.append(f"keys.{setting}: not valid TOML (expected lines like "
                              f"account = \"5K...\")")
    for name, value in env.items():
        if name.startswith(env_prefix) and value:
            keys[account_from_env(name.removeprefix(env_prefix))] = Secret(value)
    return keys


def read_secret_file(r: Reader, name: str, path: Path) -> str:
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


def resolve(base_dir: Path, file: str) -> Path:
    path = Path(file).expanduser()
    return path if path.is_absolute() else base_dir / path


def account_from_env(suffix: str) -> str:
    return suffix.lower().replace("__", ".").replace("_", "-")
