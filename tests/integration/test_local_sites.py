"""The local WordPress sites of deploy/wordpress/wp-local belong to one checkout: the plugin a site
runs is this checkout's, its database and config are named for this checkout, and "auto" ports
are free ones kept across restarts (so two checkouts can run the tests at the same time)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.wordpress import (
    PLUGINS_DIR,
    REPO_ROOT,
    ensure_wordpress,
    run_wp_local,
    site_json_path,
)
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
PLUGIN_SRC = REPO_ROOT / "deploy" / "wordpress-plugin" / "wp-steem-bridge"


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


def test_the_active_companion_plugin_is_this_checkouts(site: dict[str, Any]) -> None:
    facts = json.loads(wp_php("test", """
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        echo wp_json_encode(array(
            'plugin_dir' => WP_PLUGIN_DIR,
            'file'       => realpath(WP_PLUGIN_DIR . '/wp-steem-bridge/wp-steem-bridge.php'),
            'loaded_dir' => realpath(plugin_dir_path(WP_PLUGIN_DIR . '/wp-steem-bridge/x')),
            'active'     => is_plugin_active('wp-steem-bridge/wp-steem-bridge.php'),
            'db'         => DB_NAME,
        ));
    """))

    assert Path(facts["plugin_dir"]) == PLUGINS_DIR
    assert Path(facts["file"]) == (PLUGIN_SRC / "wp-steem-bridge.php").resolve()
    assert Path(facts["loaded_dir"]) == PLUGIN_SRC.resolve()
    assert facts["active"] is True
    assert facts["db"] == site["db_name"] != "wpsb_test"  # named for this checkout
    # the running server serves the plugin's files from this checkout too
    served = requests.get(f"{site['url']}/wp-content/plugins/wp-steem-bridge/readme.txt",
                          timeout=30)
    assert served.status_code == 200
    assert served.content == (PLUGIN_SRC / "readme.txt").read_bytes()


def test_auto_ports_are_kept_across_restarts_and_differ_between_sites(
        site: dict[str, Any]) -> None:
    other = ensure_wordpress("testshare")
    port = site["url"].rsplit(":", 1)[1]

    run_wp_local("stop", "test")
    run_wp_local("start", "test", "auto")
    again = json.loads(site_json_path("test").read_text(encoding="utf-8"))

    assert again["url"] == site["url"]
    assert other["url"] != site["url"]
    assert 20000 <= int(port) < 32000  # out of the fixed ports of the demo and older checkouts
