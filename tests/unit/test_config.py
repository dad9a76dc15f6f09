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


def test_wordpress_api_is_rest_by_default_and_only_rest_or_xmlrpc(tmp_path: Path) -> None:
    assert load_settings(str(full_config(tmp_path)), env={}).wordpress.api == "rest"
    xmlrpc = load_settings(str(full_config(tmp_path)), env={"WPSB__WORDPRESS__API": "xmlrpc"})
    assert xmlrpc.wordpress.api == "xmlrpc"
    with pytest.raises(ConfigError) as info:
        load_settings(str(full_config(tmp_path)), env={"WPSB__WORDPRESS__API": "soap"})
    assert "wordpress.api: expected rest or xmlrpc, got 'soap'" in info.value.render()
