/**
 * Posts list row actions "Sync now" and "Retry" (includes/admin-list.php): each asks the bridge
 * through the plugin's REST routes (wp.apiFetch adds the REST nonce) and shows the answer in
 * place of the link. Hand-written, no build step.
 */
( function ( wp ) {
	'use strict';
	var __ = wp.i18n.__;

	function pathFor( action, postId ) {
		return 'retry' === action
			? '/wp-steem-bridge/v1/posts/' + postId + '/retry'
			: '/wp-steem-bridge/v1/sync';
	}

	function ask( link ) {
		var action = link.getAttribute( 'data-wpsb-action' );
		var postId = parseInt( link.getAttribute( 'data-wpsb-post' ), 10 );
		var answer = document.createElement( 'span' );
		answer.className = 'wpsb-row-answer';
		answer.setAttribute( 'role', 'status' );
		answer.textContent = __( 'Asking the bridge…', 'wp-steem-bridge' );
		link.replaceWith( answer );
		wp.apiFetch( {
			path: pathFor( action, postId ),
			method: 'POST',
			data: 'retry' === action ? {} : { post_id: postId },
		} ).then(
			function ( response ) {
				answer.textContent = response.message;
			},
			function ( error ) {
				answer.className += ' wpsb-row-error';
				answer.style.color = '#b32d2e';
				answer.textContent = ( error && error.message ) || __( 'The request failed.', 'wp-steem-bridge' );
			}
		);
	}

	document.addEventListener( 'click', function ( event ) {
		var link = event.target.closest && event.target.closest( 'a.wpsb-row-action' );
		if ( link ) {
			event.preventDefault();
			ask( link );
		}
	} );
} )( window.wp );
