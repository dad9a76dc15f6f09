"""The real myCRED and GamiPress in a local test site: activated from PHP as an administrator
would (myCRED's activation needs wp-admin's image/file/media includes; GamiPress's tables and
upgrade routine run on its first admin_init as an administrator: both called here), and myCRED's
own log read back. The archives come from ../shared/wordpress-plugins (never copied here)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.wordpress import link_third_party_plugin
from tests.support.wp_php import wp_php

MAIN_FILES = {"mycred": "mycred/mycred.php", "gamipress": "gamipress/gamipress.php"}
ADMIN_INCLUDES = """
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/file.php';
require_once ABSPATH . 'wp-admin/includes/media.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
wp_set_current_user( 1 );
"""
GAMIPRESS_FIRST_ADMIN_INIT = """
gamipress_process_upgrades();
foreach ( $GLOBALS['ct_registered_tables'] ?? array() as $table ) {
    foreach ( array( $table, $table->meta ?? null ) as $part ) {
        if ( isset( $part->db ) && method_exists( $part->db, 'maybe_upgrade' ) ) {
            $part->db->maybe_upgrade();
        }
    }
}
"""


def set_active(site_name: str, slug: str, active: bool) -> None:
    """Activate (or deactivate) the real plugin ``slug`` in site ``site_name``."""
    link_third_party_plugin(slug)
    main = MAIN_FILES[slug]
    if not active:
        wp_php(site_name, ADMIN_INCLUDES + f"deactivate_plugins( '{main}' ); echo 'ok';")
        return
    out = wp_php(site_name, ADMIN_INCLUDES + f"""
        $result = activate_plugin( '{main}' );
        echo is_wp_error( $result ) ? 'ERROR ' . $result->get_error_message() : 'ok';""")
    assert out.endswith("ok"), out
    if slug == "gamipress":  # the next load runs with the plugin: its first admin_init
        assert wp_php(site_name, ADMIN_INCLUDES + GAMIPRESS_FIRST_ADMIN_INIT + "echo 'ok';") \
            .endswith("ok")


def mycred_log(site_name: str, ref: str = "") -> list[dict[str, Any]]:
    """Rows of myCRED's own log table (of ``ref`` only, when given), oldest first."""
    out = wp_php(site_name, f"""
        global $wpdb;
        $table = mycred()->get_log_table();
        $rows = $wpdb->get_results( $wpdb->prepare(
            "SELECT id, ref, ref_id, user_id, creds, ctype, data FROM $table
             WHERE ( %s = '' OR ref = %s ) ORDER BY id", '{ref}', '{ref}' ), ARRAY_A );
        echo wp_json_encode( $rows );""")
    return json.loads(out[out.index("["):])
