/**
 * The block editor's "Steem" panel (includes/editor-panel.php): the post's chain status and why,
 * its chain address and block, the mirrored payout and votes, and the author's per-post overrides
 * as controls bound to the registered meta. Opening a failed post shows an error notice with a
 * Retry action. Hand-written against the wp.* globals: no build step.
 */
( function ( wp, settings ) {
	'use strict';

	const el = wp.element.createElement;
	const { __, _n, sprintf } = wp.i18n;
	const { useEffect, useRef } = wp.element;
	const { useSelect, useDispatch } = wp.data;
	const { useEntityProp } = wp.coreData;
	const { PluginDocumentSettingPanel } = wp.editPost;
	const { ToggleControl, TextControl, SelectControl, Button, ExternalLink } = wp.components;
	const BENEFICIARIES = /^$|^[a-z0-9.-]{3,16}:[0-9]{1,5}(,[a-z0-9.-]{3,16}:[0-9]{1,5})*$/;

	/** [headline, explanation] for a chain status; the reason is shown under them. */
	function describe( status ) {
		switch ( status ) {
			case 'published':
			case 'confirmed':
				return [ __( 'Published on chain', 'wp-steem-bridge' ), '' ];
			case 'queued':
			case 'pending':
				return [ __( 'Queued', 'wp-steem-bridge' ), __( 'The bridge sends it to the chain at its next tick.', 'wp-steem-bridge' ) ];
			case 'scheduled':
				return [ __( 'Scheduled', 'wp-steem-bridge' ), __( 'The chain does not accept it yet; the bridge sends it by itself once chain time allows:', 'wp-steem-bridge' ) ];
			case 'waiting':
				return [ __( 'Waiting', 'wp-steem-bridge' ), __( 'Not sent yet; the bridge tries again by itself:', 'wp-steem-bridge' ) ];
			case 'failed':
				return [ __( 'Failed', 'wp-steem-bridge' ), __( 'The chain refused it and the bridge will not try again by itself:', 'wp-steem-bridge' ) ];
			case 'skipped':
				return [ __( 'Skipped', 'wp-steem-bridge' ), __( 'The bridge does not publish this post:', 'wp-steem-bridge' ) ];
			case 'kept_on_chain':
				return [ __( 'Kept on chain', 'wp-steem-bridge' ), __( 'It is no longer public here, but the chain does not allow deleting it:', 'wp-steem-bridge' ) ];
			case 'tombstoned':
				return [ __( 'Replaced on chain', 'wp-steem-bridge' ), __( 'It is no longer public here and the chain does not allow deleting it, so its text on chain was replaced by a "removed by the author" note:', 'wp-steem-bridge' ) ];
			case 'deleted':
				return [ __( 'Deleted from the chain', 'wp-steem-bridge' ), __( 'The post was deleted on chain after it was unpublished here.', 'wp-steem-bridge' ) ];
			default:
				/* translators: %s: a chain status the panel does not know */
				return [ sprintf( __( 'Chain status: %s', 'wp-steem-bridge' ), status ), '' ];
		}
	}

	function chainUrl( author, permlink ) {
		return settings.frontEnd + '/@' + encodeURIComponent( author ) + '/' + encodeURIComponent( permlink );
	}

	function para( className, ...children ) {
		return el( 'p', { className }, ...children );
	}

	/** The status, its reason, the next step for a failure, and where the post is on chain. */
	function StatusView( { meta, postStatus, onRetry } ) {
		const status = meta.steem_status || '';
		if ( ! status ) {
			const text = meta.steem_opt_out
				? __( 'Kept off the chain: publishing to the chain is turned off for this post.', 'wp-steem-bridge' )
				: 'publish' === postStatus
				? __( 'Not on chain yet: the bridge picks this post up at its next tick.', 'wp-steem-bridge' )
				: __( 'Not on chain: the bridge publishes this post once it is published here.', 'wp-steem-bridge' );
			return para( 'wpsb-status wpsb-status-none', text );
		}
		const [ headline, explanation ] = describe( status );
		const parts = [ para( 'wpsb-status wpsb-status-' + status, el( 'strong', null, headline ) ) ];
		if ( explanation ) {
			parts.push( para( 'wpsb-explanation', explanation ) );
		}
		if ( meta.steem_error ) {
			parts.push( para( 'wpsb-reason', meta.steem_error ) );
		}
		if ( 'failed' === status ) {
			parts.push( para( 'wpsb-next-step', __( 'What to do: fix the cause above, then press Retry (or run wp-steem-bridge retry --failed).', 'wp-steem-bridge' ) ) );
			parts.push( para( 'wpsb-retry-row', el( Button, { variant: 'secondary', className: 'wpsb-retry', onClick: onRetry }, __( 'Retry', 'wp-steem-bridge' ) ) ) );
		}
		if ( meta.steem_author && meta.steem_permlink ) {
			const address = '@' + meta.steem_author + '/' + meta.steem_permlink;
			parts.push( para( 'wpsb-address', el( ExternalLink, { href: chainUrl( meta.steem_author, meta.steem_permlink ) }, address ) ) );
		}
		if ( meta.steem_block > 0 ) {
			/* translators: %d: block number */
			parts.push( para( 'wpsb-block', sprintf( __( 'In block %d', 'wp-steem-bridge' ), meta.steem_block ) ) );
		}
		return el( 'div', null, ...parts );
	}

	/** A chain time (UTC, "YYYY-MM-DDTHH:MM:SS") in the site's own date and time format and zone. */
	function siteTime( utc ) {
		const formats = wp.date.getSettings().formats;
		return wp.date.dateI18n( formats.date + ' ' + formats.time, utc + 'Z' );
	}

	/** How long until ``ms`` milliseconds from now: "3 days", "5 hours", "10 minutes". */
	function timeLeft( ms ) {
		const minutes = Math.max( 1, Math.round( ms / 60000 ) );
		if ( minutes >= 1440 ) {
			const days = Math.round( minutes / 1440 );
			/* translators: %d: number of days */
			return sprintf( _n( '%d day', '%d days', days, 'wp-steem-bridge' ), days );
		}
		if ( minutes >= 60 ) {
			const hours = Math.round( minutes / 60 );
			/* translators: %d: number of hours */
			return sprintf( _n( '%d hour', '%d hours', hours, 'wp-steem-bridge' ), hours );
		}
		/* translators: %d: number of minutes */
		return sprintf( _n( '%d minute', '%d minutes', minutes, 'wp-steem-bridge' ), minutes );
	}

	/** "Pending payout 1.234 SBD, pays out in 3 days (the date)", or due since, once past. */
	function pendingPayout( meta ) {
		const left = new Date( meta.steem_payout_time + 'Z' ).getTime() - Date.now();
		if ( left <= 0 ) {
			/* translators: 1: pending payout, e.g. "1.234 SBD", 2: the payout date */
			return sprintf( __( 'Pending payout %1$s, due since %2$s', 'wp-steem-bridge' ),
				meta.steem_pending_payout, siteTime( meta.steem_payout_time ) );
		}
		return sprintf(
			/* translators: 1: pending payout, e.g. "1.234 SBD", 2: time left, e.g. "3 days", 3: the payout date */
			__( 'Pending payout %1$s, pays out in %2$s (%3$s)', 'wp-steem-bridge' ),
			meta.steem_pending_payout, timeLeft( left ), siteTime( meta.steem_payout_time ) );
	}

	/** The mirrored payout and votes, once the bridge mirrored them. */
	function RewardsView( { meta } ) {
		if ( ! meta.steem_author || ! meta.steem_permlink ) {
			return null;
		}
		if ( ! meta.steem_mirror_block ) {
			return para( 'wpsb-payout', __( 'Rewards: not mirrored yet.', 'wp-steem-bridge' ) );
		}
		const payout = meta.steem_paid_out
			? sprintf(
				/* translators: 1: payout date and time in the site's format, 2: author payout, 3: curator payout */
				__( 'Paid out %1$s: author %2$s, curators %3$s', 'wp-steem-bridge' ),
				siteTime( meta.steem_payout_time ), meta.steem_author_payout, meta.steem_curator_payout )
			: pendingPayout( meta );
		const votes = meta.steem_vote_count || 0;
		return el( 'div', null,
			para( 'wpsb-payout', payout ),
			/* translators: %d: number of votes */
			para( 'wpsb-votes', sprintf( _n( '%d vote', '%d votes', votes, 'wp-steem-bridge' ), votes ) ) );
	}

	/** The author's overrides, bound to the registered meta (saved with the post). */
	function OverridesView( { meta, setMeta, onChain } ) {
		const beneficiariesOk = BENEFICIARIES.test( meta.steem_beneficiaries || '' );
		return el( 'div', { className: 'wpsb-overrides' },
			el( ToggleControl, {
				label: __( 'Keep this post off the chain', 'wp-steem-bridge' ),
				checked: !! meta.steem_opt_out,
				onChange: ( value ) => setMeta( { steem_opt_out: value } ),
			} ),
			el( TextControl, {
				label: __( 'Chain tags', 'wp-steem-bridge' ),
				help: __( 'Comma-separated; replace the post\'s tags on chain. Empty: the post\'s own tags.', 'wp-steem-bridge' ),
				value: meta.steem_tags || '',
				onChange: ( value ) => setMeta( { steem_tags: value } ),
			} ),
			el( TextControl, {
				label: __( 'Beneficiaries', 'wp-steem-bridge' ),
				help: beneficiariesOk
					? __( 'account:share in basis points, comma-separated (10000 = 100 %), e.g. alice:1000', 'wp-steem-bridge' )
					: __( 'Not valid: write account:basis_points,… e.g. alice:1000,bob:500. The post cannot be saved like this.', 'wp-steem-bridge' ),
				className: beneficiariesOk ? '' : 'wpsb-invalid',
				value: meta.steem_beneficiaries || '',
				onChange: ( value ) => setMeta( { steem_beneficiaries: value.replace( /\s+/g, '' ) } ),
			} ),
			el( SelectControl, {
				label: __( 'Payout', 'wp-steem-bridge' ),
				value: meta.steem_payout || '',
				options: [
					{ value: '', label: __( 'Site default', 'wp-steem-bridge' ) },
					{ value: '50/50', label: __( '50 % liquid, 50 % Steem Power', 'wp-steem-bridge' ) },
					{ value: 'power_up', label: __( '100 % Steem Power', 'wp-steem-bridge' ) },
					{ value: 'decline', label: __( 'Decline payout', 'wp-steem-bridge' ) },
				],
				onChange: ( value ) => setMeta( { steem_payout: value } ),
			} ),
			onChain
				? para( 'wpsb-overrides-note', __( 'Beneficiaries and payout are fixed on chain when the post is first published there; changing them now has no effect on chain.', 'wp-steem-bridge' ) )
				: null );
	}

	function ChainPanel() {
		const { postType, postId, postStatus } = useSelect( ( select ) => {
			const editor = select( 'core/editor' );
			return {
				postType: editor.getCurrentPostType(),
				postId: editor.getCurrentPostId(),
				postStatus: editor.getEditedPostAttribute( 'status' ),
			};
		}, [] );
		const [ meta, setMeta ] = useEntityProp( 'postType', 'post', 'meta' );
		const { createErrorNotice, createSuccessNotice } = useDispatch( 'core/notices' );
		const failureShown = useRef( false );
		const status = meta ? meta.steem_status : '';

		function ask( path, data ) {
			wp.apiFetch( { path, method: 'POST', data } ).then(
				( response ) => createSuccessNotice( response.message, { type: 'snackbar' } ),
				( error ) => createErrorNotice( ( error && error.message ) || __( 'The request failed.', 'wp-steem-bridge' ), { type: 'snackbar' } )
			);
		}
		const retry = () => ask( '/wp-steem-bridge/v1/posts/' + postId + '/retry', {} );

		useEffect( () => {
			if ( 'failed' !== status || failureShown.current ) {
				return;
			}
			failureShown.current = true;
			createErrorNotice(
				sprintf(
					/* translators: %s: the reason the bridge recorded */
					__( 'This post did not reach the Steem chain (%s). Fix the cause, then press Retry (or run wp-steem-bridge retry --failed).', 'wp-steem-bridge' ),
					meta.steem_error || __( 'no reason was recorded', 'wp-steem-bridge' )
				),
				{ id: 'wpsb-chain-failed', actions: [ { label: __( 'Retry', 'wp-steem-bridge' ), onClick: retry } ] }
			);
		}, [ status ] );

		if ( 'post' !== postType || ! meta ) {
			return null;
		}
		const onChain = 'published' === status || 'kept_on_chain' === status || 'tombstoned' === status || 'confirmed' === status;
		return el( PluginDocumentSettingPanel, { name: 'wpsb-chain-panel', title: __( 'Steem', 'wp-steem-bridge' ), className: 'wpsb-chain-panel' },
			el( StatusView, { meta, postStatus, onRetry: retry } ),
			el( RewardsView, { meta } ),
			'publish' === postStatus
				? para( 'wpsb-sync-row', el( Button, { variant: 'link', className: 'wpsb-sync', onClick: () => ask( '/wp-steem-bridge/v1/sync', { post_id: postId } ) }, __( 'Sync now', 'wp-steem-bridge' ) ) )
				: null,
			el( 'hr' ),
			el( OverridesView, { meta, setMeta, onChain } ) );
	}

	wp.plugins.registerPlugin( 'wpsb-chain', { render: ChainPanel, icon: null } );
} )( window.wp, window.wpsbEditor || { frontEnd: 'https://steemit.com' } );
