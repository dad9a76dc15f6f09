<?php
/**
 * Plugin Name:       WP Steem Bridge
 * Description:       Companion plugin for the wp-steem-bridge worker: registers the post and user meta the worker reads and writes over REST, a route that records chain results without touching the post's modified date, and the mirrored rewards and votes shown under posts, on profiles, in a widget and in the admin posts list.
 * Version:           0.1.0
 * Requires at least: 5.7
 * Requires PHP:      7.4
 * Author:            wp-steem-bridge
 * License:           MIT
 * Text Domain:       wp-steem-bridge
 *
 * This plugin never talks to the chain. It only stores what the worker reports and what authors choose.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_REST_NAMESPACE = 'wp-steem-bridge/v1';

require_once __DIR__ . '/includes/mirror-meta.php';
require_once __DIR__ . '/includes/mirror-render.php';
require_once __DIR__ . '/includes/mirror-comments.php';
require_once __DIR__ . '/includes/mirror-points.php';
require_once __DIR__ . '/includes/webhook.php';
register_activation_hook( __FILE__, 'wpsb_grant_write_cap' );

/** Steem account names: 3-16 chars, dot-separated segments of >= 3 chars, [a-z][a-z0-9-]*[a-z0-9]. */
const WPSB_ACCOUNT_PATTERN = '^(?=.{3,16}$)[a-z][a-z0-9-]+[a-z0-9](\.[a-z][a-z0-9-]+[a-z0-9])*$';

/**
 * JSON schemas of the post meta keys. The same schema validates writes through /wp/v2/posts and
 * through our chain route, so the two can never disagree. Empty strings mean "not set".
 *
 * @return array<string, array<string, mixed>>
 */
function wpsb_post_meta_schemas() {
	$account = array( 'type' => 'string', 'pattern' => '^$|' . WPSB_ACCOUNT_PATTERN, 'default' => '' );
	return array(
		// Chain state, written by the worker.
		'steem_author'        => $account + array( 'description' => 'Chain account the post was published as.' ),
		'steem_permlink'      => array(
			'type'        => 'string',
			'pattern'     => '^[a-z0-9-]{0,255}$',
			'default'     => '',
			'description' => 'Permlink of the chain post.',
		),
		'steem_tx_id'         => array(
			'type'        => 'string',
			'pattern'     => '^([0-9a-f]{40})?$',
			'default'     => '',
			'description' => 'Id of the last confirmed transaction.',
		),
		'steem_block'         => array(
			'type'        => 'integer',
			'minimum'     => 0,
			'default'     => 0,
			'description' => 'Block number holding steem_tx_id.',
		),
		'steem_status'        => array(
			'type'        => 'string',
			'pattern'     => '^[a-z0-9_-]{0,32}$',
			'default'     => '',
			'description' => 'Sync status (pending, confirmed, failed, ...).',
		),
		'steem_error'         => array(
			'type'        => 'string',
			'maxLength'   => 2000,
			'default'     => '',
			'description' => 'Last error reported by the worker.',
		),
		// Per-post overrides, chosen by the author.
		'steem_opt_out'       => array(
			'type'        => 'boolean',
			'default'     => false,
			'description' => 'Do not publish this post to the chain.',
		),
		'steem_tags'          => array(
			'type'        => 'string',
			'maxLength'   => 500,
			'default'     => '',
			'description' => 'Comma-separated chain tags replacing the post tags.',
		),
		'steem_beneficiaries' => array(
			'type'        => 'string',
			'pattern'     => '^$|^[a-z0-9.-]{3,16}:[0-9]{1,5}(,[a-z0-9.-]{3,16}:[0-9]{1,5})*$',
			'default'     => '',
			'description' => 'Beneficiaries as "account:basis_points,..." (10000 = 100 %).',
		),
		'steem_payout'        => array(
			'type'        => 'string',
			'enum'        => array( '', '50/50', 'power_up', 'decline' ),
			'default'     => '',
			'description' => 'Payout choice; empty uses the site default.',
		),
	);
}

/** Removes characters a chain tag cannot hold and normalises separators to ",". */
function wpsb_sanitize_tags( $value ) {
	$tags = preg_split( '/[\s,]+/u', mb_strtolower( wp_strip_all_tags( (string) $value ) ), -1, PREG_SPLIT_NO_EMPTY );
	return implode( ',', array_unique( $tags ) );
}

/** Normalises "a:1, b:2" to "a:1,b:2" so stored values compare equal. */
function wpsb_sanitize_beneficiaries( $value ) {
	return preg_replace( '/\s+/', '', (string) $value );
}

/** Sanitizer per key; anything not listed is sanitized from its schema alone. */
function wpsb_sanitizers() {
	return array(
		'steem_error'         => 'sanitize_textarea_field',
		'steem_tags'          => 'wpsb_sanitize_tags',
		'steem_beneficiaries' => 'wpsb_sanitize_beneficiaries',
	);
}

/** Validates then sanitizes one value against its key's schema. Returns WP_Error when invalid. */
function wpsb_clean_value( $key, $value ) {
	$schemas    = wpsb_post_meta_schemas();
	$sanitizers = wpsb_sanitizers();
	if ( isset( $sanitizers[ $key ] ) && is_string( $value ) ) {
		$value = call_user_func( $sanitizers[ $key ], $value );
	}
	$valid = rest_validate_value_from_schema( $value, $schemas[ $key ], $key );
	if ( is_wp_error( $valid ) ) {
		return $valid;
	}
	return rest_sanitize_value_from_schema( $value, $schemas[ $key ], $key );
}

/** Only users who may edit the post may read (context=edit) or write its chain meta. */
function wpsb_can_edit_post_meta( $allowed, $meta_key, $post_id ) {
	return current_user_can( 'edit_post', (int) $post_id );
}

/** Only users who may edit that user may change their chain account. */
function wpsb_can_edit_user_meta( $allowed, $meta_key, $user_id ) {
	return current_user_can( 'edit_user', (int) $user_id );
}

function wpsb_register_meta() {
	$sanitizers = wpsb_sanitizers();
	foreach ( wpsb_post_meta_schemas() as $key => $schema ) {
		$rest_schema = $schema;
		unset( $rest_schema['default'] );
		register_post_meta(
			'post',
			$key,
			array(
				'type'              => $schema['type'],
				'description'       => $schema['description'],
				'single'            => true,
				'default'           => $schema['default'],
				'sanitize_callback' => isset( $sanitizers[ $key ] ) ? $sanitizers[ $key ] : null,
				'auth_callback'     => 'wpsb_can_edit_post_meta',
				'show_in_rest'      => array( 'schema' => $rest_schema ),
			)
		);
	}
	register_meta(
		'user',
		'steem_account',
		array(
			'type'              => 'string',
			'description'       => 'Steem account this user publishes as.',
			'single'            => true,
			'default'           => '',
			'sanitize_callback' => 'wpsb_sanitize_account',
			'auth_callback'     => 'wpsb_can_edit_user_meta',
			'show_in_rest'      => array(
				'schema' => array(
					'type'    => 'string',
					'pattern' => '^$|' . WPSB_ACCOUNT_PATTERN,
				),
			),
		)
	);
}
add_action( 'init', 'wpsb_register_meta' );

function wpsb_sanitize_account( $value ) {
	return strtolower( trim( (string) $value ) );
}

/** The stored chain meta of a post, typed by its schema. */
function wpsb_read_chain_meta( $post_id ) {
	$values = array();
	foreach ( wpsb_post_meta_schemas() as $key => $schema ) {
		$stored         = metadata_exists( 'post', $post_id, $key ) ? get_post_meta( $post_id, $key, true ) : $schema['default'];
		$values[ $key ] = rest_sanitize_value_from_schema( $stored, $schema, $key );
	}
	return $values;
}

function wpsb_chain_permission( WP_REST_Request $request ) {
	$post = get_post( (int) $request['id'] );
	if ( ! $post || 'post' !== $post->post_type ) {
		return new WP_Error( 'rest_post_invalid_id', 'Invalid post ID.', array( 'status' => 404 ) );
	}
	if ( ! current_user_can( 'edit_post', $post->ID ) ) {
		return new WP_Error(
			'rest_forbidden',
			'Sorry, you are not allowed to edit the chain data of this post.',
			array( 'status' => rest_authorization_required_code() )
		);
	}
	return true;
}

function wpsb_get_chain( WP_REST_Request $request ) {
	$post_id = (int) $request['id'];
	return rest_ensure_response( array( 'id' => $post_id, 'meta' => wpsb_read_chain_meta( $post_id ) ) );
}

/**
 * Stores only the given keys with update_post_meta: unlike /wp/v2/posts this leaves post_modified
 * alone, so the worker does not mistake its own write-back for an author's edit.
 */
function wpsb_update_chain( WP_REST_Request $request ) {
	$GLOBALS['wpsb_bridge_writing'] = true; // The bridge's own write-back never pokes it.
	$post_id = (int) $request['id'];
	$input   = $request->get_json_params();
	if ( ! is_array( $input ) || array() === $input || wp_is_numeric_array( $input ) ) {
		return new WP_Error( 'rest_invalid_json', 'Send a JSON object of steem_* keys.', array( 'status' => 400 ) );
	}
	$schemas = wpsb_post_meta_schemas();
	$clean   = array();
	foreach ( $input as $key => $value ) {
		if ( ! isset( $schemas[ $key ] ) ) {
			return new WP_Error( 'rest_invalid_param', sprintf( 'Unknown key: %s.', sanitize_key( $key ) ), array( 'status' => 400 ) );
		}
		$value = wpsb_clean_value( $key, $value );
		if ( is_wp_error( $value ) ) {
			$value->add_data( array( 'status' => 400 ) );
			return $value;
		}
		$clean[ $key ] = $value;
	}
	foreach ( $clean as $key => $value ) {
		update_post_meta( $post_id, $key, is_bool( $value ) ? ( $value ? '1' : '' ) : $value );
	}
	return wpsb_get_chain( $request );
}

function wpsb_register_routes() {
	$id_arg = array( 'id' => array( 'type' => 'integer', 'minimum' => 1, 'required' => true ) );
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/posts/(?P<id>\d+)/chain',
		array(
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => 'wpsb_get_chain',
				'permission_callback' => 'wpsb_chain_permission',
				'args'                => $id_arg,
			),
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => 'wpsb_update_chain',
				'permission_callback' => 'wpsb_chain_permission',
				'args'                => $id_arg,
			),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_routes' );

/** A "Steem" column in the posts list showing the sync status and permlink. */
function wpsb_add_column( $columns ) {
	$columns['wpsb_steem'] = esc_html__( 'Steem', 'wp-steem-bridge' );
	return $columns;
}
add_filter( 'manage_post_posts_columns', 'wpsb_add_column' );

function wpsb_render_column( $column, $post_id ) {
	if ( 'wpsb_steem' !== $column ) {
		return;
	}
	$meta = wpsb_read_chain_meta( $post_id );
	if ( $meta['steem_opt_out'] ) {
		echo esc_html__( 'opted out', 'wp-steem-bridge' );
		return;
	}
	echo esc_html( '' === $meta['steem_status'] ? '—' : $meta['steem_status'] );
	if ( '' !== $meta['steem_author'] && '' !== $meta['steem_permlink'] ) {
		echo '<br><code>' . esc_html( '@' . $meta['steem_author'] . '/' . $meta['steem_permlink'] ) . '</code>';
	}
	if ( '' !== $meta['steem_error'] ) {
		echo '<br><span class="error">' . esc_html( $meta['steem_error'] ) . '</span>';
	}
}
add_action( 'manage_post_posts_custom_column', 'wpsb_render_column', 10, 2 );
