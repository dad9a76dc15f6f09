<?php
/**
 * What the worker's XML-RPC connector (`[wordpress] api = "xmlrpc"`) needs that core XML-RPC
 * lacks, for sites whose REST API is disabled or cut down (security plugins; mini-program
 * plugins that remove /wp/v2/users and /wp/v2/comments).
 *
 * XML-RPC method `wpsb.rest(blog_id, username, password, requests)`: runs up to
 * WPSB_XMLRPC_MAX_REQUESTS requests against this plugin's own REST routes (namespace
 * wp-steem-bridge/v1 only, never core's) inside WordPress with rest_do_request(), as the signed-in
 * user, and answers one `{status, body}` per request (body JSON-encoded: XML-RPC has no null).
 * Each request is `{method: GET|POST, path: "/wp-steem-bridge/v1/...", query: {...}, body: "<JSON>"}`.
 * Permission callbacks run as over HTTP, so the same capabilities apply; chain meta written this
 * way leaves the post's modified date alone (wp.editPost would change it).
 *
 * Two read routes the connector reaches through it (also usable over HTTP):
 *   GET wp-steem-bridge/v1/accounts[?include=1,2]  -> [{id, steem_account}] for those users (or
 *       every user linked to an account); needs wpsb_write_chain_data or list_users.
 *   GET wp-steem-bridge/v1/posts/rendered?include=1,2  -> [{id, title, content, excerpt}], each
 *       rendered as /wp/v2/posts renders it in context=edit; needs edit_post on each post.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_XMLRPC_MAX_REQUESTS = 50;

function wpsb_xmlrpc_methods( $methods ) {
	$methods['wpsb.rest'] = 'wpsb_xmlrpc_rest';
	return $methods;
}
add_filter( 'xmlrpc_methods', 'wpsb_xmlrpc_methods' );

/** One answer per request; a request outside our namespace is refused on its own (403). */
function wpsb_xmlrpc_rest( $args ) {
	global $wp_xmlrpc_server;
	if ( ! is_array( $args ) || count( $args ) < 4 || ! is_array( $args[3] ) ) {
		return new IXR_Error( 400, 'wpsb.rest takes blog_id, username, password and a list of requests.' );
	}
	$user = $wp_xmlrpc_server->login( (string) $args[1], (string) $args[2] );
	if ( ! $user ) {
		return $wp_xmlrpc_server->error;
	}
	if ( count( $args[3] ) > WPSB_XMLRPC_MAX_REQUESTS ) {
		return new IXR_Error( 400, sprintf( 'At most %d requests per call.', WPSB_XMLRPC_MAX_REQUESTS ) );
	}
	$answers = array();
	foreach ( $args[3] as $item ) {
		$answers[] = wpsb_xmlrpc_one_request( $item );
	}
	return $answers;
}

function wpsb_xmlrpc_one_request( $item ) {
	$method = is_array( $item ) && isset( $item['method'] ) ? strtoupper( (string) $item['method'] ) : '';
	$path   = is_array( $item ) && isset( $item['path'] ) ? (string) $item['path'] : '';
	if ( ! in_array( $method, array( 'GET', 'POST' ), true ) || ! preg_match( '#^/' . preg_quote( WPSB_REST_NAMESPACE, '#' ) . '/[a-z0-9/_-]+$#', $path ) ) {
		return wpsb_xmlrpc_answer( 403, array( 'code' => 'wpsb_not_allowed', 'message' => 'Only GET or POST to wp-steem-bridge/v1 routes.' ) );
	}
	$request = new WP_REST_Request( $method, $path );
	if ( isset( $item['query'] ) && is_array( $item['query'] ) ) {
		$request->set_query_params( $item['query'] );
	}
	if ( isset( $item['body'] ) && '' !== (string) $item['body'] ) {
		$request->set_header( 'Content-Type', 'application/json' );
		$request->set_body( (string) $item['body'] );
	}
	$response = rest_do_request( $request );
	return wpsb_xmlrpc_answer( $response->get_status(), rest_get_server()->response_to_data( $response, false ) );
}

function wpsb_xmlrpc_answer( $status, $data ) {
	return array(
		'status' => (int) $status,
		'body'   => wp_json_encode( $data ),
	);
}

function wpsb_ids_param( WP_REST_Request $request ) {
	return array_values( array_filter( array_map( 'intval', wp_parse_list( (string) $request['include'] ) ) ) );
}

function wpsb_can_read_accounts() {
	return current_user_can( WPSB_WRITE_CAP ) || current_user_can( 'list_users' );
}

function wpsb_get_accounts( WP_REST_Request $request ) {
	$query = array( 'fields' => array( 'ID' ), 'orderby' => 'ID' );
	$ids   = wpsb_ids_param( $request );
	if ( $ids ) {
		$query['include'] = $ids;
	} else {
		$query['meta_query'] = array( // phpcs:ignore WordPress.DB.SlowDBQuery
			array( 'key' => 'steem_account', 'value' => '', 'compare' => '!=' ),
		);
	}
	$found = array();
	foreach ( get_users( $query ) as $user ) {
		$found[] = array(
			'id'            => (int) $user->ID,
			'steem_account' => (string) get_user_meta( (int) $user->ID, 'steem_account', true ),
		);
	}
	return rest_ensure_response( $found );
}

/** Title, content and excerpt exactly as WP_REST_Posts_Controller renders them for an editor. */
function wpsb_render_post( WP_Post $post ) {
	$plain_title = function () {
		return '%s';
	};
	$GLOBALS['post'] = $post; // phpcs:ignore WordPress.WP.GlobalVariablesOverride
	setup_postdata( $post );
	add_filter( 'protected_title_format', $plain_title );
	add_filter( 'private_title_format', $plain_title );
	add_filter( 'post_password_required', '__return_false' );
	$rendered = array(
		'id'      => (int) $post->ID,
		'title'   => get_the_title( $post->ID ),
		'content' => apply_filters( 'the_content', $post->post_content ),
		'excerpt' => apply_filters( 'the_excerpt', apply_filters( 'get_the_excerpt', $post->post_excerpt, $post ) ),
	);
	remove_filter( 'post_password_required', '__return_false' );
	remove_filter( 'private_title_format', $plain_title );
	remove_filter( 'protected_title_format', $plain_title );
	wp_reset_postdata();
	return $rendered;
}

function wpsb_get_rendered( WP_REST_Request $request ) {
	$rendered = array();
	foreach ( wpsb_ids_param( $request ) as $post_id ) {
		$post = get_post( $post_id );
		if ( $post && current_user_can( 'edit_post', $post_id ) ) {
			$rendered[] = wpsb_render_post( $post );
		}
	}
	return rest_ensure_response( $rendered );
}

function wpsb_register_xmlrpc_routes() {
	$include = array( 'include' => array( 'type' => 'string', 'default' => '' ) );
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/accounts',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_get_accounts',
			'permission_callback' => 'wpsb_can_read_accounts',
			'args'                => $include,
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/posts/rendered',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_get_rendered',
			'permission_callback' => function () {
				return current_user_can( 'edit_posts' );
			},
			'args'                => $include,
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_xmlrpc_routes' );
