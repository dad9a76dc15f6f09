"""The plugin's script translations: deploy/wordpress-plugin/po2json.py turns a .po into the Jed JSON
files WordPress's ``wp_set_script_translations`` loads (``{domain}-{locale}-{md5(script path)}.json``),
make-pot.sh makes them, the shipped ones are current, and every ``wp.i18n`` string of every script
of the plugin has a zh_CN translation in its script's file. Needs Debian's gettext, like
tests/unit/test_plugin_translations.py."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = REPO_ROOT / "deploy" / "wordpress-plugin"
PLUGIN = TOOLS / "wp-steem-bridge"
LANGUAGES = PLUGIN / "languages"
DOMAIN = "wp-steem-bridge"
SHIPPED_LOCALES = ("zh_CN",)
PROPER_NAMES = {"Steem"}  # the chain's name, the panel's title in every language


def _load_po2json() -> ModuleType:
    spec = importlib.util.spec_from_file_location("po2json", TOOLS / "po2json.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["po2json"] = module
    spec.loader.exec_module(module)
    return module


po2json = _load_po2json()

SAMPLE_PO = r'''# A translator's comment.
msgid ""
msgstr ""
"Project-Id-Version: sample\n"
"PO-Revision-Date: 2026-11-30 00:00+0000\n"
"Language: zh_CN\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#: assets/panel.js:10 includes/panel.php:4
msgid "Queued"
msgstr "排队中"

#: assets/panel.js:12
#, javascript-format
msgid "%d vote"
msgid_plural "%d votes"
msgstr[0] "%d 票"

#: assets/panel.js:14
msgctxt "post status"
msgid "Draft"
msgstr "草稿"

#: assets/panel.js:20
msgid ""
"A long string "
"on two lines with a \"quote\"\n"
msgstr ""
"一个很长的"
"字符串，带有“引号”\n"

#: assets/panel.js:22
#, fuzzy
msgid "Fuzzy one"
msgstr "模糊的"

#: assets/panel.js:23
msgid "Not translated yet"
msgstr ""

#: includes/only-php.php:3
msgid "Only in PHP"
msgstr "只在 PHP 里"

#: assets/sub/list.js:5
msgid "Sync now"
msgstr "立即同步"

#~ msgid "Obsolete"
#~ msgstr "已废弃"
'''


def test_po_entries_are_parsed_with_context_plurals_continuations_and_flags() -> None:
    header, entries = po2json.parse_po(SAMPLE_PO)
    assert header["Language"] == "zh_CN" and header["Plural-Forms"] == "nplurals=1; plural=0;"
    by_key = {e.key: e for e in entries}
    assert set(by_key) == {"Queued", "%d vote", "post status\u0004Draft",
                           'A long string on two lines with a "quote"\n', "Fuzzy one",
                           "Not translated yet", "Only in PHP", "Sync now"}
    assert by_key["%d vote"].msgid_plural == "%d votes" and by_key["%d vote"].translations == ["%d 票"]
    assert by_key['A long string on two lines with a "quote"\n'].translations == ["一个很长的字符串，带有“引号”\n"]
    assert by_key["Queued"].files() == {"assets/panel.js", "includes/panel.php"}
    assert by_key["Fuzzy one"].fuzzy and not by_key["Fuzzy one"].translated
    assert not by_key["Not translated yet"].translated


def test_one_jed_file_per_script_with_its_translated_strings_only() -> None:
    files = po2json.jed_files(SAMPLE_PO)
    assert set(files) == {"assets/panel.js", "assets/sub/list.js"}
    panel = files["assets/panel.js"]
    assert panel["source"] == "assets/panel.js" and panel["domain"] == "messages"
    assert panel["translation-revision-date"] == "2026-11-30 00:00+0000"
    assert panel["locale_data"] == {"messages": {
        "": {"domain": "messages", "lang": "zh_CN", "plural-forms": "nplurals=1; plural=0;"},
        "%d vote": ["%d 票"],
        'A long string on two lines with a "quote"\n': ["一个很长的字符串，带有“引号”\n"],
        "Queued": ["排队中"],
        "post status\u0004Draft": ["草稿"],
    }}
    assert list(files["assets/sub/list.js"]["locale_data"]["messages"]) == ["", "Sync now"]


def test_files_are_named_as_wordpress_looks_them_up_and_stale_ones_go(tmp_path: Path) -> None:
    po = tmp_path / "sample-zh_CN.po"
    po.write_text(SAMPLE_PO, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    stale = out / f"sample-zh_CN-{'0' * 32}.json"
    stale.write_text("{}", encoding="utf-8")
    other_locale = out / f"sample-de_DE-{'0' * 32}.json"
    other_locale.write_text("{}", encoding="utf-8")

    written = po2json.write_json_files(po, out)

    # load_script_textdomain: md5 of the path after the plugin's folder, e.g. "assets/panel.js"
    assert po2json.script_hash("assets/editor-panel.js") == "8bc43eb88fc685375c8cabd79e7d1313"
    assert sorted(p.name for p in written) == sorted(
        f"sample-zh_CN-{hashlib.md5(s.encode()).hexdigest()}.json"
        for s in ("assets/panel.js", "assets/sub/list.js"))
    assert not stale.exists() and other_locale.exists()
    assert json.loads(written[0].read_text(encoding="utf-8"))["locale_data"]["messages"][""]["lang"] == "zh_CN"


def test_a_line_that_is_not_po_is_refused() -> None:
    with pytest.raises(ValueError, match="not a PO line"):
        po2json.parse_po('msgid "a"\nmsgstr "b"\nnonsense\n')


# -- the shipped files --------------------------------------------------------------------------

_S = r"'((?:[^'\\]|\\.)*)'"
_SEP = r"\s*,\s*"
_JS_CALLS = {  # function -> (pattern, how its groups make the Jed key)
    "__": (re.compile(r"\b__\(\s*" + _S), lambda g: g[0]),
    "_n": (re.compile(r"\b_n\(\s*" + _S + _SEP + _S), lambda g: g[0]),
    "_x": (re.compile(r"\b_x\(\s*" + _S + _SEP + _S), lambda g: g[1] + "\u0004" + g[0]),
    "_nx": (re.compile(r"\b_nx\(\s*" + _S + _SEP + _S + _SEP + r"[^,]+" + _SEP + _S),
            lambda g: g[2] + "\u0004" + g[0]),
}


def _js_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def js_strings(source: str) -> set[str]:
    """The Jed keys of a script's wp.i18n calls, read from its source (not through xgettext): __(s),
    _n(s, p, ...) by the singular, _x(s, ctx) and _nx(s, p, n, ctx) as ctx EOT s."""
    keys: set[str] = set()
    for pattern, key in _JS_CALLS.values():
        for match in pattern.finditer(source):
            keys.add(key([_js_unescape(g) for g in match.groups()]))
    return keys


def test_js_strings_reads_every_wp_i18n_call() -> None:
    source = ("__( 'A', 'd' ); _n( '%d b', '%d bs', n, 'd' ); _x( 'Draft', 'status', 'd' );"
              " _nx( '%d c', '%d cs', n, 'ctx', 'd' ); __( 'It\\'s', 'd' );")
    assert js_strings(source) == {"A", "%d b", "status\u0004Draft", "ctx\u0004%d c", "It's"}


def scripts() -> list[Path]:
    return sorted(p for p in PLUGIN.rglob("*.js") if "wp.i18n" in p.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pot")
    subprocess.run([str(TOOLS / "make-pot.sh"), str(out)], check=True, capture_output=True, text=True)
    return out


def test_the_plugin_has_scripts_with_strings() -> None:
    found = {str(p.relative_to(PLUGIN)): len(js_strings(p.read_text(encoding="utf-8"))) for p in scripts()}
    assert set(found) >= {"assets/editor-panel.js", "assets/admin-list.js"}
    assert found["assets/editor-panel.js"] >= 30 and found["assets/admin-list.js"] >= 2


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_every_script_string_has_a_translation_in_its_shipped_json(locale: str) -> None:
    for script in scripts():
        relative = str(script.relative_to(PLUGIN))
        shipped = LANGUAGES / f"{DOMAIN}-{locale}-{hashlib.md5(relative.encode()).hexdigest()}.json"
        assert shipped.exists(), f"{shipped.name} for {relative} is missing; run deploy/wordpress-plugin/make-pot.sh"
        data = json.loads(shipped.read_text(encoding="utf-8"))
        messages = data["locale_data"]["messages"]
        assert data["source"] == relative and messages[""]["lang"] == locale
        wanted = js_strings(script.read_text(encoding="utf-8"))
        missing = sorted(k for k in wanted if not all(messages.get(k) or [""]))
        assert not missing, f"{relative}: no {locale} translation for {missing}"
        if locale == "zh_CN":  # Chinese text, not the English copied over (names stay as they are)
            english = sorted(k for k in wanted - PROPER_NAMES
                             if not re.search(r"[\u4e00-\u9fff]", messages[k][0]))
            assert not english, f"{relative}: not translated into Chinese: {english}"


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_the_shipped_json_is_what_make_pot_makes_now(generated: Path, locale: str) -> None:
    fresh = {p.name: p.read_bytes() for p in generated.glob(f"{DOMAIN}-{locale}-*.json")}
    shipped = {p.name: p.read_bytes() for p in LANGUAGES.glob(f"{DOMAIN}-{locale}-*.json")}
    assert fresh, "make-pot.sh wrote no JSON"
    assert shipped == fresh, "the shipped script translations are stale; run deploy/wordpress-plugin/make-pot.sh"
