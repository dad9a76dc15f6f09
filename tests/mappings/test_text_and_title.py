"""UTF-8 helpers and titles: byte limits cut on code point boundaries, text from HTML, no
bidi controls or invisible characters."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.metadata import description_text
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


BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override
        ("\u2067Steem\u2069 \u200fnews\u200e", "Steem news"),  # isolates and marks
        ("pay\u200bpal\u2060 soft\u00adhyphen", "paypal softhyphen"),
        ("\ufeffBOM \u180eMongolian", "BOM Mongolian"),
        ("a\u200db and \u200cc", "ab and c"),  # joiners between Latin letters join nothing
        ("C1\x85controls\x9f here", "C1 controls here"),  # NEL is whitespace, U+009F is not
        ("\u3164 blank filler", "blank filler"),
    ],
)
def test_title_drops_bidi_controls_and_invisible_characters(raw: str, expected: str) -> None:
    title, notes = clean_title(raw, "")
    assert title == expected
    assert notes == ["title: removed invisible or text-direction control characters"]


@pytest.mark.parametrize(
    "raw",
    [
        "👩\u200d💻 coder",  # emoji ZWJ sequence
        "🏳️\u200d🌈 and 👩🏽\u200d💻",  # after the emoji selector and a skin tone
        "می\u200cخواهم",  # Persian spelling with ZWNJ
        "क्\u200dष",  # Devanagari half form with ZWJ
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f England",  # tag sequence
        "区块链 社区 🎉",
    ],
)
def test_title_keeps_joiners_that_real_text_needs(raw: str) -> None:
    assert clean_title(raw, "") == (raw, [])


def test_title_of_only_invisible_characters_uses_the_excerpt() -> None:
    title, notes = clean_title("\u200b\u202e\u2060", "Excerpt \u202etext")
    assert title == "Excerpt text"
    assert "title was empty; used 'Excerpt text'" in notes


def test_cut_title_never_ends_with_a_dangling_joiner() -> None:
    title, _ = clean_title("👩\u200d💻" * 100, "")  # 11 bytes each: the cut falls after a ZWJ
    assert title.endswith("👩…")


def _joiner_is_legitimate(text: str, index: int) -> bool:
    before, after = text[index - 1] if index else "", text[index + 1 : index + 2]
    if text[index] == "\u200d" and unicodedata.category(after or "x") == "So":
        return True  # emoji ZWJ sequence (mappings.invisible says which neighbours count)
    return all(c and unicodedata.category(c)[0] in "LM" and 0x0600 <= ord(c) < 0x0E00
               for c in (before, after))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(BIDI_CONTROLS + ZERO_WIDTH + "ab 中👩💻🏽\ufe0fمی&<>;\x85\x9f"),
            st.characters(codec="utf-8"),
        ),
        max_size=120,
    )
)
def test_no_title_carries_bidi_controls_or_stray_invisible_characters(raw: str) -> None:
    title, _ = clean_title(raw, raw)
    assert not set(title) & set(BIDI_CONTROLS)
    assert not any(unicodedata.category(c) == "Cc" for c in title)
    for index, char in enumerate(title):
        if char in "\u200c\u200d":
            assert _joiner_is_legitimate(title, index), (raw, title)
        elif unicodedata.category(char) == "Cf":
            assert 0xE0020 <= ord(char) < 0xE0080, (raw, title)  # only flag tag sequences


def test_description_drops_bidi_controls_and_dangling_joiners() -> None:
    assert description_text("<p>Hello \u202eworld\u200b!</p>", "") == "Hello world!"
    long_excerpt = "👩\u200d💻" * 80  # cut at 160 characters, inside a ZWJ sequence
    assert "\u200d…" not in description_text(f"<p>{long_excerpt}</p>", "")
