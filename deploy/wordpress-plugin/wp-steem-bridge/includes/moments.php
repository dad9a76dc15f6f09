<?php
/**
 * Moments (微慕 Pro's 动态): bbPress topics, bridged as root posts like blog posts.
 *
 * bbPress does not expose topics over REST. When bbPress is active this file
 *   - adds `topic` to the change feed (`wpsb_change_feed_post_types`) and to the post types whose
 *     chain meta the bridge keeps (`wpsb_bridged_post_types`: steem_* meta, the chain route);
 *   - gives the bridge a read route for topics: `/wp/v2/topics` (the core posts controller, with
 *     `author` support so the member is known), answered only to the bridge's user
 *     (WPSB_WRITE_CAP): the forum's own pages stay the public way to read topics, and topics of
 *     private or hidden forums are not published to anyone else through it;
 *   - tells the bridge a closed topic is still published, and a topic of a private or hidden
 *     forum is private (never bridged);
 *   - shows the chain link under a bridged topic's content (`bbp_get_topic_content`);
 *   - reads bbPress replies for the bridge as comment records (`wp-steem-bridge/v1/bbp-replies`,
 *     the shape of comment-feed.php's records: the topic is the post, `_bbp_reply_to` the
 *     parent), so the comments' reply mapping threads them under the topic's chain post; their
 *     changes are in the change feed as type `reply` and their chain state is post meta.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_TOPIC_REST_BASE = 'topics';

/** Post types the bridge publishes and keeps chain meta for. */
function wpsb_bridged_post_types() {
	return (array) apply_filters( 'wpsb_bridged_post_types', array( 'post' ) );
}

function wpsb_moments_active() {
	return function_exists( 'bbp_get_topic_post_type' );
}

function wpsb_moments_add_topic( $types ) {
	if ( wpsb_moments_active() ) {
		$types = array_values( array_unique( array_merge( $types, array( 'topic', 'reply' ) ) ) );
	}
	return $types;
}
add_filter( 'wpsb_change_feed_post_types', 'wpsb_moments_add_topic' );
add_filter( 'wpsb_bridged_post_types', 'wpsb_moments_add_topic' );

/** Topics in REST for the bridge, with their author. */
function wpsb_moments_topic_args( $args, $post_type ) {
	if ( 'topic' !== $post_type ) {
		return $args;
	}
	$args['show_in_rest'] = true;
	$args['rest_base']    = WPSB_TOPIC_REST_BASE;
	$supports             = isset( $args['supports'] ) && is_array( $args['supports'] ) ? $args['supports'] : array();
	$args['supports']     = array_values( array_unique( array_merge( $supports, array( 'title', 'editor', 'author', 'custom-fields' ) ) ) );
	return $args;
}
add_filter( 'register_post_type_args', 'wpsb_moments_topic_args', 10, 2 );

/** Only the bridge reads topics over REST. */
function wpsb_moments_guard_route( $result, $server, $request ) {
	$base = '/wp/v2/' . WPSB_TOPIC_REST_BASE;
	$route = (string) $request->get_route();
	if ( null !== $result || ( $route !== $base && 0 !== strpos( $route, $base . '/' ) ) ) {
		return $result;
	}
	if ( ! current_user_can( WPSB_WRITE_CAP ) ) {
		return new WP_Error( 'rest_forbidden', __( 'Only the bridge reads topics here; read them on the forum.', 'wp-steem-bridge' ), array( 'status' => rest_authorization_required_code() ) );
	}
	return $result;
}
add_filter( 'rest_pre_dispatch', 'wpsb_moments_guard_route', 10, 3 );

/**
 * What the bridge is told of a topic's status: a closed topic (no new replies) is still public
 * ("publish"); a topic in a private or hidden forum is "private" whatever its own status, so it
 * never reaches the public chain (and leaves it, where the chain allows, if its forum is hidden).
 */
function wpsb_moments_topic_status( $topic_id, $status ) {
	$forum_id = (int) bbp_get_topic_forum_id( $topic_id );
	if ( $forum_id && ! bbp_is_forum_public( $forum_id, false ) ) {
		return 'private';
	}
	return bbp_get_closed_status_id() === $status ? 'publish' : $status;
}

function wpsb_moments_rest_topic( $response, $post ) {
	$data = $response->get_data();
	if ( isset( $data['status'] ) ) {
		$data['status'] = wpsb_moments_topic_status( $post->ID, (string) $data['status'] );
		$response->set_data( $data );
	}
	return $response;
}
add_filter( 'rest_prepare_topic', 'wpsb_moments_rest_topic', 10, 2 );

/** Closed topics are listed wherever published ones are asked for. */
function wpsb_moments_rest_query( $args ) {
	$statuses = isset( $args['post_status'] ) ? (array) $args['post_status'] : array();
	if ( in_array( 'publish', $statuses, true ) && wpsb_moments_active() ) {
		$args['post_status'] = array_values( array_unique( array_merge( $statuses, array( bbp_get_closed_status_id() ) ) ) );
	}
	return $args;
}
add_filter( 'rest_topic_query', 'wpsb_moments_rest_query' );

/** The chain link under a bridged topic, for whoever may read the topic. */
function wpsb_moments_topic_link( $content, $topic_id = 0 ) {
	$topic_id = (int) $topic_id;
	if ( ! $topic_id || 'topic' !== get_post_type( $topic_id ) || false !== strpos( $content, 'wpsb-chain-link' ) ) {
		return $content;
	}
	$chain = wpsb_read_chain_meta( $topic_id );
	if ( '' === $chain['steem_author'] || '' === $chain['steem_permlink'] ) {
		return $content;
	}
	return $content . '<p class="wpsb-chain-link"><a href="' . esc_url( wpsb_chain_url( $chain['steem_author'], $chain['steem_permlink'] ) ) . '">'
		. esc_html__( 'View on Steem', 'wp-steem-bridge' ) . '</a></p>';
}
add_filter( 'bbp_get_topic_content', 'wpsb_moments_topic_link', 20, 2 );

/** bbPress's reply status as a comment's: publish is approved, pending unapproved. */
function wpsb_moments_reply_status( $status ) {
	$map = array(
		'publish' => 'approved',
		'pending' => 'unapproved',
		'spam'    => 'spam',
		'trash'   => 'trash',
	);
	return isset( $map[ $status ] ) ? $map[ $status ] : 'unapproved';
}

/** One bbPress reply as a comment record (see wpsb_comment_record). */
function wpsb_moments_reply_record( $reply ) {
	$topic_id  = (int) bbp_get_reply_topic_id( $reply->ID );
	$topic     = get_post( $topic_id );
	$parent_id = (int) get_post_meta( $reply->ID, '_bbp_reply_to', true );
	$user_id   = (int) $reply->post_author;
	$user      = $user_id ? get_userdata( $user_id ) : false;
	return array(
		'id'              => (int) $reply->ID,
		'post_id'         => $topic_id,
		'post_type'       => 'topic',
		'post_status'     => $topic ? wpsb_moments_topic_status( $topic_id, (string) $topic->post_status ) : '',
		'post_author'     => $topic ? (string) get_post_meta( $topic_id, 'steem_author', true ) : '',
		'post_permlink'   => $topic ? (string) get_post_meta( $topic_id, 'steem_permlink', true ) : '',
		'post_chain'      => $topic ? (string) get_post_meta( $topic_id, 'steem_status', true ) : '',
		'parent_id'       => $parent_id,
		'parent_author'   => $parent_id ? (string) get_post_meta( $parent_id, 'steem_author', true ) : '',
		'parent_permlink' => $parent_id ? (string) get_post_meta( $parent_id, 'steem_permlink', true ) : '',
		'parent_chain'    => $parent_id ? (string) get_post_meta( $parent_id, 'steem_status', true ) : '',
		'parent_origin'   => '',
		'user_id'         => $user_id,
		'steem_account'   => $user ? (string) get_user_meta( $user_id, 'steem_account', true ) : '',
		'author_name'     => $user ? (string) $user->display_name : '',
		'content'         => (string) $reply->post_content,
		'status'          => wpsb_moments_reply_status( (string) $reply->post_status ),
		'type'            => 'comment',
		'date_gmt'        => str_replace( ' ', 'T', (string) $reply->post_date_gmt ),
		'link'            => (string) bbp_get_reply_url( $reply->ID ),
		'origin'          => '',
		'steem_author'    => (string) get_post_meta( $reply->ID, 'steem_author', true ),
		'steem_permlink'  => (string) get_post_meta( $reply->ID, 'steem_permlink', true ),
	);
}

function wpsb_moments_list_replies( WP_REST_Request $request ) {
	$ids = array_slice( array_filter( array_map( 'intval', explode( ',', (string) $request['include'] ) ) ), 0, 100 );
	$out = array();
	foreach ( $ids as $id ) {
		$reply = get_post( $id );
		if ( $reply && 'reply' === $reply->post_type ) {
			$out[] = wpsb_moments_reply_record( $reply );
		}
	}
	return rest_ensure_response( $out );
}

function wpsb_moments_register_routes() {
	if ( ! wpsb_moments_active() ) {
		return;
	}
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/bbp-replies',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_moments_list_replies',
			'permission_callback' => 'wpsb_link_bridge_only',
			'args'                => array( 'include' => array( 'type' => 'string', 'pattern' => '^[0-9,]*$', 'default' => '' ) ),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_moments_register_routes' );

/** The chain link under a bridged reply. */
function wpsb_moments_reply_link( $content, $reply_id = 0 ) {
	$reply_id = (int) $reply_id;
	if ( ! $reply_id || 'reply' !== get_post_type( $reply_id ) || false !== strpos( $content, 'wpsb-chain-link' ) ) {
		return $content;
	}
	$chain = wpsb_read_chain_meta( $reply_id );
	if ( '' === $chain['steem_author'] || '' === $chain['steem_permlink'] ) {
		return $content;
	}
	return $content . '<p class="wpsb-chain-link"><a href="' . esc_url( wpsb_chain_url( $chain['steem_author'], $chain['steem_permlink'] ) ) . '">'
		. esc_html__( 'View on Steem', 'wp-steem-bridge' ) . '</a></p>';
}
add_filter( 'bbp_get_reply_content', 'wpsb_moments_reply_link', 20, 2 );
