"""``[points]``: the payout rules read from the config, every mistake named with where it is."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bridge.config import load_settings
from bridge.errors import ConfigError
from tests.unit.test_config import full_config

POINTS = """
[points]
enabled = true
output = "hive-engine"
symbol = "BLOG"
precision = 3
rate = "0.5"
account = "blog-issuer"
refs = ["publishing_content"]
member_daily_cap = "10"
"""


def test_points_rules_come_from_the_config(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    config.write_text(config.read_text() + POINTS)
    env = {"WPSB__CHAIN__SIDECHAIN_URL": "https://sidechain.example/rpc/"}
    settings = load_settings(str(config), env=env)
    rules = settings.points.rules(settings.wordpress.site_id)
    assert rules.sidechain_id == "ssc-mainnet-hive" and rules.max_actions == 20
    assert rules.rate == Decimal("0.5") and rules.member_daily_cap == Decimal("10")
    assert rules.refs == ("publishing_content",) and rules.mode == "issue"
    other = tmp_path / "off"
    other.mkdir()
    assert not load_settings(str(full_config(other)), env={}).points.enabled


def test_bad_points_settings_are_each_named(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    config.write_text(config.read_text() + POINTS.replace('"BLOG"', '"blog"')
                      .replace('rate = "0.5"', 'rate = "-1"').replace("precision = 3",
                                                                       "precision = 9")
                      + 'cadence = "hourly"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(str(config), env={})
    text = "\n".join(caught.value.problems)
    for expected in ("points.symbol", "points.rate", "points.precision", "points.cadence",
                     "chain.sidechain_url: [points] pays through a sidechain"):
        assert expected in text


def test_smt_output_needs_a_nai_and_transfer_but_no_sidechain(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    smt = POINTS.replace('output = "hive-engine"', 'output = "smt"')
    config.write_text(config.read_text() + smt + 'mode = "transfer"\nnai = "@@422838704"\n')
    settings = load_settings(str(config), env={})
    output = settings.points.token_output(settings.wordpress.site_id)
    assert output is not None and output.kind.value == "transfer"
    assert settings.points.rules("s").sidechain_id == ""
    bad = tmp_path / "bad"
    bad.mkdir()
    config = full_config(bad)
    config.write_text(config.read_text() + smt + 'nai = "BLOG"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(str(config), env={})
    text = "\n".join(caught.value.problems)
    assert "points.nai" in text and "points.mode: SMTs have no issue operation" in text
