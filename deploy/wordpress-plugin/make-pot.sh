#!/usr/bin/env bash
# Regenerates the companion plugin's translation template and compiled translations:
#   wp-steem-bridge/languages/wp-steem-bridge.pot  every translatable string of every PHP and JS
#                                                  file of the plugin, plus its header's name and
#                                                  description (xgettext, Debian's gettext)
#   wp-steem-bridge/languages/*.po                 merged with the new template (msgmerge): new
#                                                  strings appear untranslated, for a translator
#   wp-steem-bridge/languages/*.mo                 compiled from each .po (msgfmt)
#   wp-steem-bridge/languages/*-<md5>.json         per script, its wp.i18n strings of each .po in
#                                                  Jed JSON, named as wp_set_script_translations
#                                                  looks them up (po2json.py, beside this script)
# Usage: make-pot.sh [OUTDIR]
#   With OUTDIR, writes the .pot, the .mo and the .json files there and leaves languages/ untouched (the
#   test does this to check the committed files are current).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
plugin="$here/wp-steem-bridge"
languages="$plugin/languages"
out="${1:-$languages}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
for tool in xgettext msgmerge msgfmt "${PYTHON:-python3}"; do
    command -v "$tool" >/dev/null || { echo "make-pot.sh: $tool is missing; run: apt-get install gettext python3" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$plugin"

# The plugin header's Plugin Name and Description, which WordPress translates with the text domain.
header_field() { sed -n "s/^ \* $1: *//p" wp-steem-bridge.php | head -n 1; }
php_quote() { sed "s/[\\\\']/\\\\&/g"; }
{
    echo '<?php'
    echo "__( '$(header_field 'Plugin Name' | php_quote)', 'wp-steem-bridge' );"
    echo "__( '$(header_field 'Description' | php_quote)', 'wp-steem-bridge' );"
} >"$tmp/plugin-header.php"

keywords=(--keyword=__ --keyword=_e --keyword=esc_html__ --keyword=esc_html_e --keyword=esc_attr__
          --keyword=esc_attr_e --keyword=_n:1,2 --keyword=_x:1,2c --keyword=_ex:1,2c
          --keyword=esc_html_x:1,2c --keyword=esc_attr_x:1,2c --keyword=_nx:1,2,4c
          --keyword=_n_noop:1,2 --keyword=_nx_noop:1,2,3c)
common=(--from-code=UTF-8 --add-comments=translators: --sort-by-file --package-name=wp-steem-bridge
        --msgid-bugs-address=https://github.com/wp-steem-bridge --no-wrap "${keywords[@]}")

mapfile -t php_files < <(find . -name '*.php' -not -path './languages/*' | LC_ALL=C sort)
mapfile -t js_files < <(find . -name '*.js' -not -path './languages/*' -not -path '*/node_modules/*' | LC_ALL=C sort)
xgettext "${common[@]}" -L PHP -o "$tmp/wp-steem-bridge.pot" "${php_files[@]}"
xgettext "${common[@]}" -L PHP --join-existing -o "$tmp/wp-steem-bridge.pot" "$tmp/plugin-header.php"
if ((${#js_files[@]})); then
    xgettext "${common[@]}" -L JavaScript --join-existing -o "$tmp/wp-steem-bridge.pot" "${js_files[@]}"
fi
# The temporary header file is not a place a translator can open.
sed -i "s|^#: $tmp/plugin-header.php:[0-9]*|#: wp-steem-bridge.php|" "$tmp/wp-steem-bridge.pot"
sed -i 's/^"Content-Type: text\/plain; charset=CHARSET\\n"/"Content-Type: text\/plain; charset=UTF-8\\n"/' "$tmp/wp-steem-bridge.pot"
cp "$tmp/wp-steem-bridge.pot" "$out/wp-steem-bridge.pot"

shopt -s nullglob
for po in "$languages"/*.po; do
    name="$(basename "$po" .po)"
    if [[ "$out" == "$languages" ]]; then
        msgmerge --quiet --update --backup=none --no-fuzzy-matching --no-wrap "$po" "$out/wp-steem-bridge.pot"
    fi
    msgfmt --check -o "$out/$name.mo" "$po"
    "${PYTHON:-python3}" "$here/po2json.py" "$po" "$out" >/dev/null
done
