<?php
/**
 * The admin posts list (Posts > All Posts), beyond the "Steem" column: row actions "Sync now"
 * (every post the user may edit) and "Retry" (failed posts), which call the routes of
 * sync-requests.php from assets/admin-list.js, and a filter by chain status (meta steem_status),
 * including "Not on chain" (no status, or any status other than published / kept on chain).
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/** Statuses a post on chain has; every other status (or none) means "not on chain". */
const WPSB_ON_CHAIN_STATUSES = array( 'published', 'kept_on_chain', 'tombstoned' );
/** The filter value for posts not on chain (not a status the bridge writes). */
const WPSB_NOT_ON_CHAIN = 'not_on_chain';

/** @return array<string, string> Status => label, for the filter. */
function wpsb_chain_status_labels() {
	return array(
		'published'     => __( 'Published', 'wp-steem-bridge' ),
		'queued'        => __( 'Queued', 'wp-steem-bridge' ),
		'scheduled'     => __( 'Scheduled', 'wp-steem-bridge' ),
		'waiting'       => __( 'Waiting', 'wp-steem-bridge' ),
		'failed'        => __( 'Failed', 'wp-steem-bridge' ),
		'skipped'       => __( 'Skipped', 'wp-steem-bridge' ),
		'kept_on_chain' => __( 'Kept on chain', 'wp-steem-bridge' ),
		'tombstoned'    => __( 'Replaced on chain', 'wp-steem-bridge' ),
		'deleted'       => __( 'Deleted from chain', 'wp-steem-bridge' ),
	);
}

function wpsb_row_actions( $actions, $post ) {
	if ( ! $post instanceof WP_Post || 'post' !== $post->post_type || ! current_user_can( 'edit_post', $post->ID ) ) {
		return $actions;
	}
	$link = '<a href="#" class="wpsb-row-action" data-wpsb-action="%1$s" data-wpsb-post="%2$d" aria-label="%3$s">%4$s</a>';
	$title = wp_strip_all_tags( get_the_title( $post ) );
	/* translators: %s: post title */
	$sync                 = sprintf( __( 'Sync “%s” with the chain now', 'wp-steem-bridge' ), $title );
	$actions['wpsb_sync'] = sprintf( $link, 'sync', $post->ID, esc_attr( $sync ), esc_html__( 'Sync now', 'wp-steem-bridge' ) );
	if ( 'failed' === wpsb_read_chain_meta( $post->ID )['steem_status'] ) {
		/* translators: %s: post title */
		$retry                 = sprintf( __( 'Retry “%s” on the chain', 'wp-steem-bridge' ), $title );
		$actions['wpsb_retry'] = sprintf( $link, 'retry', $post->ID, esc_attr( $retry ), esc_html__( 'Retry', 'wp-steem-bridge' ) );
	}
	return $actions;
}
add_filter( 'post_row_actions', 'wpsb_row_actions', 10, 2 );

/** The chain status chosen in the filter, or "" (all). */
function wpsb_requested_status() {
	$status = isset( $_GET['wpsb_status'] ) ? sanitize_key( wp_unslash( $_GET['wpsb_status'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification -- a list filter, read only.
	return WPSB_NOT_ON_CHAIN === $status || isset( wpsb_chain_status_labels()[ $status ] ) ? $status : '';
}

function wpsb_status_filter( $post_type ) {
	if ( 'post' !== $post_type ) {
		return;
	}
	$chosen  = wpsb_requested_status();
	$options = array( '' => __( 'All chain statuses', 'wp-steem-bridge' ) ) + wpsb_chain_status_labels()
		+ array( WPSB_NOT_ON_CHAIN => __( 'Not on chain', 'wp-steem-bridge' ) );
	echo '<label class="screen-reader-text" for="wpsb-status-filter">' . esc_html__( 'Filter by chain status', 'wp-steem-bridge' ) . '</label>';
	echo '<select name="wpsb_status" id="wpsb-status-filter">';
	foreach ( $options as $value => $label ) {
		printf( '<option value="%s"%s>%s</option>', esc_attr( $value ), selected( $chosen, $value, false ), esc_html( $label ) );
	}
	echo '</select>';
}
add_action( 'restrict_manage_posts', 'wpsb_status_filter' );

/** The meta query for a chosen chain status. */
function wpsb_status_meta_query( $status ) {
	if ( WPSB_NOT_ON_CHAIN !== $status ) {
		return array( array( 'key' => 'steem_status', 'value' => $status ) );
	}
	return array(
		'relation' => 'OR',
		array( 'key' => 'steem_status', 'compare' => 'NOT EXISTS' ),
		array( 'key' => 'steem_status', 'value' => WPSB_ON_CHAIN_STATUSES, 'compare' => 'NOT IN' ),
	);
}

function wpsb_filter_by_status( WP_Query $query ) {
	if ( ! is_admin() || ! $query->is_main_query() || 'post' !== ( $query->get( 'post_type' ) ? $query->get( 'post_type' ) : 'post' ) ) {
		return;
	}
	$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
	$status = wpsb_requested_status();
	if ( ! $screen || 'edit-post' !== $screen->id || '' === $status ) {
		return;
	}
	$meta_query   = (array) $query->get( 'meta_query' );
	$meta_query[] = wpsb_status_meta_query( $status );
	$query->set( 'meta_query', $meta_query );
}
add_action( 'pre_get_posts', 'wpsb_filter_by_status' );

function wpsb_enqueue_admin_list( $hook ) {
	$screen = get_current_screen();
	if ( 'edit.php' !== $hook || ! $screen || 'edit-post' !== $screen->id ) {
		return;
	}
	wp_enqueue_script(
		'wpsb-admin-list',
		plugins_url( 'assets/admin-list.js', __DIR__ ),
		array( 'wp-api-fetch', 'wp-i18n' ),
		WPSB_VERSION,
		true
	);
	wp_set_script_translations( 'wpsb-admin-list', 'wp-steem-bridge', dirname( __DIR__ ) . '/languages' );
}
add_action( 'admin_enqueue_scripts', 'wpsb_enqueue_admin_list' );
