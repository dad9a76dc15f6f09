<?php
/**
 * Runs when the plugin is deleted in wp-admin: takes the bridge capability away from every user
 * and role and forgets the stored plugin version. Post, user and comment meta the bridge wrote
 * stay, so reinstalling does not publish posts a second time.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

// The plugin's files are not loaded here: the capability name is repeated on purpose.
$wpsb_cap = 'wpsb_write_chain_data';
foreach ( get_users( array( 'capability' => $wpsb_cap, 'fields' => 'all' ) ) as $wpsb_user ) {
	$wpsb_user->remove_cap( $wpsb_cap );
}
foreach ( array_keys( wp_roles()->roles ) as $wpsb_role_name ) {
	$wpsb_role = get_role( $wpsb_role_name );
	if ( $wpsb_role && $wpsb_role->has_cap( $wpsb_cap ) ) {
		$wpsb_role->remove_cap( $wpsb_cap );
	}
}
delete_option( 'wpsb_version' );
delete_option( 'wpsb_chain_globals' );
// The change feed is only a log for the bridge: it goes with the plugin.
global $wpdb;
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}wpsb_changes" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.DirectDatabaseQuery.SchemaChange
delete_option( 'wpsb_changes_db_version' );
// The points feed too: the bridge's state store keeps which entries were paid.
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}wpsb_points_feed" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.DirectDatabaseQuery.SchemaChange
delete_option( 'wpsb_points_db_version' );
delete_option( 'wpsb_points_swept' );
delete_option( 'wpsb_changes_pruned_through' );
wp_clear_scheduled_hook( 'wpsb_changes_prune' );
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}wpsb_like_events" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.DirectDatabaseQuery.SchemaChange
delete_option( 'wpsb_like_events_db_version' );
