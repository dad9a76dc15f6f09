<?php
/**
 * How mirrored chain values read on the site: amounts in the site's number format (exact, grouped
 * by the locale's separators), VESTS as Steem Power, chain times (UTC) in the site's date and time
 * format and time zone, votes strongest first, and the payout sentence (pending, pays out in 3
 * days / paid X on <date>). Pure formatting: returns text, the callers escape it.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/** "1234567.891" -> "1,234,567.891" with the locale's separators, digit for digit (no float). */
function wpsb_group_decimal( $sign, $whole, $fraction ) {
	global $wp_locale;
	$thousands = isset( $wp_locale ) ? $wp_locale->number_format['thousands_sep'] : ',';
	$point     = isset( $wp_locale ) ? $wp_locale->number_format['decimal_point'] : '.';
	$grouped   = strrev( implode( $thousands, str_split( strrev( $whole ), 3 ) ) );
	return $sign . $grouped . ( '' === $fraction ? '' : $point . $fraction );
}

/** The unit power is shown in: SP on Steem, HP on Hive (from the mirrored globals; SP without). */
function wpsb_power_unit() {
	$globals = wpsb_chain_globals();
	return ( $globals && 'HIVE' === $globals['symbol'] ) ? 'HP' : 'SP';
}

/**
 * An asset string for people: "1234.500 SBD" -> "1,234.500 SBD", "2000.000000 VESTS" -> "1.000 SP"
 * once the chain globals are mirrored (VESTS, grouped, without them). Text that is not an asset is
 * returned as it is; "" stays "".
 */
function wpsb_format_asset( $text ) {
	$text = (string) $text;
	if ( ! preg_match( '/^(-?)([0-9]+)\.([0-9]+) ([A-Z]{3,5})$/', $text, $m ) ) {
		return $text;
	}
	if ( 'VESTS' === $m[4] ) {
		$power = wpsb_vests_to_power( $text );
		if ( null !== $power ) {
			return number_format_i18n( $power[0], 3 ) . ' ' . $power[1];
		}
	}
	return wpsb_group_decimal( $m[1], ltrim( $m[2], '0' ) ?: '0', $m[3] ) . ' ' . $m[4];
}

/** A STEEM (or HIVE) amount that is vested power, shown as "12.345 SP" (or HP). */
function wpsb_format_power( $text ) {
	$text = (string) $text;
	if ( ! preg_match( '/^(-?)([0-9]+)\.([0-9]+) ([A-Z]{3,5})$/', $text, $m ) ) {
		return $text;
	}
	return wpsb_group_decimal( $m[1], ltrim( $m[2], '0' ) ?: '0', $m[3] ) . ' ' . wpsb_power_unit();
}

/** Formatted assets joined as a list in the site's language ("1 SBD, 2 STEEM and 3 SP"); gaps skipped. */
function wpsb_format_asset_list( array $texts ) {
	$parts = array_values( array_filter( array_map( 'wpsb_format_asset', $texts ), 'strlen' ) );
	return $parts ? wp_sprintf( '%l', $parts ) : '';
}

/** A chain time ("2024-01-31T12:00:00", UTC) as a Unix timestamp, or null. */
function wpsb_chain_timestamp( $iso ) {
	if ( ! is_string( $iso ) || ! preg_match( '/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z?$/', $iso ) ) {
		return null;
	}
	$time = date_create_immutable( rtrim( $iso, 'Z' ), new DateTimeZone( 'UTC' ) );
	return $time ? $time->getTimestamp() : null;
}

/** A chain time in the site's date and time format and time zone; "" when there is none. */
function wpsb_format_chain_time( $iso ) {
	$timestamp = wpsb_chain_timestamp( $iso );
	if ( null === $timestamp ) {
		return '';
	}
	return sprintf(
		/* translators: 1: a date in the site's date format, 2: a time in the site's time format */
		_x( '%1$s at %2$s', 'date and time', 'wp-steem-bridge' ),
		wp_date( get_option( 'date_format' ), $timestamp ),
		wp_date( get_option( 'time_format' ), $timestamp )
	);
}

/** `<time datetime="...Z">site-formatted</time>`, escaped; "" when the time is missing. */
function wpsb_time_html( $iso, $class ) {
	$text = wpsb_format_chain_time( $iso );
	if ( '' === $text ) {
		return '';
	}
	return '<time class="' . esc_attr( $class ) . '" datetime="' . esc_attr( rtrim( $iso, 'Z' ) . 'Z' ) . '">' . esc_html( $text ) . '</time>';
}

/** Compares two decimal integer strings of any length (rshares, weight): -1, 0 or 1. */
function wpsb_compare_bigint( $a, $b ) {
	$a = preg_match( '/^-?[0-9]+$/', (string) $a ) ? (string) $a : '0';
	$b = preg_match( '/^-?[0-9]+$/', (string) $b ) ? (string) $b : '0';
	$a_negative = '-' === $a[0];
	$b_negative = '-' === $b[0];
	if ( $a_negative !== $b_negative ) {
		return $a_negative ? -1 : 1;
	}
	$a_digits = ltrim( ltrim( $a, '-' ), '0' );
	$b_digits = ltrim( ltrim( $b, '-' ), '0' );
	$order    = strlen( $a_digits ) <=> strlen( $b_digits );
	$order    = 0 !== $order ? $order : strcmp( $a_digits, $b_digits ) <=> 0;
	return $a_negative ? -$order : $order;
}

/** Votes strongest first: rshares, then weight, descending; ties by time, earliest first. */
function wpsb_sorted_votes( array $votes ) {
	$votes = array_values( $votes );
	usort(
		$votes,
		function ( $a, $b ) {
			$order = wpsb_compare_bigint( wpsb_item_text( $b, 'rshares' ), wpsb_item_text( $a, 'rshares' ) );
			if ( 0 === $order ) {
				$order = wpsb_compare_bigint( wpsb_item_text( $b, 'weight' ), wpsb_item_text( $a, 'weight' ) );
			}
			return 0 !== $order ? $order : strcmp( wpsb_item_text( $a, 'time' ), wpsb_item_text( $b, 'time' ) );
		}
	);
	return $votes;
}

/**
 * The payout sentence of a mirrored post, as escaped HTML: "Paid 1.234 SBD on <date>: author ...,
 * curators ..." after payout; "Pending payout 1.234 SBD, pays out in 3 days (<date>)" before.
 */
function wpsb_payout_html( array $m ) {
	if ( $m['steem_paid_out'] ) {
		$total = wpsb_sum_assets( array( $m['steem_author_payout'], $m['steem_curator_payout'] ) );
		return sprintf(
			/* translators: 1: total payout, e.g. "1.234 SBD", 2: payout date, 3: author's part, 4: curators' part */
			esc_html__( 'Paid %1$s on %2$s: author %3$s, curators %4$s', 'wp-steem-bridge' ),
			'<span class="wpsb-total-payout">' . esc_html( wpsb_format_asset( $total ) ) . '</span>',
			wpsb_time_html( $m['steem_payout_time'], 'wpsb-payout-time' ),
			'<span class="wpsb-author-payout">' . esc_html( wpsb_format_asset( $m['steem_author_payout'] ) ) . '</span>',
			'<span class="wpsb-curator-payout">' . esc_html( wpsb_format_asset( $m['steem_curator_payout'] ) ) . '</span>'
		);
	}
	$pending   = '<span class="wpsb-pending-payout">' . esc_html( wpsb_format_asset( $m['steem_pending_payout'] ) ) . '</span>';
	$timestamp = wpsb_chain_timestamp( $m['steem_payout_time'] );
	if ( null === $timestamp ) {
		/* translators: %s: pending payout, e.g. "1.234 SBD" */
		return sprintf( esc_html__( 'Pending payout %s', 'wp-steem-bridge' ), $pending );
	}
	$when = wpsb_time_html( $m['steem_payout_time'], 'wpsb-payout-time' );
	if ( $timestamp <= time() ) {
		/* translators: 1: pending payout, e.g. "1.234 SBD", 2: the due date */
		return sprintf( esc_html__( 'Pending payout %1$s, due since %2$s', 'wp-steem-bridge' ), $pending, $when );
	}
	return sprintf(
		/* translators: 1: pending payout, e.g. "1.234 SBD", 2: time left, e.g. "3 days", 3: the payout date */
		esc_html__( 'Pending payout %1$s, pays out in %2$s (%3$s)', 'wp-steem-bridge' ),
		$pending,
		'<span class="wpsb-payout-in">' . esc_html( human_time_diff( time(), $timestamp ) ) . '</span>',
		$when
	);
}

/** The label of a sync status in the admin column; unknown statuses show as they are. */
function wpsb_status_label( $status ) {
	$labels = array(
		''              => '—',
		'pending'       => _x( 'pending', 'sync status', 'wp-steem-bridge' ),
		'waiting'       => _x( 'waiting', 'sync status', 'wp-steem-bridge' ),
		'published'     => _x( 'published', 'sync status', 'wp-steem-bridge' ),
		'confirmed'     => _x( 'confirmed', 'sync status', 'wp-steem-bridge' ),
		'failed'        => _x( 'failed', 'sync status', 'wp-steem-bridge' ),
		'skipped'       => _x( 'skipped', 'sync status', 'wp-steem-bridge' ),
		'deleted'       => _x( 'deleted from the chain', 'sync status', 'wp-steem-bridge' ),
		'kept_on_chain' => _x( 'kept on the chain', 'sync status', 'wp-steem-bridge' ),
		'tombstoned'    => _x( 'replaced on the chain by a removal note', 'sync status', 'wp-steem-bridge' ),
	);
	return $labels[ $status ] ?? $status;
}
