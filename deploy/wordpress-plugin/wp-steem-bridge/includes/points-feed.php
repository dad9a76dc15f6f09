<?php
/**
 * The points feed: one append-only cursor over every points ledger on the site, for the bridge's
 * points -> tokens payouts (`[points]` in the worker; nothing here reaches the chain).
 *
 * Ledgers read:
 *   myCRED     -- `{prefix}myCRED_log` (mycred_get_log_table): captured by the filter
 *                 `mycred_new_log_entry_id` (the row id and the row, mycred-functions.php
 *                 add_to_log) and swept by id; admin deletes by `mycred_deleted_log_entry`.
 *                 (myCRED's auto-delete cron removes old rows silently: that is not a reversal,
 *                 so myCRED rows are never "deleted" by the sweep.)
 *   GamiPress  -- `{prefix}gamipress_logs` rows of type points_earn/points_award (earned) and
 *                 points_deduct/points_revoke/points_expend (negative), amount and points type
 *                 from `gamipress_logs_meta` (_gamipress_points, _gamipress_points_type); the
 *                 reason is the trigger of the achievement/points award that paid them
 *                 (`_gamipress_trigger_type`), else the log type. Captured by the action
 *                 `gamipress_insert_log` and swept by id; a row gone from the table is a delete.
 *   custom     -- a mini-program's own ledger table (the 微慕 Pro / 丸子 Pro / 追格 score-mall
 *                 pattern), named by the option or filter `wpsb_points_custom_ledger`:
 *                 array( 'table' => 'zhuige_scoremall_score_bills' (without prefix), 'id' => 'id',
 *                 'user_id' => 'user_id', 'points' => 'score', 'ref' => 'action',
 *                 'time' => 'time', 'time_format' => 'unix'|'local'|'utc', 'ctype' => '' (a
 *                 column), 'points_type' => 'score' (the type its rows carry when no column) ).
 *                 Swept by id; a row gone from the table is a delete (those plugins have no hooks).
 *
 * Table `{prefix}wpsb_points_feed` (seq = the cursor): one `add` and at most one `delete` row per
 * ledger entry (`entry_id` = `mycred:<id>`, `gamipress:<id>`, `custom:<id>`; a unique key makes
 * every capture idempotent). The sweep re-reads a trailing window of ids, so a ledger row committed
 * out of id order is still caught. Reading never answers past a gap in `seq` that may still fill
 * (the change feed's rule, change-feed.php).
 *
 * Routes (the bridge's user only, WPSB_WRITE_CAP):
 *   GET  wp-steem-bridge/v1/points/feed?after=<seq>&limit=N
 *        -> {"events": [{seq, entry_id, event, user_id, points, ctype, ref, happened (UTC),
 *           account (the member's steem_account now)}], "last": <seq>}
 *   POST wp-steem-bridge/v1/points/balances {"balances": [{user_id, account, symbol, balance}]}
 *        -> user meta `wpsb_token_balances` ({symbol: balance}), shown on the profile with the
 *           member's points.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_POINTS_DB_VERSION   = 1;
const WPSB_POINTS_DB_OPTION    = 'wpsb_points_db_version';
const WPSB_POINTS_SWEPT_OPTION = 'wpsb_points_swept';
const WPSB_POINTS_WINDOW       = 200;
const WPSB_POINTS_SWEEP_LIMIT  = 2000;
const WPSB_POINTS_GAP_TIMEOUT  = 30;
const WPSB_POINTS_MAX_LIMIT    = 1000;
const WPSB_POINTS_BALANCES     = 'wpsb_token_balances';
const WPSB_POINTS_BRIDGE_REF   = 'steem_vote';

function wpsb_points_table() {
	global $wpdb;
	return $wpdb->prefix . 'wpsb_points_feed';
}

function wpsb_points_install() {
	global $wpdb;
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	$table   = wpsb_points_table();
	$charset = $wpdb->get_charset_collate();
	dbDelta(
		"CREATE TABLE $table (
  seq bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  source varchar(16) NOT NULL,
  row_id bigint(20) unsigned NOT NULL,
  event varchar(8) NOT NULL,
  user_id bigint(20) unsigned NOT NULL,
  points varchar(40) NOT NULL,
  ctype varchar(64) NOT NULL DEFAULT '',
  ref varchar(191) NOT NULL DEFAULT '',
  happened datetime NOT NULL,
  created datetime NOT NULL,
  PRIMARY KEY  (seq),
  UNIQUE KEY entry_event (source,row_id,event)
) $charset;"
	);
	update_option( WPSB_POINTS_DB_OPTION, WPSB_POINTS_DB_VERSION );
}
register_activation_hook( dirname( __DIR__ ) . '/wp-steem-bridge.php', 'wpsb_points_install' );

function wpsb_points_maybe_install() {
	if ( (int) get_option( WPSB_POINTS_DB_OPTION ) !== WPSB_POINTS_DB_VERSION ) {
		wpsb_points_install();
	}
}
add_action( 'init', 'wpsb_points_maybe_install', 5 );

/** Appends one event (idempotent: a second capture of the same entry and event is ignored). */
function wpsb_points_record( $source, $row_id, $event, $user_id, $points, $ctype, $ref, $happened_utc ) {
	global $wpdb;
	$table = wpsb_points_table();
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$wpdb->query(
		$wpdb->prepare(
			"INSERT IGNORE INTO $table (source, row_id, event, user_id, points, ctype, ref, happened, created) VALUES (%s, %d, %s, %d, %s, %s, %s, %s, UTC_TIMESTAMP())", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			$source,
			$row_id,
			$event,
			$user_id,
			(string) $points,
			substr( (string) $ctype, 0, 64 ),
			substr( (string) $ref, 0, 191 ),
			$happened_utc
		)
	);
}

/**
 * Row ids of `$source` after `$after` already in the feed as added. The sweep inserts only the
 * others: an ignored INSERT IGNORE still uses up an auto-increment id, and such gaps in `seq`
 * would hold the reader back for WPSB_POINTS_GAP_TIMEOUT seconds.
 */
function wpsb_points_known( $source, $after ) {
	global $wpdb;
	$table = wpsb_points_table();
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$ids = $wpdb->get_col( $wpdb->prepare( "SELECT row_id FROM $table WHERE source = %s AND event = 'add' AND row_id > %d", $source, $after ) );
	return array_fill_keys( array_map( 'intval', $ids ), true );
}

/** A site-local "timestamp" (current_time('timestamp')) as UTC text. */
function wpsb_points_local_ts_to_utc( $timestamp ) {
	return get_gmt_from_date( gmdate( 'Y-m-d H:i:s', (int) $timestamp ) );
}

// -- myCRED ---------------------------------------------------------------------------------

function wpsb_points_mycred_table() {
	if ( function_exists( 'mycred' ) ) {
		$mycred = mycred();
		if ( is_object( $mycred ) && method_exists( $mycred, 'get_log_table' ) ) {
			return $mycred->get_log_table();
		}
	}
	global $wpdb;
	return defined( 'MYCRED_LOG_TABLE' ) ? MYCRED_LOG_TABLE : $wpdb->prefix . 'myCRED_log';
}

/** Filter mycred_new_log_entry_id: the new row, recorded as it is written. */
function wpsb_points_on_mycred_entry( $insert_id, $insert = array(), $mycred = null ) {
	if ( $insert_id && is_array( $insert ) && isset( $insert['user_id'], $insert['creds'] ) ) {
		wpsb_points_record(
			'mycred',
			(int) $insert_id,
			'add',
			(int) $insert['user_id'],
			$insert['creds'],
			isset( $insert['ctype'] ) ? $insert['ctype'] : 'mycred_default',
			isset( $insert['ref'] ) ? $insert['ref'] : '',
			wpsb_points_local_ts_to_utc( isset( $insert['time'] ) ? $insert['time'] : current_time( 'timestamp' ) )
		);
	}
	return $insert_id;
}
add_filter( 'mycred_new_log_entry_id', 'wpsb_points_on_mycred_entry', 99, 3 );

/** Action mycred_deleted_log_entry: an administrator deleted a log row. */
function wpsb_points_on_mycred_delete( $user_id, $row_id, $point_type = '' ) {
	wpsb_points_record( 'mycred', (int) $row_id, 'delete', (int) $user_id, '0', (string) $point_type, '', gmdate( 'Y-m-d H:i:s' ) );
}
add_action( 'mycred_deleted_log_entry', 'wpsb_points_on_mycred_delete', 10, 3 );

function wpsb_points_sweep_mycred( $after ) {
	global $wpdb;
	$table = wpsb_points_mycred_table();
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $table ) ) !== $table ) {
		return $after;
	}
	$from  = max( 0, $after - WPSB_POINTS_WINDOW );
	$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT id, ref, user_id, creds, ctype, time FROM $table WHERE id > %d ORDER BY id LIMIT %d", $from, WPSB_POINTS_SWEEP_LIMIT ) );
	// phpcs:enable
	$known = wpsb_points_known( 'mycred', $from );
	$top   = $after;
	foreach ( $rows as $row ) {
		$top = max( $top, (int) $row->id );
		if ( isset( $known[ (int) $row->id ] ) ) {
			continue;
		}
		wpsb_points_record( 'mycred', (int) $row->id, 'add', (int) $row->user_id, $row->creds, $row->ctype, $row->ref, wpsb_points_local_ts_to_utc( $row->time ) );
	}
	return $top;
}

// -- GamiPress ------------------------------------------------------------------------------

const WPSB_GAMIPRESS_TYPES = array(
	'points_earn'   => 1,
	'points_award'  => 1,
	'points_deduct' => -1,
	'points_revoke' => -1,
	'points_expend' => -1,
);

/** The reason of a GamiPress points log: the trigger of what paid them, else the log type. */
function wpsb_points_gamipress_ref( $type, $achievement_id ) {
	if ( $achievement_id ) {
		$trigger = (string) get_post_meta( (int) $achievement_id, '_gamipress_trigger_type', true );
		if ( '' !== $trigger ) {
			return $trigger;
		}
	}
	return (string) $type;
}

function wpsb_points_gamipress_record( $log_id, $type, $user_id, $date_local, $meta ) {
	if ( ! isset( WPSB_GAMIPRESS_TYPES[ $type ] ) ) {
		return;
	}
	$points = isset( $meta['points'] ) ? abs( (float) $meta['points'] ) * WPSB_GAMIPRESS_TYPES[ $type ] : 0;
	$reason = isset( $meta['pattern'] ) && false !== strpos( (string) $meta['pattern'], '(' . WPSB_POINTS_BRIDGE_REF . ':' ) ? WPSB_POINTS_BRIDGE_REF : wpsb_points_gamipress_ref( $type, isset( $meta['achievement_id'] ) ? $meta['achievement_id'] : 0 );
	wpsb_points_record( 'gamipress', (int) $log_id, 'add', (int) $user_id, $points + 0, isset( $meta['points_type'] ) ? $meta['points_type'] : '', $reason, get_gmt_from_date( (string) $date_local ) );
}

/** Action gamipress_insert_log. */
function wpsb_points_on_gamipress_log( $log_id, $log_data, $log_meta, $user_id ) {
	if ( $log_id && is_array( $log_data ) && isset( $log_data['type'] ) ) {
		wpsb_points_gamipress_record( $log_id, $log_data['type'], $user_id, isset( $log_data['date'] ) ? $log_data['date'] : current_time( 'mysql' ), (array) $log_meta );
	}
}
add_action( 'gamipress_insert_log', 'wpsb_points_on_gamipress_log', 10, 4 );

function wpsb_points_sweep_gamipress( $after ) {
	global $wpdb;
	$logs = $wpdb->prefix . 'gamipress_logs';
	$meta = $wpdb->prefix . 'gamipress_logs_meta';
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $logs ) ) !== $logs ) {
		return $after;
	}
	$from  = max( 0, $after - WPSB_POINTS_WINDOW );
	$rows  = $wpdb->get_results( $wpdb->prepare( "SELECT log_id, type, user_id, date FROM $logs WHERE log_id > %d AND type IN ('points_earn','points_award','points_deduct','points_revoke','points_expend') ORDER BY log_id LIMIT %d", $from, WPSB_POINTS_SWEEP_LIMIT ) );
	$known = wpsb_points_known( 'gamipress', $from );
	$top   = $after;
	foreach ( $rows as $row ) {
		$top = max( $top, (int) $row->log_id );
		if ( isset( $known[ (int) $row->log_id ] ) ) {
			continue;
		}
		$values = array();
		foreach ( $wpdb->get_results( $wpdb->prepare( "SELECT meta_key, meta_value FROM $meta WHERE log_id = %d", $row->log_id ) ) as $m ) {
			$values[ substr( $m->meta_key, strlen( '_gamipress_' ) ) ] = $m->meta_value;
		}
		wpsb_points_gamipress_record( $row->log_id, $row->type, $row->user_id, $row->date, $values );
	}
	// phpcs:enable
	wpsb_points_sweep_deletes( 'gamipress', $logs, 'log_id' );
	return $top;
}

// -- a mini-program's own ledger --------------------------------------------------------------

/** The configured custom ledger (table without prefix, column names), or null. */
function wpsb_points_custom_ledger() {
	$ledger = apply_filters( 'wpsb_points_custom_ledger', get_option( 'wpsb_points_custom_ledger', null ) );
	if ( ! is_array( $ledger ) || empty( $ledger['table'] ) ) {
		return null;
	}
	$ledger = wp_parse_args( $ledger, array( 'id' => 'id', 'user_id' => 'user_id', 'points' => 'points', 'ref' => '', 'time' => '', 'time_format' => 'unix', 'ctype' => '', 'points_type' => 'custom' ) );
	foreach ( array( 'table', 'id', 'user_id', 'points', 'ref', 'time', 'ctype' ) as $key ) {
		if ( '' !== $ledger[ $key ] && ! preg_match( '/^[A-Za-z0-9_]{1,64}$/', (string) $ledger[ $key ] ) ) {
			return null; // only plain identifiers ever reach SQL.
		}
	}
	return $ledger;
}

function wpsb_points_sweep_custom( $after ) {
	global $wpdb;
	$ledger = wpsb_points_custom_ledger();
	if ( null === $ledger ) {
		return $after;
	}
	$table  = $wpdb->prefix . $ledger['table'];
	$select = "`{$ledger['id']}` AS id, `{$ledger['user_id']}` AS user_id, `{$ledger['points']}` AS points"
		. ( '' !== $ledger['ref'] ? ", `{$ledger['ref']}` AS ref" : ", '' AS ref" )
		. ( '' !== $ledger['time'] ? ", `{$ledger['time']}` AS time" : ', NULL AS time' )
		. ( '' !== $ledger['ctype'] ? ", `{$ledger['ctype']}` AS ctype" : ', NULL AS ctype' );
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $table ) ) !== $table ) {
		return $after;
	}
	$from = max( 0, $after - WPSB_POINTS_WINDOW );
	$rows = $wpdb->get_results( $wpdb->prepare( "SELECT $select FROM $table WHERE `{$ledger['id']}` > %d ORDER BY `{$ledger['id']}` LIMIT %d", $from, WPSB_POINTS_SWEEP_LIMIT ) );
	// phpcs:enable
	$known = wpsb_points_known( 'custom', $from );
	$top   = $after;
	foreach ( $rows as $row ) {
		$top = max( $top, (int) $row->id );
		if ( isset( $known[ (int) $row->id ] ) ) {
			continue;
		}
		if ( null === $row->time ) {
			$happened = gmdate( 'Y-m-d H:i:s' );
		} elseif ( 'unix' === $ledger['time_format'] ) {
			$happened = gmdate( 'Y-m-d H:i:s', (int) $row->time );
		} elseif ( 'local' === $ledger['time_format'] ) {
			$happened = get_gmt_from_date( (string) $row->time );
		} else {
			$happened = (string) $row->time;
		}
		$ctype = null === $row->ctype ? (string) $ledger['points_type'] : (string) $row->ctype;
		wpsb_points_record( 'custom', (int) $row->id, 'add', (int) $row->user_id, $row->points, $ctype, $row->ref, $happened );
	}
	wpsb_points_sweep_deletes( 'custom', $table, $ledger['id'] );
	return $top;
}

/** Entries of a ledger without hooks whose row is gone: a delete event each. */
function wpsb_points_sweep_deletes( $source, $table, $id_column ) {
	global $wpdb;
	$feed = wpsb_points_table();
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$gone = $wpdb->get_results(
		$wpdb->prepare(
			"SELECT f.row_id, f.user_id, f.points, f.ctype FROM $feed f LEFT JOIN $table l ON l.`$id_column` = f.row_id WHERE f.source = %s AND f.event = 'add' AND l.`$id_column` IS NULL AND NOT EXISTS (SELECT 1 FROM $feed d WHERE d.source = f.source AND d.row_id = f.row_id AND d.event = 'delete')",
			$source
		)
	);
	// phpcs:enable
	foreach ( $gone as $row ) {
		wpsb_points_record( $source, (int) $row->row_id, 'delete', (int) $row->user_id, $row->points, $row->ctype, '', gmdate( 'Y-m-d H:i:s' ) );
	}
}

/** Every ledger swept once (one sweeper at a time; the feed's unique key makes overlap harmless). */
function wpsb_points_sweep() {
	global $wpdb;
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery
	if ( '1' !== (string) $wpdb->get_var( "SELECT GET_LOCK('wpsb_points_sweep', 5)" ) ) {
		return;
	}
	$swept = (array) get_option( WPSB_POINTS_SWEPT_OPTION, array() );
	$swept = array(
		'mycred'    => wpsb_points_sweep_mycred( (int) ( $swept['mycred'] ?? 0 ) ),
		'gamipress' => wpsb_points_sweep_gamipress( (int) ( $swept['gamipress'] ?? 0 ) ),
		'custom'    => wpsb_points_sweep_custom( (int) ( $swept['custom'] ?? 0 ) ),
	);
	update_option( WPSB_POINTS_SWEPT_OPTION, $swept, false );
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery
	$wpdb->get_var( "SELECT RELEASE_LOCK('wpsb_points_sweep')" );
}

// -- reading ----------------------------------------------------------------------------------

/** The highest seq up to which rows in (after, top] are complete (no gap that may still fill). */
function wpsb_points_safe_through( $after, $rows ) {
	global $wpdb;
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery
	$step     = max( 1, (int) $wpdb->get_var( 'SELECT @@auto_increment_increment' ) );
	$previous = $after;
	foreach ( $rows as $row ) {
		if ( (int) $row->seq - $previous > $step && $previous > 0 && (int) $row->age < WPSB_POINTS_GAP_TIMEOUT ) {
			return $previous;
		}
		$previous = (int) $row->seq;
	}
	return $previous;
}

function wpsb_points_feed( WP_REST_Request $request ) {
	global $wpdb;
	wpsb_points_sweep();
	$table = wpsb_points_table();
	$after = (int) $request['after'];
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$rows = $wpdb->get_results(
		$wpdb->prepare(
			"SELECT f.*, TIMESTAMPDIFF(SECOND, f.created, UTC_TIMESTAMP()) AS age, m.meta_value AS account FROM $table f LEFT JOIN {$wpdb->usermeta} m ON m.user_id = f.user_id AND m.meta_key = 'steem_account' WHERE f.seq > %d ORDER BY f.seq LIMIT %d",
			$after,
			(int) $request['limit']
		)
	);
	// phpcs:enable
	$through = wpsb_points_safe_through( $after, $rows );
	$events  = array();
	foreach ( $rows as $row ) {
		if ( (int) $row->seq > $through ) {
			break;
		}
		$events[] = array(
			'seq'      => (int) $row->seq,
			'entry_id' => $row->source . ':' . $row->row_id,
			'event'    => (string) $row->event,
			'user_id'  => (int) $row->user_id,
			'points'   => (string) $row->points,
			'ctype'    => (string) $row->ctype,
			'ref'      => (string) $row->ref,
			'happened' => str_replace( ' ', 'T', (string) $row->happened ),
			'account'  => (string) $row->account,
		);
	}
	$events = wpsb_points_ledger_rows( $events );
	return rest_ensure_response( array( 'events' => $events, 'last' => $events ? end( $events )['seq'] : $after ) );
}

/**
 * Each myCRED `add` event gets `row`: its myCRED log row as it is NOW (every column as text; `[]`
 * once the row is gone), so the bridge's ledger anchors (`[anchor]`) hash the plugin's own ledger
 * and a row rewritten after it was anchored is found. Other sources carry no `row`.
 */
function wpsb_points_ledger_rows( $events ) {
	global $wpdb;
	$ids = array();
	foreach ( $events as $event ) {
		if ( 'add' === $event['event'] && 0 === strpos( $event['entry_id'], 'mycred:' ) ) {
			$ids[] = (int) substr( $event['entry_id'], 7 );
		}
	}
	if ( ! $ids ) {
		return $events;
	}
	$table = wpsb_points_mycred_table();
	$rows  = array();
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	foreach ( (array) $wpdb->get_results( "SELECT id, ref, ref_id, user_id, creds, ctype, time, entry, data FROM $table WHERE id IN (" . implode( ',', $ids ) . ')', ARRAY_A ) as $row ) {
		$rows[ (int) $row['id'] ] = array_map( 'strval', $row );
	}
	foreach ( $events as $i => $event ) {
		if ( 'add' === $event['event'] && 0 === strpos( $event['entry_id'], 'mycred:' ) ) {
			$events[ $i ]['row'] = $rows[ (int) substr( $event['entry_id'], 7 ) ] ?? array();
		}
	}
	return $events;
}

/** The member's mirrored token balances: symbol => balance (decimal string). */
function wpsb_points_token_balances( $user_id ) {
	$held = get_user_meta( (int) $user_id, WPSB_POINTS_BALANCES, true );
	$held = is_array( $held ) ? $held : array();
	return array_filter(
		$held,
		function ( $balance, $symbol ) {
			return is_string( $symbol ) && is_string( $balance );
		},
		ARRAY_FILTER_USE_BOTH
	);
}

function wpsb_points_write_balances( WP_REST_Request $request ) {
	$items = wpsb_list_items( $request, 'balances' );
	if ( is_wp_error( $items ) ) {
		return $items;
	}
	$results = array();
	foreach ( $items as $item ) {
		$user = is_array( $item ) && isset( $item['user_id'] ) ? get_userdata( (int) $item['user_id'] ) : false;
		if ( ! $user || ! isset( $item['symbol'], $item['balance'] ) || ! preg_match( '/^[A-Z.]{1,21}$/', (string) $item['symbol'] ) || ! is_numeric( $item['balance'] ) ) {
			$results[] = array( 'status' => 'error', 'message' => 'each balance needs user_id, symbol and a numeric balance' );
			continue;
		}
		$held                    = wpsb_points_token_balances( $user->ID );
		$held[ $item['symbol'] ] = (string) $item['balance'];
		update_user_meta( $user->ID, WPSB_POINTS_BALANCES, $held );
		$results[] = array( 'status' => 'written' );
	}
	return rest_ensure_response( array( 'results' => $results ) );
}

function wpsb_points_permission() {
	if ( ! current_user_can( WPSB_WRITE_CAP ) ) {
		return new WP_Error( 'rest_forbidden', __( 'Only the bridge may read the points feed.', 'wp-steem-bridge' ), array( 'status' => rest_authorization_required_code() ) );
	}
	return true;
}

function wpsb_register_points_feed_routes() {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/points/feed',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_points_feed',
			'permission_callback' => 'wpsb_points_permission',
			'args'                => array(
				'after' => array( 'type' => 'integer', 'minimum' => 0, 'default' => 0 ),
				'limit' => array( 'type' => 'integer', 'minimum' => 1, 'maximum' => WPSB_POINTS_MAX_LIMIT, 'default' => 500 ),
			),
		)
	);
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/points/balances',
		array(
			'methods'             => WP_REST_Server::CREATABLE,
			'callback'            => 'wpsb_points_write_balances',
			'permission_callback' => 'wpsb_points_permission',
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_points_feed_routes' );

// -- the profile: points and tokens side by side -------------------------------------------------

/** The member's points (myCRED default type, GamiPress types) and token balances, as rows. */
function wpsb_points_profile_rows( $user_id ) {
	$rows = array();
	if ( function_exists( 'mycred_get_users_balance' ) ) {
		$rows[ __( 'Points (myCRED)', 'wp-steem-bridge' ) ] = (string) mycred_get_users_balance( $user_id );
	}
	if ( function_exists( 'gamipress_get_points_types' ) && function_exists( 'gamipress_get_user_points' ) ) {
		foreach ( gamipress_get_points_types() as $slug => $type ) {
			$rows[ isset( $type['plural_name'] ) ? $type['plural_name'] : $slug ] = (string) gamipress_get_user_points( $user_id, $slug );
		}
	}
	foreach ( wpsb_points_token_balances( $user_id ) as $symbol => $balance ) {
		if ( '' !== $symbol ) {
			/* translators: %s: token symbol */
			$rows[ sprintf( __( 'Tokens (%s)', 'wp-steem-bridge' ), $symbol ) ] = (string) $balance;
		}
	}
	return $rows;
}

function wpsb_points_profile( $user ) {
	$rows = wpsb_points_profile_rows( $user->ID );
	if ( ! $rows ) {
		return;
	}
	echo '<h2>' . esc_html__( 'Points and tokens', 'wp-steem-bridge' ) . '</h2><table class="form-table wpsb-points" role="presentation">';
	foreach ( $rows as $label => $value ) {
		echo '<tr><th>' . esc_html( $label ) . '</th><td>' . esc_html( $value ) . '</td></tr>';
	}
	echo '</table>';
}
add_action( 'show_user_profile', 'wpsb_points_profile' );
add_action( 'edit_user_profile', 'wpsb_points_profile' );

/** [wpsb_points_balance] on any page: the logged-in member's points and tokens. */
function wpsb_points_shortcode() {
	$user_id = get_current_user_id();
	if ( ! $user_id ) {
		return '';
	}
	$html = '<dl class="wpsb-points">';
	foreach ( wpsb_points_profile_rows( $user_id ) as $label => $value ) {
		$html .= '<dt>' . esc_html( $label ) . '</dt><dd>' . esc_html( $value ) . '</dd>';
	}
	return $html . '</dl>';
}
add_shortcode( 'wpsb_points_balance', 'wpsb_points_shortcode' );
