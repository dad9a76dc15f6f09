<?php
/**
 * What a person can ask of the bridge from WordPress, and how the bridge learns of it:
 *
 * - `POST wp-steem-bridge/v1/sync {"post_id": N}`: wakes the bridge now for that post, through the
 *   webhook poke (webhook.php). Needs edit_post on the post.
 * - `POST wp-steem-bridge/v1/posts/<id>/retry`: records a retry request for a failed post (option
 *   WPSB_RETRY_OPTION, ids increasing, the newest WPSB_RETRY_KEEP kept) and wakes the bridge.
 *   Needs edit_post on the post.
 * - `GET wp-steem-bridge/v1/retries?after=<id>`: the requests after that id, oldest first, as
 *   `[{id, post_id, requested_at}]`. Only the bridge (WPSB_WRITE_CAP) reads them, each tick.
 *
 * Nothing here talks to the chain: the bridge decides what a request leads to.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_RETRY_OPTION     = 'wpsb_retry_requests';
const WPSB_RETRY_KEEP       = 500;
const WPSB_RETRY_FEED_LIMIT = 100;

/** Refuses unless the user may edit post $post_id; 401/403 before the post is looked up. */
function wpsb_require_edit_post( $post_id ) {
	if ( ! current_user_can( 'edit_post', (int) $post_id ) ) {
		return new WP_Error(
			'rest_forbidden',
			__( 'Sorry, you are not allowed to ask the bridge about this post.', 'wp-steem-bridge' ),
			array( 'status' => rest_authorization_required_code() )
		);
	}
	$post = get_post( (int) $post_id );
	if ( ! $post || 'post' !== $post->post_type ) {
		return new WP_Error( 'rest_post_invalid_id', __( 'Invalid post ID.', 'wp-steem-bridge' ), array( 'status' => 404 ) );
	}
	return true;
}

/** Queues a poke for the post (sent at shutdown); true when one will go out. */
function wpsb_poke_for( $post_id, $event ) {
	wpsb_webhook_note( get_post( (int) $post_id ), $event );
	return isset( $GLOBALS['wpsb_webhook_posts'][ (int) $post_id ] );
}

/** What the person is told after asking: whether the bridge was woken, or when it will look. */
function wpsb_poke_message( $poked, $done ) {
	if ( $poked ) {
		return $done . ' ' . __( 'The bridge was woken and handles it now.', 'wp-steem-bridge' );
	}
	if ( wpsb_webhook_configured() ) {
		return $done . ' ' . __( 'The bridge handles it at its next tick.', 'wp-steem-bridge' );
	}
	return $done . ' ' . __( 'No webhook is set up (WPSB_WEBHOOK_URL and WPSB_WEBHOOK_SECRET in wp-config.php), so the bridge handles it at its next tick.', 'wp-steem-bridge' );
}

function wpsb_sync_now( WP_REST_Request $request ) {
	$post_id = (int) $request['post_id'];
	$poked   = wpsb_poke_for( $post_id, 'sync' );
	return rest_ensure_response(
		array(
			'post_id' => $post_id,
			'poked'   => $poked,
			'message' => wpsb_poke_message( $poked, __( 'Sync requested.', 'wp-steem-bridge' ) ),
		)
	);
}

/** Reads the stored requests afresh (another request may have written them since this one began). */
function wpsb_read_retry_requests() {
	wp_cache_delete( WPSB_RETRY_OPTION, 'options' );
	wp_cache_delete( 'notoptions', 'options' );
	$stored = get_option( WPSB_RETRY_OPTION, array() );
	return array(
		'last_id' => isset( $stored['last_id'] ) ? (int) $stored['last_id'] : 0,
		'items'   => isset( $stored['items'] ) && is_array( $stored['items'] ) ? $stored['items'] : array(),
	);
}

/** Appends a request under a database lock, so two at once never share an id; the new item. */
function wpsb_add_retry_request( $post_id ) {
	return wpsb_with_lock(
		'retry-requests',
		function () use ( $post_id ) {
			$stored = wpsb_read_retry_requests();
			$item   = array(
				'id'           => $stored['last_id'] + 1,
				'post_id'      => (int) $post_id,
				'requested_at' => gmdate( 'Y-m-d\TH:i:s\Z' ),
				'user_id'      => get_current_user_id(),
			);
			$items  = array_slice( array_merge( $stored['items'], array( $item ) ), -WPSB_RETRY_KEEP );
			update_option( WPSB_RETRY_OPTION, array( 'last_id' => $item['id'], 'items' => $items ), false );
			return $item;
		},
		null
	);
}

function wpsb_request_retry( WP_REST_Request $request ) {
	$post_id = (int) $request['id'];
	$status  = wpsb_read_chain_meta( $post_id )['steem_status'];
	if ( 'failed' !== $status ) {
		return new WP_Error(
			'wpsb_not_failed',
			sprintf(
				/* translators: %s: the post's chain status, or "none" */
				__( 'Only a failed post can be retried; this post\'s chain status is "%s". Use Sync now instead.', 'wp-steem-bridge' ),
				'' === $status ? 'none' : $status
			),
			array( 'status' => 409 )
		);
	}
	$item = wpsb_add_retry_request( $post_id );
	if ( null === $item ) {
		return new WP_Error( 'wpsb_busy', __( 'Another retry request is being stored; try again in a moment.', 'wp-steem-bridge' ), array( 'status' => 503 ) );
	}
	$poked    = wpsb_poke_for( $post_id, 'retry' );
	$response = rest_ensure_response(
		array(
			'id'           => $item['id'],
			'post_id'      => $post_id,
			'requested_at' => $item['requested_at'],
			'poked'        => $poked,
			'message'      => wpsb_poke_message( $poked, __( 'Retry requested.', 'wp-steem-bridge' ) ),
		)
	);
	$response->set_status( 202 );
	return $response;
}

/** The bridge's feed: requests with an id above `after`, oldest first, at most WPSB_RETRY_FEED_LIMIT. */
function wpsb_list_retry_requests( WP_REST_Request $request ) {
	$after = (int) $request['after'];
	$feed  = array();
	foreach ( wpsb_read_retry_requests()['items'] as $item ) {
		if ( (int) $item['id'] > $after && count( $feed ) < WPSB_RETRY_FEED_LIMIT ) {
			$feed[] = array(
				'id'           => (int) $item['id'],
				'post_id'      => (int) $item['post_id'],
				'requested_at' => (string) $item['requested_at'],
			);
		}
	}
	return rest_ensure_response( $feed );
}

function wpsb_bridge_only() {
	if ( ! current_user_can( WPSB_WRITE_CAP ) ) {
		return new WP_Error(
			'rest_forbidden',
			__( 'Only the bridge may read retry requests.', 'wp-steem-bridge' ),
			array( 'status' => rest_authorization_required_code() )
		);
	}
	return true;
}

function wpsb_register_sync_routes() {
	$id = array( 'type' => 'integer', 'minimum' => 1, 'required' => true );
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/sync',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_sync_now',
			'permission_callback' => function ( WP_REST_Request $request ) {
				return wpsb_require_edit_post( $request['post_id'] );
			},
			'args'                => array( 'post_id' => $id ),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/posts/(?P<id>\d+)/retry',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_request_retry',
			'permission_callback' => function ( WP_REST_Request $request ) {
				return wpsb_require_edit_post( $request['id'] );
			},
			'args'                => array( 'id' => $id ),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/retries',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_list_retry_requests',
			'permission_callback' => 'wpsb_bridge_only',
			'args'                => array(
				'after' => array( 'type' => 'integer', 'minimum' => 0, 'default' => 0 ),
			),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_sync_routes' );
