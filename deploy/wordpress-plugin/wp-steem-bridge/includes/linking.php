<?php
/**
 * Members link their own Steem account, with proof that needs no key on the server.
 *
 * A member (any logged-in WordPress user: site members and mini-program users, whose login is
 * their openid, alike; a 丸子 mini-program may also send its own `access_token`) asks to link an account and gets a one-time challenge; then either grants
 * the site's app account posting authority on chain (Keychain or any wallet) or signs the
 * challenge with the account's posting key (a grant made before the request proves nothing about
 * who asks, so it is not taken as proof). The bridge checks the chain, never this plugin, and
 * records its verdict; only a "linked" verdict sets `steem_account`. The bridge keeps watching
 * linked members' grants: a grant revoked on chain unlinks the member.
 *
 * Stored as user meta `wpsb_link` (account, state pending|linked|refused|unlinked, challenge,
 * expires, signature, reason, grant, updated) and `wpsb_link_state` (for the bridge's query).
 * The option `wpsb_link_seq` moves on every change; the change feed reports it as `links`, so
 * the bridge reads the link feed only when something changed.
 *
 * Routes (namespace wp-steem-bridge/v1):
 *   GET    /link                 the current user's link (logged in)
 *   POST   /link {account}       ask to link: pending + challenge (logged in)
 *   POST   /link/signature {signature}   the challenge signed (hex compact signature)
 *   DELETE /link                 the member unlinks
 *   GET    /links                open requests and linked members (the bridge only)
 *   POST   /links/verdicts {verdicts: [{user_id, account, verdict, reason, grant}]} (the bridge;
 *          verdict linked|refused|unlinked, or pending with what the member still has to do)
 * The profile page shows the link and whether the grant is in force (as the bridge last saw
 * it; no chain call from PHP) and takes an account or a signature through the profile's own form.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_LINK_META      = 'wpsb_link';
const WPSB_LINK_STATE     = 'wpsb_link_state';
const WPSB_LINK_SEQ       = 'wpsb_link_seq';
const WPSB_LINK_TTL       = 3600; // seconds a challenge stays valid.
const WPSB_LINK_SIGNATURE = '/^(0x)?[0-9a-fA-F]{130}$/';

function wpsb_link_seq() {
	return (int) get_option( WPSB_LINK_SEQ, 0 );
}

function wpsb_link_bump() {
	update_option( WPSB_LINK_SEQ, wpsb_link_seq() + 1, false );
}

/** The user's link record (empty array when none). */
function wpsb_link_get( $user_id ) {
	$link = get_user_meta( (int) $user_id, WPSB_LINK_META, true );
	return is_array( $link ) ? $link : array();
}

function wpsb_link_put( $user_id, array $link ) {
	$link['updated'] = time();
	update_user_meta( (int) $user_id, WPSB_LINK_META, $link );
	update_user_meta( (int) $user_id, WPSB_LINK_STATE, (string) $link['state'] );
	wpsb_link_bump();
}

/** What the member (or the bridge) is shown of a link. */
function wpsb_link_view( $user_id ) {
	$link = wpsb_link_get( $user_id );
	return array(
		'user_id'       => (int) $user_id,
		'steem_account' => (string) get_user_meta( (int) $user_id, 'steem_account', true ),
		'account'       => isset( $link['account'] ) ? (string) $link['account'] : '',
		'state'         => isset( $link['state'] ) ? (string) $link['state'] : 'unlinked',
		'challenge'     => isset( $link['challenge'] ) ? (string) $link['challenge'] : '',
		'expires'       => isset( $link['expires'] ) ? (int) $link['expires'] : 0,
		'reason'        => isset( $link['reason'] ) ? (string) $link['reason'] : '',
		'grant'         => ! empty( $link['grant'] ),
	);
}

/** Starts a link: a pending request with a fresh challenge; WP_Error when the account is wrong. */
function wpsb_link_request( $user_id, $account ) {
	$account = wpsb_sanitize_account( $account );
	if ( ! preg_match( '/' . WPSB_ACCOUNT_PATTERN . '/', $account ) ) {
		return new WP_Error( 'wpsb_bad_account', __( 'That is not a valid Steem account name.', 'wp-steem-bridge' ), array( 'status' => 400 ) );
	}
	if ( wpsb_account_holder( $account, $user_id ) ) {
		return new WP_Error(
			'wpsb_account_taken',
			/* translators: %s: chain account name */
			sprintf( __( 'The Steem account %s is already linked to another WordPress user; unlink it there first.', 'wp-steem-bridge' ), $account ),
			array( 'status' => 400 )
		);
	}
	$expires = time() + WPSB_LINK_TTL;
	$host    = wp_parse_url( home_url(), PHP_URL_HOST );
	wpsb_link_put(
		$user_id,
		array(
			'account'   => $account,
			'state'     => 'pending',
			'challenge' => sprintf( 'wp-steem-bridge link %s user %d to @%s nonce %s until %s', $host, (int) $user_id, $account, bin2hex( random_bytes( 16 ) ), gmdate( 'Y-m-d\TH:i:s\Z', $expires ) ),
			'expires'   => $expires,
			'signature' => '',
			'reason'    => '',
			'grant'     => false,
		)
	);
	return wpsb_link_view( $user_id );
}

/** Stores the signed challenge for the bridge to verify. */
function wpsb_link_sign( $user_id, $signature ) {
	$link      = wpsb_link_get( $user_id );
	$signature = trim( (string) $signature );
	if ( ! $link || 'pending' !== $link['state'] ) {
		return new WP_Error( 'wpsb_no_link_request', __( 'There is no link request waiting for a signature; ask to link an account first.', 'wp-steem-bridge' ), array( 'status' => 400 ) );
	}
	if ( (int) $link['expires'] < time() ) {
		return new WP_Error( 'wpsb_challenge_expired', __( 'The challenge has expired; ask to link the account again.', 'wp-steem-bridge' ), array( 'status' => 400 ) );
	}
	if ( ! preg_match( WPSB_LINK_SIGNATURE, $signature ) ) {
		return new WP_Error( 'wpsb_bad_signature', __( 'The signature must be the 130 hex digits a wallet answers when it signs the challenge.', 'wp-steem-bridge' ), array( 'status' => 400 ) );
	}
	$link['signature'] = strtolower( $signature );
	wpsb_link_put( $user_id, $link );
	return wpsb_link_view( $user_id );
}

function wpsb_link_unlink_self( $user_id ) {
	$link = wpsb_link_get( $user_id );
	delete_user_meta( (int) $user_id, 'steem_account' );
	wpsb_link_put(
		$user_id,
		array(
			'account' => isset( $link['account'] ) ? $link['account'] : '',
			'state'   => 'unlinked',
			'reason'  => __( 'Unlinked by the member.', 'wp-steem-bridge' ),
			'grant'   => false,
		)
	);
	return wpsb_link_view( $user_id );
}

/** One verdict of the bridge; verdicts about an account the member no longer asks for are ignored. */
function wpsb_link_apply_verdict( array $verdict ) {
	$user_id = isset( $verdict['user_id'] ) ? (int) $verdict['user_id'] : 0;
	$link    = wpsb_link_get( $user_id );
	$account = isset( $verdict['account'] ) ? wpsb_sanitize_account( $verdict['account'] ) : '';
	if ( ! $link || ! get_userdata( $user_id ) || $link['account'] !== $account ) {
		return 'ignored';
	}
	$reason = isset( $verdict['reason'] ) ? sanitize_text_field( (string) $verdict['reason'] ) : '';
	$kind   = isset( $verdict['verdict'] ) ? (string) $verdict['verdict'] : '';
	if ( 'pending' === $kind ) { // Still waiting: what the member has to do next.
		if ( 'pending' !== $link['state'] ) {
			return 'ignored';
		}
		$link['reason'] = $reason;
		wpsb_link_put( $user_id, $link );
		return 'pending';
	}
	if ( 'linked' === $kind ) {
		if ( wpsb_account_holder( $account, $user_id ) ) {
			$kind = 'refused';
			/* translators: %s: chain account name */
			$reason = sprintf( __( 'The Steem account %s is already linked to another WordPress user; unlink it there first.', 'wp-steem-bridge' ), $account );
		} else {
			update_user_meta( $user_id, 'steem_account', $account );
			$link['grant'] = ! empty( $verdict['grant'] );
		}
	}
	if ( 'unlinked' === $kind && get_user_meta( $user_id, 'steem_account', true ) === $account ) {
		delete_user_meta( $user_id, 'steem_account' );
	}
	if ( ! in_array( $kind, array( 'linked', 'refused', 'unlinked' ), true ) ) {
		return 'ignored';
	}
	$link['state']     = $kind;
	$link['reason']    = $reason;
	$link['signature'] = '';
	if ( 'linked' !== $kind ) {
		$link['grant']     = false;
		$link['challenge'] = '';
	}
	wpsb_link_put( $user_id, $link );
	return $kind;
}

// -- REST ---------------------------------------------------------------------------------------

/**
 * The member a link route acts for: the logged-in user (cookie + nonce, Application Password),
 * or a 丸子 (Mini Program API) mini-program user by the `access_token` that plugin hands out at
 * login (base64 of the session key it stores; checked by its own MP_Auth::login, as its routes
 * do). 0 when neither. 微慕's free routes trust a bare openid, so no openid is accepted here.
 */
function wpsb_link_member( WP_REST_Request $request ) {
	if ( is_user_logged_in() ) {
		return get_current_user_id();
	}
	$token = (string) $request->get_param( 'access_token' );
	if ( '' === $token || ! class_exists( 'MP_Auth' ) || ! method_exists( 'MP_Auth', 'login' ) ) {
		return 0;
	}
	$user = MP_Auth::login( base64_decode( $token, true ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions
	return $user instanceof WP_User ? (int) $user->ID : 0;
}

function wpsb_link_logged_in( WP_REST_Request $request ) {
	if ( ! wpsb_link_member( $request ) ) {
		return new WP_Error( 'rest_forbidden', __( 'Log in to link a Steem account.', 'wp-steem-bridge' ), array( 'status' => rest_authorization_required_code() ) );
	}
	return true;
}

function wpsb_link_bridge_only() {
	if ( ! current_user_can( WPSB_WRITE_CAP ) ) {
		return new WP_Error( 'rest_forbidden', __( 'Only the bridge may read or decide link requests.', 'wp-steem-bridge' ), array( 'status' => rest_authorization_required_code() ) );
	}
	return true;
}

function wpsb_rest_link_feed() {
	$ids      = get_users(
		array(
			'meta_key'     => WPSB_LINK_STATE, // phpcs:ignore WordPress.DB.SlowDBQuery
			'meta_value'   => array( 'pending', 'linked' ), // phpcs:ignore WordPress.DB.SlowDBQuery
			'meta_compare' => 'IN',
			'fields'       => 'ID',
			'orderby'      => 'ID',
		)
	);
	$requests = array();
	foreach ( $ids as $id ) {
		$link       = wpsb_link_get( $id );
		$requests[] = array(
			'user_id'   => (int) $id,
			'account'   => (string) $link['account'],
			'state'     => (string) $link['state'],
			'challenge' => isset( $link['challenge'] ) ? (string) $link['challenge'] : '',
			'signature' => isset( $link['signature'] ) ? (string) $link['signature'] : '',
			'expires'   => isset( $link['expires'] ) ? (int) $link['expires'] : 0,
			'grant'     => ! empty( $link['grant'] ),
		);
	}
	return rest_ensure_response( array( 'seq' => wpsb_link_seq(), 'requests' => $requests ) );
}

function wpsb_rest_link_verdicts( WP_REST_Request $request ) {
	$results = array();
	foreach ( (array) $request['verdicts'] as $verdict ) {
		$results[] = is_array( $verdict ) ? wpsb_link_apply_verdict( $verdict ) : 'ignored';
	}
	return rest_ensure_response( array( 'results' => $results ) );
}

function wpsb_register_link_routes() {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/link',
		array(
			array(
				'methods'             => WP_REST_Server::READABLE,
				'callback'            => function ( WP_REST_Request $request ) {
					return rest_ensure_response( wpsb_link_view( wpsb_link_member( $request ) ) );
				},
				'permission_callback' => 'wpsb_link_logged_in',
			),
			array(
				'methods'             => WP_REST_Server::CREATABLE,
				'callback'            => function ( WP_REST_Request $request ) {
					return rest_ensure_response( wpsb_link_request( wpsb_link_member( $request ), $request['account'] ) );
				},
				'permission_callback' => 'wpsb_link_logged_in',
				'args'                => array( 'account' => array( 'type' => 'string', 'required' => true, 'maxLength' => 16 ) ),
			),
			array(
				'methods'             => WP_REST_Server::DELETABLE,
				'callback'            => function ( WP_REST_Request $request ) {
					return rest_ensure_response( wpsb_link_unlink_self( wpsb_link_member( $request ) ) );
				},
				'permission_callback' => 'wpsb_link_logged_in',
			),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/link/signature',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => function ( WP_REST_Request $request ) {
				return rest_ensure_response( wpsb_link_sign( wpsb_link_member( $request ), $request['signature'] ) );
			},
			'permission_callback' => 'wpsb_link_logged_in',
			'args'                => array( 'signature' => array( 'type' => 'string', 'required' => true, 'maxLength' => 132 ) ),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/links',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_rest_link_feed',
			'permission_callback' => 'wpsb_link_bridge_only',
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/links/verdicts',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_rest_link_verdicts',
			'permission_callback' => 'wpsb_link_bridge_only',
			'args'                => array( 'verdicts' => array( 'type' => 'array', 'required' => true, 'maxItems' => 500 ) ),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_link_routes' );

// -- profile ------------------------------------------------------------------------------------

/** The link on the profile page: state, account, whether the grant is in force, the challenge. */
function wpsb_profile_link( $user ) {
	$view = wpsb_link_view( $user->ID );
	$own  = get_current_user_id() === (int) $user->ID;
	$says = array(
		'pending'  => __( 'Waiting for proof: grant the site posting authority on chain, or sign the challenge below.', 'wp-steem-bridge' ),
		'linked'   => __( 'Linked', 'wp-steem-bridge' ),
		'refused'  => __( 'Refused', 'wp-steem-bridge' ),
		'unlinked' => __( 'Not linked', 'wp-steem-bridge' ),
	);
	$state = isset( $says[ $view['state'] ] ) ? $view['state'] : 'unlinked';
	echo '<h2>' . esc_html__( 'Steem account', 'wp-steem-bridge' ) . '</h2>';
	echo '<table class="form-table" role="presentation" id="wpsb-link">';
	echo '<tr><th>' . esc_html__( 'Link', 'wp-steem-bridge' ) . '</th><td><span class="wpsb-link-state" data-state="' . esc_attr( $state ) . '">' . esc_html( $says[ $state ] ) . '</span>';
	if ( '' !== $view['account'] ) {
		echo ' <code class="wpsb-link-account">@' . esc_html( $view['account'] ) . '</code>';
	}
	if ( '' !== $view['reason'] ) {
		echo '<p class="description wpsb-link-reason">' . esc_html( $view['reason'] ) . '</p>';
	}
	echo '</td></tr>';
	if ( 'linked' === $state ) {
		echo '<tr><th>' . esc_html__( 'Posting authority for the site', 'wp-steem-bridge' ) . '</th><td class="wpsb-link-grant" data-grant="' . ( $view['grant'] ? 'yes' : 'no' ) . '">'
			. esc_html( $view['grant'] ? __( 'Granted (in force on chain)', 'wp-steem-bridge' ) : __( 'Not granted: the site cannot publish for this account until it is granted', 'wp-steem-bridge' ) ) . '</td></tr>';
	}
	if ( 'pending' === $state && $own ) {
		echo '<tr><th>' . esc_html__( 'Challenge to sign', 'wp-steem-bridge' ) . '</th><td><code class="wpsb-link-challenge">' . esc_html( $view['challenge'] ) . '</code></td></tr>';
		echo '<tr><th><label for="wpsb_link_signature">' . esc_html__( 'Signature', 'wp-steem-bridge' ) . '</label></th><td><input type="text" class="regular-text" name="wpsb_link_signature" id="wpsb_link_signature" value="" autocomplete="off" /></td></tr>';
	}
	if ( $own ) {
		echo '<tr><th><label for="wpsb_link_account">' . esc_html__( 'Link a Steem account', 'wp-steem-bridge' ) . '</label></th><td><input type="text" class="regular-text" name="wpsb_link_account" id="wpsb_link_account" value="" maxlength="16" autocomplete="off" /></td></tr>';
	}
	echo '</table>';
}
add_action( 'show_user_profile', 'wpsb_profile_link', 5 );
add_action( 'edit_user_profile', 'wpsb_profile_link', 5 );

/** The profile form (its own nonce was checked by profile.php): a new account or a signature. */
function wpsb_profile_link_save( $user_id ) {
	if ( get_current_user_id() !== (int) $user_id ) {
		return;
	}
	// phpcs:disable WordPress.Security.NonceVerification.Missing -- checked by profile.php (update-user_).
	$account   = isset( $_POST['wpsb_link_account'] ) ? sanitize_text_field( wp_unslash( $_POST['wpsb_link_account'] ) ) : '';
	$signature = isset( $_POST['wpsb_link_signature'] ) ? sanitize_text_field( wp_unslash( $_POST['wpsb_link_signature'] ) ) : '';
	// phpcs:enable
	if ( '' !== $account ) {
		wpsb_link_request( $user_id, $account );
	} elseif ( '' !== $signature ) {
		wpsb_link_sign( $user_id, $signature );
	}
}
add_action( 'personal_options_update', 'wpsb_profile_link_save' );
