<?php
/**
 * Plugin Name: WeChat API double (tests only)
 * Description: Answers WordPress's outgoing requests to api.weixin.qq.com as WeChat does for a
 *              configured mini-program (an access token; msg_sec_check "pass"), so the real
 *              微慕 backend runs its comment route without the internet. Only WeChat's servers
 *              are stood in for; the mini-program plugin itself runs unchanged.
 * Version:     0.0.1
 *
 * @package wp-steem-bridge-tests
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

add_filter(
	'pre_http_request',
	function ( $preempt, $args, $url ) {
		if ( 'api.weixin.qq.com' !== wp_parse_url( $url, PHP_URL_HOST ) ) {
			return $preempt;
		}
		$path = (string) wp_parse_url( $url, PHP_URL_PATH );
		if ( '/cgi-bin/token' === $path ) {
			$body = array( 'access_token' => 'test-access-token', 'expires_in' => 7200 );
		} elseif ( '/wxa/msg_sec_check' === $path ) {
			$body = array( 'errcode' => 0, 'errmsg' => 'ok', 'result' => array( 'suggest' => 'pass', 'label' => 100 ) );
		} else {
			$body = array( 'errcode' => 0, 'errmsg' => 'ok' );
		}
		return array(
			'headers'  => array( 'content-type' => 'application/json' ),
			'body'     => wp_json_encode( $body ),
			'response' => array( 'code' => 200, 'message' => 'OK' ),
			'cookies'  => array(),
			'filename' => null,
		);
	},
	10,
	3
);
