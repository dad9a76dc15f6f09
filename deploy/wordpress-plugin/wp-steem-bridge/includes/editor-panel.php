<?php
/**
 * The block editor's "Steem" panel on posts (assets/editor-panel.js, hand-written against the
 * wp.* globals, no build step): the post's chain status with its reason, link and block, the
 * mirrored payout and votes, and the author's per-post overrides as controls bound to the
 * registered meta. Everything comes from the post's meta: no chain calls.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

function wpsb_enqueue_editor_panel() {
	$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
	if ( ! $screen || 'post' !== $screen->base || 'post' !== $screen->post_type ) {
		return;
	}
	wp_enqueue_script(
		'wpsb-editor-panel',
		plugins_url( 'assets/editor-panel.js', __DIR__ ),
		array( 'wp-plugins', 'wp-edit-post', 'wp-element', 'wp-components', 'wp-data', 'wp-core-data', 'wp-notices', 'wp-i18n', 'wp-api-fetch', 'wp-date' ),
		WPSB_VERSION,
		true
	);
	$settings = array(
		'frontEnd' => untrailingslashit( (string) apply_filters( 'wpsb_chain_front_end', 'https://steemit.com' ) ),
	);
	wp_add_inline_script( 'wpsb-editor-panel', 'window.wpsbEditor = ' . wp_json_encode( $settings ) . ';', 'before' );
	wp_set_script_translations( 'wpsb-editor-panel', 'wp-steem-bridge', dirname( __DIR__ ) . '/languages' );
}
add_action( 'enqueue_block_editor_assets', 'wpsb_enqueue_editor_panel' );

/**
 * The block editor saves a post's whole meta object once any meta key was edited (core-data
 * merges meta edits), chain state and mirrored values included, and core refuses the whole save
 * (403) when the user may not edit one of those keys, even unchanged. So for /wp/v2/posts writes,
 * keys this user may not edit whose value equals the stored one are dropped before core sees them;
 * a changed value still reaches core and is refused as before.
 */
function wpsb_drop_unchanged_protected_meta( $response, $handler, WP_REST_Request $request ) {
	if ( is_wp_error( $response ) || 'GET' === $request->get_method()
		|| ! preg_match( '#^/wp/v2/posts/(\d+)$#', $request->get_route(), $m ) || ! is_array( $request['meta'] ) ) {
		return $response;
	}
	$post_id = (int) $m[1];
	// the count of likes that are votes on chain (like-events.php) is the bridge's too
	$schemas = wpsb_post_meta_schemas() + wpsb_mirror_post_schemas()
		+ array( WPSB_LIKES_CHAIN_META => array( 'type' => 'integer' ) );
	$stored  = wpsb_read_chain_meta( $post_id ) + wpsb_mirror_values( 'post', $post_id )
		+ array( WPSB_LIKES_CHAIN_META => (int) get_post_meta( $post_id, WPSB_LIKES_CHAIN_META, true ) );
	$meta    = $request['meta'];
	foreach ( $meta as $key => $value ) {
		if ( ! isset( $schemas[ $key ] ) || current_user_can( 'edit_post_meta', $post_id, $key ) ) {
			continue;
		}
		$sent = rest_sanitize_value_from_schema( $value, $schemas[ $key ], $key );
		if ( is_array( $sent ) ? $sent == $stored[ $key ] : $sent === $stored[ $key ] ) { // phpcs:ignore Universal.Operators.StrictComparisons -- arrays: same pairs, any order.
			unset( $meta[ $key ] );
		}
	}
	$request['meta'] = $meta;
	return $response;
}
add_filter( 'rest_request_before_callbacks', 'wpsb_drop_unchanged_protected_meta', 10, 3 );
