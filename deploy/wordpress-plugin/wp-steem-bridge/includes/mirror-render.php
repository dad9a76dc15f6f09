<?php
/**
 * Rewards mirror, display side: a post's payout and votes under the post (auto, a block
 * `wp-steem-bridge/post-rewards` and the shortcode [steem_rewards]), a member's rewards on their
 * profile page, in a widget, a block `wp-steem-bridge/member-rewards` and the shortcode
 * [steem_member_rewards user="login"], and payout in the admin "Steem" column.
 *
 * Everything is read from the mirrored meta: no chain calls from PHP. Every value is escaped.
 *
 * @package wp-steem-bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * "1.234 STEEM" -> array( 1234, 'STEEM', 3 ), or null, also for values whose satoshis would not
 * fit in an integer (stored before the schema bounded the digits): never a float.
 */
function wpsb_parse_asset( $text ) {
	if ( ! is_string( $text ) || ! preg_match( '/^(-?)([0-9]{1,15})\.([0-9]{3}|[0-9]{6}) ([A-Z]{3,5})$/', $text, $m ) ) {
		return null;
	}
	$digits = ltrim( $m[2] . $m[3], '0' );
	if ( strlen( $digits ) > 18 ) {
		return null; // 19 digits may not fit in a 64-bit integer.
	}
	$value = (int) $digits;
	return array( '-' === $m[1] ? -$value : $value, $m[4], strlen( $m[3] ) );
}

/** Sum of asset strings of one symbol, exact (integer satoshis); "" when none parse. */
function wpsb_sum_assets( array $texts ) {
	$total = null;
	foreach ( $texts as $text ) {
		$asset = wpsb_parse_asset( $text );
		if ( null === $asset ) {
			continue;
		}
		if ( null === $total ) {
			$total = $asset;
		} elseif ( $total[1] === $asset[1] && $total[2] === $asset[2] ) {
			$sum = $total[0] + $asset[0];
			if ( ! is_int( $sum ) ) {
				return ''; // Beyond 64 bits: show nothing rather than a rounded float.
			}
			$total[0] = $sum;
		}
	}
	if ( null === $total || PHP_INT_MIN === $total[0] ) {
		return '';
	}
	// Decimal point placed by string, not intdiv(): exact for every 64-bit integer.
	$digits = str_pad( (string) abs( $total[0] ), $total[2] + 1, '0', STR_PAD_LEFT );
	$sign   = $total[0] < 0 ? '-' : '';
	return $sign . substr( $digits, 0, -$total[2] ) . '.' . substr( $digits, -$total[2] ) . ' ' . $total[1];
}

/** "1 SBD, 2 STEEM and 3 SP" of a rewards window object, formatted, skipping missing parts. */
function wpsb_window_text( $window ) {
	$parts = array();
	foreach ( array( 'sbd', 'steem', 'vests' ) as $field ) {
		$parts[] = wpsb_item_text( $window, $field );
	}
	return wpsb_format_asset_list( $parts );
}

/** A value of a mirrored list item as text ("" when missing: stored before items were validated). */
function wpsb_item_text( $item, $field ) {
	$value = is_array( $item ) ? ( $item[ $field ] ?? '' ) : '';
	return is_scalar( $value ) ? (string) $value : '';
}

function wpsb_chain_url( $author, $permlink ) {
	$base = apply_filters( 'wpsb_chain_front_end', 'https://steemit.com' );
	return trailingslashit( $base ) . '@' . rawurlencode( $author ) . '/' . rawurlencode( $permlink );
}

/**
 * Whether the current viewer may see the chain data of post $post_id: a post (not a page or
 * another type) that is public or that they may read (private, draft, pending, scheduled, trash:
 * `read_post`), and not behind a password they have not entered. Every place that shows another
 * post's payout, votes or chain link asks this first: an author may embed any post id.
 */
function wpsb_viewer_may_see_post( $post_id ) {
	$post = get_post( (int) $post_id );
	if ( ! $post || 'post' !== $post->post_type || post_password_required( $post ) ) {
		return false;
	}
	return is_post_publicly_viewable( $post ) || current_user_can( 'read_post', $post->ID );
}

/**
 * REST answers about a password-protected post carry none of its chain data (payout, votes, chain
 * address) unless the requester may see its content, as core decides for the content itself: who
 * may edit the post, or who sent its password. Private and draft posts core already withholds.
 */
function wpsb_rest_hide_protected_chain_meta( $response, $post, $request ) {
	if ( '' === (string) $post->post_password || current_user_can( 'edit_post', $post->ID )
		|| hash_equals( (string) $post->post_password, (string) $request['password'] ) ) {
		return $response;
	}
	$data = $response->get_data();
	if ( isset( $data['meta'] ) && is_array( $data['meta'] ) ) {
		foreach ( array_keys( $data['meta'] ) as $key ) {
			if ( 0 === strpos( (string) $key, 'steem_' ) ) {
				unset( $data['meta'][ $key ] );
			}
		}
		$response->set_data( $data );
	}
	return $response;
}
add_filter( 'rest_prepare_post', 'wpsb_rest_hide_protected_chain_meta', 10, 3 );

/** The payout and votes box of one post; "" when the post is not on chain or not the viewer's to see. */
function wpsb_render_post_rewards( $post_id ) {
	$post_id = (int) $post_id;
	if ( ! wpsb_viewer_may_see_post( $post_id ) ) {
		return '';
	}
	$chain = wpsb_read_chain_meta( $post_id );
	if ( '' === $chain['steem_author'] || '' === $chain['steem_permlink'] ) {
		return '';
	}
	$m   = wpsb_mirror_values( 'post', $post_id );
	$out = '<div class="wpsb-rewards" data-wpsb-post="' . esc_attr( $post_id ) . '">';
	if ( 0 === $m['steem_mirror_block'] ) {
		$out .= '<p class="wpsb-payout">' . esc_html__( 'Steem rewards: not mirrored yet.', 'wp-steem-bridge' ) . '</p>';
	} else {
		$out .= '<p class="wpsb-payout">' . wpsb_payout_html( $m ) . '</p>';
	}
	if ( $m['steem_paid_out'] && 0 !== $m['steem_mirror_block'] ) {
		$received = wpsb_format_asset_list( array( $m['steem_author_sbd'], $m['steem_author_steem'], $m['steem_author_vests'] ) );
		if ( '' !== $received ) {
			/* translators: %s: list of amounts, e.g. "1.000 SBD, 2.000 STEEM and 3.000 SP" */
			$out .= '<p class="wpsb-author-split">' . esc_html( sprintf( __( 'Author received %s', 'wp-steem-bridge' ), $received ) ) . '</p>';
		}
		foreach ( (array) $m['steem_beneficiary_payouts'] as $ben ) {
			$amounts = wpsb_format_asset_list( array( wpsb_item_text( $ben, 'sbd' ), wpsb_item_text( $ben, 'steem' ), wpsb_item_text( $ben, 'vests' ) ) );
			$out    .= '<p class="wpsb-beneficiary">' . esc_html(
				sprintf(
					/* translators: 1: beneficiary account, 2: list of amounts */
					__( 'Beneficiary @%1$s received %2$s', 'wp-steem-bridge' ),
					wpsb_item_text( $ben, 'account' ),
					'' !== $amounts ? $amounts : '—'
				)
			) . '</p>';
		}
	}
	$count = (int) $m['steem_vote_count'];
	$out  .= '<p class="wpsb-vote-summary">' . sprintf(
		/* translators: %s: number of votes */
		esc_html( _n( '%s vote', '%s votes', $count, 'wp-steem-bridge' ) ),
		'<span class="wpsb-vote-count">' . esc_html( number_format_i18n( $count ) ) . '</span>'
	) . '</p>';
	if ( $m['steem_votes'] ) {
		$out .= '<ul class="wpsb-votes">';
		foreach ( wpsb_sorted_votes( (array) $m['steem_votes'] ) as $vote ) {
			$percent = (int) wpsb_item_text( $vote, 'percent' );
			$out    .= '<li><span class="wpsb-voter">@' . esc_html( wpsb_item_text( $vote, 'voter' ) ) . '</span> <span class="wpsb-percent">'
				. esc_html( number_format_i18n( $percent / 100, 2 ) ) . '%</span> '
				. wpsb_time_html( wpsb_item_text( $vote, 'time' ), 'wpsb-vote-time' ) . '</li>';
		}
		$out .= '</ul>';
	}
	$out .= '<p class="wpsb-chain-link"><a href="' . esc_url( wpsb_chain_url( $chain['steem_author'], $chain['steem_permlink'] ) ) . '">'
		. esc_html__( 'View on Steem', 'wp-steem-bridge' ) . '</a></p></div>';
	return $out;
}

/** The rewards box of one member; "" when the user has no mirrored rewards. */
function wpsb_render_member_rewards( $user_id ) {
	$user = get_userdata( (int) $user_id );
	if ( ! $user ) {
		return '';
	}
	$m = wpsb_mirror_values( 'user', $user->ID );
	if ( 0 === $m['steem_mirror_block'] ) {
		return '';
	}
	$unclaimed = wpsb_format_asset_list( array( $m['steem_reward_sbd_balance'], $m['steem_reward_steem_balance'] ) );
	$unclaimed = implode( ', ', array_filter( array( $unclaimed, wpsb_format_power( $m['steem_reward_vesting_steem'] ) ), 'strlen' ) );
	$rows      = array(
		'author-rewards'   => array( __( 'Author rewards', 'wp-steem-bridge' ), wpsb_format_asset( $m['steem_author_rewards'] ) ),
		'curation-rewards' => array( __( 'Curation rewards', 'wp-steem-bridge' ), wpsb_format_asset( $m['steem_curation_rewards'] ) ),
		'total-rewards'    => array( __( 'Total rewards', 'wp-steem-bridge' ), wpsb_format_asset( wpsb_sum_assets( array( $m['steem_author_rewards'], $m['steem_curation_rewards'] ) ) ) ),
		'author-7d'        => array( __( 'Author rewards, 7 days', 'wp-steem-bridge' ), wpsb_window_text( $m['steem_author_rewards_7d'] ) ),
		'author-30d'       => array( __( 'Author rewards, 30 days', 'wp-steem-bridge' ), wpsb_window_text( $m['steem_author_rewards_30d'] ) ),
		'curation-7d'      => array( __( 'Curation rewards, 7 days', 'wp-steem-bridge' ), wpsb_format_asset( $m['steem_curation_rewards_7d'] ) ),
		'curation-30d'     => array( __( 'Curation rewards, 30 days', 'wp-steem-bridge' ), wpsb_format_asset( $m['steem_curation_rewards_30d'] ) ),
		'unclaimed'        => array( __( 'Unclaimed rewards', 'wp-steem-bridge' ), $unclaimed ),
		'steem-power'      => array( __( 'Steem Power', 'wp-steem-bridge' ), wpsb_format_power( $m['steem_power'] ) ),
		'pending'          => array( __( 'Pending payouts', 'wp-steem-bridge' ), wpsb_format_asset( $m['steem_pending_payout'] ) ),
	);
	$out = '<table class="wpsb-member-rewards" data-wpsb-user="' . esc_attr( $user->ID ) . '"><tbody>';
	foreach ( $rows as $class => $row ) {
		$out .= '<tr class="wpsb-' . esc_attr( $class ) . '"><th scope="row">' . esc_html( $row[0] ) . '</th><td class="wpsb-value">' . esc_html( $row[1] ) . '</td></tr>';
	}
	return $out . '</tbody></table>';
}

function wpsb_append_post_rewards( $content ) {
	// in_the_loop() is false in block themes before WP 6.3, so compare with the queried post.
	if ( ! is_singular( 'post' ) || get_the_ID() !== get_queried_object_id()
		|| ! apply_filters( 'wpsb_show_rewards_under_posts', true )
		|| false !== strpos( $content, 'wpsb-rewards' ) ) {
		return $content;
	}
	return $content . wpsb_render_post_rewards( get_the_ID() );
}
add_filter( 'the_content', 'wpsb_append_post_rewards', 20 );

function wpsb_post_rewards_shortcode( $atts ) {
	$atts = shortcode_atts( array( 'id' => 0 ), $atts, 'steem_rewards' );
	return wpsb_render_post_rewards( $atts['id'] ? (int) $atts['id'] : get_the_ID() );
}

function wpsb_member_rewards_shortcode( $atts ) {
	$atts = shortcode_atts( array( 'user' => '' ), $atts, 'steem_member_rewards' );
	$user = '' !== $atts['user'] ? get_user_by( 'login', $atts['user'] ) : null;
	$id   = $user ? $user->ID : (int) get_post_field( 'post_author', get_the_ID() );
	return wpsb_render_member_rewards( $id );
}

function wpsb_register_render() {
	add_shortcode( 'steem_rewards', 'wpsb_post_rewards_shortcode' );
	add_shortcode( 'steem_member_rewards', 'wpsb_member_rewards_shortcode' );
	register_block_type(
		'wp-steem-bridge/post-rewards',
		array(
			'attributes'      => array( 'postId' => array( 'type' => 'integer', 'default' => 0 ) ),
			'render_callback' => function ( $attributes ) {
				return wpsb_render_post_rewards( ! empty( $attributes['postId'] ) ? (int) $attributes['postId'] : get_the_ID() );
			},
		)
	);
	register_block_type(
		'wp-steem-bridge/member-rewards',
		array(
			'attributes'      => array( 'user' => array( 'type' => 'string', 'default' => '' ) ),
			'render_callback' => function ( $attributes ) {
				return wpsb_member_rewards_shortcode( array( 'user' => (string) ( $attributes['user'] ?? '' ) ) );
			},
		)
	);
}
add_action( 'init', 'wpsb_register_render' );

/** The member's rewards on their own profile page (and on the edit-user page for admins). */
function wpsb_profile_rewards( $user ) {
	$box = wpsb_render_member_rewards( $user->ID );
	if ( '' === $box ) {
		return;
	}
	echo '<h2>' . esc_html__( 'Steem rewards', 'wp-steem-bridge' ) . '</h2>';
	echo $box; // phpcs:ignore WordPress.Security.EscapeOutput -- built from escaped parts above.
}
add_action( 'show_user_profile', 'wpsb_profile_rewards' );
add_action( 'edit_user_profile', 'wpsb_profile_rewards' );

/** Classic widget: the rewards of the post's author on single posts, or of a chosen member. */
class WPSB_Member_Rewards_Widget extends WP_Widget {
	public function __construct() {
		parent::__construct( 'wpsb_member_rewards', __( 'Steem rewards', 'wp-steem-bridge' ) );
	}

	public function widget( $args, $instance ) {
		$login = isset( $instance['user'] ) ? (string) $instance['user'] : '';
		$user  = '' !== $login ? get_user_by( 'login', $login ) : null;
		$id    = $user ? $user->ID : ( is_singular() ? (int) get_post_field( 'post_author', get_the_ID() ) : 0 );
		$box   = $id ? wpsb_render_member_rewards( $id ) : '';
		if ( '' === $box ) {
			return;
		}
		echo $args['before_widget'] . $args['before_title'] . esc_html__( 'Steem rewards', 'wp-steem-bridge' ) . $args['after_title']; // phpcs:ignore
		echo $box . $args['after_widget']; // phpcs:ignore
	}

	public function form( $instance ) {
		$login = isset( $instance['user'] ) ? (string) $instance['user'] : '';
		printf(
			'<p><label for="%1$s">%2$s</label> <input class="widefat" id="%1$s" name="%3$s" type="text" value="%4$s"></p>',
			esc_attr( $this->get_field_id( 'user' ) ),
			esc_html__( 'Member login (empty: the post author)', 'wp-steem-bridge' ),
			esc_attr( $this->get_field_name( 'user' ) ),
			esc_attr( $login )
		);
	}

	public function update( $new_instance, $old_instance ) {
		return array( 'user' => sanitize_user( (string) ( $new_instance['user'] ?? '' ) ) );
	}
}
add_action(
	'widgets_init',
	function () {
		register_widget( 'WPSB_Member_Rewards_Widget' );
	}
);

/** Payout and vote count in the admin posts list's "Steem" column. */
function wpsb_render_column_payout( $column, $post_id ) {
	if ( 'wpsb_steem' !== $column ) {
		return;
	}
	$chain = wpsb_read_chain_meta( $post_id );
	if ( '' !== $chain['steem_author'] && '' !== $chain['steem_permlink'] ) {
		echo '<br><a class="wpsb-chain-link" href="' . esc_url( wpsb_chain_url( $chain['steem_author'], $chain['steem_permlink'] ) ) . '">' . esc_html__( 'view', 'wp-steem-bridge' ) . '</a>';
	}
	$m = wpsb_mirror_values( 'post', $post_id );
	if ( 0 === $m['steem_mirror_block'] ) {
		return;
	}
	$payout = $m['steem_paid_out'] ? wpsb_sum_assets( array( $m['steem_author_payout'], $m['steem_curator_payout'] ) ) : $m['steem_pending_payout'];
	$state  = $m['steem_paid_out'] ? _x( 'paid', 'payout state', 'wp-steem-bridge' ) : _x( 'pending', 'payout state', 'wp-steem-bridge' );
	$count  = (int) $m['steem_vote_count'];
	echo '<br><span class="wpsb-column-payout">' . esc_html( wpsb_format_asset( $payout ) ) . '</span> <span class="wpsb-column-state">(' . esc_html( $state ) . ')</span> · <span class="wpsb-column-votes">'
		/* translators: %s: number of votes */
		. esc_html( sprintf( _n( '%s vote', '%s votes', $count, 'wp-steem-bridge' ), number_format_i18n( $count ) ) ) . '</span>';
}
add_action( 'manage_post_posts_custom_column', 'wpsb_render_column_payout', 11, 2 );
