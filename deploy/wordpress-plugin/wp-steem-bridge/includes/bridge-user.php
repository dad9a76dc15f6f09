<?php
/**
 * The bridge's own WordPress user and its capability WPSB_WRITE_CAP (`wpsb_write_chain_data`).
 *
 * The user is named by the wp-config.php constant WPSB_BRIDGE_USER (default "bridge"). It receives
 * the capability on activation and again after every plugin upgrade (stored version option), but
 * only when it can already edit others' posts (an Editor or Administrator): the bridge must read
 * every author's posts anyway, and a mistyped login must not hand the capability to a subscriber.
 * Administrators see a notice while no user holds the capability. uninstall.php removes it.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_VERSION_OPTION = 'wpsb_version';

function wpsb_bridge_login() {
	return defined( 'WPSB_BRIDGE_USER' ) && '' !== (string) WPSB_BRIDGE_USER ? (string) WPSB_BRIDGE_USER : 'bridge';
}

/** Grants the capability to the bridge user when it may edit others' posts; true when it holds it. */
function wpsb_grant_write_cap() {
	$user = get_user_by( 'login', wpsb_bridge_login() );
	if ( ! $user || ! $user->has_cap( 'edit_others_posts' ) ) {
		return false;
	}
	if ( ! $user->has_cap( WPSB_WRITE_CAP ) ) {
		$user->add_cap( WPSB_WRITE_CAP );
	}
	return true;
}

function wpsb_activate() {
	wpsb_grant_write_cap();
	update_option( WPSB_VERSION_OPTION, WPSB_VERSION );
}

/** After an upgrade (the stored version differs), grant again: activation hooks do not run then. */
function wpsb_maybe_upgrade() {
	if ( get_option( WPSB_VERSION_OPTION ) !== WPSB_VERSION ) {
		wpsb_activate();
	}
}
add_action( 'admin_init', 'wpsb_maybe_upgrade' );

function wpsb_write_cap_holder_exists() {
	$ids = get_users( array( 'capability' => WPSB_WRITE_CAP, 'fields' => 'ID', 'number' => 1 ) );
	return ! empty( $ids );
}

/** Tells administrators when no user can record chain results, and what to do about it. */
function wpsb_missing_bridge_user_notice() {
	if ( ! current_user_can( 'manage_options' ) || wpsb_write_cap_holder_exists() || wpsb_grant_write_cap() ) {
		return;
	}
	printf(
		'<div class="notice notice-error"><p>%s</p></div>',
		esc_html(
			sprintf(
				/* translators: 1: login, 2: capability */
				__( 'WP Steem Bridge: no user holds the %2$s capability, so the bridge cannot record chain results. Create an Editor or Administrator user with the login "%1$s" for the bridge (or define WPSB_BRIDGE_USER in wp-config.php as the login of the bridge\'s user, who must be an Editor or Administrator), then reload this page.', 'wp-steem-bridge' ),
				wpsb_bridge_login(),
				WPSB_WRITE_CAP
			)
		)
	);
}
add_action( 'admin_notices', 'wpsb_missing_bridge_user_notice' );
