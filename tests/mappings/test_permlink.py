"""Permlinks: readable, pinyin for Chinese, deterministic and unique per post."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.permlink import make_permlink, percent_decoded, permlink_suffix, readable_slug

PERMLINK = re.compile(r"^[a-z0-9-]{1,255}$")


def test_chinese_title_becomes_pinyin() -> None:
    permlink = make_permlink("", "社群新生态，构建微型社会", "demo", "1")
    assert permlink.startswith("she-qun-xin-sheng-tai-gou-jian-wei-xing-she-hui-")
    assert PERMLINK.match(permlink)


def test_percent_encoded_cjk_slug_is_decoded_then_transliterated() -> None:
    slug = "%e5%8c%ba%e5%9d%97%e9%93%be"  # 区块链, as WordPress stores it
    assert readable_slug(slug, "ignored title") == "qu-kuai-lian"


def test_ascii_slug_wins_over_title_and_numeric_slug_does_not() -> None:
    assert readable_slug("my-first-post", "Another Title") == "my-first-post"
    assert readable_slug("12345", "Another Title") == "another-title"
    assert readable_slug("", "") == "post"
    assert readable_slug("", "Привет") == "post"  # nothing ASCII-meaningful left


def test_mixed_title_keeps_ascii_words_and_accents_fold() -> None:
    assert (
        readable_slug("", "怎么让busy.org给你点赞？GET！")
        == "zen-me-rang-busy-org-gei-ni-dian-zan-get"
    )
    assert readable_slug("", "Crème Brûlée") == "creme-brulee"


def test_same_post_same_permlink_different_posts_differ() -> None:
    first = make_permlink("same-title", "Same Title", "demo", "1")
    assert first == make_permlink("same-title", "Same Title", "demo", "1")
    assert first != make_permlink("same-title", "Same Title", "demo", "2")
    assert first != make_permlink("same-title", "Same Title", "other-site", "1")


def test_suffix_is_8_base36_chars() -> None:
    suffix = permlink_suffix("demo", "1")
    assert re.fullmatch(r"[a-z0-9]{8}", suffix)
    assert make_permlink("x-y", "", "demo", "1").endswith("-" + suffix)


def test_very_long_slug_is_cut_but_suffix_kept() -> None:
    permlink = make_permlink("", "word " * 200, "demo", "9")
    assert len(permlink.encode()) <= 255
    assert PERMLINK.match(permlink)
    assert permlink.endswith("-" + permlink_suffix("demo", "9"))
    assert "--" not in permlink


def test_lean_pinyin_equals_pypinyin() -> None:
    """Every character of pypinyin's dictionary, a fixed sample of its phrases and mixed text
    (Chinese runs between Latin, digits, punctuation and a character without pinyin) read the
    same through our reading of its dictionaries as through ``pypinyin.lazy_pinyin``."""
    import random

    from pypinyin import lazy_pinyin
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    from mappings.permlink import _pinyin

    lean = _pinyin()
    chars = [chr(code) for code in PINYIN_DICT]
    phrases = random.Random(13).sample(sorted(PHRASES_DICT), 3000)
    mixed = ["".join(phrases[i : i + 3]) + " WordPress 2.0，" + chars[i * 7] for i in range(500)]
    mixed += ["Ab" + phrases[i] + "\u4dff\u3402" + chars[i] + "好的。" + phrases[i + 1]
              for i in range(500)]  # U+3402: in pypinyin's Chinese ranges, without pinyin
    for text in chars + phrases + mixed + ["社群新生态，构建微型社会", "银行行长", "〇"]:
        assert lean.lazy_pinyin(text) == lazy_pinyin(text), text


@settings(max_examples=500)
@given(st.lists(st.sampled_from(["%e7", "%a4", "%BE", "%41", "%2d", "%", "%g1", "%4", "a", "-",
                                 "中", "%ff", "%c3%a9", "%f0%9f%98", "%80", " "]), max_size=20))
def test_percent_decoded_equals_unquote(pieces: list[str]) -> None:
    """WordPress slugs arrive percent-encoded (UTF-8): decoded as ``urllib.parse.unquote``
    decodes them, truncated and invalid sequences and stray percent signs included."""
    from urllib.parse import unquote

    text = "".join(pieces)
    assert percent_decoded(text) == unquote(text)
