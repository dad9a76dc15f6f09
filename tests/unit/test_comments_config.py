"""[comments]: off by default; "app_account" for unlinked members needs [keys] app_account; the
stream is wired after the posts when enabled."""

from __future__ import annotations

from pathlib import Path

from bridge.config import load_settings
from tests.unit.test_config import full_config, refusal


def test_comments_are_off_by_default_and_skip_unlinked_members(tmp_path: Path) -> None:
    settings = load_settings(str(full_config(tmp_path)), env={})
    assert not settings.comments.enabled and settings.comments.unlinked == "skip"


def test_comments_settings_load_from_file_and_env(tmp_path: Path) -> None:
    config = full_config(tmp_path)
    config.write_text(config.read_text().replace("[keys]\n", '[keys]\napp_account = "alice"\n')
                      + '\n[comments]\nenabled = true\nunlinked = "app_account"\n')
    settings = load_settings(str(config), env={})
    assert settings.comments.enabled and settings.comments.unlinked == "app_account"
    off = load_settings(str(config), env={"WPSB__COMMENTS__ENABLED": "false"})
    assert not off.comments.enabled


def test_bad_comment_settings_are_refused_with_the_reason(tmp_path: Path) -> None:
    assert "comments.unlinked: expected skip or app_account" in refusal(
        tmp_path, "comments", 'unlinked = "anonymous"')
    assert "needs [keys] app_account" in refusal(
        tmp_path, "comments", 'enabled = true\nunlinked = "app_account"')
    assert "comment" in refusal(tmp_path, "comments", "enable = true")  # a typo is named


def test_the_comments_stream_runs_after_the_posts(tmp_path: Path, monkeypatch) -> None:
    import bridge.app as app

    config = full_config(tmp_path)
    config.write_text(config.read_text() + "\n[comments]\nenabled = true\n")
    settings = load_settings(str(config), env={})
    monkeypatch.setattr(app, "_context_factory", lambda *_: lambda: None)
    built = app.build_app(settings)
    try:
        assert [s.name for s in built.engine.streams] == ["wp:demo:posts", "wp:demo:comments"]
        assert built.engine.streams[1].revisit == ("approved", "unreadable")
    finally:
        built.close()
