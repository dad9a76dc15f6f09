<?php
/**
 * Webhook poke: when a post is published, updated, unpublished, trashed or deleted, tell the bridge
 * daemon to run its next tick now instead of at its next interval. Off unless wp-config.php
 * defines both WPSB_WEBHOOK_URL (e.g. 'http://127.0.0.1:8787/poke') and WPSB_WEBHOOK_SECRET
 * (the daemon's env WPSB_WEBHOOK_SECRET).
 *
 * A poke carries no content the bridge trusts: it only wakes the daemon, which then reads
 * WordPress as always. One poke per request at most (sent at shutdown, after every write of the
 * request is done), non-blocking with a short timeout, signed as
 * X-WPSB-Signature: v1=base64(HMAC-SHA256(secret, timestamp . "." . body)) with X-WPSB-Timestamp.
 * Nothing the bridge's own user (WPSB_WRITE_CAP) does pokes, whichever way it writes (REST
 * routes, wp.editPost over XML-RPC), so the bridge cannot wake itself in a loop. A poke lists at
 * most WPSB_WEBHOOK_MAX_IDS posts (then "more": true), well under the daemon's 64 KB limit.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_WEBHOOK_MAX_IDS = 100;

function wpsb_webhook_configured() {
	return defined( 'WPSB_WEBHOOK_URL' ) && defined( 'WPSB_WEBHOOK_SECRET' )
		&& '' !== (string) WPSB_WEBHOOK_URL && '' !== (string) WPSB_WEBHOOK_SECRET;
}

/** Remembers a changed post; the first one schedules the single poke of this request. */
function wpsb_webhook_note( $post, $event ) {
	if ( ! wpsb_webhook_configured() || ! empty( $GLOBALS['wpsb_bridge_writing'] ) || current_user_can( WPSB_WRITE_CAP ) ) {
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
	if ( 'publish' !== $new_status && 'publish' !== $old_status ) {
		return;
	}
	if ( 'publish' === $new_status ) {
		$event = 'publish' === $old_status ? 'update' : 'publish';
	} else {
		$event = 'trash' === $new_status ? 'trash' : 'unpublish';
	}
	wpsb_webhook_note( $post, $event );
}
add_action( 'transition_post_status', 'wpsb_webhook_on_transition', 10, 3 );

function wpsb_webhook_on_save( $post_id, $post ) {
	if ( $post instanceof WP_Post && 'publish' === $post->post_status && ! isset( $GLOBALS['wpsb_webhook_posts'][ $post_id ] ) ) {
		wpsb_webhook_note( $post, 'update' );
	}
}
add_action( 'wp_after_insert_post', 'wpsb_webhook_on_save', 10, 2 );

/** A permanent delete (from the trash, or force=true) fires no status transition. */
function wpsb_webhook_on_delete( $post_id, $post = null ) {
	if ( $post instanceof WP_Post && 'auto-draft' !== $post->post_status ) {
		wpsb_webhook_note( $post, 'delete' );
	}
}
add_action( 'deleted_post', 'wpsb_webhook_on_delete', 10, 2 );

/** The signature header value for a body, as bridge/webhook.py checks it. */
function wpsb_webhook_signature( $secret, $timestamp, $body ) {
	return 'v1=' . base64_encode( hash_hmac( 'sha256', $timestamp . '.' . $body, $secret, true ) );
}

function wpsb_webhook_send() {
	if ( empty( $GLOBALS['wpsb_webhook_posts'] ) || ! wpsb_webhook_configured() ) {
		return;
	}
	$posts = array();
	foreach ( array_slice( $GLOBALS['wpsb_webhook_posts'], 0, WPSB_WEBHOOK_MAX_IDS, true ) as $post_id => $event ) {
		$posts[] = array( 'id' => (int) $post_id, 'event' => $event );
	}
	$payload = array( 'site' => home_url(), 'posts' => $posts );
	if ( count( $GLOBALS['wpsb_webhook_posts'] ) > WPSB_WEBHOOK_MAX_IDS ) {
		$payload['more'] = true;
	}
	$GLOBALS['wpsb_webhook_posts'] = array();
	$body      = wp_json_encode( $payload );
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
