"""[moments]: off by default; a topics stream in the configured community, beside the posts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.app import _moments_stream
from bridge.config import load_settings
from bridge.errors import ConfigError
from bridge.model import Intent, MappingContext, SourceRef
from tests.mappings.factories import make_post
from tests.unit.test_config import full_config


def settings_with(tmp_path: Path, moments: str) -> Any:
    config = full_config(tmp_path)
    config.write_text(config.read_text() + f"\n[moments]\n{moments}\n")
    return load_settings(str(config), env={})


def test_moments_are_off_by_default_and_take_a_community(tmp_path: Path) -> None:
    assert not load_settings(str(full_config(tmp_path)), env={}).moments.enabled
    moments = settings_with(tmp_path, 'enabled = true\ncommunity = "hive-123456"').moments
    assert moments.enabled and moments.community == "hive-123456"


def test_a_community_that_is_not_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        settings_with(tmp_path, 'enabled = true\ncommunity = "steemit"')
    assert "moments.community: expected a community name like hive-123456" in \
        info.value.render()


def test_topics_go_into_the_community_not_the_blog_s(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, 'enabled = true\ncommunity = "hive-123456"')
    stream = _moments_stream(settings, object(), lambda: "settings-v1")
    assert stream.name == "wp:demo:topics"
    mapper = stream.plan.mapper  # type: ignore[attr-defined]
    context = MappingContext(site_id="demo", site_url="http://wp", site_name="Demo",
                             now="2026-12-01T00:00:00", community="hive-999999")
    topic = make_post(source=SourceRef("wp", "demo", "topic", "42"), post_type="topic")
    intent = mapper(topic, context, None)
    assert isinstance(intent, Intent)
    comment = dict(intent.operations)["comment"]
    assert comment["parent_permlink"] == "hive-123456"
