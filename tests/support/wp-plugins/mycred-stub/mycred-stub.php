<?php
/**
 * Plugin Name: myCRED test stub (wp-steem-bridge tests only)
 * Description: NOT myCRED. Defines mycred_add() and mycred()->has_entry() with myCRED's documented
 *              signatures and records every call in the option wpsb_mycred_stub_log, so the
 *              bridge's points-for-votes path can be tested without wordpress.org access.
 * Version:     0.0.1
 *
 * @package wp-steem-bridge-tests
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

if ( ! function_exists( 'mycred_add' ) ) {
	/** myCRED: mycred_add( $ref, $user_id, $amount, $entry, $ref_id, $data, $type ) -> bool. */
	function mycred_add( $ref = '', $user_id = '', $amount = '', $entry = '', $ref_id = '', $data = '', $type = 'mycred_default' ) {
		if ( '' === $ref || ! $user_id || ! $amount || '' === $entry ) {
			return false;
		}
		$log   = get_option( 'wpsb_mycred_stub_log', array() );
		$log[] = compact( 'ref', 'user_id', 'amount', 'entry', 'ref_id', 'data', 'type' );
		update_option( 'wpsb_mycred_stub_log', $log, false );
		return true;
	}
}

if ( ! class_exists( 'WPSB_MyCred_Stub' ) ) {
	/** Stands in for myCRED_Settings: only has_entry(), as myCRED documents it. */
	class WPSB_MyCred_Stub {
		public function has_entry( $reference = '', $ref_id = '', $user_id = '', $data = '', $type = 'mycred_default' ) {
			foreach ( get_option( 'wpsb_mycred_stub_log', array() ) as $row ) {
				if ( $row['ref'] === $reference && (string) $row['ref_id'] === (string) $ref_id
					&& (int) $row['user_id'] === (int) $user_id && $row['data'] === $data && $row['type'] === $type ) {
					return true;
				}
			}
			return false;
		}
	}
}

if ( ! function_exists( 'mycred' ) ) {
	function mycred( $type = 'mycred_default' ) {
		return new WPSB_MyCred_Stub();
	}
}

/** GET /wp-json/mycred-stub/v1/log: the recorded calls (administrators only). */
add_action(
	'rest_api_init',
	function () {
		register_rest_route(
			'mycred-stub/v1',
			'/log',
			array(
				'methods'             => 'GET',
				'callback'            => function () {
					return rest_ensure_response( get_option( 'wpsb_mycred_stub_log', array() ) );
				},
				'permission_callback' => function () {
					return current_user_can( 'manage_options' );
				},
			)
		);
	}
);
