<?php
/**
 * Rewards mirror, storage side: the post and user meta the worker mirrors from the chain, their
 * schemas (registered with show_in_rest, so themes and plugins read them as ordinary meta), and
 * the routes the worker writes them through. Only users with the `wpsb_write_chain_data`
 * capability (the bridge's own user) may write them; a write touches only the keys it names.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Legacy asset strings as the chain prints them ("1.234 SBD", "1.234567 VESTS"), digits bounded
 * so the exact integer sums in mirror-render.php fit in a 64-bit integer.
 */
const WPSB_ASSET_PATTERN = '^-?([0-9]{1,15}\.[0-9]{3} (SBD|STEEM|HBD|HIVE|TBD|TESTS)|[0-9]{1,12}\.[0-9]{6} VESTS)$';

/** An asset string, or "" before the first mirror. */
function wpsb_asset_schema( $description ) {
	return array(
		'type'        => 'string',
		'pattern'     => '^$|' . WPSB_ASSET_PATTERN,
		'default'     => '',
		'description' => $description,
	);
}

/** Integers the chain may print beyond 2^53 (rshares, weight, reputation), kept as strings. */
function wpsb_bigint_schema( $description ) {
	return array(
		'type'        => 'string',
		'pattern'     => '^$|^-?[0-9]{1,40}$',
		'default'     => '',
		'description' => $description,
	);
}

function wpsb_int_schema( $description ) {
	return array( 'type' => 'integer', 'default' => 0, 'description' => $description );
}

function wpsb_time_schema( $description ) {
	return array(
		'type'        => 'string',
		'pattern'     => '^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$',
		'default'     => '',
		'description' => $description,
	);
}

/** @return array<string, array<string, mixed>> */
function wpsb_mirror_post_schemas() {
	// Every item property is required: the renderer reads them all.
	$account = array( 'type' => 'string', 'pattern' => '^[a-z0-9.-]{1,16}$', 'required' => true );
	$asset   = array( 'type' => 'string', 'pattern' => WPSB_ASSET_PATTERN, 'required' => true );
	$bigint  = array( 'type' => 'string', 'pattern' => '^-?[0-9]{1,40}$', 'required' => true );
	return array(
		'steem_votes'               => array(
			'type'        => 'array',
			'default'     => array(),
			'description' => 'Votes on the chain post, oldest first.',
			'items'       => array(
				'type'                 => 'object',
				'additionalProperties' => false,
				'properties'           => array(
					'voter'   => $account,
					'weight'  => $bigint,
					'rshares' => $bigint,
					'percent' => array( 'type' => 'integer', 'minimum' => -10000, 'maximum' => 10000, 'required' => true ),
					'time'    => array( 'type' => 'string', 'pattern' => '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$', 'required' => true ),
				),
			),
		),
		'steem_vote_count'          => wpsb_int_schema( 'Number of votes (get_active_votes).' ),
		'steem_pending_payout'      => wpsb_asset_schema( 'Pending payout while the post is pending.' ),
		'steem_payout_time'         => wpsb_time_schema( 'Payout time (due, or done when paid out), UTC.' ),
		'steem_paid_out'            => array(
			'type'        => 'boolean',
			'default'     => false,
			'description' => 'Whether the chain has paid the post out.',
		),
		'steem_author_payout'       => wpsb_asset_schema( 'Author payout in SBD value (total_payout_value).' ),
		'steem_curator_payout'      => wpsb_asset_schema( 'Curation payout in SBD value (curator_payout_value).' ),
		'steem_author_sbd'          => wpsb_asset_schema( 'Author reward paid in SBD (author_reward op).' ),
		'steem_author_steem'        => wpsb_asset_schema( 'Author reward paid in STEEM (author_reward op).' ),
		'steem_author_vests'        => wpsb_asset_schema( 'Author reward paid as Steem Power, in VESTS.' ),
		'steem_beneficiary_payouts' => array(
			'type'        => 'array',
			'default'     => array(),
			'description' => 'Beneficiary payouts (comment_benefactor_reward ops).',
			'items'       => array(
				'type'                 => 'object',
				'additionalProperties' => false,
				'properties'           => array(
					'account' => $account,
					'sbd'     => $asset,
					'steem'   => $asset,
					'vests'   => $asset,
				),
			),
		),
		'steem_replies'             => wpsb_int_schema( 'Replies on chain (children).' ),
		'steem_mirror_block'        => wpsb_int_schema( 'Irreversible block of the last mirrored change.' ),
	);
}

/** @return array<string, array<string, mixed>> */
function wpsb_mirror_user_schemas() {
	// Not required: the window's default (an empty object) must validate; the renderer skips gaps.
	$asset  = array( 'type' => 'string', 'pattern' => WPSB_ASSET_PATTERN );
	$window = array(
		'type'                 => 'object',
		'additionalProperties' => false,
		'default'              => array(),
		'properties'           => array(
			'sbd'   => $asset,
			'steem' => $asset,
			'vests' => $asset,
		),
	);
	return array(
		'steem_author_rewards'         => wpsb_asset_schema( 'Author rewards earned, all time (posting_rewards).' ),
		'steem_curation_rewards'       => wpsb_asset_schema( 'Curation rewards earned, all time.' ),
		'steem_author_rewards_7d'      => $window + array( 'description' => 'Author rewards paid in the last 7 days.' ),
		'steem_author_rewards_30d'     => $window + array( 'description' => 'Author rewards paid in the last 30 days.' ),
		'steem_curation_rewards_7d'    => wpsb_asset_schema( 'Curation rewards of the last 7 days, VESTS.' ),
		'steem_curation_rewards_30d'   => wpsb_asset_schema( 'Curation rewards of the last 30 days, VESTS.' ),
		'steem_reward_sbd_balance'     => wpsb_asset_schema( 'Unclaimed SBD rewards.' ),
		'steem_reward_steem_balance'   => wpsb_asset_schema( 'Unclaimed STEEM rewards.' ),
		'steem_reward_vesting_balance' => wpsb_asset_schema( 'Unclaimed Steem Power rewards, VESTS.' ),
		'steem_reward_vesting_steem'   => wpsb_asset_schema( 'Unclaimed Steem Power rewards, STEEM value.' ),
		'steem_vesting_shares'         => wpsb_asset_schema( 'Own vesting shares.' ),
		'steem_power'                  => wpsb_asset_schema( 'Steem Power (vesting shares in STEEM).' ),
		'steem_reputation'             => wpsb_bigint_schema( 'Raw reputation.' ),
		'steem_pending_payout'         => wpsb_asset_schema( 'Pending payouts of the member\'s bridged posts.' ),
		'steem_mirror_block'           => wpsb_int_schema( 'Irreversible block of the last mirrored change.' ),
	);
}

function wpsb_can_write_chain_data( $allowed = false ) {
	return current_user_can( WPSB_WRITE_CAP );
}

function wpsb_register_mirror_meta() {
	foreach ( array( 'post' => wpsb_mirror_post_schemas(), 'user' => wpsb_mirror_user_schemas() ) as $type => $schemas ) {
		foreach ( $schemas as $key => $schema ) {
			$rest_schema = $schema;
			unset( $rest_schema['default'], $rest_schema['description'] );
			$args = array(
				'type'          => $schema['type'],
				'description'   => $schema['description'],
				'single'        => true,
				'default'       => $schema['default'],
				'auth_callback' => 'wpsb_can_write_chain_data',
				'show_in_rest'  => array( 'schema' => $rest_schema ),
			);
			if ( 'post' === $type ) {
				register_post_meta( 'post', $key, $args );
			} else {
				register_meta( 'user', $key, $args );
			}
		}
	}
}
add_action( 'init', 'wpsb_register_mirror_meta' );

/** The mirrored values of a post or user, typed by their schemas (defaults when never written). */
function wpsb_mirror_values( $type, $object_id ) {
	$schemas = 'post' === $type ? wpsb_mirror_post_schemas() : wpsb_mirror_user_schemas();
	$values  = array();
	foreach ( $schemas as $key => $schema ) {
		$stored         = metadata_exists( $type, $object_id, $key ) ? get_metadata( $type, $object_id, $key, true ) : $schema['default'];
		$values[ $key ] = rest_sanitize_value_from_schema( $stored, $schema, $key );
	}
	return $values;
}

function wpsb_mirror_permission( WP_REST_Request $request, $type ) {
	if ( ! current_user_can( WPSB_WRITE_CAP ) ) {
		return new WP_Error( 'rest_forbidden', __( 'Only the bridge may write mirrored chain data.', 'wp-steem-bridge' ), array( 'status' => rest_authorization_required_code() ) );
	}
	$object = 'post' === $type ? get_post( (int) $request['id'] ) : get_userdata( (int) $request['id'] );
	if ( ! $object || ( 'post' === $type && 'post' !== $object->post_type ) ) {
		$message = 'post' === $type ? __( 'Invalid post ID.', 'wp-steem-bridge' ) : __( 'Invalid user ID.', 'wp-steem-bridge' );
		return new WP_Error( 'rest_' . $type . '_invalid_id', $message, array( 'status' => 404 ) );
	}
	return true;
}

/** Validates every given key first, then stores them; keys not named are never touched. */
function wpsb_mirror_update( WP_REST_Request $request, $type ) {
	$GLOBALS['wpsb_bridge_writing'] = true; // No webhook poke for the bridge's own writes.
	$object_id = (int) $request['id'];
	$schemas   = 'post' === $type ? wpsb_mirror_post_schemas() : wpsb_mirror_user_schemas();
	// Direct calls carry JSON; sub-requests of /batch/v1 carry their body as body params.
	$input    = $request->get_json_params();
	$input    = is_array( $input ) ? $input : $request->get_body_params();
	if ( ! is_array( $input ) || array() === $input || wp_is_numeric_array( $input ) ) {
		return new WP_Error( 'rest_invalid_json', __( 'Send a JSON object of mirrored keys.', 'wp-steem-bridge' ), array( 'status' => 400 ) );
	}
	$clean = array();
	foreach ( $input as $key => $value ) {
		if ( ! isset( $schemas[ $key ] ) ) {
			/* translators: %s: the unknown meta key */
			return new WP_Error( 'rest_invalid_param', sprintf( __( 'Unknown key: %s.', 'wp-steem-bridge' ), sanitize_key( $key ) ), array( 'status' => 400 ) );
		}
		$valid = rest_validate_value_from_schema( $value, $schemas[ $key ], $key );
		if ( is_wp_error( $valid ) ) {
			$valid->add_data( array( 'status' => 400 ) );
			return $valid;
		}
		$clean[ $key ] = rest_sanitize_value_from_schema( $value, $schemas[ $key ], $key );
	}
	foreach ( $clean as $key => $value ) {
		update_metadata( $type, $object_id, $key, is_bool( $value ) ? ( $value ? '1' : '' ) : wp_slash( $value ) );
	}
	return rest_ensure_response( array( 'id' => $object_id, 'updated' => array_keys( $clean ) ) );
}

function wpsb_register_mirror_routes() {
	$id_arg = array( 'id' => array( 'type' => 'integer', 'minimum' => 1, 'required' => true ) );
	foreach ( array( 'posts' => 'post', 'users' => 'user' ) as $base => $type ) {
		register_rest_route(
			WPSB_REST_NAMESPACE,
			'/mirror/' . $base . '/(?P<id>\d+)',
			array(
				array(
					'methods'             => WP_REST_Server::CREATABLE,
					'callback'            => function ( $request ) use ( $type ) {
						return wpsb_mirror_update( $request, $type );
					},
					'permission_callback' => function ( $request ) use ( $type ) {
						return wpsb_mirror_permission( $request, $type );
					},
					'args'                => $id_arg,
				),
				'allow_batch' => array( 'v1' => true ),
			)
		);
	}
}
add_action( 'rest_api_init', 'wpsb_register_mirror_routes' );
