"""PHP run inside a local WordPress site (as ``bootstrap.php`` runs), for tests that must set up
state no REST route can (old data, constants, uninstall), and the site's PHP warnings.

Owns: ``wp_php(name, code)`` (runs ``code`` after wp-load.php, returns stdout), ``php_lint``,
``server_log_size`` / ``php_warnings`` (PHP warnings, notices and fatals a site logged since an
offset of ``.run/wordpress-<name>/server.log``).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import textwrap
from pathlib import Path

from tests.support.wordpress import REPO_ROOT, site_json_path

WP_LOAD = "/usr/share/wordpress/wp-load.php"
PHP_TIMEOUT_SECONDS = 60
PHP_PROBLEM = re.compile(r"PHP (Warning|Notice|Deprecated|Fatal error|Parse error)|Uncaught")


def wp_php(name: str, code: str, prelude: str = "") -> str:
    """Runs ``code`` in site ``name`` after WordPress loaded (``prelude`` before); its stdout."""
    site = json.loads(site_json_path(name).read_text(encoding="utf-8"))
    host = site["url"].split("://", 1)[1].rstrip("/")
    script = (
        "<?php\n"
        f"$_SERVER['WORDPRESS_CONFIG'] = '{site['config']}';\n"
        f"$_SERVER['HTTP_HOST'] = '{host}';\n"
        f"$_SERVER['SERVER_NAME'] = '{host.split(':')[0]}';\n"
        "$_SERVER['REQUEST_URI'] = '/';\n$_SERVER['REQUEST_METHOD'] = 'GET';\n"
        f"{textwrap.dedent(prelude)}\n"
        f"require '{WP_LOAD}';\n"
        f"{textwrap.dedent(code)}\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".php", prefix="wpsb-test-") as file:
        file.write(script)
        file.flush()
        done = subprocess.run(["php", "-d", "display_errors=stderr", file.name],
                              capture_output=True, text=True, timeout=PHP_TIMEOUT_SECONDS,
                              check=False)
    if done.returncode != 0 or PHP_PROBLEM.search(done.stderr):
        raise AssertionError(f"php exited {done.returncode}:\n{done.stderr}{done.stdout}")
    return done.stdout


def php_lint(path: Path) -> str:
    """'' when ``php -l`` accepts the file, else its complaint."""
    done = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True,
                          timeout=PHP_TIMEOUT_SECONDS, check=False)
    return "" if done.returncode == 0 else done.stdout + done.stderr


def server_log(name: str) -> Path:
    return REPO_ROOT / ".run" / f"wordpress-{name}" / "server.log"


def server_log_size(name: str) -> int:
    return server_log(name).stat().st_size


def php_warnings(name: str, since: int) -> list[str]:
    """PHP problems site ``name`` logged after byte offset ``since``."""
    with server_log(name).open("rb") as log:
        log.seek(since)
        text = log.read().decode("utf-8", "replace")
    return [line for line in text.splitlines() if PHP_PROBLEM.search(line)]
