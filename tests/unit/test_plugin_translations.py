"""The companion plugin's translations are complete and current: every translatable string of
every PHP and JS file of the plugin (found by deploy/wordpress-plugin/make-pot.sh, the same script
a maintainer runs) has a translation in each shipped .po, and each shipped .mo is exactly what
msgfmt makes of its .po. Needs Debian's gettext (xgettext, msgfmt; deploy/install-deps.sh)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MAKE_POT = REPO_ROOT / "deploy" / "wordpress-plugin" / "make-pot.sh"
PLUGIN = REPO_ROOT / "deploy" / "wordpress-plugin" / "wp-steem-bridge"
LANGUAGES = PLUGIN / "languages"
SHIPPED_LOCALES = ("zh_CN",)
TEXT_DOMAIN = "wp-steem-bridge"

_ENTRY = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')
_CONTINUATION = re.compile(r'^"(.*)"$')
_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "t": "\t"}
_TRANSLATION_CALL = re.compile(
    r"(?<![\w>$])(__|_e|_n|_x|_ex|_nx|esc_html__|esc_html_e|esc_attr__|esc_attr_e|esc_html_x|esc_attr_x)\s*\(")


def po_entries(text: str) -> list[dict[str, str]]:
    """Entries of a .po/.pot file as {field: unescaped text, "fuzzy": "1" when flagged}, header
    and obsolete (#~) entries left out."""
    entries: list[dict[str, str]] = []
    for block in text.split("\n\n"):
        entry: dict[str, str] = {}
        field = ""
        for line in block.strip().splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = "1"
            elif (match := _ENTRY.match(line)):
                field = match.group(1)
                entry[field] = match.group(2)
            elif (match := _CONTINUATION.match(line)) and field:
                entry[field] += match.group(1)
        if entry.get("msgid"):
            entries.append({k: unescape(v) for k, v in entry.items()})
    return entries


def unescape(text: str) -> str:
    """A PO string's C escapes (\\n, \\", \\\\, \\t) back to their characters."""
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def keys(entries: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(e.get("msgctxt", ""), e["msgid"]) for e in entries}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """make-pot.sh's output (the .pot and the compiled .mo files) in a temporary directory."""
    out = tmp_path_factory.mktemp("pot")
    subprocess.run([str(MAKE_POT), str(out)], check=True, capture_output=True, text=True)
    return out


def test_make_pot_finds_the_strings_of_every_php_and_js_file(generated: Path) -> None:
    pot = po_entries((generated / f"{TEXT_DOMAIN}.pot").read_text(encoding="utf-8"))
    sources = [p for p in (*PLUGIN.rglob("*.php"), *PLUGIN.rglob("*.js"))
               if _TRANSLATION_CALL.search(p.read_text(encoding="utf-8"))]
    referenced = {ref for block in (generated / f"{TEXT_DOMAIN}.pot").read_text(
        encoding="utf-8").splitlines() if block.startswith("#: ") for ref in block[3:].split()}
    files = {ref.rsplit(":", 1)[0] for ref in referenced}

    assert {"Steem rewards", "Pending payout %1$s, pays out in %2$s (%3$s)"} <= {e["msgid"]
                                                                              for e in pot}
    assert len(sources) >= 8
    for source in sources:  # a file calling a translation function has its strings in the template
        assert str(source.relative_to(PLUGIN)) in files, source


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_every_string_of_the_plugin_is_translated(generated: Path, locale: str) -> None:
    pot = po_entries((generated / f"{TEXT_DOMAIN}.pot").read_text(encoding="utf-8"))
    po = po_entries((LANGUAGES / f"{TEXT_DOMAIN}-{locale}.po").read_text(encoding="utf-8"))

    missing = keys(pot) - keys(po)
    untranslated = [e["msgid"] for e in po if e.get("fuzzy") or not any(
        v for k, v in e.items() if k.startswith("msgstr"))]
    assert not missing, (f"strings missing from {locale}.po; run deploy/wordpress-plugin/"
                         f"make-pot.sh and translate them: {sorted(missing)}")
    assert not untranslated, f"untranslated or fuzzy in {locale}.po: {untranslated}"


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
def test_the_shipped_mo_is_compiled_from_the_current_po(generated: Path, locale: str) -> None:
    shipped = LANGUAGES / f"{TEXT_DOMAIN}-{locale}.mo"
    assert shipped.exists(), f"{shipped} is missing; run deploy/wordpress-plugin/make-pot.sh"
    assert shipped.read_bytes() == (generated / f"{TEXT_DOMAIN}-{locale}.mo").read_bytes(), (
        f"{shipped.name} is not compiled from the current .po; run deploy/wordpress-plugin/make-pot.sh")


def test_the_shipped_pot_lists_the_current_strings(generated: Path) -> None:
    fresh = po_entries((generated / f"{TEXT_DOMAIN}.pot").read_text(encoding="utf-8"))
    shipped = po_entries((LANGUAGES / f"{TEXT_DOMAIN}.pot").read_text(encoding="utf-8"))
    assert keys(shipped) == keys(fresh), "run deploy/wordpress-plugin/make-pot.sh"
