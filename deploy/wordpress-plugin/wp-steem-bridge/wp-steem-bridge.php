<?php
/**
 * Plugin Name:       WP Steem Bridge
 * Description:       Companion plugin for the wp-steem-bridge worker: registers the post and user meta the worker reads and writes over REST, a route that records chain results without touching the post's modified date, and the mirrored rewards and votes shown under posts, on profiles, in a widget and in the admin posts list.
 * Version:           0.4.0
 * Requires at least: 5.7
 * Requires PHP:      7.4
 * Author:            wp-steem-bridge
 * License:           MIT
 * Text Domain:       wp-steem-bridge
 * Domain Path:       /languages
 *
 * This plugin never talks to the chain. It only stores what the worker reports and what authors choose.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_REST_NAMESPACE = 'wp-steem-bridge/v1';
const WPSB_VERSION        = '0.4.0';
/** Held only by the bridge's own WordPress user: writes chain state, mirrored data, comments, points. */
const WPSB_WRITE_CAP = 'wpsb_write_chain_data';
/** Post meta only the bridge writes (WPSB_WRITE_CAP); the other steem_* keys are the author's choices. */
const WPSB_CHAIN_STATE_KEYS = array( 'steem_author', 'steem_permlink', 'steem_tx_id', 'steem_block', 'steem_status', 'steem_error' );
/**
 * Post meta shown only in context=edit. Author, permlink, tx id, block and status stay public: the
 * chain shows them to anyone anyway. The error text and the author's overrides are not public.
 */
const WPSB_EDIT_CONTEXT_KEYS = array( 'steem_error', 'steem_opt_out', 'steem_tags', 'steem_beneficiaries', 'steem_payout' );

require_once __DIR__ . '/includes/bridge-user.php';
require_once __DIR__ . '/includes/locks.php';
require_once __DIR__ . '/includes/accounts.php';
require_once __DIR__ . '/includes/linking.php';
require_once __DIR__ . '/includes/moments.php';
require_once __DIR__ . '/includes/mirror-meta.php';
require_once __DIR__ . '/includes/chain-globals.php';
require_once __DIR__ . '/includes/display.php';
require_once __DIR__ . '/includes/mirror-render.php';
require_once __DIR__ . '/includes/mirror-comments.php';
require_once __DIR__ . '/includes/mirror-points.php';
require_once __DIR__ . '/includes/points-feed.php';
require_once __DIR__ . '/includes/webhook.php';
require_once __DIR__ . '/includes/xmlrpc.php';
require_once __DIR__ . '/includes/heartbeat.php';
require_once __DIR__ . '/includes/sync-requests.php';
require_once __DIR__ . '/includes/change-feed.php';
require_once __DIR__ . '/includes/like-events.php';
require_once __DIR__ . '/includes/comment-feed.php';
require_once __DIR__ . '/includes/site-health.php';
require_once __DIR__ . '/includes/admin-list.php';
require_once __DIR__ . '/includes/editor-panel.php';
register_activation_hook( __FILE__, 'wpsb_activate' );

/** The plugin's own translations (languages/wp-steem-bridge-<locale>.mo), before widgets_init (init, 1). */
function wpsb_load_textdomain() {
	load_plugin_textdomain( 'wp-steem-bridge', false, dirname( plugin_basename( __FILE__ ) ) . '/languages' );
}
add_action( 'init', 'wpsb_load_textdomain', 0 );

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

/** Chain state only the bridge writes; the author's overrides need edit_post on that post. */
function wpsb_can_edit_post_meta( $allowed, $meta_key, $post_id ) {
	if ( in_array( $meta_key, WPSB_CHAIN_STATE_KEYS, true ) ) {
		return current_user_can( WPSB_WRITE_CAP );
	}
	return current_user_can( 'edit_post', (int) $post_id );
}

function wpsb_register_meta() {
	$sanitizers = wpsb_sanitizers();
	foreach ( wpsb_post_meta_schemas() as $key => $schema ) {
		$rest_schema = $schema;
		unset( $rest_schema['default'] );
		if ( in_array( $key, WPSB_EDIT_CONTEXT_KEYS, true ) ) {
			$rest_schema['context'] = array( 'edit' );
		}
		foreach ( wpsb_bridged_post_types() as $post_type ) {
			register_post_meta(
				$post_type,
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
	}
}
add_action( 'init', 'wpsb_register_meta' );

/** The stored chain meta of a post, typed by its schema. */
function wpsb_read_chain_meta( $post_id ) {
	$values = array();
	foreach ( wpsb_post_meta_schemas() as $key => $schema ) {
		$stored         = metadata_exists( 'post', $post_id, $key ) ? get_post_meta( $post_id, $key, true ) : $schema['default'];
		$values[ $key ] = rest_sanitize_value_from_schema( $stored, $schema, $key );
	}
	return $values;
}

/**
 * The bridge (WPSB_WRITE_CAP) may read and write every key; a user who may edit the post may read
 * them and write only the overrides. Permission is decided before the post is looked up, so the
 * answer never tells a stranger whether a post id exists (401/403 either way).
 */
function wpsb_chain_permission( WP_REST_Request $request ) {
	$post_id = (int) $request['id'];
	$bridge  = current_user_can( WPSB_WRITE_CAP );
	if ( ! $bridge && ! current_user_can( 'edit_post', $post_id ) ) {
		return new WP_Error(
			'rest_forbidden',
			__( 'Sorry, you are not allowed to edit the chain data of this post.', 'wp-steem-bridge' ),
			array( 'status' => rest_authorization_required_code() )
		);
	}
	$post = get_post( $post_id );
	if ( ! $post || ! in_array( $post->post_type, wpsb_bridged_post_types(), true ) ) {
		return new WP_Error( 'rest_post_invalid_id', __( 'Invalid post ID.', 'wp-steem-bridge' ), array( 'status' => 404 ) );
	}
	$input = $request->get_json_params();
	if ( ! $bridge && 'GET' !== $request->get_method() && is_array( $input ) ) {
		$state = array_intersect( array_map( 'strval', array_keys( $input ) ), WPSB_CHAIN_STATE_KEYS );
		if ( $state ) {
			return new WP_Error(
				'rest_forbidden',
				/* translators: %s: comma-separated meta keys */
				sprintf( __( 'Only the bridge may write %s.', 'wp-steem-bridge' ), implode( ', ', $state ) ),
				array( 'status' => 403 )
			);
		}
	}
	return true;
}

function wpsb_get_chain( WP_REST_Request $request ) {
	$post_id = (int) $request['id'];
	return rest_ensure_response( array( 'id' => $post_id, 'meta' => wpsb_read_chain_meta( $post_id ) ) );
}

/**
 * The steem_* keys a bridge write-back sent, each validated by its schema: the clean values, or a
 * 400 naming the first unknown key or bad value. Direct calls carry JSON; sub-requests of
 * /batch/v1 carry their body as body params.
 */
function wpsb_chain_meta_input( WP_REST_Request $request, array $allowed ) {
	$input = $request->get_json_params();
	$input = is_array( $input ) ? $input : $request->get_body_params();
	if ( ! is_array( $input ) || array() === $input || wp_is_numeric_array( $input ) ) {
		return new WP_Error( 'rest_invalid_json', __( 'Send a JSON object of steem_* keys.', 'wp-steem-bridge' ), array( 'status' => 400 ) );
	}
	$clean = array();
	foreach ( $input as $key => $value ) {
		if ( ! in_array( (string) $key, $allowed, true ) ) {
			/* translators: %s: the unknown meta key */
			return new WP_Error( 'rest_invalid_param', sprintf( __( 'Unknown key: %s.', 'wp-steem-bridge' ), sanitize_key( $key ) ), array( 'status' => 400 ) );
		}
		$value = wpsb_clean_value( $key, $value );
		if ( is_wp_error( $value ) ) {
			$value->add_data( array( 'status' => 400 ) );
			return $value;
		}
		$clean[ $key ] = $value;
	}
	return $clean;
}

/**
 * Stores only the given keys with update_post_meta: unlike /wp/v2/posts this leaves post_modified
 * alone, so the worker does not mistake its own write-back for an author's edit.
 */
function wpsb_update_chain( WP_REST_Request $request ) {
	if ( current_user_can( WPSB_WRITE_CAP ) ) {
		$GLOBALS['wpsb_bridge_writing'] = true; // The bridge's own write-back never pokes it.
	}
	$post_id = (int) $request['id'];
	$clean = wpsb_chain_meta_input( $request, array_keys( wpsb_post_meta_schemas() ) );
	if ( is_wp_error( $clean ) ) {
		return $clean;
	}
	foreach ( $clean as $key => $value ) {
		// update_post_meta() unslashes: slash first so "C:\\dir" is stored as sent.
		update_post_meta( $post_id, $key, is_bool( $value ) ? ( $value ? '1' : '' ) : wp_slash( $value ) );
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
			// Each sub-request of /batch/v1 passes the same permission check and validation.
			'allow_batch' => array( 'v1' => true ),
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
	echo '<span class="wpsb-column-status">' . esc_html( wpsb_status_label( $meta['steem_status'] ) ) . '</span>';
	if ( '' !== $meta['steem_author'] && '' !== $meta['steem_permlink'] ) {
		echo '<br><code>' . esc_html( '@' . $meta['steem_author'] . '/' . $meta['steem_permlink'] ) . '</code>';
	}
	if ( '' !== $meta['steem_error'] ) {
		echo '<br><span class="error">' . esc_html( $meta['steem_error'] ) . '</span>';
	}
}
add_action( 'manage_post_posts_custom_column', 'wpsb_render_column', 10, 2 );
