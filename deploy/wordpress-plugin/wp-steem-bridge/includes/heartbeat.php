<?php
/**
 * The bridge's heartbeat: after each tick the daemon sends `POST wp-steem-bridge/v1/heartbeat`
 * (only its own user, WPSB_WRITE_CAP, may) with the time of its last tick, its version, a one-line
 * summary, its open problems, how many items failed and wait for a person, and whether each
 * linked author still grants the app account posting authority. WordPress keeps the latest one
 * (option WPSB_HEARTBEAT_OPTION, with the time it arrived); Site Health (site-health.php) reads it.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_HEARTBEAT_OPTION = 'wpsb_heartbeat';

/** @return array<string, array<string, mixed>> The heartbeat body, as REST args (validated by core). */
function wpsb_heartbeat_args() {
	return array(
		'last_tick' => array(
			'type'        => 'string',
			'format'      => 'date-time',
			'required'    => true,
			'description' => 'When the bridge finished its last tick (UTC, ISO 8601).',
		),
		'version'   => array( 'type' => 'string', 'maxLength' => 64, 'default' => '' ),
		'summary'   => array( 'type' => 'string', 'maxLength' => 1000, 'default' => '' ),
		'problems'  => array(
			'type'     => 'array',
			'items'    => array( 'type' => 'string', 'maxLength' => 1000 ),
			'maxItems' => 100,
			'default'  => array(),
		),
		'failed'    => array( 'type' => 'integer', 'minimum' => 0, 'default' => 0 ),
		'grants'    => array(
			'type'                 => 'object',
			'patternProperties'    => array( WPSB_ACCOUNT_PATTERN => array( 'type' => 'boolean' ) ),
			'additionalProperties' => false,
			'maxProperties'        => 10000,
			'default'              => array(),
		),
	);
}

function wpsb_heartbeat_permission() {
	if ( ! current_user_can( WPSB_WRITE_CAP ) ) {
		return new WP_Error(
			'rest_forbidden',
			__( 'Only the bridge may report its heartbeat.', 'wp-steem-bridge' ),
			array( 'status' => rest_authorization_required_code() )
		);
	}
	return true;
}

/** Stores the heartbeat (text sanitized, the tick time normalised to UTC) and answers with it. */
function wpsb_store_heartbeat( WP_REST_Request $request ) {
	$tick      = rest_parse_date( (string) $request['last_tick'], true );
	$heartbeat = array(
		'last_tick'   => gmdate( 'Y-m-d\TH:i:s\Z', (int) $tick ),
		'received_at' => gmdate( 'Y-m-d\TH:i:s\Z' ),
		'version'     => sanitize_text_field( (string) $request['version'] ),
		'summary'     => sanitize_text_field( (string) $request['summary'] ),
		'problems'    => array_values( array_map( 'sanitize_text_field', (array) $request['problems'] ) ),
		'failed'      => (int) $request['failed'],
		'grants'      => array_map( 'rest_sanitize_boolean', (array) $request['grants'] ),
	);
	update_option( WPSB_HEARTBEAT_OPTION, $heartbeat, false );
	return rest_ensure_response( $heartbeat );
}

/** The last heartbeat, or null when the bridge never reported. */
function wpsb_last_heartbeat() {
	$heartbeat = get_option( WPSB_HEARTBEAT_OPTION, null );
	return is_array( $heartbeat ) && isset( $heartbeat['last_tick'] ) ? $heartbeat : null;
}

function wpsb_register_heartbeat_route() {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/heartbeat',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_store_heartbeat',
			'permission_callback' => 'wpsb_heartbeat_permission',
			'args'                => wpsb_heartbeat_args(),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_heartbeat_route' );
