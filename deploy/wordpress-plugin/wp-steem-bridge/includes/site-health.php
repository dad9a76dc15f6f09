<?php
/**
 * Site Health (Tools > Site Health) tests about the bridge, all from what WordPress already holds:
 *
 * - the heartbeat (heartbeat.php): good while the last tick is recent (WPSB_HEARTBEAT_STALE_MINUTES,
 *   default 15, or the filter `wpsb_heartbeat_stale_seconds`), critical when stale or never;
 * - failed items waiting for a person (the heartbeat's count): recommended when any;
 * - the app account's posting authority, still granted by each linked author (the heartbeat's
 *   grants): recommended when an author's grant is missing;
 * - the webhook reachable: an asynchronous loopback request to the daemon's `/health` next to
 *   WPSB_WEBHOOK_URL; only when a webhook is set up.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_HEALTH_TIMEOUT_SECONDS = 3;

function wpsb_heartbeat_stale_seconds() {
	$minutes = defined( 'WPSB_HEARTBEAT_STALE_MINUTES' ) ? (int) WPSB_HEARTBEAT_STALE_MINUTES : 15;
	return (int) apply_filters( 'wpsb_heartbeat_stale_seconds', max( 1, $minutes ) * MINUTE_IN_SECONDS );
}

/** One Site Health result of ours, in the shape core expects. */
function wpsb_health_result( $test, $status, $label, $description, $actions = '' ) {
	return array(
		'label'       => $label,
		'status'      => $status,
		'badge'       => array(
			'label' => __( 'Steem bridge', 'wp-steem-bridge' ),
			'color' => 'good' === $status ? 'blue' : ( 'critical' === $status ? 'red' : 'orange' ),
		),
		'description' => $description,
		'actions'     => $actions,
		'test'        => $test,
	);
}

/** "<p>text</p>" for each text, escaped. */
function wpsb_paragraphs( array $texts ) {
	$html = '';
	foreach ( $texts as $text ) {
		$html .= '<p>' . esc_html( $text ) . '</p>';
	}
	return $html;
}

/** "<ul><li>..." of escaped items, or "" when there are none. */
function wpsb_html_list( array $items ) {
	return $items ? '<ul><li>' . implode( '</li><li>', array_map( 'esc_html', $items ) ) . '</li></ul>' : '';
}

function wpsb_test_heartbeat() {
	$heartbeat = wpsb_last_heartbeat();
	$next_step = __( 'Posts do not reach the chain while the bridge is stopped. Check that its daemon runs (wp-steem-bridge run, or its systemd service and log), then run wp-steem-bridge check to see what it cannot reach.', 'wp-steem-bridge' );
	if ( null === $heartbeat ) {
		return wpsb_health_result(
			'wpsb_heartbeat',
			'critical',
			__( 'The Steem bridge has never reported to this site', 'wp-steem-bridge' ),
			wpsb_paragraphs( array( __( 'WordPress has not received a heartbeat from the bridge yet.', 'wp-steem-bridge' ), $next_step ) )
		);
	}
	$tick    = strtotime( $heartbeat['last_tick'] );
	$ago     = human_time_diff( $tick, time() );
	$details = array(
		sprintf(
			/* translators: 1: UTC time, 2: e.g. "5 mins", 3: bridge version */
			__( 'Last tick: %1$s UTC (%2$s ago), bridge version %3$s.', 'wp-steem-bridge' ),
			gmdate( 'Y-m-d H:i:s', $tick ),
			$ago,
			'' === $heartbeat['version'] ? '?' : $heartbeat['version']
		),
	);
	if ( '' !== $heartbeat['summary'] ) {
		$details[] = $heartbeat['summary'];
	}
	$problems = (array) $heartbeat['problems'];
	$listed   = $problems ? wpsb_paragraphs( array( __( 'The bridge reports:', 'wp-steem-bridge' ) ) ) . wpsb_html_list( $problems ) : '';
	if ( time() - $tick > wpsb_heartbeat_stale_seconds() ) {
		return wpsb_health_result(
			'wpsb_heartbeat',
			'critical',
			/* translators: %s: e.g. "2 hours" */
			sprintf( __( 'The Steem bridge last reported %s ago', 'wp-steem-bridge' ), $ago ),
			wpsb_paragraphs( array_merge( $details, array( $next_step ) ) ) . $listed
		);
	}
	return wpsb_health_result(
		'wpsb_heartbeat',
		'good',
		__( 'The Steem bridge is running', 'wp-steem-bridge' ),
		wpsb_paragraphs( $details ) . $listed
	);
}

function wpsb_test_failed_items() {
	$heartbeat = wpsb_last_heartbeat();
	$failed    = $heartbeat ? (int) $heartbeat['failed'] : 0;
	if ( 0 === $failed ) {
		return wpsb_health_result(
			'wpsb_failed_items',
			'good',
			__( 'No chain items wait for a person', 'wp-steem-bridge' ),
			wpsb_paragraphs( array( __( 'The bridge reports no failed items.', 'wp-steem-bridge' ) ) )
		);
	}
	return wpsb_health_result(
		'wpsb_failed_items',
		'recommended',
		/* translators: %d: number of failed items */
		sprintf( _n( '%d chain item failed and waits for a person', '%d chain items failed and wait for a person', $failed, 'wp-steem-bridge' ), $failed ),
		wpsb_paragraphs(
			array(
				__( 'The bridge does not try these again by itself: the chain refused them for a reason that needs a change first.', 'wp-steem-bridge' ),
				__( 'Run wp-steem-bridge status, fix the cause, then wp-steem-bridge retry --failed. Or open Posts, filter by the chain status "Failed", and use Retry on each post.', 'wp-steem-bridge' ),
			)
		),
		sprintf(
			'<p><a href="%s">%s</a></p>',
			esc_url( admin_url( 'edit.php?wpsb_status=failed' ) ),
			esc_html__( 'Show the failed posts', 'wp-steem-bridge' )
		)
	);
}

/** "@bob (Bob Smith)" for each chain account whose grant the bridge reports missing. */
function wpsb_missing_grants( array $grants ) {
	$missing = array();
	foreach ( $grants as $account => $granted ) {
		if ( $granted ) {
			continue;
		}
		$holder    = wpsb_account_holder( (string) $account, 0 );
		$user      = $holder ? get_userdata( $holder ) : null;
		$missing[] = '@' . $account . ( $user ? ' (' . $user->display_name . ')' : '' );
	}
	return $missing;
}

function wpsb_test_author_grants() {
	$heartbeat = wpsb_last_heartbeat();
	$missing   = wpsb_missing_grants( $heartbeat ? (array) $heartbeat['grants'] : array() );
	if ( ! $missing ) {
		return wpsb_health_result(
			'wpsb_author_grants',
			'good',
			__( 'Every linked author grants the bridge posting authority', 'wp-steem-bridge' ),
			wpsb_paragraphs( array( __( 'The bridge reports that the app account may still post for every linked author.', 'wp-steem-bridge' ) ) )
		);
	}
	return wpsb_health_result(
		'wpsb_author_grants',
		'recommended',
		/* translators: %d: number of authors */
		sprintf( _n( '%d author no longer grants the bridge posting authority', '%d authors no longer grant the bridge posting authority', count( $missing ), 'wp-steem-bridge' ), count( $missing ) ),
		wpsb_paragraphs( array( __( 'The app account can no longer post for these chain accounts, so their new posts fail:', 'wp-steem-bridge' ) ) )
		. wpsb_html_list( $missing )
		. wpsb_paragraphs( array( __( 'Ask each of them to grant the app account posting authority again (in their Steem wallet, under permissions), then run wp-steem-bridge check and retry their failed posts.', 'wp-steem-bridge' ) ) )
	);
}

/** The daemon's /health next to the configured webhook URL: ".../poke" -> ".../health". */
function wpsb_webhook_health_url() {
	$parts = wp_parse_url( (string) WPSB_WEBHOOK_URL );
	$base  = ( $parts['scheme'] ?? 'http' ) . '://' . ( $parts['host'] ?? '' ) . ( isset( $parts['port'] ) ? ':' . $parts['port'] : '' );
	$path  = rtrim( $parts['path'] ?? '', '/' );
	$dir   = substr( $path, 0, (int) strrpos( $path, '/' ) );
	return (string) apply_filters( 'wpsb_webhook_health_url', $base . $dir . '/health' );
}

function wpsb_test_webhook() {
	$url      = wpsb_webhook_health_url();
	$response = wp_remote_get( $url, array( 'timeout' => WPSB_HEALTH_TIMEOUT_SECONDS, 'user-agent' => 'wp-steem-bridge' ) );
	$code     = is_wp_error( $response ) ? 0 : (int) wp_remote_retrieve_response_code( $response );
	if ( 200 === $code ) {
		return wpsb_health_result(
			'wpsb_webhook',
			'good',
			__( 'The bridge\'s webhook answers', 'wp-steem-bridge' ),
			/* translators: %s: URL */
			wpsb_paragraphs( array( sprintf( __( 'WordPress reached %s, so publishing a post wakes the bridge at once.', 'wp-steem-bridge' ), $url ) ) )
		);
	}
	$why = is_wp_error( $response ) ? $response->get_error_message() : sprintf( 'HTTP %d', $code );
	return wpsb_health_result(
		'wpsb_webhook',
		'recommended',
		__( 'WordPress cannot reach the bridge\'s webhook', 'wp-steem-bridge' ),
		wpsb_paragraphs(
			array(
				/* translators: 1: URL, 2: error */
				sprintf( __( 'A request to %1$s failed: %2$s.', 'wp-steem-bridge' ), $url, $why ),
				__( 'Posts still reach the chain, but only at the bridge\'s next interval. Check that the daemon listens there (wp-steem-bridge run --webhook HOST:PORT) and that WPSB_WEBHOOK_URL in wp-config.php names it.', 'wp-steem-bridge' ),
			)
		)
	);
}

function wpsb_site_status_tests( $tests ) {
	$tests['direct']['wpsb_heartbeat'] = array(
		'label' => __( 'The Steem bridge reports in', 'wp-steem-bridge' ),
		'test'  => 'wpsb_test_heartbeat',
	);
	if ( null !== wpsb_last_heartbeat() ) {
		$tests['direct']['wpsb_failed_items']  = array(
			'label' => __( 'Failed chain items', 'wp-steem-bridge' ),
			'test'  => 'wpsb_test_failed_items',
		);
		$tests['direct']['wpsb_author_grants'] = array(
			'label' => __( 'Authors\' posting authority for the bridge', 'wp-steem-bridge' ),
			'test'  => 'wpsb_test_author_grants',
		);
	}
	if ( wpsb_webhook_configured() ) {
		$tests['async']['wpsb_webhook'] = array(
			'label'             => __( 'The bridge\'s webhook', 'wp-steem-bridge' ),
			'test'              => rest_url( WPSB_REST_NAMESPACE . '/site-health/webhook' ),
			'has_rest'          => true,
			'async_direct_test' => 'wpsb_test_webhook',
		);
	}
	return $tests;
}
add_filter( 'site_status_tests', 'wpsb_site_status_tests' );

function wpsb_register_health_routes() {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/site-health/webhook',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => function () {
				if ( ! wpsb_webhook_configured() ) {
					return new WP_Error( 'wpsb_no_webhook', __( 'No webhook is set up (WPSB_WEBHOOK_URL in wp-config.php).', 'wp-steem-bridge' ), array( 'status' => 404 ) );
				}
				return rest_ensure_response( wpsb_test_webhook() );
			},
			'permission_callback' => function () {
				return current_user_can( 'view_site_health_checks' );
			},
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_health_routes' );
