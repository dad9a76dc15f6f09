<?php
/**
 * Comments -> chain replies, WordPress side: the comment changes in the change feed, the comment
 * records the bridge reads, the chain link it writes back into comment meta, and that link shown
 * under the comment.
 *
 * Feed rows (the `{prefix}wpsb_changes` table of change-feed.php, `object_type = 'comment'`, read
 * with `GET wp-steem-bridge/v1/changes?type=comment`; the same commit-safe sequence as posts):
 *   saved    -- wp_insert_comment (core and the mini-program backends, which insert comments with
 *               wp_insert_comment and so fire no comment_post), edit_comment
 *   status   -- transition_comment_status (approve, unapprove, spam, trash, untrash)
 *   deleted  -- deleted_comment: `details` keeps the post and the chain address, read in
 *               delete_comment while the comment and its meta still exist
 * `post_status` holds the comment's status: approved, unapproved, spam, trash (deleted rows:
 * "deleted"). Each row also wakes the daemon through the webhook when one is set up.
 *
 * `GET wp-steem-bridge/v1/comments?include=1,2` (the bridge's user only, WPSB_WRITE_CAP): the
 * comments still there, with what the bridge needs to map them (post and its chain address,
 * parent and its chain address, author's steem_account, raw content, type, origin).
 * `POST wp-steem-bridge/v1/comments/<id>/chain` writes the chain state keys
 * (WPSB_CHAIN_STATE_KEYS, validated by the post meta schemas) into comment meta, marking the
 * comment `steem_origin = wordpress`; when it first says "published", the comment's replies get
 * a feed row (they may have waited for their parent to reach the chain); the reply mirror (mirror-comments.php) then recognises the
 * reply as this comment and never mirrors it back.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_COMMENTS_MAX_IDS = 100;

/** Appends one comment row to the change feed, in its own statement (see change-feed.php). */
function wpsb_record_comment_change( $comment_id, $kind, $status, $details = null ) {
	global $wpdb;
	$table = wpsb_changes_table();
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- an append-only log, never cached.
	$wpdb->query(
		$wpdb->prepare(
			"INSERT INTO $table (object_type, object_id, kind, post_status, details, changed_at) VALUES ('comment', %d, %s, %s, %s, UTC_TIMESTAMP())", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			(int) $comment_id,
			$kind,
			(string) $status,
			null === $details ? '' : wp_json_encode( $details )
		)
	);
	// Wake the daemon (webhook.php; never for the bridge's own writes, such as mirrored replies).
	$comment = get_comment( $comment_id );
	$post_id = $comment ? (int) $comment->comment_post_ID : ( is_array( $details ) && isset( $details['post_id'] ) ? (int) $details['post_id'] : 0 );
	if ( $post_id ) {
		wpsb_webhook_note( get_post( $post_id ), 'comment' );
	}
}

/** approved | unapproved | spam | trash for a comment (its wp_comments.comment_approved). */
function wpsb_comment_status( $comment ) {
	$status = wp_get_comment_status( $comment );
	return $status ? (string) $status : 'unapproved';
}

function wpsb_comment_on_insert( $comment_id, $comment ) {
	wpsb_record_comment_change( $comment_id, 'saved', wpsb_comment_status( $comment ) );
}
add_action( 'wp_insert_comment', 'wpsb_comment_on_insert', 20, 2 );

function wpsb_comment_on_edit( $comment_id ) {
	if ( ! empty( $GLOBALS['wpsb_bridge_writing'] ) ) {
		return; // The reply mirror's own update of a held chain reply.
	}
	wpsb_record_comment_change( $comment_id, 'saved', wpsb_comment_status( $comment_id ) );
}
add_action( 'edit_comment', 'wpsb_comment_on_edit', 20, 1 );

function wpsb_comment_on_transition( $new_status, $old_status, $comment ) {
	if ( $new_status !== $old_status ) {
		wpsb_record_comment_change( $comment->comment_ID, 'status', wpsb_comment_status( $comment ) );
	}
}
add_action( 'transition_comment_status', 'wpsb_comment_on_transition', 20, 3 );

/** What a deleted comment's row keeps, read while the comment and its meta still exist. */
function wpsb_comment_before_delete( $comment_id ) {
	$comment = get_comment( $comment_id );
	if ( ! $comment ) {
		return;
	}
	$GLOBALS['wpsb_deleting_comments'][ (int) $comment_id ] = array(
		'post_id'        => (int) $comment->comment_post_ID,
		'steem_author'   => (string) get_comment_meta( $comment_id, 'steem_author', true ),
		'steem_permlink' => (string) get_comment_meta( $comment_id, 'steem_permlink', true ),
		'steem_origin'   => (string) get_comment_meta( $comment_id, 'steem_origin', true ),
		'comment_type'   => '' === (string) $comment->comment_type ? 'comment' : (string) $comment->comment_type,
	);
}
add_action( 'delete_comment', 'wpsb_comment_before_delete', 10, 1 );

function wpsb_comment_on_deleted( $comment_id ) {
	$details = isset( $GLOBALS['wpsb_deleting_comments'][ (int) $comment_id ] ) ? $GLOBALS['wpsb_deleting_comments'][ (int) $comment_id ] : null;
	unset( $GLOBALS['wpsb_deleting_comments'][ (int) $comment_id ] );
	wpsb_record_comment_change( $comment_id, 'deleted', 'deleted', $details );
}
add_action( 'deleted_comment', 'wpsb_comment_on_deleted', 10, 1 );

/** One comment as the bridge reads it. */
function wpsb_comment_record( $comment ) {
	$post      = get_post( (int) $comment->comment_post_ID );
	$parent_id = (int) $comment->comment_parent;
	$user_id   = (int) $comment->user_id;
	$user      = $user_id ? get_userdata( $user_id ) : false;
	return array(
		'id'              => (int) $comment->comment_ID,
		'post_id'         => (int) $comment->comment_post_ID,
		'post_type'       => $post ? (string) $post->post_type : '',
		'post_status'     => $post ? (string) $post->post_status : '',
		'post_author'     => $post ? (string) get_post_meta( $post->ID, 'steem_author', true ) : '',
		'post_permlink'   => $post ? (string) get_post_meta( $post->ID, 'steem_permlink', true ) : '',
		'post_chain'      => $post ? (string) get_post_meta( $post->ID, 'steem_status', true ) : '',
		'parent_id'       => $parent_id,
		'parent_author'   => $parent_id ? (string) get_comment_meta( $parent_id, 'steem_author', true ) : '',
		'parent_permlink' => $parent_id ? (string) get_comment_meta( $parent_id, 'steem_permlink', true ) : '',
		'parent_chain'    => $parent_id ? (string) get_comment_meta( $parent_id, 'steem_status', true ) : '',
		'parent_origin'   => $parent_id ? (string) get_comment_meta( $parent_id, 'steem_origin', true ) : '',
		'user_id'         => $user_id,
		'steem_account'   => $user ? (string) get_user_meta( $user_id, 'steem_account', true ) : '',
		'author_name'     => $user && '' !== (string) $user->display_name ? (string) $user->display_name : (string) $comment->comment_author,
		'content'         => (string) $comment->comment_content,
		'status'          => wpsb_comment_status( $comment ),
		'type'            => '' === (string) $comment->comment_type ? 'comment' : (string) $comment->comment_type,
		'date_gmt'        => str_replace( ' ', 'T', (string) $comment->comment_date_gmt ),
		'link'            => (string) get_comment_link( $comment ),
		'origin'          => (string) get_comment_meta( $comment->comment_ID, 'steem_origin', true ),
		'steem_author'    => (string) get_comment_meta( $comment->comment_ID, 'steem_author', true ),
		'steem_permlink'  => (string) get_comment_meta( $comment->comment_ID, 'steem_permlink', true ),
	);
}

function wpsb_list_comments( WP_REST_Request $request ) {
	$ids = array_slice( array_filter( array_map( 'intval', explode( ',', (string) $request['include'] ) ) ), 0, WPSB_COMMENTS_MAX_IDS );
	$out = array();
	foreach ( $ids as $id ) {
		$comment = get_comment( $id );
		if ( $comment ) {
			$out[] = wpsb_comment_record( $comment );
		}
	}
	return rest_ensure_response( $out );
}

/** Stores the given chain state keys on a comment; keys not named are never touched. */
function wpsb_update_comment_chain( WP_REST_Request $request ) {
	$GLOBALS['wpsb_bridge_writing'] = true; // The bridge's own write-back never pokes it.
	$comment_id = (int) $request['id'];
	if ( ! get_comment( $comment_id ) ) {
		return new WP_Error( 'rest_comment_invalid_id', __( 'Invalid comment ID.', 'wp-steem-bridge' ), array( 'status' => 404 ) );
	}
	$clean = wpsb_chain_meta_input( $request, WPSB_CHAIN_STATE_KEYS );
	if ( is_wp_error( $clean ) ) {
		return $clean;
	}
	if ( 'chain' === get_comment_meta( $comment_id, 'steem_origin', true ) ) {
		return new WP_Error( 'rest_forbidden', 'this comment came from the chain', array( 'status' => 409 ) );
	}
	$was_published = 'published' === get_comment_meta( $comment_id, 'steem_status', true );
	foreach ( $clean as $key => $value ) {
		update_comment_meta( $comment_id, $key, wp_slash( $value ) );
	}
	update_comment_meta( $comment_id, 'steem_origin', 'wordpress' );
	if ( ! $was_published && isset( $clean['steem_status'] ) && 'published' === $clean['steem_status'] ) {
		// Its replies in WordPress may have been waiting for it (say, it was held): look again.
		$children = get_comments( array( 'parent' => $comment_id, 'status' => 'all', 'fields' => 'ids' ) );
		foreach ( $children as $child ) {
			wpsb_record_comment_change( $child, 'status', wpsb_comment_status( $child ) );
		}
	}
	return rest_ensure_response( array( 'id' => $comment_id, 'updated' => array_keys( $clean ) ) );
}

function wpsb_register_comment_feed_routes() {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/comments',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_list_comments',
			'permission_callback' => 'wpsb_changes_permission',
			'args'                => array(
				'include' => array( 'type' => 'string', 'pattern' => '^[0-9,]*$', 'default' => '' ),
			),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/comments/(?P<id>\d+)/chain',
		array(
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => 'wpsb_update_comment_chain',
				'permission_callback' => 'wpsb_can_write_chain_data',
				'args'                => array( 'id' => array( 'type' => 'integer', 'minimum' => 1, 'required' => true ) ),
			),
			'allow_batch' => array( 'v1' => true ),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_comment_feed_routes' );

/** The rest of the chain state on comments (mirror-comments.php registers author, permlink, origin). */
function wpsb_register_comment_chain_meta() {
	$schemas = wpsb_post_meta_schemas();
	foreach ( array( 'steem_tx_id', 'steem_block', 'steem_status', 'steem_error' ) as $key ) {
		$rest_schema = $schemas[ $key ];
		unset( $rest_schema['default'] );
		if ( 'steem_error' === $key ) {
			$rest_schema['context'] = array( 'edit' );
		}
		register_meta(
			'comment',
			$key,
			array(
				'type'          => $schemas[ $key ]['type'],
				'description'   => $schemas[ $key ]['description'],
				'single'        => true,
				'default'       => $schemas[ $key ]['default'],
				'auth_callback' => 'wpsb_can_write_chain_data',
				'show_in_rest'  => array( 'schema' => $rest_schema ),
			)
		);
	}
}
add_action( 'init', 'wpsb_register_comment_chain_meta' );

/** The address of a reply on a condenser frontend (filter `wpsb_comment_frontend`). */
function wpsb_comment_chain_url( $author, $permlink ) {
	$base = (string) apply_filters( 'wpsb_comment_frontend', 'https://steemit.com' );
	return rtrim( $base, '/' ) . '/@' . rawurlencode( $author ) . '/' . rawurlencode( $permlink );
}

/** Under a comment the bridge put on chain: a small link to its reply there. */
function wpsb_comment_chain_link( $text, $comment = null ) {
	if ( ! $comment instanceof WP_Comment || 'wordpress' !== get_comment_meta( $comment->comment_ID, 'steem_origin', true ) ) {
		return $text;
	}
	$author   = (string) get_comment_meta( $comment->comment_ID, 'steem_author', true );
	$permlink = (string) get_comment_meta( $comment->comment_ID, 'steem_permlink', true );
	$status   = (string) get_comment_meta( $comment->comment_ID, 'steem_status', true );
	if ( '' === $author || '' === $permlink || ! in_array( $status, array( 'published', 'kept_on_chain' ), true ) ) {
		return $text;
	}
	$link = sprintf(
		'<p class="wpsb-comment-chain"><a href="%1$s" rel="nofollow noopener">%2$s</a></p>',
		esc_url( wpsb_comment_chain_url( $author, $permlink ) ),
		esc_html( sprintf( /* translators: %s: @author/permlink */ __( 'On Steem: %s', 'wp-steem-bridge' ), '@' . $author . '/' . $permlink ) )
	);
	return $text . "\n" . $link;
}
add_filter( 'comment_text', 'wpsb_comment_chain_link', 30, 2 );
