<?php
/**
 * Mirrored chain globals: the site option `wpsb_chain_globals` the bridge writes through the
 * bridge-only route POST wp-steem-bridge/v1/mirror/globals, and the conversion of VESTS to Steem
 * Power (or Hive Power) for display that it makes possible. Without the option, VESTS stay VESTS.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_GLOBALS_OPTION = 'wpsb_chain_globals';

/** The JSON schema of the option; the route validates every write against it. */
function wpsb_chain_globals_schema() {
	return array(
		'type'                 => 'object',
		'additionalProperties' => false,
		'properties'           => array(
			'total_vesting_fund_steem' => array(
				'type'     => 'string',
				'pattern'  => '^[0-9]{1,15}\.[0-9]{3} (STEEM|HIVE)$',
				'required' => true,
			),
			'total_vesting_shares'     => array(
				'type'     => 'string',
				'pattern'  => '^[0-9]{1,15}\.[0-9]{6} VESTS$',
				'required' => true,
			),
			'updated_at'               => array(
				'type'     => 'string',
				'pattern'  => '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z?$',
				'required' => true,
			),
			'symbol'                   => array(
				'type'     => 'string',
				'enum'     => array( 'STEEM', 'HIVE' ),
				'required' => true,
			),
		),
	);
}

/** The stored globals, or null when missing or unusable (never written, zero shares, ...). */
function wpsb_chain_globals() {
	$globals = get_option( WPSB_GLOBALS_OPTION, null );
	if ( ! is_array( $globals ) || is_wp_error( rest_validate_value_from_schema( $globals, wpsb_chain_globals_schema(), WPSB_GLOBALS_OPTION ) ) ) {
		return null;
	}
	$fund   = wpsb_parse_asset( $globals['total_vesting_fund_steem'] );
	$shares = wpsb_parse_asset( $globals['total_vesting_shares'] );
	if ( null === $fund || null === $shares || $shares[0] <= 0 ) {
		return null;
	}
	return $globals;
}

/**
 * "1234.567890 VESTS" as power: array( 0.6172, 'SP' ), or null when the text is not VESTS or no
 * globals are stored. A float, for display only (rounded to 3 decimals); the exact VESTS stay in
 * the meta.
 */
function wpsb_vests_to_power( $vests_text ) {
	$vests   = wpsb_parse_asset( $vests_text );
	$globals = wpsb_chain_globals();
	if ( null === $vests || 'VESTS' !== $vests[1] || null === $globals ) {
		return null;
	}
	$fund   = wpsb_parse_asset( $globals['total_vesting_fund_steem'] );
	$shares = wpsb_parse_asset( $globals['total_vesting_shares'] );
	// Satoshis: fund has 3 decimals, VESTS 6; the per-VEST price is fund/shares in whole units.
	$power = ( $vests[0] / 1e6 ) * ( ( $fund[0] / 1e3 ) / ( $shares[0] / 1e6 ) );
	return array( $power, 'HIVE' === $globals['symbol'] ? 'HP' : 'SP' );
}

/** Stores the globals the bridge sends; everything is validated first, nothing partial is kept. */
function wpsb_update_chain_globals( WP_REST_Request $request ) {
	$input = $request->get_json_params();
	$input = is_array( $input ) ? $input : $request->get_body_params();
	$valid = rest_validate_value_from_schema( $input, wpsb_chain_globals_schema(), 'globals' );
	if ( is_wp_error( $valid ) ) {
		$valid->add_data( array( 'status' => 400 ) );
		return $valid;
	}
	$fund_symbol = substr( $input['total_vesting_fund_steem'], strpos( $input['total_vesting_fund_steem'], ' ' ) + 1 );
	if ( $fund_symbol !== $input['symbol'] ) {
		return new WP_Error(
			'rest_invalid_param',
			/* translators: 1: symbol of total_vesting_fund_steem, 2: the "symbol" field */
			sprintf( __( 'total_vesting_fund_steem is in %1$s but symbol says %2$s.', 'wp-steem-bridge' ), $fund_symbol, $input['symbol'] ),
			array( 'status' => 400 )
		);
	}
	if ( wpsb_parse_asset( $input['total_vesting_shares'] )[0] <= 0 ) {
		return new WP_Error( 'rest_invalid_param', __( 'total_vesting_shares must be above zero.', 'wp-steem-bridge' ), array( 'status' => 400 ) );
	}
	$globals = array_intersect_key( $input, wpsb_chain_globals_schema()['properties'] );
	update_option( WPSB_GLOBALS_OPTION, $globals, false );
	return rest_ensure_response( $globals );
}

function wpsb_register_globals_route() {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/mirror/globals',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_update_chain_globals',
			'permission_callback' => 'wpsb_can_write_chain_data',
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_globals_route' );
