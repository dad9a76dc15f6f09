<?php
/**
 * Reply mirror, storage side (optional in the worker: `[mirror] replies_to_comments`): replies on
 * the chain to a bridged post become comments, held for moderation, threaded, sanitized as
 * WordPress sanitizes a visitor's comment (the `pre_comment_content` kses list, links marked
 * rel="nofollow ugc"), one per chain `author/permlink` (comment meta `steem_author`,
 * `steem_permlink`; identical requests racing each other are serialized by a lock per reply),
 * marked `steem_origin = chain` so no WordPress -> chain path may ever send them back.
 *
 * Route: POST wp-steem-bridge/v1/mirror/comments {"comments": [ {post_id, author, permlink,
 * parent_author, parent_permlink, content, date_gmt, author_url}, ... ]} (parents first), answers
 * {"results": [ {key, status: created|updated|unchanged|kept|error, comment_id, message,
 * permanent}, ... ]}. An error with "permanent": true will not go away by sending the same item
 * again (not a chain address, a body longer than the comment column holds, values the database
 * refused); the bridge records it for that reply and goes on. Other errors are worth a retry.
 * A comment_author_url longer than its column is dropped (the chain address stays in the meta).
 * An edit of a reply changes the comment only while it is still held; once a moderator approved,
 * spammed or trashed it, it is kept as it is. Needs the wpsb_write_chain_data capability.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_MAX_LIST_ITEMS = 50;

/** Column sizes of a stock wp_comments table, for when the database cannot be asked. */
const WPSB_COMMENT_COLUMN_DEFAULTS = array(
	'comment_content'    => 65535,
	'comment_author_url' => 200,
);

/** How much the wp_comments column holds (bytes for TEXT, characters for VARCHAR). */
function wpsb_comment_column_length( $column ) {
	global $wpdb;
	$length = $wpdb->get_col_length( $wpdb->comments, $column );
	return ( is_array( $length ) && ! empty( $length['length'] ) ) ? (int) $length['length'] : WPSB_COMMENT_COLUMN_DEFAULTS[ $column ];
}

/** Whether cleaned comment text fits the comment_content column. */
function wpsb_fits_comment_content( $content ) {
	return strlen( $content ) <= wpsb_comment_column_length( 'comment_content' );
}

/** The reply's link as comment_author_url, or '' when longer than the column holds. */
function wpsb_comment_author_url( $url ) {
	$url = esc_url_raw( $url );
	return mb_strlen( $url ) <= wpsb_comment_column_length( 'comment_author_url' ) ? $url : '';
}

/** An error result for one item; $permanent when sending it again cannot succeed. */
function wpsb_comment_error( $key, $message, $permanent ) {
	return array( 'key' => $key, 'status' => 'error', 'message' => $message, 'permanent' => (bool) $permanent );
}

/** An error result for a write the database refused: permanent when it refused the values. */
function wpsb_comment_db_error( $key, $what ) {
	global $wpdb;
	$refused_values = false !== strpos( (string) $wpdb->last_error, 'Processing the value' );
	return wpsb_comment_error( $key, $what . ( $refused_values ? ': the database refused its values' : '' ), $refused_values );
}

/**
 * The comment mirrored from `author/permlink`, whatever its status, or null; only under
 * $post_id when given. Asks the database itself, never a cache: it runs under the reply's lock
 * right after another request may have inserted the comment.
 */
function wpsb_find_chain_comment( $author, $permlink, $post_id = 0 ) {
	global $wpdb;
	$sql = "SELECT c.comment_ID FROM {$wpdb->comments} c
		JOIN {$wpdb->commentmeta} a ON a.comment_id = c.comment_ID AND a.meta_key = 'steem_author' AND a.meta_value = %s
		JOIN {$wpdb->commentmeta} p ON p.comment_id = c.comment_ID AND p.meta_key = 'steem_permlink' AND p.meta_value = %s";
	$args = array( $author, $permlink );
	if ( $post_id ) {
		$sql   .= ' WHERE c.comment_post_ID = %d';
		$args[] = (int) $post_id;
	}
	$id = $wpdb->get_var( $wpdb->prepare( $sql . ' ORDER BY c.comment_ID LIMIT 1', $args ) ); // phpcs:ignore WordPress.DB.PreparedSQL
	return $id ? (int) $id : null;
}

/** A reply's HTML as WordPress keeps a visitor's comment: comment kses, links rel="nofollow ugc". */
function wpsb_clean_reply_content( $html ) {
	$clean = wp_kses( $html, wp_kses_allowed_html( 'pre_comment_content' ) );
	return wp_unslash( wp_rel_ugc( wp_slash( $clean ) ) ); // wp_rel_ugc() takes and returns slashed text.
}

/** Whether "2024-01-31T12:00:00" is a real UTC time (not 2024-02-31 or 25:00). */
function wpsb_is_chain_time( $text ) {
	$time = DateTimeImmutable::createFromFormat( '!Y-m-d\TH:i:s', $text, new DateTimeZone( 'UTC' ) );
	return $time && $time->format( 'Y-m-d\TH:i:s' ) === $text;
}

/** Validates one item; returns an error message or ''. */
function wpsb_comment_item_problem( $item ) {
	if ( ! is_array( $item ) ) {
		return 'each comment must be an object';
	}
	foreach ( array( 'author', 'permlink', 'parent_author', 'parent_permlink', 'content', 'date_gmt', 'author_url' ) as $field ) {
		if ( ! isset( $item[ $field ] ) || ! is_string( $item[ $field ] ) ) {
			return "missing or non-string field $field";
		}
	}
	if ( ! preg_match( '/' . WPSB_ACCOUNT_PATTERN . '/', $item['author'] ) || ! preg_match( '/^[a-z0-9-]{1,256}$/', $item['permlink'] ) ) {
		return 'author or permlink is not a chain address';
	}
	if ( ! preg_match( '/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$/', $item['date_gmt'] ) || ! wpsb_is_chain_time( $item['date_gmt'] ) ) {
		return 'date_gmt must look like 2024-01-31T12:00:00';
	}
	$post = get_post( isset( $item['post_id'] ) ? (int) $item['post_id'] : 0 );
	if ( ! $post || 'post' !== $post->post_type ) {
		return 'post_id is not a post';
	}
	return '';
}

/** The comment_parent for an item: 0 under the post itself, else the mirrored parent reply. */
function wpsb_comment_parent( $item ) {
	$post_id = (int) $item['post_id'];
	if ( get_post_meta( $post_id, 'steem_author', true ) === $item['parent_author']
		&& get_post_meta( $post_id, 'steem_permlink', true ) === $item['parent_permlink'] ) {
		return 0;
	}
	$parent = wpsb_find_chain_comment( $item['parent_author'], $item['parent_permlink'], $post_id );
	return $parent ? $parent : new WP_Error( 'wpsb_parent_missing', 'parent reply @' . $item['parent_author'] . '/' . $item['parent_permlink'] . ' is not mirrored yet' );
}

/** Creates or (while held) updates one mirrored comment, one request per reply at a time. */
function wpsb_mirror_one_comment( $item ) {
	$key     = ( is_array( $item ) && isset( $item['author'], $item['permlink'] ) && is_string( $item['author'] ) && is_string( $item['permlink'] ) ) ? $item['author'] . '/' . $item['permlink'] : '';
	$problem = wpsb_comment_item_problem( $item );
	if ( '' !== $problem ) {
		return wpsb_comment_error( $key, $problem, true );
	}
	$busy = wpsb_comment_error( $key, 'another request is writing this reply; try again', false );
	return wpsb_with_lock(
		'comment:' . $key,
		function () use ( $item, $key ) {
			return wpsb_write_chain_comment( $item, $key );
		},
		$busy
	);
}

/** The check-then-write of one reply; only called under the reply's lock. */
function wpsb_write_chain_comment( $item, $key ) {
	$content = wpsb_clean_reply_content( $item['content'] );
	if ( ! wpsb_fits_comment_content( $content ) ) {
		return wpsb_comment_error( $key, 'the reply is longer than a WordPress comment holds', true );
	}
	$existing = wpsb_find_chain_comment( $item['author'], $item['permlink'] );
	if ( $existing ) {
		$comment = get_comment( $existing );
		if ( 'chain' !== get_comment_meta( $existing, 'steem_origin', true ) ) {
			// A WordPress comment the bridge put on chain: that is where the reply came from.
			return array( 'key' => $key, 'status' => 'kept', 'comment_id' => $existing );
		}
		if ( '0' !== (string) $comment->comment_approved ) {
			return array( 'key' => $key, 'status' => 'kept', 'comment_id' => $existing );
		}
		if ( $comment->comment_content === $content ) {
			return array( 'key' => $key, 'status' => 'unchanged', 'comment_id' => $existing );
		}
		// Not wp_update_comment: it would also rewrite dates and other fields from its own
		// defaults; the content is already cleaned exactly as for a new reply.
		global $wpdb;
		if ( false === $wpdb->update( $wpdb->comments, array( 'comment_content' => $content ), array( 'comment_ID' => $existing ) ) ) {
			return wpsb_comment_db_error( $key, 'the comment could not be updated' );
		}
		clean_comment_cache( $existing );
		do_action( 'edit_comment', $existing, array( 'comment_content' => $content ) );
		return array( 'key' => $key, 'status' => 'updated', 'comment_id' => $existing );
	}
	$parent = wpsb_comment_parent( $item );
	if ( is_wp_error( $parent ) ) {
		return wpsb_comment_error( $key, $parent->get_error_message(), false );
	}
	/** Fires after the reply was found missing, before it is written (under the reply's lock). */
	do_action( 'wpsb_before_mirror_write', 'comment', $key );
	$date_gmt = str_replace( 'T', ' ', $item['date_gmt'] );
	$id       = wp_insert_comment(
		wp_slash(
			array(
				'comment_post_ID'      => (int) $item['post_id'],
				'comment_author'       => $item['author'],
				'comment_author_email' => '',
				'comment_author_url'   => wpsb_comment_author_url( $item['author_url'] ),
				'comment_author_IP'    => '',
				'comment_content'      => $content,
				'comment_date_gmt'     => $date_gmt,
				'comment_date'         => get_date_from_gmt( $date_gmt ),
				'comment_approved'     => 0,
				'comment_parent'       => $parent,
				'comment_type'         => 'comment',
				'comment_agent'        => 'wp-steem-bridge',
				'user_id'              => 0,
				'comment_meta'         => array(
					'steem_author'   => $item['author'],
					'steem_permlink' => $item['permlink'],
					'steem_origin'   => 'chain',
				),
			)
		)
	);
	if ( ! $id ) {
		return wpsb_comment_db_error( $key, 'wp_insert_comment failed' );
	}
	return array( 'key' => $key, 'status' => 'created', 'comment_id' => (int) $id );
}

/** Items of a list route: the JSON body (direct call) or the body params (/batch/v1). */
function wpsb_list_items( WP_REST_Request $request, $field ) {
	$input = $request->get_json_params();
	$input = is_array( $input ) ? $input : $request->get_body_params();
	$items = isset( $input[ $field ] ) ? $input[ $field ] : null;
	if ( ! is_array( $items ) || ! wp_is_numeric_array( $items ) || count( $items ) > WPSB_MAX_LIST_ITEMS ) {
		return new WP_Error( 'rest_invalid_json', sprintf( 'Send {"%s": [...]} with at most %d items.', $field, WPSB_MAX_LIST_ITEMS ), array( 'status' => 400 ) );
	}
	return $items;
}

function wpsb_mirror_comments( WP_REST_Request $request ) {
	$items = wpsb_list_items( $request, 'comments' );
	if ( is_wp_error( $items ) ) {
		return $items;
	}
	$GLOBALS['wpsb_bridge_writing'] = true; // No webhook poke for the bridge's own writes.
	return rest_ensure_response( array( 'results' => array_map( 'wpsb_mirror_one_comment', $items ) ) );
}

/** The chain address and origin of mirrored comments, readable by themes (read-only). */
function wpsb_register_comment_meta() {
	$keys = array(
		'steem_author'   => 'Chain account that wrote the reply this comment mirrors.',
		'steem_permlink' => 'Permlink of the reply this comment mirrors.',
		'steem_origin'   => '"chain" for comments mirrored from the chain: never send them back.',
	);
	foreach ( $keys as $key => $description ) {
		register_meta(
			'comment',
			$key,
			array(
				'type'          => 'string',
				'description'   => $description,
				'single'        => true,
				'default'       => '',
				'auth_callback' => 'wpsb_can_write_chain_data',
				'show_in_rest'  => true,
			)
		);
	}
}
add_action( 'init', 'wpsb_register_comment_meta' );

function wpsb_register_comment_routes() {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/mirror/comments',
		array(
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => 'wpsb_mirror_comments',
				'permission_callback' => 'wpsb_can_write_chain_data',
			),
			'allow_batch' => array( 'v1' => true ),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_comment_routes' );
