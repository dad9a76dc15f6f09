"""UTF-8 helpers and titles: byte limits cut on code point boundaries, text from HTML."""

from __future__ import annotations

import pytest

from mappings.text import cut_chars, cut_utf8, html_to_text, valid_utf8
from mappings.title import FALLBACK_TITLE, MAX_TITLE_BYTES, clean_title


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("ab😀c", 2, "ab"),
        ("ab😀c", 3, "ab"),  # would split the 4-byte emoji
        ("ab😀c", 5, "ab"),
        ("ab😀c", 6, "ab😀"),
        ("中文字", 4, "中"),  # 3-byte CJK characters
        ("中文字", 6, "中文"),
        ("short", 255, "short"),
    ],
)
def test_cut_utf8_never_splits_a_code_point(text: str, limit: int, expected: str) -> None:
    assert cut_utf8(text, limit) == expected
    assert len(cut_utf8(text, limit).encode("utf-8")) <= limit


def test_valid_utf8_replaces_lone_surrogates_and_drops_controls() -> None:
    repaired = valid_utf8("a\ud800b\x00c\td\n")
    assert repaired == "a\ufffdbc\td\n"
    repaired.encode("utf-8")  # must not raise


def test_html_to_text_decodes_entities_and_drops_scripts() -> None:
    assert html_to_text("<p>Tom&nbsp;&amp; <b>Jerry</b><script>x()</script></p>") == "Tom & Jerry"


def test_cut_chars_prefers_word_boundary_and_keeps_cjk() -> None:
    assert cut_chars("hello world foo", 12) == "hello…"
    assert cut_chars("一二三四五六七八九十", 5) == "一二三四…"
    assert cut_chars("short", 10) == "short"


def test_title_is_unescaped_plain_text() -> None:
    title, notes = clean_title("Fish &amp; Chips &#8211; <em>best</em>", "")
    assert title == "Fish & Chips – best"
    assert notes == []


@pytest.mark.parametrize("unit", ["😀", "中", "é", "a", "👩‍👩‍👧"])
def test_long_title_is_cut_under_256_bytes_on_a_boundary(unit: str) -> None:
    raw = unit * 300
    title, notes = clean_title(raw, "")
    encoded = title.encode("utf-8")
    assert len(encoded) <= MAX_TITLE_BYTES
    assert title.endswith("…")
    assert raw.startswith(title[:-1])  # a prefix of the original, byte-exact
    assert notes and "cut" in notes[0]


def test_title_of_exactly_255_bytes_is_kept() -> None:
    raw = "中" * 85  # 255 bytes
    assert clean_title(raw, "") == (raw, [])


def test_empty_title_uses_excerpt_then_untitled() -> None:
    title, notes = clean_title("  ", "First words of the excerpt")
    assert title == "First words of the excerpt"
    assert notes
    assert clean_title("", "")[0] == FALLBACK_TITLE
