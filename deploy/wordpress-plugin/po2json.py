#!/usr/bin/env python3
"""Makes the JSON translation files WordPress loads for the plugin's scripts from a .po file.

WordPress translates a script's ``wp.i18n`` strings (``__``, ``_n``, ``_x``, ``_nx``) only from a
Jed 1.x JSON file named ``{domain}-{locale}-{md5 of the script's path relative to the plugin}.json``
in the directory given to ``wp_set_script_translations`` (wp-includes/l10n.php
``load_script_textdomain``: for a plugin script the path is the URL path after the plugin's folder,
e.g. ``assets/editor-panel.js``). This is what ``wp i18n make-json`` writes; this script does the
same with the standard library only (no WP-CLI on the host): for each ``.js`` file named in an
entry's ``#:`` references, one JSON file with that file's translated entries. Fuzzy, obsolete and
untranslated entries are left out, as msgfmt leaves them out of the .mo.

Usage: po2json.py PO_FILE OUTDIR    (PO_FILE named {domain}-{locale}.po)
Earlier JSON files of the same domain and locale in OUTDIR are removed first, so a renamed or
removed script leaves no stale file. Prints the written file names. Run by make-pot.sh.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

CONTEXT_GLUE = "\u0004"  # Jed joins msgctxt and msgid with EOT, as gettext does in the .mo
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f",
            "v": "\v"}
_ESCAPE = re.compile(r'\\([0-7]{1,3}|.)')


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    fuzzy: bool = False

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else self.msgctxt + CONTEXT_GLUE + self.msgid

    @property
    def translations(self) -> list[str]:
        return [self.msgstr.get(i, "") for i in range(max(self.msgstr, default=-1) + 1)]

    @property
    def translated(self) -> bool:
        return not self.fuzzy and bool(self.msgstr) and all(self.translations)

    def files(self) -> set[str]:
        """Source files of the ``#:`` references (``path:line`` or ``path``)."""
        return {re.sub(r":\d+$", "", ref) for ref in self.references}


def unescape(text: str) -> str:
    """A PO string's C escapes back to characters."""
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _ESCAPES.get(code, code)
    return _ESCAPE.sub(one, text)


def parse_po(text: str) -> tuple[dict[str, str], list[Entry]]:
    """(header fields, entries) of a .po file; obsolete (``#~``) entries are dropped."""
    entries: list[Entry] = []
    current = Entry()
    started = False  # the current entry has a keyword line
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, started, target
        if started:
            entries.append(current)
        current, started, target = Entry(), False, None

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#"):
            if started and current.msgstr:  # a comment after msgstr opens the next entry
                finish()
            if line.startswith("#:"):
                current.references += line[2:].split()
            elif line.startswith("#,") and "fuzzy" in line[2:].replace(",", " ").split():
                current.fuzzy = True
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, value = keyword.group(1), keyword.group(2), unescape(keyword.group(3))
            if name in ("msgctxt", "msgid") and started and current.msgstr:
                finish()
            started = True
            if name == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", 0)
            elif name == "msgid":
                current.msgid, target = value, ("msgid", 0)
            elif name == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                number = int(index) if index is not None else 0
                current.msgstr[number], target = value, ("msgstr", number)
            continue
        continuation = _CONTINUATION.match(line)
        if continuation and target is not None:
            value = unescape(continuation.group(1))
            name, number = target
            if name == "msgstr":
                current.msgstr[number] += value
            elif name == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        raise ValueError(f"not a PO line: {raw!r}")
    finish()

    header: dict[str, str] = {}
    body: list[Entry] = []
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None:
            for header_line in entry.msgstr.get(0, "").splitlines():
                name, _, value = header_line.partition(":")
                if name.strip():
                    header[name.strip()] = value.strip()
        else:
            body.append(entry)
    return header, body


def script_hash(relative_path: str) -> str:
    """md5 of the script's plugin-relative path, as load_script_textdomain names the file."""
    return hashlib.md5(relative_path.encode("utf-8")).hexdigest()  # noqa: S324 (a file name, not security)


def jed_files(po_text: str) -> dict[str, dict[str, object]]:
    """Per referenced .js file (plugin-relative path): its Jed 1.x locale data, translated entries only."""
    header, entries = parse_po(po_text)
    scripts = sorted({path for entry in entries for path in entry.files() if path.endswith(".js")})
    out: dict[str, dict[str, object]] = {}
    for script in scripts:
        messages: dict[str, object] = {"": {"domain": "messages", "lang": header.get("Language", ""),
                                             "plural-forms": header.get("Plural-Forms", "nplurals=2; plural=(n != 1);")}}
        for entry in sorted((e for e in entries if script in e.files() and e.translated), key=lambda e: e.key):
            messages[entry.key] = entry.translations
        out[script] = {"translation-revision-date": header.get("PO-Revision-Date", ""),
                       "generator": "wp-steem-bridge po2json.py", "source": script, "domain": "messages",
                       "locale_data": {"messages": messages}}
    return out


def write_json_files(po_file: Path, out_dir: Path) -> list[Path]:
    """Writes ``{domain}-{locale}-{md5}.json`` per script for ``{domain}-{locale}.po``; returns them."""
    domain, _, locale = po_file.stem.rpartition("-")
    if not domain or not locale:
        raise ValueError(f"{po_file.name}: expected a name like wp-steem-bridge-zh_CN.po")
    out_dir.mkdir(parents=True, exist_ok=True)
    stale = re.compile(re.escape(f"{domain}-{locale}-") + r"[0-9a-f]{32}\.json$")
    for old in out_dir.iterdir():
        if stale.fullmatch(old.name):
            old.unlink()
    written: list[Path] = []
    for script, data in jed_files(po_file.read_text(encoding="utf-8")).items():
        path = out_dir / f"{domain}-{locale}-{script_hash(script)}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[-1].strip(), file=sys.stderr)
        return 2
    for path in write_json_files(Path(argv[0]), Path(argv[1])):
        print(path.name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
