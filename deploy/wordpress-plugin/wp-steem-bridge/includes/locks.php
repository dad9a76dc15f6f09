<?php
/**
 * Named database locks (MySQL/MariaDB GET_LOCK), so two identical requests the bridge sends at
 * the same time (a retry racing the first try, two daemons) cannot both pass a check-then-act
 * step: whoever holds the lock for a key checks and writes; the other waits, then sees the write.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_LOCK_WAIT_SECONDS = 10;

/**
 * Runs $work while holding the lock named by $key and returns its result, or $busy when the lock
 * could not be had within WPSB_LOCK_WAIT_SECONDS. Lock names are server-wide, so they include
 * the database and table prefix (hashed, to stay within MySQL's 64 characters).
 */
function wpsb_with_lock( $key, callable $work, $busy ) {
	global $wpdb;
	$name = 'wpsb_' . md5( DB_NAME . '|' . $wpdb->prefix . '|' . $key );
	$got  = $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $name, WPSB_LOCK_WAIT_SECONDS ) );
	if ( '1' !== (string) $got ) {
		return $busy;
	}
	try {
		return $work();
	} finally {
		$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $name ) );
	}
}
