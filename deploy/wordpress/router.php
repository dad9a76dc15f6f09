<?php
/**
 * Router for `php -S` serving Debian's WordPress (document root /usr/share/wordpress).
 *
 * Does what Debian's Apache config and WordPress's .htaccess would do:
 * - picks the per-site config: WORDPRESS_CONFIG (set by wp-local) is copied into $_SERVER, where
 *   Debian's wp-config.php looks for it, so /etc/wordpress/config-<WORDPRESS_CONFIG>.php is loaded;
 * - serves /wp-content/plugins/ from this checkout's WP_PLUGIN_DIR (<repo>/.run/wp-plugins, see
 *   wp-local) and the rest of /wp-content/ from WP_CONTENT_DIR (/var/lib/wordpress/wp-content),
 *   static files only;
 * - lets existing files (wp-login.php, wp-admin/, wp-includes/ assets) through unchanged;
 * - sends everything else (/wp-json/..., pretty permalinks) to index.php.
 */

$wpsb_config = getenv( 'WORDPRESS_CONFIG' );
if ( false !== $wpsb_config && '' !== $wpsb_config ) {
	$_SERVER['WORDPRESS_CONFIG'] = $wpsb_config;
}

$wpsb_docroot = rtrim( $_SERVER['DOCUMENT_ROOT'], '/' );
$wpsb_path    = rawurldecode( (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );

if ( false !== strpos( $wpsb_path, '..' ) ) {
	http_response_code( 400 );
	return true;
}

if ( 0 === strpos( $wpsb_path, '/wp-content/' ) ) {
	$wpsb_file = 0 === strpos( $wpsb_path, '/wp-content/plugins/' )
		? dirname( __DIR__, 2 ) . '/.run/wp-plugins/' . substr( $wpsb_path, strlen( '/wp-content/plugins/' ) )
		: '/var/lib/wordpress' . $wpsb_path;
	if ( ! is_file( $wpsb_file ) || preg_match( '/\.php$/i', $wpsb_file ) ) {
		http_response_code( 404 );
		return true;
	}
	$wpsb_types = array(
		'css'   => 'text/css',
		'js'    => 'application/javascript',
		'json'  => 'application/json',
		'svg'   => 'image/svg+xml',
		'png'   => 'image/png',
		'jpg'   => 'image/jpeg',
		'jpeg'  => 'image/jpeg',
		'gif'   => 'image/gif',
		'webp'  => 'image/webp',
		'woff2' => 'font/woff2',
	);
	$wpsb_ext = strtolower( pathinfo( $wpsb_file, PATHINFO_EXTENSION ) );
	header( 'Content-Type: ' . ( $wpsb_types[ $wpsb_ext ] ?? 'application/octet-stream' ) );
	readfile( $wpsb_file );
	return true;
}

$wpsb_target = $wpsb_docroot . $wpsb_path;
if ( '/' !== $wpsb_path && ( is_file( $wpsb_target ) || is_file( rtrim( $wpsb_target, '/' ) . '/index.php' ) ) ) {
	return false; // The built-in server runs the PHP file or sends the static one.
}

$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $wpsb_docroot . '/index.php';
chdir( $wpsb_docroot );
require $wpsb_docroot . '/index.php';
