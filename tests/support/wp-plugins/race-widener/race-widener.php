<?php
/**
 * Plugin Name: wp-steem-bridge race widener (tests only)
 * Description: Sleeps 0.5 s between the bridge plugin's "is it there yet?" check and its write
 *              (action wpsb_before_mirror_write), so tests of concurrent identical requests
 *              would see duplicates if that check-then-write were not serialized.
 * Version:     0.0.1
 *
 * @package wp-steem-bridge-tests
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

add_action(
	'wpsb_before_mirror_write',
	function () {
		usleep( 500000 );
	}
);
