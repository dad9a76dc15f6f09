<?php
/**
 * Webhook poke: when a post is published, updated, unpublished or trashed, tell the bridge
 * daemon to run its next tick now instead of at its next interval. Off unless wp-config.php
 * defines both WPSB_WEBHOOK_URL (e.g. 'http://127.0.0.1:8787/poke') and WPSB_WEBHOOK_SECRET
 * (the daemon's env WPSB_WEBHOOK_SECRET).
 *
 * A poke carries no content the bridge trusts: it only wakes the daemon, which then reads
 * WordPress as always. One poke per request at most (sent at shutdown, after every write of the
 * request is done), non-blocking with a short timeout, signed as
 * X-WPSB-Signature: v1=base64(HMAC-SHA256(secret, timestamp . "." . body)) with X-WPSB-Timestamp.
 * Requests the bridge itself makes to its write routes (chain results, mirrored meta, comments,
 * points with ref steem_vote) never poke, so the bridge cannot wake itself in a loop.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

function wpsb_webhook_configured() {
	return defined( 'WPSB_WEBHOOK_URL' ) && defined( 'WPSB_WEBHOOK_SECRET' )
		&& '' !== (string) WPSB_WEBHOOK_URL && '' !== (string) WPSB_WEBHOOK_SECRET;
}

/** Remembers a changed post; the first one schedules the single poke of this request. */
function wpsb_webhook_note( $post, $event ) {
	if ( ! wpsb_webhook_configured() || ! empty( $GLOBALS['wpsb_bridge_writing'] ) ) {
		return;
	}
	if ( ! $post instanceof WP_Post || wp_is_post_revision( $post ) || wp_is_post_autosave( $post ) ) {
		return;
	}
	if ( ! in_array( $post->post_type, (array) apply_filters( 'wpsb_webhook_post_types', array( 'post' ) ), true ) ) {
		return;
	}
	if ( empty( $GLOBALS['wpsb_webhook_posts'] ) ) {
		$GLOBALS['wpsb_webhook_posts'] = array();
		add_action( 'shutdown', 'wpsb_webhook_send' );
	}
	$GLOBALS['wpsb_webhook_posts'][ $post->ID ] = $event;
}

function wpsb_webhook_on_transition( $new_status, $old_status, $post ) {
	if ( 'publish' === $new_status || 'publish' === $old_status ) {
		$event = 'publish' === $new_status ? 'publish' : ( 'trash' === $new_status ? 'trash' : 'unpublish' );
		wpsb_webhook_note( $post, $event );
	}
}
add_action( 'transition_post_status', 'wpsb_webhook_on_transition', 10, 3 );

function wpsb_webhook_on_save( $post_id, $post ) {
	if ( $post instanceof WP_Post && 'publish' === $post->post_status && ! isset( $GLOBALS['wpsb_webhook_posts'][ $post_id ] ) ) {
		wpsb_webhook_note( $post, 'update' );
	}
}
add_action( 'wp_after_insert_post', 'wpsb_webhook_on_save', 10, 2 );

/** The signature header value for a body, as bridge/webhook.py checks it. */
function wpsb_webhook_signature( $secret, $timestamp, $body ) {
	return 'v1=' . base64_encode( hash_hmac( 'sha256', $timestamp . '.' . $body, $secret, true ) );
}

function wpsb_webhook_send() {
	if ( empty( $GLOBALS['wpsb_webhook_posts'] ) || ! wpsb_webhook_configured() ) {
		return;
	}
	$posts = array();
	foreach ( $GLOBALS['wpsb_webhook_posts'] as $post_id => $event ) {
		$posts[] = array( 'id' => (int) $post_id, 'event' => $event );
	}
	$GLOBALS['wpsb_webhook_posts'] = array();
	$body      = wp_json_encode( array( 'site' => home_url(), 'posts' => $posts ) );
	$timestamp = (string) time();
	wp_remote_post(
		WPSB_WEBHOOK_URL,
		array(
			'blocking'   => false,
			'timeout'    => 1,
			'user-agent' => 'wp-steem-bridge',
			'headers'    => array(
				'Content-Type'     => 'application/json',
				'X-WPSB-Timestamp' => $timestamp,
				'X-WPSB-Signature' => wpsb_webhook_signature( WPSB_WEBHOOK_SECRET, $timestamp, $body ),
			),
			'body'       => $body,
		)
	);
}
