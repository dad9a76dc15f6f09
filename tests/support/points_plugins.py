"""The real myCRED and GamiPress in a local test WordPress: activated as an administrator would,
and their own ledgers and balances read back, so the points-for-votes tests assert against what
the plugins themselves stored.

Owns: ``activate_mycred`` / ``activate_gamipress`` (unpack from ../shared/wordpress-plugins,
activate from PHP CLI with the wp-admin includes myCRED's activation needs, let GamiPress create
its tables and, when asked, a points type), ``deactivate``, and the readers ``mycred_ledger`` /
``mycred_balance`` / ``gamipress_points`` / ``gamipress_logs``. Nothing here defines a plugin
function: a missing function is the real plugin being inactive.
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.wordpress import link_third_party_plugin
from tests.support.wp_php import wp_php

MAIN_FILES = {"mycred": "mycred/mycred.php", "gamipress": "gamipress/gamipress.php"}
# myCRED's activation uploads its default point image: outside wp-admin the media functions
# are not loaded (../shared/wordpress-plugins/README.md)
ADMIN_INCLUDES = """
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/file.php';
require_once ABSPATH . 'wp-admin/includes/media.php';
wp_set_current_user( 1 );
"""


def _activate(site_name: str, slug: str) -> None:
    link_third_party_plugin(slug)
    out = wp_php(site_name, ADMIN_INCLUDES + f"""
        $result = activate_plugin( '{MAIN_FILES[slug]}' );
        echo is_wp_error( $result ) ? 'ERROR ' . $result->get_error_message() : 'ok';
    """)
    assert out.endswith("ok"), out


def activate_mycred(site_name: str) -> None:
    """myCRED active on ``site_name``, its log table there."""
    _activate(site_name, "mycred")
    out = wp_php(site_name, """
        global $wpdb;
        $table = mycred()->get_log_table();
        echo function_exists( 'mycred_add' ) && $wpdb->get_var( "SHOW TABLES LIKE '$table'" ) ? 'ok' : 'missing';
    """)
    assert out.endswith("ok"), out


def activate_gamipress(site_name: str, points_type: str = "") -> None:
    """GamiPress active on ``site_name`` with its tables, and the points type ``points_type``
    (a ``points-type`` post with that slug, as its admin screen makes) when given."""
    _activate(site_name, "gamipress")
    # its tables and upgrade routine run on its first admin_init after activation: the same
    # handlers, called as that admin_init would
    out = wp_php(site_name, ADMIN_INCLUDES + """
        require_once ABSPATH . 'wp-admin/includes/upgrade.php';
        gamipress_process_upgrades();
        global $wpdb;
        foreach ( $GLOBALS['ct_registered_tables'] ?? array() as $table ) {
            foreach ( array( $table, $table->meta ?? null ) as $part ) {
                if ( isset( $part->db ) && method_exists( $part->db, 'maybe_upgrade' ) ) {
                    $part->db->maybe_upgrade();
                }
            }
        }
        echo $wpdb->get_var( "SHOW TABLES LIKE '{$wpdb->prefix}gamipress_logs_meta'" ) ? 'ok' : 'no tables';
    """)
    assert out.endswith("ok"), out
    if points_type:
        out = wp_php(site_name, f"""
            if ( ! get_page_by_path( '{points_type}', OBJECT, 'points-type' ) ) {{
                $id = wp_insert_post( array( 'post_type' => 'points-type', 'post_status' => 'publish',
                    'post_title' => '{points_type}', 'post_name' => '{points_type}' ) );
                update_post_meta( $id, '_gamipress_plural_name', '{points_type}' );
            }}
        """)
        # GamiPress registers its points types on init: the new one is there from the next load
        out = wp_php(site_name, f"""
            echo array_key_exists( '{points_type}', gamipress_get_points_types() ) ? 'ok' : 'no type';
        """)
        assert out.endswith("ok"), out


def deactivate(site_name: str, slug: str) -> None:
    wp_php(site_name, ADMIN_INCLUDES + f"deactivate_plugins( '{MAIN_FILES[slug]}' );")


def _json(site_name: str, code: str) -> Any:
    return json.loads(wp_php(site_name, code))


def mycred_ledger(site_name: str, ref: str = "steem_vote") -> list[dict[str, Any]]:
    """The rows of myCRED's own log (``{prefix}myCRED_log``) with reference ``ref``."""
    return _json(site_name, f"""
        global $wpdb;
        $table = mycred()->get_log_table();
        echo wp_json_encode( $wpdb->get_results( $wpdb->prepare(
            "SELECT id, ref, ref_id, user_id, creds, ctype, entry, data FROM $table WHERE ref = %s ORDER BY id",
            '{ref}' ), ARRAY_A ) );
    """)


def mycred_balance(site_name: str, user_id: int, point_type: str = "mycred_default") -> dict[str, str]:
    """``mycred_get_users_balance`` and the user meta it is kept in."""
    return _json(site_name, f"""
        echo wp_json_encode( array(
            'balance' => (string) mycred_get_users_balance( {user_id}, '{point_type}' ),
            'meta' => (string) get_user_meta( {user_id}, mycred_get_meta_key( '{point_type}' ), true ) ) );
    """)


def gamipress_points(site_name: str, user_id: int, points_type: str) -> int:
    return int(wp_php(site_name, f"echo (int) gamipress_get_user_points( {user_id}, '{points_type}' );"))


def gamipress_logs(site_name: str, user_id: int) -> list[dict[str, Any]]:
    """GamiPress's own log rows of ``user_id`` with their points meta, oldest first."""
    return _json(site_name, f"""
        global $wpdb;
        $rows = $wpdb->get_results( $wpdb->prepare(
            "SELECT log_id, title, type, trigger_type, access, user_id FROM {{$wpdb->prefix}}gamipress_logs WHERE user_id = %d ORDER BY log_id",
            {user_id} ), ARRAY_A );
        foreach ( $rows as &$row ) {{
            foreach ( array( 'points', 'points_type', 'total_points', 'pattern' ) as $key ) {{
                $row[ $key ] = gamipress_get_log_meta( $row['log_id'], '_gamipress_' . $key, true );
            }}
        }}
        echo wp_json_encode( $rows );
    """)
