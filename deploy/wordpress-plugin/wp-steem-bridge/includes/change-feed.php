<?php
/**
 * The change feed: an append-only table `{prefix}wpsb_changes` of what happened to the posts the
 * bridge serves, so the bridge's idle tick is one request that answers "nothing" instead of a
 * re-read of every recently modified post.
 *
 * Rows (id BIGINT auto-increment = the feed's sequence):
 *   saved    -- save_post (new post, edit, scheduled post published by WP-cron)
 *   status   -- transition_post_status between two different statuses (unpublish, trash, ...)
 *   deleted  -- deleted_post: a tombstone; `details` keeps what the bridge needs to know which
 *               post it was (title, steem_author, steem_permlink), read in before_delete_post
 *               while the post and its meta still exist.
 * Auto-drafts and revisions are not recorded. Post types: `post` and `page`, filter
 * `wpsb_change_feed_post_types` for more.
 *
 * `GET wp-steem-bridge/v1/changes?after=<seq>&type=<post type>&limit=N` (the bridge's user only,
 * WPSB_WRITE_CAP) answers `{"changes": [...], "last": <seq>, "reset": bool, "retries": <id>}`,
 * oldest first (plus `links`, the link feed's sequence: linking.php); `retries` is the newest Retry press's id, so the bridge reads the retry feed
 * (sync-requests.php) only when there is a new one: an idle tick stays one request;
 * `limit=0` answers only the feed's current end in `last` (where a bridge that has just polled
 * everything starts reading). `reset` means rows after `after` were pruned: the bridge polls
 * everything once again. Rows older than WPSB_CHANGES_KEEP_DAYS are pruned daily.
 *
 * Commit safety. MySQL hands out auto-increment ids when a row is inserted, not when it becomes
 * visible: two requests inserting at once can commit 11 before 10, and a reader that moved its
 * cursor to 11 would never see 10. The feed therefore never answers past a gap: rows are returned
 * only up to the first missing id, unless the row after the gap is older than
 * WPSB_CHANGES_GAP_TIMEOUT seconds (database time), in which case the gap is permanent (a failed
 * or rolled back insert, a pruned row, an auto-increment jump) and is skipped. We chose this over
 * "only rows older than a settle time" because it adds no delay in the normal case: a webhook poke
 * sent after a publish finds the row at once. Every row is inserted in its own autocommit
 * statement, so a pending id becomes visible within milliseconds; only an insert held inside a
 * longer transaction by another plugin for more than the timeout could be missed. Gaps are
 * counted in steps of @@auto_increment_increment (replicated setups hand out every n-th id).
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const WPSB_CHANGES_DB_VERSION     = 1;
const WPSB_CHANGES_DB_OPTION      = 'wpsb_changes_db_version';
const WPSB_CHANGES_PRUNED_OPTION  = 'wpsb_changes_pruned_through';
const WPSB_CHANGES_KEEP_DAYS      = 30;
const WPSB_CHANGES_GAP_TIMEOUT    = 30;
const WPSB_CHANGES_DEFAULT_LIMIT  = 100;
const WPSB_CHANGES_MAX_LIMIT      = 500;
const WPSB_CHANGES_PRUNE_EVENT    = 'wpsb_changes_prune';

function wpsb_changes_table() {
	global $wpdb;
	return $wpdb->prefix . 'wpsb_changes';
}

/** Creates or updates the table (dbDelta) and schedules the daily prune. */
function wpsb_changes_install() {
	global $wpdb;
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	$table   = wpsb_changes_table();
	$charset = $wpdb->get_charset_collate();
	dbDelta(
		"CREATE TABLE $table (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  object_type varchar(20) NOT NULL,
  object_id bigint(20) unsigned NOT NULL,
  kind varchar(10) NOT NULL,
  post_status varchar(20) NOT NULL DEFAULT '',
  details longtext NULL,
  changed_at datetime NOT NULL,
  PRIMARY KEY  (id),
  KEY object_type_id (object_type,id),
  KEY changed_at (changed_at)
) $charset;"
	);
	if ( ! wp_next_scheduled( WPSB_CHANGES_PRUNE_EVENT ) ) {
		wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', WPSB_CHANGES_PRUNE_EVENT );
	}
	update_option( WPSB_CHANGES_DB_OPTION, WPSB_CHANGES_DB_VERSION );
}
register_activation_hook( dirname( __DIR__ ) . '/wp-steem-bridge.php', 'wpsb_changes_install' );

/** After an upgrade (activation hooks do not run then); on init so REST-only sites get it too. */
function wpsb_changes_maybe_install() {
	if ( (int) get_option( WPSB_CHANGES_DB_OPTION ) !== WPSB_CHANGES_DB_VERSION ) {
		wpsb_changes_install();
	}
}
add_action( 'init', 'wpsb_changes_maybe_install', 5 );

/** @return string[] */
function wpsb_change_feed_post_types() {
	return (array) apply_filters( 'wpsb_change_feed_post_types', array( 'post', 'page' ) );
}

/** Whether a change of this post belongs in the feed. */
function wpsb_change_recorded( $post ) {
	return $post instanceof WP_Post && in_array( $post->post_type, wpsb_change_feed_post_types(), true )
		&& 'auto-draft' !== $post->post_status && ! wp_is_post_revision( $post );
}

/** Appends one row, in its own statement; the time is the database's, in UTC. */
function wpsb_record_change( $post, $kind, $details = null ) {
	global $wpdb;
	$table = wpsb_changes_table();
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- an append-only log, never cached.
	$wpdb->query(
		$wpdb->prepare(
			"INSERT INTO $table (object_type, object_id, kind, post_status, details, changed_at) VALUES (%s, %d, %s, %s, %s, UTC_TIMESTAMP())", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			$post->post_type,
			$post->ID,
			$kind,
			$post->post_status,
			null === $details ? '' : wp_json_encode( $details )
		)
	);
}

function wpsb_change_on_save( $post_id, $post ) {
	if ( wpsb_change_recorded( $post ) && ! ( defined( 'DOING_AUTOSAVE' ) && DOING_AUTOSAVE ) ) {
		wpsb_record_change( $post, 'saved' );
	}
}
add_action( 'save_post', 'wpsb_change_on_save', 20, 2 );

function wpsb_change_on_transition( $new_status, $old_status, $post ) {
	if ( $new_status !== $old_status && 'new' !== $old_status && wpsb_change_recorded( $post ) ) {
		wpsb_record_change( $post, 'status' );
	}
}
add_action( 'transition_post_status', 'wpsb_change_on_transition', 20, 3 );

/** What a tombstone keeps, read while the post and its meta still exist. */
function wpsb_change_before_delete( $post_id ) {
	$post = get_post( $post_id );
	if ( ! wpsb_change_recorded( $post ) ) {
		return;
	}
	$GLOBALS['wpsb_deleting'][ (int) $post_id ] = array(
		'post'    => $post,
		'details' => array(
			'title'          => $post->post_title,
			'status'         => $post->post_status,
			'steem_author'   => (string) get_post_meta( $post_id, 'steem_author', true ),
			'steem_permlink' => (string) get_post_meta( $post_id, 'steem_permlink', true ),
		),
	);
}
add_action( 'before_delete_post', 'wpsb_change_before_delete', 10, 1 );

/** The tombstone, once the post is really gone. */
function wpsb_change_on_deleted( $post_id ) {
	$pending = isset( $GLOBALS['wpsb_deleting'][ (int) $post_id ] ) ? $GLOBALS['wpsb_deleting'][ (int) $post_id ] : null;
	if ( null === $pending ) {
		return;
	}
	unset( $GLOBALS['wpsb_deleting'][ (int) $post_id ] );
	wpsb_record_change( $pending['post'], 'deleted', $pending['details'] );
}
add_action( 'deleted_post', 'wpsb_change_on_deleted', 10, 1 );

/** Daily: drops rows older than WPSB_CHANGES_KEEP_DAYS and remembers the highest id dropped. */
function wpsb_changes_prune() {
	global $wpdb;
	$table = wpsb_changes_table();
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$through = (int) $wpdb->get_var(
		$wpdb->prepare( "SELECT MAX(id) FROM $table WHERE changed_at < UTC_TIMESTAMP() - INTERVAL %d DAY", WPSB_CHANGES_KEEP_DAYS )
	);
	if ( $through > 0 ) {
		update_option( WPSB_CHANGES_PRUNED_OPTION, $through, false );
		$wpdb->query( $wpdb->prepare( "DELETE FROM $table WHERE id <= %d", $through ) );
	}
	// phpcs:enable
}
add_action( WPSB_CHANGES_PRUNE_EVENT, 'wpsb_changes_prune' );

/**
 * The highest id up to which rows (of any type) in (after, $top] can be trusted to be complete:
 * $top when no id is missing, else the id before the first gap that may still fill.
 */
function wpsb_changes_safe_through( $after, $top ) {
	global $wpdb;
	$table = wpsb_changes_table();
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$step    = max( 1, (int) $wpdb->get_var( 'SELECT @@auto_increment_increment' ) );
	$present = (int) $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM $table WHERE id > %d AND id <= %d", $after, $top ) );
	if ( 1 === $step && $present === $top - $after ) {
		return $top;
	}
	$rows = $wpdb->get_results(
		$wpdb->prepare( "SELECT id, TIMESTAMPDIFF(SECOND, changed_at, UTC_TIMESTAMP()) AS age FROM $table WHERE id > %d AND id <= %d ORDER BY id", $after, $top )
	);
	// phpcs:enable
	$previous = $after;
	foreach ( $rows as $row ) {
		$gap = (int) $row->id - $previous > $step;
		if ( $gap && $previous > 0 && (int) $row->age < WPSB_CHANGES_GAP_TIMEOUT ) {
			return $previous; // an insert before this row may still commit: wait for it.
		}
		$previous = (int) $row->id;
	}
	return $top;
}

function wpsb_change_row( $row ) {
	$change = array(
		'seq'         => (int) $row->id,
		'object_type' => (string) $row->object_type,
		'object_id'   => (int) $row->object_id,
		'kind'        => (string) $row->kind,
		'status'      => (string) $row->post_status,
		'at'          => str_replace( ' ', 'T', (string) $row->changed_at ),
	);
	$details = '' === (string) $row->details ? null : json_decode( (string) $row->details, true );
	if ( is_array( $details ) ) {
		$change['details'] = $details;
	}
	return $change;
}

function wpsb_list_changes( WP_REST_Request $request ) {
	global $wpdb;
	$table = wpsb_changes_table();
	$after = (int) $request['after'];
	$limit = (int) $request['limit'];
	// phpcs:disable WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	$head = (int) $wpdb->get_var( "SELECT COALESCE(MAX(id), 0) FROM $table" );
	if ( 0 === $limit || ( $after > 0 && $after < (int) get_option( WPSB_CHANGES_PRUNED_OPTION, 0 ) ) ) {
		return rest_ensure_response( array( 'changes' => array(), 'last' => $head, 'reset' => 0 !== $limit, 'retries' => wpsb_read_retry_requests()['last_id'], 'links' => wpsb_link_seq() ) );
	}
	$rows = $wpdb->get_results(
		$wpdb->prepare(
			"SELECT id, object_type, object_id, kind, post_status, details, changed_at FROM $table WHERE object_type = %s AND id > %d ORDER BY id LIMIT %d",
			(string) $request['type'],
			$after,
			$limit
		)
	);
	// phpcs:enable
	$changes = array();
	if ( $rows ) {
		$through = wpsb_changes_safe_through( $after, (int) end( $rows )->id );
		foreach ( $rows as $row ) {
			if ( (int) $row->id <= $through ) {
				$changes[] = wpsb_change_row( $row );
			}
		}
	}
	$last = $changes ? end( $changes )['seq'] : $after;
	return rest_ensure_response( array( 'changes' => $changes, 'last' => $last, 'reset' => false, 'retries' => wpsb_read_retry_requests()['last_id'], 'links' => wpsb_link_seq() ) );
}

function wpsb_changes_permission() {
	if ( ! current_user_can( WPSB_WRITE_CAP ) ) {
		return new WP_Error(
			'rest_forbidden',
			__( 'Only the bridge may read the change feed.', 'wp-steem-bridge' ),
			array( 'status' => rest_authorization_required_code() )
		);
	}
	return true;
}

function wpsb_register_change_routes() {
	register_rest_route(
		WPSB_REST_NAMESPACE,
		'/changes',
		array(
			'methods'             => WP_REST_Server::READABLE,
			'callback'            => 'wpsb_list_changes',
			'permission_callback' => 'wpsb_changes_permission',
			'args'                => array(
				'after' => array( 'type' => 'integer', 'minimum' => 0, 'default' => 0 ),
				'type'  => array( 'type' => 'string', 'pattern' => '^[a-z0-9_-]{1,20}$', 'default' => 'post' ),
				'limit' => array( 'type' => 'integer', 'minimum' => 0, 'maximum' => WPSB_CHANGES_MAX_LIMIT, 'default' => WPSB_CHANGES_DEFAULT_LIMIT ),
			),
		)
	);
}
add_action( 'rest_api_init', 'wpsb_register_change_routes' );
