<?php
/**
 * Installs and configures one local WordPress site without a browser, then writes its site.json.
 *
 * Run by `wp-local start` with PHP CLI. Idempotent: an installed site is only brought back in line
 * (options, plugin, users, application passwords); application passwords recorded in an existing
 * site.json are kept while they still verify, so running it again does not invalidate clients.
 *
 * Environment: WPSB_SITE_NAME, WPSB_URL (http://127.0.0.1:PORT), WPSB_SITE_JSON (output path),
 * WORDPRESS_CONFIG (selects /etc/wordpress/config-<value>.php through Debian's wp-config.php).
 */

const WPSB_PLUGIN        = 'wp-steem-bridge/wp-steem-bridge.php';
const WPSB_ADMIN         = 'bridge';
const WPSB_AUTHORS       = array( 'iguazi123', 'wenchao' );
const WPSB_APP_PASS_NAME = 'wp-local';
const WPSB_PERMALINKS    = '/%year%/%monthnum%/%postname%/';

function wpsb_env( $name ) {
	$value = getenv( $name );
	if ( false === $value || '' === $value ) {
		fwrite( STDERR, "bootstrap.php: environment variable $name is required\n" );
		exit( 2 );
	}
	return $value;
}

$site_name = wpsb_env( 'WPSB_SITE_NAME' );
$site_url  = wpsb_env( 'WPSB_URL' );
$site_json = wpsb_env( 'WPSB_SITE_JSON' );
$url_parts = parse_url( $site_url );

// Debian's wp-config.php reads these; give it what a request to the site would.
$_SERVER['WORDPRESS_CONFIG'] = wpsb_env( 'WORDPRESS_CONFIG' );
$_SERVER['HTTP_HOST']        = $url_parts['host'] . ':' . $url_parts['port'];
$_SERVER['SERVER_NAME']      = $url_parts['host'];
$_SERVER['SERVER_PORT']      = (string) $url_parts['port'];
$_SERVER['REQUEST_URI']      = '/';
$_SERVER['REQUEST_METHOD']   = 'GET';

define( 'WP_INSTALLING', true );

/** No mail on this machine: skip the "your new site" e-mail wp_install() would send. */
function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {
}

require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/user.php';

function wpsb_fail( $message ) {
	fwrite( STDERR, 'bootstrap.php: ' . $message . "\n" );
	exit( 1 );
}

/** Installs WordPress and removes the sample content so the site holds only what tests create. */
function wpsb_install( $site_name ) {
	$result = wp_install( 'wp-steem-bridge ' . $site_name, WPSB_ADMIN, WPSB_ADMIN . '@example.invalid', false, '', wp_generate_password( 32 ) );
	foreach ( get_posts( array( 'post_type' => array( 'post', 'page' ), 'post_status' => 'any', 'numberposts' => -1 ) ) as $sample ) {
		wp_delete_post( $sample->ID, true );
	}
	return $result['user_id'];
}

function wpsb_configure_site() {
	global $wp_rewrite;
	update_option( 'timezone_string', 'UTC' );
	update_option( 'gmt_offset', 0 );
	update_option( 'blog_public', 0 );
	if ( get_option( 'permalink_structure' ) !== WPSB_PERMALINKS ) {
		$wp_rewrite->set_permalink_structure( WPSB_PERMALINKS );
	}
	flush_rewrite_rules( false ); // Rules live in the database; php -S has no .htaccess.
	if ( ! is_plugin_active( WPSB_PLUGIN ) ) {
		$activated = activate_plugin( WPSB_PLUGIN );
		if ( is_wp_error( $activated ) ) {
			wpsb_fail( 'cannot activate ' . WPSB_PLUGIN . ': ' . $activated->get_error_message() );
		}
	}
}

/** Creates the user when missing and returns its id; an existing user keeps its password. */
function wpsb_ensure_user( $login, $role ) {
	$user = get_user_by( 'login', $login );
	if ( ! $user ) {
		$user_id = wp_insert_user(
			array(
				'user_login'   => $login,
				'user_pass'    => wp_generate_password( 32 ),
				'user_email'   => $login . '@example.invalid',
				'display_name' => $login,
				'role'         => $role,
			)
		);
		if ( is_wp_error( $user_id ) ) {
			wpsb_fail( "cannot create user $login: " . $user_id->get_error_message() );
		}
		$user = get_user_by( 'id', $user_id );
	}
	if ( ! in_array( $role, $user->roles, true ) ) {
		$user->set_role( $role );
	}
	return $user->ID;
}

/** Returns a working application password for the user, reusing $previous when it still verifies. */
function wpsb_ensure_app_password( $user_id, $previous ) {
	$kept = null;
	foreach ( WP_Application_Passwords::get_user_application_passwords( $user_id ) as $item ) {
		if ( WPSB_APP_PASS_NAME !== $item['name'] ) {
			continue;
		}
		$plain = WP_Application_Passwords::chunk_password( preg_replace( '/[^a-zA-Z0-9]/', '', (string) $previous ) );
		if ( null === $kept && '' !== $plain && wp_check_password( str_replace( ' ', '', $plain ), $item['password'] ) ) {
			$kept = $plain;
			continue;
		}
		WP_Application_Passwords::delete_application_password( $user_id, $item['uuid'] );
	}
	if ( null !== $kept ) {
		return $kept;
	}
	$created = WP_Application_Passwords::create_new_application_password( $user_id, array( 'name' => WPSB_APP_PASS_NAME ) );
	if ( is_wp_error( $created ) ) {
		wpsb_fail( 'cannot create application password: ' . $created->get_error_message() );
	}
	return WP_Application_Passwords::chunk_password( $created[0] );
}

function wpsb_read_previous( $path ) {
	if ( ! is_readable( $path ) ) {
		return array();
	}
	$data = json_decode( (string) file_get_contents( $path ), true );
	return is_array( $data ) ? $data : array();
}

function wpsb_write_json( $path, $data ) {
	$tmp = $path . '.tmp';
	$old = umask( 077 );
	$ok  = file_put_contents( $tmp, wp_json_encode( $data, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES ) . "\n" );
	umask( $old );
	if ( false === $ok || ! chmod( $tmp, 0600 ) || ! rename( $tmp, $path ) ) {
		wpsb_fail( "cannot write $path" );
	}
}

if ( ! is_blog_installed() ) {
	wpsb_install( $site_name );
}
wpsb_configure_site();

$previous = wpsb_read_previous( $site_json );
$admin_id = wpsb_ensure_user( WPSB_ADMIN, 'administrator' );
// Only the bridge's own user may write mirrored chain data (rewards, votes) into WordPress.
get_user_by( 'id', $admin_id )->add_cap( 'wpsb_write_chain_data' );
$users    = array();
foreach ( WPSB_AUTHORS as $login ) {
	$user_id = wpsb_ensure_user( $login, 'author' );
	update_user_meta( $user_id, 'steem_account', $login );
	$users[ $login ] = array(
		'id'            => $user_id,
		'steem_account' => $login,
		'app_password'  => wpsb_ensure_app_password( $user_id, $previous['users'][ $login ]['app_password'] ?? '' ),
	);
}

wpsb_write_json(
	$site_json,
	array(
		'name'         => $site_name,
		'url'          => $site_url,
		'db_name'      => DB_NAME,
		'config'       => $_SERVER['WORDPRESS_CONFIG'],
		'admin_user'   => WPSB_ADMIN,
		'admin_id'     => $admin_id,
		'app_password' => wpsb_ensure_app_password( $admin_id, $previous['app_password'] ?? '' ),
		'users'        => $users,
	)
);
