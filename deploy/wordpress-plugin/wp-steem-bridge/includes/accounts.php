<?php
/**
 * The link between a WordPress user and the chain account they publish as: user meta
 * `steem_account`. The bridge publishes a member's posts as that account, so the link is set by a
 * site administrator (edit_users) or by the bridge's own user (WPSB_WRITE_CAP) for another user,
 * never by a member for themselves; and one chain account belongs to at most one WordPress user.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

function wpsb_sanitize_account( $value ) {
	return strtolower( trim( (string) $value ) );
}

/** Administrators may link anyone; the bridge may link others; nobody else, not even themselves. */
function wpsb_can_edit_user_meta( $allowed, $meta_key, $user_id ) {
	$user_id = (int) $user_id;
	if ( current_user_can( 'edit_users' ) ) {
		return current_user_can( 'edit_user', $user_id );
	}
	return current_user_can( WPSB_WRITE_CAP ) && get_current_user_id() !== $user_id;
}

/** The id of another user already linked to $account, or 0. */
function wpsb_account_holder( $account, $except_user_id ) {
	$ids = get_users(
		array(
			'meta_key'   => 'steem_account', // phpcs:ignore WordPress.DB.SlowDBQuery
			'meta_value' => $account, // phpcs:ignore WordPress.DB.SlowDBQuery
			'exclude'    => array( (int) $except_user_id ),
			'fields'     => 'ID',
			'number'     => 1,
		)
	);
	return $ids ? (int) $ids[0] : 0;
}

function wpsb_register_account_meta() {
	register_meta(
		'user',
		'steem_account',
		array(
			'type'              => 'string',
			'description'       => 'Steem account this user publishes as (set by an administrator).',
			'single'            => true,
			'default'           => '',
			'sanitize_callback' => 'wpsb_sanitize_account',
			'auth_callback'     => 'wpsb_can_edit_user_meta',
			'show_in_rest'      => array(
				'schema' => array(
					'type'    => 'string',
					'pattern' => '^$|' . WPSB_ACCOUNT_PATTERN,
				),
			),
		)
	);
}
add_action( 'init', 'wpsb_register_account_meta' );

/**
 * REST writes to /wp/v2/users naming an account another user already holds get a clear 400
 * before anything is stored (permissions have been checked by then).
 */
function wpsb_reject_taken_account( $response, $handler, WP_REST_Request $request ) {
	if ( is_wp_error( $response ) || 'GET' === $request->get_method()
		|| ! preg_match( '#^/wp/v2/users(?:/(\d+|me))?$#', $request->get_route(), $m ) ) {
		return $response;
	}
	$meta = $request['meta'];
	if ( ! is_array( $meta ) || ! isset( $meta['steem_account'] ) || ! is_string( $meta['steem_account'] ) ) {
		return $response;
	}
	$account = wpsb_sanitize_account( $meta['steem_account'] );
	$target  = ! isset( $m[1] ) ? 0 : ( 'me' === $m[1] ? get_current_user_id() : (int) $m[1] );
	if ( $target && ! current_user_can( 'edit_user_meta', $target, 'steem_account' ) ) {
		return $response; // Core answers 403; who holds which account is not this user's business.
	}
	if ( '' === $account || ! wpsb_account_holder( $account, $target ) ) {
		return $response;
	}
	return new WP_Error(
		'wpsb_account_taken',
		/* translators: %s: chain account name */
		sprintf( __( 'The Steem account %s is already linked to another WordPress user; unlink it there first.', 'wp-steem-bridge' ), $account ),
		array( 'status' => 400 )
	);
}
add_filter( 'rest_request_before_callbacks', 'wpsb_reject_taken_account', 10, 3 );

/** Backstop for every other path (and concurrent REST writes): never store a duplicate link. */
function wpsb_refuse_duplicate_account( $check, $user_id, $meta_key, $meta_value ) {
	if ( 'steem_account' !== $meta_key || ! is_string( $meta_value ) || '' === $meta_value ) {
		return $check;
	}
	return wpsb_account_holder( $meta_value, $user_id ) ? false : $check;
}
add_filter( 'add_user_metadata', 'wpsb_refuse_duplicate_account', 10, 4 );
add_filter( 'update_user_metadata', 'wpsb_refuse_duplicate_account', 10, 4 );
