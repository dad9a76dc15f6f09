<?php
/**
 * Likes as events: an append-only table `{prefix}wpsb_like_events` of every like and unlike of a
 * post by a member, whichever backend stored it, read by the bridge as a cursor feed and turned
 * into chain votes (a like: a vote of the configured weight; an unlike: a vote of weight 0).
 *
 * Rows (id BIGINT auto-increment = the feed's cursor): post_id, user_id, event like|unlike,
 * source, created_at (UTC). Recorded idempotently: a like while the member's last event on the post
 * is already a like is not recorded again, nor an unlike without a like before it.
 *
 * Where likes come from (docs wordpress-facts.md §1):
 *   wanzi    -- 丸子 "Mini Program API" (mp/v1 comments, type=like) stores a like as an approved
 *               comment of type `like` with user_id set (wp_insert_comment, which fires no
 *               comment_post) and hard-deletes it on unlike (wp_delete_comment( $id, true )).
 *               An administrator unapproving, trashing or spamming a like comment unlikes too.
 *   minapper -- 微慕 "REST API TO MiniProgram" (watch-life-net/v1 post/like) stores post meta
 *               `_<openid>` = `like` (add_post_meta, unique) with no time and no unlike; the user's
 *               login is the openid. Deleting that meta (an administrator) is taken as an unlike.
 *   site     -- this plugin's own button route for logged-in members:
 *               POST wp-steem-bridge/v1/posts/<id>/like {"action": "like"|"unlike"}.
 *
 * `GET wp-steem-bridge/v1/likes?after=<id>&limit=N` (the bridge's user only, WPSB_WRITE_CAP):
 * `{"events": [{id, post_id, user_id, event, source, at, steem_account}], "last": <id>}`, oldest
 * first, never past an id that may still commit (the change feed's rule, change-feed.php).
 * `POST wp-steem-bridge/v1/posts/<id>/likes-chain {"steem_liked_votes": N}` (bridge only) stores the
 * number of this site's likes that are votes on chain as post meta `steem_liked_votes`.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_LIKES_DB_VERSION    = 1;
const WPSB_LIKES_DB_OPTION     = 'wpsb_like_events_db_version';
const WPSB_LIKES_MAX_LIMIT     = 500;
const WPSB_LIKES_GAP_TIMEOUT   = 30;
const WPSB_LIKES_CHAIN_META    = 'steem_liked_votes';

function wpsb_likes_table() {
	global $wpdb;
	return $wpdb->prefix . 'wpsb_like_events';
}

function wpsb_likes_install() {
	global $wpdb;
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	$table   = wpsb_likes_table();
	$charset = $wpdb->get_charset_collate();
	dbDelta(
		"CREATE TABLE $table (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  post_id bigint(20) unsigned NOT NULL,
  user_id bigint(20) unsigned NOT NULL,
  event varchar(8) NOT NULL,
  source varchar(20) NOT NULL,
  created_at datetime NOT NULL,
  PRIMARY KEY  (id),
  KEY post_user (post_id,user_id,id)
) $charset;"
	);
	update_option( WPSB_LIKES_DB_OPTION, WPSB_LIKES_DB_VERSION );
}
register_activation_hook( dirname( __DIR__ ) . '/wp-steem-bridge.php', 'wpsb_likes_install' );

function wpsb_likes_maybe_install() {
	if ( (int) get_option( WPSB_LIKES_DB_OPTION ) !== WPSB_LIKES_DB_VERSION ) {
		wpsb_likes_install();
	}
}
add_action( 'init', 'wpsb_likes_maybe_install', 5 );

/** Appends a like or unlike unless it would repeat the member's state; true when recorded. */
function wpsb_record_like_event( $post_id, $user_id, $event, $source ) {
	global $wpdb;
	$post_id = (int) $post_id;
	$user_id = (int) $user_id;
	if ( $post_id <= 0 || $user_id <= 0 || ! in_array( $event, array( 'like', 'unlike' ), true ) ) {
		return false;
	}
	$table = wpsb_likes_table();
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$last = (string) $wpdb->get_var(
		$wpdb->prepare( "SELECT event FROM $table WHERE post_id = %d AND user_id = %d ORDER BY id DESC LIMIT 1", $post_id, $user_id )
	);
	$liked = 'like' === $last;
	if ( ( 'like' === $event ) === $liked ) {
		return false; // already in that state: one like, however often it is pressed
	}
	$wpdb->query(
		$wpdb->prepare(
			"INSERT INTO $table (post_id, user_id, event, source, created_at) VALUES (%d, %d, %s, %s, UTC_TIMESTAMP())",
			$post_id,
			$user_id,
			$event,
			substr( sanitize_key( $source ), 0, 20 )
		)
	);
	// phpcs:enable
	if ( function_exists( 'wpsb_webhook_note' ) ) {
		wpsb_webhook_note( get_post( $post_id ), $event ); // wakes the daemon (webhook.php)
	}
	return true;
}

/** Whether the member's last recorded event on the post is a like. */
function wpsb_member_likes( $post_id, $user_id ) {
	global $wpdb;
	$table = wpsb_likes_table();
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$last = $wpdb->get_var( $wpdb->prepare( "SELECT event FROM $table WHERE post_id = %d AND user_id = %d ORDER BY id DESC LIMIT 1", (int) $post_id, (int) $user_id ) );
	return 'like' === $last;
}

// -- 丸子 (wp-mini-program): likes are comments of type `like` ---------------------------------

function wpsb_like_on_insert_comment( $comment_id, $comment ) {
	if ( $comment instanceof WP_Comment && 'like' === $comment->comment_type && (int) $comment->user_id > 0
		&& '1' === (string) $comment->comment_approved ) {
		wpsb_record_like_event( $comment->comment_post_ID, $comment->user_id, 'like', 'wanzi' );
	}
}
add_action( 'wp_insert_comment', 'wpsb_like_on_insert_comment', 10, 2 );

function wpsb_like_on_deleted_comment( $comment_id, $comment = null ) {
	$comment = $comment instanceof WP_Comment ? $comment : null;
	if ( $comment && 'like' === $comment->comment_type && (int) $comment->user_id > 0 ) {
		wpsb_record_like_event( $comment->comment_post_ID, $comment->user_id, 'unlike', 'wanzi' );
	}
}
add_action( 'deleted_comment', 'wpsb_like_on_deleted_comment', 10, 2 );

/** A like comment an administrator unapproves, trashes or marks spam is an unlike; approved again, a like. */
function wpsb_like_on_comment_status( $new_status, $old_status, $comment ) {
	if ( ! $comment instanceof WP_Comment || 'like' !== $comment->comment_type || (int) $comment->user_id <= 0 || $new_status === $old_status ) {
		return;
	}
	if ( 'approved' === $new_status ) {
		wpsb_record_like_event( $comment->comment_post_ID, $comment->user_id, 'like', 'wanzi' );
	} elseif ( in_array( $new_status, array( 'unapproved', 'trash', 'spam' ), true ) ) {
		wpsb_record_like_event( $comment->comment_post_ID, $comment->user_id, 'unlike', 'wanzi' );
	}
}
add_action( 'transition_comment_status', 'wpsb_like_on_comment_status', 10, 3 );

// -- 微慕 (rest-api-to-miniprogram): likes are post meta `_<openid>` = `like` ------------------

/** The member behind a 微慕 like key `_<openid>` (login = openid), or 0. */
function wpsb_minapper_like_user( $meta_key, $meta_value ) {
	if ( 'like' !== $meta_value || ! is_string( $meta_key ) || strlen( $meta_key ) < 2 || '_' !== $meta_key[0] ) {
		return 0;
	}
	$user = get_user_by( 'login', substr( $meta_key, 1 ) );
	return $user ? (int) $user->ID : 0;
}

function wpsb_like_on_post_meta( $meta_id, $post_id, $meta_key, $meta_value ) {
	$user_id = wpsb_minapper_like_user( $meta_key, $meta_value );
	if ( $user_id ) {
		wpsb_record_like_event( $post_id, $user_id, 'like', 'minapper' );
	}
}
add_action( 'added_post_meta', 'wpsb_like_on_post_meta', 10, 4 );
add_action( 'updated_post_meta', 'wpsb_like_on_post_meta', 10, 4 );

function wpsb_unlike_on_post_meta( $meta_ids, $post_id, $meta_key, $meta_value ) {
	$user_id = wpsb_minapper_like_user( $meta_key, $meta_value );
	if ( $user_id ) {
		wpsb_record_like_event( $post_id, $user_id, 'unlike', 'minapper' );
	}
}
add_action( 'deleted_post_meta', 'wpsb_unlike_on_post_meta', 10, 4 );

// -- the site's own like button ----------------------------------------------------------------

function wpsb_like_button_permission( WP_REST_Request $request ) {
	if ( ! is_user_logged_in() || ! current_user_can( 'read' ) ) {
		return new WP_Error( 'rest_forbidden', __( 'Log in to like posts.', 'wp-steem-bridge' ), array( 'status' => rest_authorization_required_code() ) );
	}
	$post = get_post( (int) $request['id'] );
	if ( ! $post || 'publish' !== $post->post_status || ! is_post_type_viewable( $post->post_type ) ) {
		return new WP_Error( 'rest_post_invalid_id', __( 'Invalid post ID.', 'wp-steem-bridge' ), array( 'status' => 404 ) );
	}
	return true;
}

function wpsb_like_button( WP_REST_Request $request ) {
	$post_id  = (int) $request['id'];
	$user_id  = get_current_user_id();
	$recorded = wpsb_record_like_event( $post_id, $user_id, (string) $request['action'], 'site' );
	return rest_ensure_response( array( 'liked' => wpsb_member_likes( $post_id, $user_id ), 'recorded' => $recorded ) );
}

// -- the bridge's feed and write-back ------------------------------------------------------------

/** The highest id in (after, top] below which no insert may still commit (change-feed.php). */
function wpsb_likes_safe_through( $after, $top ) {
	global $wpdb;
	$table = wpsb_likes_table();
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$step = max( 1, (int) $wpdb->get_var( 'SELECT @@auto_increment_increment' ) );
	$rows = $wpdb->get_results(
		$wpdb->prepare( "SELECT id, TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP()) AS age FROM $table WHERE id > %d AND id <= %d ORDER BY id", $after, $top )
	);
	// phpcs:enable
	$previous = $after;
	foreach ( $rows as $row ) {
		if ( (int) $row->id - $previous > $step && $previous > 0 && (int) $row->age < WPSB_LIKES_GAP_TIMEOUT ) {
			return $previous;
		}
		$previous = (int) $row->id;
	}
	return $top;
}

function wpsb_list_like_events( WP_REST_Request $request ) {
	global $wpdb;
	$table = wpsb_likes_table();
	$after = (int) $request['after'];
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$rows    = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM $table WHERE id > %d ORDER BY id LIMIT %d", $after, (int) $request['limit'] ) );
	$events  = array();
	$through = $rows ? wpsb_likes_safe_through( $after, (int) end( $rows )->id ) : $after;
	foreach ( $rows as $row ) {
		if ( (int) $row->id > $through ) {
			break;
		}
		$events[] = array(
			'id'            => (int) $row->id,
			'post_id'       => (int) $row->post_id,
			'user_id'       => (int) $row->user_id,
			'event'         => (string) $row->event,
			'source'        => (string) $row->source,
			'at'            => str_replace( ' ', 'T', (string) $row->created_at ),
			'steem_account' => (string) get_user_meta( (int) $row->user_id, 'steem_account', true ),
		);
	}
	$last = $events ? end( $events )['id'] : $after;
	return rest_ensure_response( array( 'events' => $events, 'last' => $last ) );
}

function wpsb_likes_bridge_permission() {
	if ( ! current_user_can( WPSB_WRITE_CAP ) ) {
		return new WP_Error( 'rest_forbidden', __( 'Only the bridge may do this.', 'wp-steem-bridge' ), array( 'status' => rest_authorization_required_code() ) );
	}
	return true;
}

function wpsb_write_likes_chain( WP_REST_Request $request ) {
	$post_id = (int) $request['id'];
	if ( ! get_post( $post_id ) ) {
		return new WP_Error( 'rest_post_invalid_id', __( 'Invalid post ID.', 'wp-steem-bridge' ), array( 'status' => 404 ) );
	}
	$GLOBALS['wpsb_bridge_writing'] = true; // the bridge's own write-back never pokes it
	update_post_meta( $post_id, WPSB_LIKES_CHAIN_META, (int) $request['steem_liked_votes'] );
	return rest_ensure_response( array( 'id' => $post_id, 'steem_liked_votes' => (int) get_post_meta( $post_id, WPSB_LIKES_CHAIN_META, true ) ) );
}

function wpsb_register_like_routes() {
	$id = array( 'type' => 'integer', 'minimum' => 1, 'required' => true );
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/posts/(?P<id>\d+)/like',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_like_button',
			'permission_callback' => 'wpsb_like_button_permission',
			'args'                => array(
				'id'     => $id,
				'action' => array( 'type' => 'string', 'enum' => array( 'like', 'unlike' ), 'default' => 'like' ),
			),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/likes',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_list_like_events',
			'permission_callback' => 'wpsb_likes_bridge_permission',
			'args'                => array(
				'after' => array( 'type' => 'integer', 'minimum' => 0, 'default' => 0 ),
				'limit' => array( 'type' => 'integer', 'minimum' => 1, 'maximum' => WPSB_LIKES_MAX_LIMIT, 'default' => 100 ),
			),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/posts/(?P<id>\d+)/likes-chain',
		array(
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => 'wpsb_write_likes_chain',
				'permission_callback' => 'wpsb_likes_bridge_permission',
				'args'                => array(
					'id'          => $id,
					'steem_liked_votes' => array( 'type' => 'integer', 'minimum' => 0, 'required' => true ),
				),
			),
			'allow_batch' => array( 'v1' => true ),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_like_routes' );

/** The count of this site's likes that are votes on chain, public like the chain itself. */
function wpsb_register_likes_meta() {
	register_post_meta(
		'post',
		WPSB_LIKES_CHAIN_META,
		array(
			'type'          => 'integer',
			'single'        => true,
			'default'       => 0,
			'description'   => 'Members\' likes of this post that are votes on chain.',
			'auth_callback' => function () {
				return current_user_can( WPSB_WRITE_CAP );
			},
			'show_in_rest'  => true,
		)
	);
}
add_action( 'init', 'wpsb_register_likes_meta' );
