<?php
/**
 * Points for votes (optional in the worker: `[mirror] points_per_vote`): each upvote a bridged
 * post receives on chain awards points to the post's WordPress author, through myCRED
 * (`mycred_add( 'steem_vote', ... )`) or GamiPress (`gamipress_award_points_to_user()`), when
 * that plugin is active. Never twice for one voter on one post: the voters already paid are kept
 * in the post meta `_wpsb_vote_awards`, written before paying under a lock per award (and
 * myCRED's own `has_entry` is asked too).
 *
 * Route: POST wp-steem-bridge/v1/mirror/points {"awards": [ {post_id, voter, author, permlink,
 * points, plugin, points_type}, ... ]}, answers {"results": [ {key, status: awarded|already|
 * declined|unavailable|error, message}, ... ]}; `unavailable` says which plugin function or
 * which points type is missing (myCRED would pay an unknown type into its default one, GamiPress
 * into user meta nothing shows): fixed in the plugin or the config, the award is paid then. Needs the wpsb_write_chain_data capability. Nothing here ever reaches the chain.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_POINTS_REF  = 'steem_vote';
const WPSB_AWARDS_META = '_wpsb_vote_awards';
/** Points one vote may award at most; the filter `wpsb_max_points_per_vote` changes it. */
const WPSB_MAX_POINTS = 10000;

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
	if ( ! preg_match( '/' . WPSB_ACCOUNT_PATTERN . '/', $award['voter'] ) || ! preg_match( '/' . WPSB_ACCOUNT_PATTERN . '/', $award['author'] )
		|| ! preg_match( '/^[a-z0-9-]{1,256}$/', $award['permlink'] ) ) {
		return 'voter, author or permlink is not a chain account or permlink';
	}
	if ( ! in_array( $award['plugin'], array( 'mycred', 'gamipress' ), true ) ) {
		return 'plugin must be mycred or gamipress';
	}
	if ( isset( $award['points_type'] ) && ( ! is_string( $award['points_type'] ) || ! preg_match( '/^[a-z0-9_-]{0,64}$/', $award['points_type'] ) ) ) {
		return 'points_type must be a points type key (a-z, 0-9, _ and -)';
	}
	$max = (int) apply_filters( 'wpsb_max_points_per_vote', WPSB_MAX_POINTS );
	if ( ! isset( $award['points'] ) || ! is_int( $award['points'] ) || $award['points'] <= 0 || $award['points'] > $max ) {
		return "points must be an integer from 1 to $max";
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

/** myCRED: true (paid), false (declined), 'already' (myCRED holds the entry), or a WP_Error. */
function wpsb_pay_mycred( $award, $user_id, $entry, $data ) {
	if ( ! function_exists( 'mycred_add' ) ) {
		return new WP_Error( 'wpsb_points_unavailable', 'myCRED is not active (mycred_add() is not defined)' );
	}
	$type = '' !== ( $award['points_type'] ?? '' ) ? $award['points_type'] : ( defined( 'MYCRED_DEFAULT_TYPE_KEY' ) ? MYCRED_DEFAULT_TYPE_KEY : 'mycred_default' );
	// myCRED pays a type it does not know into its default one (add_creds), where has_entry,
	// asked with the unknown type, would never find it: refuse instead.
	$types = function_exists( 'mycred_get_types' ) ? array_keys( (array) mycred_get_types() ) : array( $type );
	if ( ! in_array( $type, $types, true ) ) {
		return new WP_Error( 'wpsb_points_unavailable', sprintf( 'myCRED has no point type "%s" (its point types: %s)', $type, implode( ', ', $types ) ) );
	}
	if ( function_exists( 'mycred' ) ) {
		$mycred = mycred( $type );
		if ( is_object( $mycred ) && method_exists( $mycred, 'has_entry' ) && $mycred->has_entry( WPSB_POINTS_REF, (int) $award['post_id'], $user_id, $data, $type ) ) {
			return 'already';
		}
	}
	return (bool) mycred_add( WPSB_POINTS_REF, $user_id, $award['points'], $entry, (int) $award['post_id'], $data, $type );
}

/** GamiPress: true when the user's balance grew, false when something declined it, or a WP_Error. */
function wpsb_pay_gamipress( $award, $user_id, $entry, $data ) {
	if ( ! function_exists( 'gamipress_award_points_to_user' ) ) {
		return new WP_Error( 'wpsb_points_unavailable', 'GamiPress is not active (gamipress_award_points_to_user() is not defined)' );
	}
	$type = (string) ( $award['points_type'] ?? '' );
	// GamiPress keeps points of any type, or of none, in user meta; only a registered points
	// type (a points-type post) is shown and counted anywhere.
	$types = function_exists( 'gamipress_get_points_types' ) ? array_keys( (array) gamipress_get_points_types() ) : array( $type );
	if ( ! in_array( $type, $types, true ) ) {
		$problem = '' === $type ? 'GamiPress needs a points type ([mirror] points_type)' : sprintf( 'GamiPress has no points type "%s"', $type );
		return new WP_Error( 'wpsb_points_unavailable', $problem . ' (its points types: ' . ( $types ? implode( ', ', $types ) : 'none' ) . ')' );
	}
	$before = function_exists( 'gamipress_get_user_points' ) ? (int) gamipress_get_user_points( $user_id, $type ) : null;
	// The reason carries the award's key, so GamiPress's own log names the vote it paid for.
	// Logged as points earned: GamiPress's "points_award" is an administrator's award, whose log
	// title reads the admin_id meta (a PHP warning per award without one, logs.php L741-745).
	$after = gamipress_award_points_to_user( $user_id, $award['points'], $type, array( 'reason' => $entry . ' (' . $data . ')', 'log_type' => 'points_earn' ) );
	if ( null === $before ) {
		return is_numeric( $after );
	}
	return is_numeric( $after ) && (int) $after > $before;
}

/**
 * Pays one award under the lock of its key (voter/author/permlink): the ledger entry is written
 * first and the points paid after, so identical requests racing each other pay once, and a crash
 * between the two loses an award rather than paying it twice. Only a payment that could not be
 * attempted at all (plugin missing) takes the entry back, so it is asked again later.
 */
function wpsb_award_locked( $award, $key ) {
	global $wpdb;
	$post_id = (int) $award['post_id'];
	$paid    = $wpdb->get_var( $wpdb->prepare( "SELECT meta_id FROM {$wpdb->postmeta} WHERE post_id = %d AND meta_key = %s AND meta_value = %s LIMIT 1", $post_id, WPSB_AWARDS_META, $award['voter'] ) );
	if ( $paid ) {
		return array( 'key' => $key, 'status' => 'already' );
	}
	/** Fires after the award was found unpaid, before it is recorded (under the award's lock). */
	do_action( 'wpsb_before_mirror_write', 'award', $key );
	add_post_meta( $post_id, WPSB_AWARDS_META, $award['voter'] );
	$user_id = (int) get_post( $post_id )->post_author;
	/* translators: %s: the voter's chain account; the entry in the member's points history */
	$entry   = sprintf( __( 'Steem vote by @%s', 'wp-steem-bridge' ), $award['voter'] );
	$data    = WPSB_POINTS_REF . ':' . $key;
	$result  = 'mycred' === $award['plugin'] ? wpsb_pay_mycred( $award, $user_id, $entry, $data ) : wpsb_pay_gamipress( $award, $user_id, $entry, $data );
	if ( is_wp_error( $result ) ) {
		delete_post_meta( $post_id, WPSB_AWARDS_META, $award['voter'] );
		$status = 'wpsb_points_unavailable' === $result->get_error_code() ? 'unavailable' : 'error';
		return array( 'key' => $key, 'status' => $status, 'message' => $result->get_error_message() );
	}
	// A declined award (an excluded user) stays recorded, so it is not asked again.
	$status = 'already' === $result ? 'already' : ( $result ? 'awarded' : 'declined' );
	return array( 'key' => $key, 'status' => $status );
}

function wpsb_award_one( $award ) {
	$key     = ( is_array( $award ) && isset( $award['voter'], $award['author'], $award['permlink'] ) && is_string( $award['voter'] ) && is_string( $award['author'] ) && is_string( $award['permlink'] ) ) ? $award['voter'] . '/' . $award['author'] . '/' . $award['permlink'] : '';
	$problem = wpsb_award_problem( $award );
	if ( '' !== $problem ) {
		return array( 'key' => $key, 'status' => 'error', 'message' => $problem );
	}
	$busy = array( 'key' => $key, 'status' => 'error', 'message' => 'another request is paying this award; try again' );
	return wpsb_with_lock(
		'award:' . $key,
		function () use ( $award, $key ) {
			return wpsb_award_locked( $award, $key );
		},
		$busy
	);
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
