<?php
/**
 * Points for votes (optional in the worker: `[mirror] points_per_vote`): each upvote a bridged
 * post receives on chain awards points to the post's WordPress author, through myCRED
 * (`mycred_add( 'steem_vote', ... )`) or GamiPress (`gamipress_award_points_to_user()`), when
 * that plugin is active. Never twice for one voter on one post: the voters already paid are kept
 * in the post meta `_wpsb_vote_awards` (and myCRED's own `has_entry` is asked too).
 *
 * Route: POST wp-steem-bridge/v1/mirror/points {"awards": [ {post_id, voter, author, permlink,
 * points, plugin, points_type}, ... ]}, answers {"results": [ {key, status: awarded|already|
 * declined|unavailable|error, message}, ... ]}; `unavailable` says which plugin function is
 * missing. Needs the wpsb_write_chain_data capability. Nothing here ever reaches the chain.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_POINTS_REF  = 'steem_vote';
const WPSB_AWARDS_META = '_wpsb_vote_awards';

/** Why an award item cannot be paid, or ''. */
function wpsb_award_problem( $award ) {
	if ( ! is_array( $award ) ) {
		return 'each award must be an object';
	}
	foreach ( array( 'voter', 'author', 'permlink', 'plugin' ) as $field ) {
		if ( ! isset( $award[ $field ] ) || ! is_string( $award[ $field ] ) || '' === $award[ $field ] ) {
			return "missing field $field";
		}
	}
	if ( ! isset( $award['points'] ) || ! is_int( $award['points'] ) || $award['points'] <= 0 ) {
		return 'points must be a positive integer';
	}
	$post = get_post( isset( $award['post_id'] ) ? (int) $award['post_id'] : 0 );
	if ( ! $post || 'post' !== $post->post_type || ! get_userdata( (int) $post->post_author ) ) {
		return 'post_id is not a post with an author';
	}
	if ( get_post_meta( $post->ID, 'steem_author', true ) !== $award['author']
		|| get_post_meta( $post->ID, 'steem_permlink', true ) !== $award['permlink'] ) {
		return 'the post is not bridged to @' . $award['author'] . '/' . $award['permlink'];
	}
	return '';
}

/** Pays one award through the named plugin: true, false (declined), or a WP_Error. */
function wpsb_pay_award( $award, $user_id, $already_paid ) {
	$entry = sprintf( 'Steem vote by @%s', $award['voter'] );
	$data  = WPSB_POINTS_REF . ':' . $award['voter'] . '/' . $award['author'] . '/' . $award['permlink'];
	if ( 'mycred' === $award['plugin'] ) {
		if ( ! function_exists( 'mycred_add' ) ) {
			return new WP_Error( 'wpsb_points_unavailable', 'myCRED is not active (mycred_add() is not defined)' );
		}
		$type = '' !== (string) ( $award['points_type'] ?? '' ) ? $award['points_type'] : ( defined( 'MYCRED_DEFAULT_TYPE_KEY' ) ? MYCRED_DEFAULT_TYPE_KEY : 'mycred_default' );
		if ( function_exists( 'mycred' ) ) {
			$mycred = mycred( $type );
			if ( is_object( $mycred ) && method_exists( $mycred, 'has_entry' ) && $mycred->has_entry( WPSB_POINTS_REF, (int) $award['post_id'], $user_id, $data, $type ) ) {
				return $already_paid;
			}
		}
		return (bool) mycred_add( WPSB_POINTS_REF, $user_id, $award['points'], $entry, (int) $award['post_id'], $data, $type );
	}
	if ( 'gamipress' === $award['plugin'] ) {
		if ( ! function_exists( 'gamipress_award_points_to_user' ) ) {
			return new WP_Error( 'wpsb_points_unavailable', 'GamiPress is not active (gamipress_award_points_to_user() is not defined)' );
		}
		gamipress_award_points_to_user( $user_id, $award['points'], (string) ( $award['points_type'] ?? '' ), array( 'reason' => $entry, 'log_type' => 'points_award' ) );
		return true;
	}
	return new WP_Error( 'wpsb_points_plugin', 'plugin must be mycred or gamipress' );
}

function wpsb_award_one( $award ) {
	$key     = ( is_array( $award ) && isset( $award['voter'], $award['author'], $award['permlink'] ) ) ? $award['voter'] . '/' . $award['author'] . '/' . $award['permlink'] : '';
	$problem = wpsb_award_problem( $award );
	if ( '' !== $problem ) {
		return array( 'key' => $key, 'status' => 'error', 'message' => $problem );
	}
	$post_id = (int) $award['post_id'];
	if ( in_array( $award['voter'], get_post_meta( $post_id, WPSB_AWARDS_META, false ), true ) ) {
		return array( 'key' => $key, 'status' => 'already' );
	}
	$paid = wpsb_pay_award( $award, (int) get_post( $post_id )->post_author, 'already' );
	if ( is_wp_error( $paid ) ) {
		$status = 'wpsb_points_unavailable' === $paid->get_error_code() ? 'unavailable' : 'error';
		return array( 'key' => $key, 'status' => $status, 'message' => $paid->get_error_message() );
	}
	// Recorded whatever the outcome, so a declined award (an excluded user) is not asked again.
	add_post_meta( $post_id, WPSB_AWARDS_META, $award['voter'] );
	$status = 'already' === $paid ? 'already' : ( $paid ? 'awarded' : 'declined' );
	return array( 'key' => $key, 'status' => $status );
}

function wpsb_mirror_points( WP_REST_Request $request ) {
	$items = wpsb_list_items( $request, 'awards' );
	if ( is_wp_error( $items ) ) {
		return $items;
	}
	$GLOBALS['wpsb_bridge_writing'] = true; // Awards never cause a webhook poke.
	return rest_ensure_response( array( 'results' => array_map( 'wpsb_award_one', $items ) ) );
}

function wpsb_register_points_routes() {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/mirror/points',
		array(
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => 'wpsb_mirror_points',
				'permission_callback' => 'wpsb_can_write_chain_data',
			),
			'allow_batch' => array( 'v1' => true ),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_points_routes' );
