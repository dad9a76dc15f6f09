"""The systemd units and the logrotate snippet shipped in deploy/: hardened, and valid for the
tools that read them (``systemd-analyze verify``, ``logrotate -d``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bridge.config import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = DEPLOY / "systemd"
VENV_CLI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "wp-steem-bridge"
SERVICES = ["wp-steem-bridge.service", "wp-steem-bridge-once.service"]
STATE_DIR = "/var/lib/wp-steem-bridge"


def directives(unit: Path) -> dict[str, list[str]]:
    """``Section.Key`` -> every value it is given (systemd keys may repeat)."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in unit.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return found


@pytest.mark.parametrize("name", SERVICES)
def test_service_runs_as_its_own_user_in_a_sandbox(name: str) -> None:
    unit = directives(UNITS / name)
    one = {key: values[-1] for key, values in unit.items()}
    assert one["Service.User"] == one["Service.Group"] == "wp-steem-bridge"
    for key, value in {"ProtectSystem": "strict", "ProtectHome": "true", "PrivateTmp": "true",
                       "PrivateDevices": "true", "NoNewPrivileges": "true",
                       "CapabilityBoundingSet": "", "UMask": "0077",
                       "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
                       "StateDirectory": "wp-steem-bridge",
                       "ReadWritePaths": STATE_DIR}.items():
        assert one[f"Service.{key}"] == value, key
    assert "@system-service" in unit["Service.SystemCallFilter"]
    # the state directory is the one writable path; no other path is opened for writing
    assert unit["Service.ReadWritePaths"] == [STATE_DIR]
    # secrets arrive as credentials, and the bridge is pointed at them
    assert unit["Service.LoadCredential"] == [
        "keys.toml:/etc/wp-steem-bridge/keys.toml",
        "app-password:/etc/wp-steem-bridge/app-password"]
    assert "WPSB__KEYS__FILE=%d/keys.toml" in unit["Service.Environment"]
    assert "WPSB__WORDPRESS__APP_PASSWORD_FILE=%d/app-password" in unit["Service.Environment"]


def test_credentials_as_systemd_hands_them_over_satisfy_the_config(tmp_path: Path) -> None:
    """systemd copies each credential with mode 0400 into $CREDENTIALS_DIRECTORY (``%d``); the
    environment the unit sets makes the bridge read them there and nowhere else."""
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    for name, text in {"keys.toml": 'alice = "5Kxxxx"\n', "app-password": "abcd efgh\n"}.items():
        (credentials / name).write_text(text)
        (credentials / name).chmod(0o400)
    config = tmp_path / "config.toml"
    config.write_text('[wordpress]\nurl = "https://blog.example"\nuser = "bridge"\n'
                      f'[chain]\nnodes = ["https://api.example"]\nchain_id = "{"0" * 64}"\n'
                      f'[state]\npath = "{tmp_path / "state.db"}"\n')
    unit = directives(UNITS / "wp-steem-bridge.service")
    env = dict(value.replace("%d", str(credentials)).split("=", 1)
               for value in unit["Service.Environment"])
    settings = load_settings(str(config), env=env)
    assert "alice" in settings.keys.posting


@pytest.mark.parametrize("name", SERVICES)
def test_systemd_analyze_verify_accepts_the_units(name: str, tmp_path: Path) -> None:
    """Verified as installed, with ExecStart pointing at this checkout's CLI (verify wants the
    binary to exist)."""
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/opt/wp-steem-bridge/.venv/bin/wp-steem-bridge",
                                        str(VENV_CLI))
        (tmp_path / unit.name).write_text(text)
    units = [str(tmp_path / name)]
    if name == "wp-steem-bridge-once.service":
        units.append(str(tmp_path / "wp-steem-bridge-once.timer"))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *units],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_logrotate_snippet_is_valid(tmp_path: Path) -> None:
    """``logrotate -d`` (dry run) reads it without an error, for the cron line's log file."""
    log = tmp_path / "wp-steem-bridge.log"
    log.write_text("tick\n")
    text = (DEPLOY / "logrotate" / "wp-steem-bridge").read_text()
    assert "/var/log/wp-steem-bridge.log {" in text
    assert str(Path("/var/log/wp-steem-bridge.log")) in (DEPLOY / "cron" / "wp-steem-bridge"
                                                         ).read_text()
    config = tmp_path / "logrotate.conf"
    config.write_text(text.replace("/var/log/wp-steem-bridge.log", str(log))
                      .replace("wp-steem-bridge adm", "root root"))
    config.chmod(0o644)
    result = subprocess.run([shutil.which("logrotate") or "/usr/sbin/logrotate", "-d",
                             "--state", str(tmp_path / "status"), str(config)],
                            capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "error" not in output.lower(), output
    assert "Handling 1 logs" in output
