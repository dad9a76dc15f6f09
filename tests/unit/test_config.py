"""Config: TOML + env overrides, secrets only from env or 0600 files, every problem at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bridge.config import load_settings
from bridge.errors import ConfigError

CHAIN_ID = "ab" * 32
WIF = "5JNHfZYKGaomSFvd4NUdQ9qMcEAC43kujbfjueTHpVapX1Kzq2n"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def full_config(tmp_path: Path) -> Path:
    write(tmp_path / "keys.toml", f'alice = "{WIF}"\n')
    write(tmp_path / "app-password", "abcd efgh ijkl mnop qrst uvwx\n")
    return write(tmp_path / "bridge.toml", f"""
[wordpress]
url = "http://127.0.0.1:8088"
user = "bridge"
app_password_file = "app-password"
site_id = "demo"

[chain]
nodes = ["http://127.0.0.1:8090"]
chain_id = "{CHAIN_ID}"

[keys]
file = "keys.toml"

[state]
path = "state.db"
""", 0o644)


def test_full_config_loads_with_secrets_from_files(tmp_path: Path) -> None:
    settings = load_settings(str(full_config(tmp_path)), env={})
    assert settings.wordpress.url == "http://127.0.0.1:8088"
    assert settings.wordpress.app_password == "abcd efgh ijkl mnop qrst uvwx"
    assert settings.keys.signing_key("alice") == WIF
    assert settings.state_path == tmp_path / "state.db"
    assert WIF not in repr(settings)
    assert "abcd efgh" not in repr(settings)


def test_env_overrides_the_file_and_supplies_secrets(tmp_path: Path) -> None:
    env = {"WPSB__WORDPRESS__URL": "http://example.org", "WPSB_POSTING_KEY_BOB_CN": WIF,
           "WPSB_WORDPRESS_APP_PASSWORD": "from-env", "WPSB__CHAIN__NODES":
           '["http://a:1", "https://b"]'}
    settings = load_settings(str(full_config(tmp_path)), env=env)
    assert settings.wordpress.url == "http://example.org"
    assert settings.wordpress.app_password == "from-env"
    assert settings.keys.signing_key("bob-cn") == WIF
    assert settings.chain.nodes == ("http://a:1", "https://b")


def test_missing_config_names_every_missing_key_and_where_it_looked(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.toml", "", 0o644)
    with pytest.raises(ConfigError) as info:
        load_settings(str(empty), env={})
    text = info.value.render()
    for key in ("wordpress.url", "wordpress.user", "wordpress.app_password", "chain.nodes",
                "chain.chain_id", "keys"):
        assert key in text
    assert "WPSB__WORDPRESS__URL" in text
    assert "WPSB_POSTING_KEY_<ACCOUNT>" in text
    assert "wp-steem-bridge check" in text


def test_secret_files_readable_by_others_are_refused(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    os.chmod(tmp_path / "keys.toml", 0o644)
    with pytest.raises(ConfigError) as info:
        load_settings(str(config), env={})
    assert "chmod 600" in info.value.render()
    assert WIF not in info.value.render()


def test_secrets_in_the_config_file_are_refused(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    config.write_text(config.read_text().replace('user = "bridge"',
                                                 'user = "bridge"\napp_password = "x"'))
    with pytest.raises(ConfigError) as info:
        load_settings(str(config), env={})
    assert "secrets are not read from the config file" in info.value.render()


def test_websocket_nodes_and_bad_chain_ids_are_refused(tmp_path: Path) -> None:
    env = {"WPSB__CHAIN__NODES": '["wss://node"]', "WPSB__CHAIN__CHAIN_ID": "nope"}
    with pytest.raises(ConfigError) as info:
        load_settings(str(full_config(tmp_path)), env=env)
    text = info.value.render()
    assert "not an http(s) URL" in text and "64 hex digits" in text


def test_the_sidechain_url_is_optional_and_must_be_http(tmp_path: Path) -> None:
    assert load_settings(str(full_config(tmp_path)), env={}).chain.sidechain_url == ""
    env = {"WPSB__CHAIN__SIDECHAIN_URL": "https://api.steem-engine.com/rpc/"}
    settings = load_settings(str(full_config(tmp_path)), env=env)
    assert settings.chain.sidechain_url == "https://api.steem-engine.com/rpc/"
    with pytest.raises(ConfigError) as info:
        load_settings(str(full_config(tmp_path)), env={"WPSB__CHAIN__SIDECHAIN_URL": "ws://x"})
    assert "chain.sidechain_url" in info.value.render()


def test_app_account_key_signs_for_authors_without_their_own(tmp_path: Path) -> None:
    env = {"WPSB_POSTING_KEY_MYAPP": WIF, "WPSB__KEYS__APP_ACCOUNT": "myapp"}
    settings = load_settings(str(full_config(tmp_path)), env=env)
    assert settings.keys.signing_key("someone-else") == WIF


def test_registered_secrets_never_reach_a_log_line_or_a_traceback(tmp_path: Path) -> None:
    import logging

    from bridge.logs import RedactingFormatter

    settings = load_settings(str(full_config(tmp_path)), env={})
    formatter = RedactingFormatter("%(message)s")
    try:
        raise RuntimeError(f"node said: bad key {settings.keys.signing_key('alice')}")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "password %s was refused",
                                   (settings.wordpress.app_password.replace(" ", ""),),
                                   sys.exc_info())
    text = formatter.format(record)
    assert WIF not in text and "abcdefghijklmnopqrstuvwx" not in text
    assert text.count("***") >= 2


def test_dotted_accounts_and_bad_values_are_reported_not_crashed(tmp_path: Path) -> None:
    env = {"WPSB_POSTING_KEY_MY__APP": WIF, "WPSB__CHAIN__TX_EXPIRATION": "7200",
           "WPSB__MAPPING__BENEFICIARIES": '[{account = "x", weight = "lots"}]'}
    with pytest.raises(ConfigError) as info:
        load_settings(str(full_config(tmp_path)), env=env)
    text = info.value.render()
    assert "outside 10..3600" in text and "not a whole number" in text
    settings = load_settings(str(full_config(tmp_path)), env={"WPSB_POSTING_KEY_MY__APP": WIF})
    assert settings.keys.signing_key("my.app") == WIF


@pytest.mark.parametrize("site_id", ["blog_a", "blog%", "Blog", "-blog", "", "a" * 33, "a:b"])
def test_site_ids_outside_lowercase_letters_digits_and_dashes_are_refused(
        tmp_path: Path, site_id: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(str(full_config(tmp_path)), env={"WPSB__WORDPRESS__SITE_ID": f'"{site_id}"'})
    text = info.value.render()
    assert "wordpress.site_id" in text and "a-z, 0-9 and '-'" in text


@pytest.mark.parametrize("site_id", ["blog-a", "7days", "a", "a" * 32])
def test_site_ids_of_lowercase_letters_digits_and_dashes_load(tmp_path: Path, site_id: str) -> None:
    settings = load_settings(str(full_config(tmp_path)),
                             env={"WPSB__WORDPRESS__SITE_ID": f'"{site_id}"'})
    assert settings.wordpress.site_id == site_id


APP_PASSWORD = "Ab3d eF5h iJ7l mN9p qR2t uV4x"


def refusal(tmp_path: Path, section: str, line: str, env: dict[str, str] | None = None) -> str:
    """The rendered ConfigError for the full config with ``line`` added to ``[section]``."""
    config = full_config(tmp_path)
    text = config.read_text()
    text = text if f"[{section}]\n" in text else f"{text}\n[{section}]\n"
    config.write_text(text.replace(f"[{section}]\n", f"[{section}]\n{line}\n"))
    with pytest.raises(ConfigError) as info:
        load_settings(str(config), env=env or {})
    return info.value.render()


def redacted_by_the_log_formatter(secret: str) -> bool:
    import logging

    from bridge.logs import RedactingFormatter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value: %s", (secret,), None)
    return secret not in RedactingFormatter("%(message)s").format(record)


def test_a_posting_key_in_the_keys_section_is_refused_by_name(tmp_path: Path) -> None:
    other = "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3"
    text = refusal(tmp_path, "keys", f'"alice.app" = "{other}"')
    assert ("keys.alice.app: posting keys are not read from the config file; use env "
            "WPSB_POSTING_KEY_ALICE__APP or the [keys] file (mode 0600)") in text
    assert other not in text
    assert redacted_by_the_log_formatter(other)


@pytest.mark.parametrize(("section", "key", "home"), [
    ("webhook", "secret", "WPSB_WEBHOOK_SECRET"),
    ("wordpress", "app_password", "WPSB_WORDPRESS_APP_PASSWORD"),
    ("wordpress", "password", "WPSB_WORDPRESS_APP_PASSWORD"),
])
def test_secret_settings_are_refused_by_name_without_their_value(
        tmp_path: Path, section: str, key: str, home: str) -> None:
    value = f"hunter2-{section}-{key}"  # one per case: the scrubbing registry is global
    text = refusal(tmp_path, section, f'{key} = "{value}"')
    assert f"{section}.{key}: secrets are not read from the config file; use env {home}" in text
    assert value not in text
    assert redacted_by_the_log_formatter(value)


@pytest.mark.parametrize(("line", "shape"), [
    (f'footer = "<p>key {WIF}</p>"', "WIF private key"),
    (f'community = "{APP_PASSWORD}"', "WordPress application password"),
    ('beneficiaries = [{ account = "' + WIF + '", weight = 1 }]', "WIF private key"),
])
def test_values_shaped_like_secrets_are_refused_anywhere(tmp_path: Path, line: str,
                                                         shape: str) -> None:
    text = refusal(tmp_path, "mapping", line)
    name = line.split(" ")[0]
    assert f"mapping.{name}" in text and shape in text
    assert WIF not in text and APP_PASSWORD not in text and APP_PASSWORD.replace(" ", "") not in text


def test_a_secret_shaped_value_of_the_wrong_type_is_not_echoed(tmp_path: Path) -> None:
    text = refusal(tmp_path, "wordpress", f'post_types = "{APP_PASSWORD}"')
    assert "wordpress.post_types: looks like a WordPress application password" in text
    assert "wordpress.post_types: expected tuple" in text and APP_PASSWORD not in text


def test_a_password_in_the_state_url_is_refused(tmp_path: Path) -> None:
    text = refusal(tmp_path, "state", 'url = "postgresql://bridge:s3cret-pw@db/wpsb"')
    assert "state.url: the URL holds a password" in text and "WPSB__STATE__URL" in text
    assert "s3cret-pw" not in text
    assert redacted_by_the_log_formatter("s3cret-pw")


@pytest.mark.parametrize(("name", "right"), [
    ("WPSB__KEYS__ALICE", "WPSB_POSTING_KEY_ALICE"),
    ("WPSB__WEBHOOK__SECRET", "WPSB_WEBHOOK_SECRET"),
    ("WPSB__WORDPRESS__APP_PASSWORD", "WPSB_WORDPRESS_APP_PASSWORD"),
])
def test_secrets_in_double_underscore_variables_point_to_their_own_variable(
        tmp_path: Path, name: str, right: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(str(full_config(tmp_path)), env={name: WIF})
    text = info.value.render()
    assert f"(env {name})" in text and f"use env {right}" in text and WIF not in text


def test_unknown_settings_are_named_with_a_suggestion(tmp_path: Path) -> None:
    text = refusal(tmp_path, "mapping", "max_tag = 3", env={"WPSB__CHAIN__NODE": '"http://x"'})
    assert "unknown setting mapping.max_tag" in text and "did you mean mapping.max_tags?" in text
    assert "unknown setting chain.node (env WPSB__CHAIN__NODE); did you mean chain.nodes?" in text
    config = full_config(tmp_path)
    config.write_text(config.read_text() + "\n[mapings]\nfooter = 'x'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(str(config), env={})
    assert "unknown section [mapings]" in info.value.render()
    assert "did you mean [mapping]?" in info.value.render()


def test_every_setting_the_reader_asks_for_is_known() -> None:
    import re
    from dataclasses import fields

    from bridge import config, config_secrets
    from bridge.config_rules import KNOWN_SETTINGS

    source = Path(config.__file__).read_text() + Path(config_secrets.__file__).read_text()
    asked = set(re.findall(r'r\.get\("(\w+)", "(\w+)"', source))
    # sections read field by field from their dataclass (``Reader.plain``)
    plain = set(re.findall(r'r\.plain\(\s*"(\w+)", (\w+)', source))
    assert {"wordpress", "chain", "mapping", "mirror"} <= {section for section, _ in plain}
    secrets = {"app_password"}
    asked |= {(section, f.name) for section, cls in plain
              for f in fields(getattr(config, cls)) if f.name not in secrets}
    assert asked and all(key in KNOWN_SETTINGS[section] for section, key in asked), sorted(
        (section, key) for section, key in asked if key not in KNOWN_SETTINGS[section])


ACTIVE_WIF = "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3"


def test_active_keys_have_their_own_sources_and_never_sign_posting_ops(tmp_path: Path) -> None:
    from bridge.kinds import Authority

    write(tmp_path / "active.toml", f'treasury = "{ACTIVE_WIF}"\n')
    env = {"WPSB__KEYS__ACTIVE_FILE": "active.toml", "WPSB_ACTIVE_KEY_VAULT": ACTIVE_WIF,
           "WPSB_POSTING_KEY_MYAPP": WIF, "WPSB__KEYS__APP_ACCOUNT": "myapp"}
    keys = load_settings(str(full_config(tmp_path)), env=env).keys
    assert keys.signing_key("treasury", Authority.ACTIVE) == ACTIVE_WIF
    assert keys.signing_key("vault", Authority.ACTIVE) == ACTIVE_WIF
    # the app account's posting authority never stands in for an active key, nor the reverse
    assert keys.signing_key("alice", Authority.ACTIVE) is None
    assert keys.signing_key("treasury") == WIF  # posting: the app account's key
    assert ACTIVE_WIF not in repr(keys)


def test_the_active_keys_file_cannot_be_the_posting_keys_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(str(full_config(tmp_path)), env={"WPSB__KEYS__ACTIVE_FILE": "keys.toml"})
    assert any("keys.active_file" in p and "own file" in p for p in caught.value.problems)


def test_wordpress_api_is_rest_by_default_and_only_rest_or_xmlrpc(tmp_path: Path) -> None:
    assert load_settings(str(full_config(tmp_path)), env={}).wordpress.api == "rest"
    xmlrpc = load_settings(str(full_config(tmp_path)), env={"WPSB__WORDPRESS__API": "xmlrpc"})
    assert xmlrpc.wordpress.api == "xmlrpc"
    with pytest.raises(ConfigError) as info:
        load_settings(str(full_config(tmp_path)), env={"WPSB__WORDPRESS__API": "soap"})
    assert "wordpress.api: expected rest or xmlrpc, got 'soap'" in info.value.render()


def test_status_and_retry_read_the_config_without_any_secret(tmp_path: Path) -> None:
    """A host (or a user) with no key can still run `status`: nothing secret is read, and a
    missing key is no problem there; a secret in the config file is still refused."""
    config = full_config(tmp_path)
    (tmp_path / "keys.toml").unlink()
    (tmp_path / "app-password").chmod(0o000)  # not even readable
    settings = load_settings(str(config), env={}, secrets=False)
    assert settings.state_path == tmp_path / "state.db" and not settings.keys.posting
    with pytest.raises(ConfigError):
        load_settings(str(config), env={})
    config.write_text(config.read_text().replace("[keys]\n", f'[keys]\nalice = "{WIF}"\n'))
    with pytest.raises(ConfigError):
        load_settings(str(config), env={}, secrets=False)


def test_likes_settings_are_read_and_checked(tmp_path: Path) -> None:
    path = full_config(tmp_path)
    assert load_settings(str(path), env={}).likes.enabled is False
    path.write_text(path.read_text() + '\n[likes]\nenabled = true\nweight = 50\n')
    likes = load_settings(str(path), env={}).likes
    assert likes.enabled and likes.weight == 50.0 and likes.unlinked == "skip"
    path.write_text(path.read_text().replace("weight = 50", "weight = 150\nunlinked = \"x\""))
    with pytest.raises(ConfigError) as raised:
        load_settings(str(path), env={})
    text = "\n".join(raised.value.problems)
    assert "likes.weight" in text and "likes.unlinked" in text


def test_likes_need_the_rest_api(tmp_path: Path) -> None:
    path = full_config(tmp_path)
    path.write_text(path.read_text().replace('site_id = "demo"', 'site_id = "demo"\napi = "xmlrpc"')
                    + '\n[likes]\nenabled = true\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(str(path), env={})
    assert any("likes.enabled" in p for p in raised.value.problems)
