#!/usr/bin/env bash
# Installs what the project needs from Debian's packages (only what is missing): Python's venv,
# Node.js (for the independent steem-js check), and the local WordPress stack.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv python3-pip)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v chromium >/dev/null || need+=(chromium)        # the browser check of issue 5
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v msgfmt >/dev/null || need+=(gettext)               # the plugin's translations (make-pot.sh)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)  # CJK in browser screenshots
command -v systemd-analyze >/dev/null || need+=(systemd)  # verifies deploy/systemd units
command -v logrotate >/dev/null || need+=(logrotate)     # checks deploy/logrotate
if ((${#need[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
deploy/wordpress/wp-local install
deploy/postgres/pg-local install
