"""The companion plugin's bridge-only write routes under stress, against the real local
WordPress (site "test"): concurrent identical requests write once, award inputs are validated,
mirrored values are bounded and render without PHP warnings, and the PHP is WP_DEBUG-clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from tests.integration.test_plugin_security import a_bridged_post, reply_item
from tests.support.points_plugins import (
    activate_gamipress,
    activate_mycred,
    deactivate,
    gamipress_logs,
    gamipress_points,
    mycred_balance,
    mycred_ledger,
)
from tests.support.wordpress import (
    REPO_ROOT,
    ensure_wordpress,
    link_test_plugin,
    wordpress_request,
)
from tests.support.wp_php import php_lint, php_warnings, server_log_size, wp_php

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return ensure_wordpress("test", seed=True)


@pytest.fixture
def bridged_post(site: dict[str, Any]) -> Iterator[dict[str, Any]]:
    with a_bridged_post(site) as post:
        yield post


# 3 -- concurrent identical requests


@pytest.fixture
def race_widener(site: dict[str, Any]) -> Iterator[None]:
    """A test plugin sleeping between the check and the write, so an unserialized race shows."""
    with plugin_active(site, "race-widener"):
        yield


@contextmanager
def plugin_active(site: dict[str, Any], slug: str) -> Iterator[None]:
    link_test_plugin(slug)
    path = f"/wp/v2/plugins/{slug}/{slug}"
    response = wordpress_request(site, "POST", path, json={"status": "active"})
    assert response.status_code == 200, response.text
    try:
        yield
    finally:
        wordpress_request(site, "POST", path, json={"status": "inactive"})


def in_parallel(count: int, call: Callable[[], requests.Response]) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: call(), range(count)))


def test_concurrent_identical_replies_create_one_comment(
        site: dict[str, Any], bridged_post: dict[str, Any], race_widener: None) -> None:
    item = reply_item(bridged_post, "re-race", "<p>once</p>")
    responses = in_parallel(8, lambda: wordpress_request(
        site, "POST", "/wp-steem-bridge/v1/mirror/comments", json={"comments": [item]}))

    statuses = sorted(r.json()["results"][0]["status"] for r in responses)
    found = wordpress_request(site, "GET", "/wp/v2/comments", params={
        "post": bridged_post["id"], "status": "hold", "context": "edit", "per_page": 100}).json()
    assert statuses == ["created"] + ["unchanged"] * 7, statuses
    assert [c["meta"]["steem_permlink"] for c in found] == ["re-race"]


@pytest.fixture
def mycred(site: dict[str, Any]) -> Iterator[None]:
    """The real myCRED, active for one test."""
    activate_mycred("test")
    try:
        yield
    finally:
        deactivate("test", "mycred")


@pytest.fixture
def gamipress(site: dict[str, Any]) -> Iterator[None]:
    """The real GamiPress with the points type "coins", active for one test."""
    activate_gamipress("test", "coins")
    try:
        yield
    finally:
        deactivate("test", "gamipress")


def award(post: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"post_id": post["id"], "voter": "voter-one", "author": "iguazi123",
            "permlink": post["permlink"], "points": 5, "plugin": "mycred", "points_type": "",
            **extra}


def award_results(site: dict[str, Any], awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = wordpress_request(site, "POST", "/wp-steem-bridge/v1/mirror/points",
                                 json={"awards": awards})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_concurrent_identical_awards_pay_once(site: dict[str, Any], bridged_post: dict[str, Any],
                                              mycred: None, race_widener: None) -> None:
    item = award(bridged_post)
    user_id = site["users"]["iguazi123"]["id"]
    before = mycred_balance("test", user_id)
    responses = in_parallel(8, lambda: wordpress_request(
        site, "POST", "/wp-steem-bridge/v1/mirror/points", json={"awards": [item]}))

    statuses = sorted(r.json()["results"][0]["status"] for r in responses)
    data = f"steem_vote:voter-one/iguazi123/{bridged_post['permlink']}"
    rows = [(e["ref"], int(e["ref_id"]), int(e["user_id"]), int(float(e["creds"])), e["ctype"])
            for e in mycred_ledger("test") if e["data"] == data]
    ledger = wp_php("test", f"echo count(get_post_meta({bridged_post['id']}, '_wpsb_vote_awards'));")
    assert statuses == ["already"] * 7 + ["awarded"], statuses
    assert rows == [("steem_vote", bridged_post["id"], user_id, 5, "mycred_default")]
    assert float(mycred_balance("test", user_id)["balance"]) == float(before["balance"] or 0) + 5
    assert ledger == "1"  # recorded once (myCRED's own has_entry alone would hide a second)


def test_concurrent_identical_gamipress_awards_pay_once(
        site: dict[str, Any], bridged_post: dict[str, Any], gamipress: None,
        race_widener: None) -> None:
    item = award(bridged_post, plugin="gamipress", points_type="coins")
    user_id = site["users"]["iguazi123"]["id"]
    before = gamipress_points("test", user_id, "coins")
    log_start = server_log_size("test")
    responses = in_parallel(8, lambda: wordpress_request(
        site, "POST", "/wp-steem-bridge/v1/mirror/points", json={"awards": [item]}))

    statuses = sorted(r.json()["results"][0]["status"] for r in responses)
    reason = f"Steem vote by @voter-one (steem_vote:voter-one/iguazi123/{bridged_post['permlink']})"
    logged = [(row["type"], int(row["points"]), row["points_type"])
              for row in gamipress_logs("test", user_id) if row["pattern"] == reason]
    assert statuses == ["already"] * 7 + ["awarded"], statuses
    # logged as points the member earned: GamiPress's "points_award" type is an administrator's
    # award and its log title then reads the admin_id meta, a PHP warning without one
    assert logged == [("points_earn", 5, "coins")]
    assert gamipress_points("test", user_id, "coins") == before + 5
    assert php_warnings("test", log_start) == []


def test_awards_in_a_points_type_the_plugin_lacks_are_refused_not_paid_elsewhere(
        site: dict[str, Any], bridged_post: dict[str, Any], mycred: None,
        gamipress: None) -> None:
    """myCRED pays an unknown point type into its default one (and its has_entry then never
    finds the entry); GamiPress keeps any type, or none, in user meta nothing shows."""
    user_id = site["users"]["iguazi123"]["id"]
    before = (mycred_balance("test", user_id), gamipress_points("test", user_id, "coins"),
              len(gamipress_logs("test", user_id)))
    results = award_results(site, [
        award(bridged_post, voter="voter-a", points_type="coins"),
        award(bridged_post, voter="voter-b", plugin="gamipress", points_type="nosuch"),
        award(bridged_post, voter="voter-c", plugin="gamipress", points_type=""),
    ])

    assert [r["status"] for r in results] == ["unavailable"] * 3, results
    assert 'myCRED has no point type "coins"' in results[0]["message"]
    assert "mycred_default" in results[0]["message"]
    assert 'GamiPress has no points type "nosuch"' in results[1]["message"]
    assert "GamiPress needs a points type" in results[2]["message"]
    assert "coins" in results[1]["message"] and "coins" in results[2]["message"]
    assert [e for e in mycred_ledger("test") if int(e["ref_id"]) == bridged_post["id"]] == []
    assert (mycred_balance("test", user_id), gamipress_points("test", user_id, "coins"),
            len(gamipress_logs("test", user_id))) == before
    # not recorded as paid: once the type is right, the same votes are paid
    assert [r["status"] for r in award_results(site, [
        award(bridged_post, voter="voter-a"),
        award(bridged_post, voter="voter-b", plugin="gamipress", points_type="coins")])] == [
        "awarded", "awarded"]


# 9 -- award inputs


def test_invalid_awards_are_refused_without_php_warnings(
        site: dict[str, Any], bridged_post: dict[str, Any], mycred: None) -> None:
    log_start = server_log_size("test")
    results = award_results(site, [
        award(bridged_post, voter="Bad_Voter"),
        award(bridged_post, voter="voter-two", points_type=["mycred_default"]),
        award(bridged_post, voter="voter-two", points=1_000_000),
        award(bridged_post, voter="voter-two", plugin="other"),
        award(bridged_post, voter="voter-two", plugin="gamipress"),
    ])

    assert [r["status"] for r in results] == ["error"] * 4 + ["unavailable"], results
    assert "chain account" in results[0]["message"]
    assert "points_type" in results[1]["message"]
    assert "from 1 to 10000" in results[2]["message"]
    assert "mycred or gamipress" in results[3]["message"]
    assert "GamiPress is not active" in results[4]["message"]
    # an award that could not be attempted is not recorded: it is paid once the plugin is there
    assert [r["status"] for r in award_results(site, [award(bridged_post, voter="voter-two")])] \
        == ["awarded"]
    assert php_warnings("test", log_start) == []


# 8 -- bounded mirrored values render without warnings


def test_oversized_or_incomplete_mirrored_values_are_refused(
        site: dict[str, Any], bridged_post: dict[str, Any]) -> None:
    post_path = f"/wp-steem-bridge/v1/mirror/posts/{bridged_post['id']}"
    user_path = f"/wp-steem-bridge/v1/mirror/users/{site['users']['iguazi123']['id']}"

    for path, body in (
        (user_path, {"steem_author_rewards": "99999999999999999999.999 SBD"}),
        (user_path, {"steem_vesting_shares": "1.234 VESTS"}),
        (user_path, {"steem_author_rewards_7d": {"sbd": "1.0 SBD"}}),
        (post_path, {"steem_votes": [{"voter": "voter-one"}]}),
        (post_path, {"steem_beneficiary_payouts": [{"account": "alice", "sbd": "1.000 SBD"}]}),
    ):
        response = wordpress_request(site, "POST", path, json=body)
        assert response.status_code == 400, (body, response.text)


def test_largest_values_and_old_incomplete_items_render_without_warnings(
        site: dict[str, Any], bridged_post: dict[str, Any]) -> None:
    user_id = site["users"]["iguazi123"]["id"]
    biggest = "999999999999999.999 SBD"
    response = wordpress_request(site, "POST", f"/wp-steem-bridge/v1/mirror/users/{user_id}", json={
        "steem_author_rewards": biggest, "steem_curation_rewards": biggest,
        "steem_vesting_shares": "999999999999.999999 VESTS", "steem_mirror_block": 7})
    assert response.status_code == 200, response.text
    # items written before item fields were required: stored directly, as an old version could
    wp_php("test", f"""
        update_post_meta({bridged_post['id']}, 'steem_votes', array(array('voter' => 'voter-one')));
        update_post_meta({bridged_post['id']}, 'steem_beneficiary_payouts', array(array('account' => 'alice')));
        update_post_meta({bridged_post['id']}, 'steem_paid_out', '1');
        update_post_meta({bridged_post['id']}, 'steem_mirror_block', 9);
        update_user_meta({user_id}, 'steem_curation_rewards_7d', '99999999999999999999.999 SBD');
    """)
    page = wordpress_request(site, "POST", "/wp/v2/pages", json={
        "title": "member box", "status": "publish",
        "content": '[steem_member_rewards user="iguazi123"]'}).json()
    log_start = server_log_size("test")
    try:
        member = requests.get(page["link"], timeout=30)
        post = requests.get(bridged_post["link"], timeout=30)
    finally:
        wordpress_request(site, "DELETE", f"/wp/v2/pages/{page['id']}", params={"force": "true"})
        wp_php("test", f"""
            foreach (array_keys(wpsb_mirror_user_schemas()) as $key) {{
                delete_user_meta({user_id}, $key);
            }}
        """)

    assert member.status_code == 200 and post.status_code == 200
    # the exact total, not a float, grouped in the site's number format
    assert "1,999,999,999,999,999.998 SBD" in member.text
    assert "@voter-one" in post.text and "@alice" in post.text
    assert php_warnings("test", log_start) == []


WP_DEBUG_SCRIPT = r"""
    wp_set_current_user(get_user_by('login', 'bridge')->ID);
    $pid = wp_insert_post(array('post_title' => 'debug', 'post_status' => 'publish', 'post_author' => get_user_by('login', 'iguazi123')->ID));
    function wpsb_debug_call($method, $route, $body = null) {
        $request = new WP_REST_Request($method, $route);
        if (null !== $body) {
            $request->set_header('content-type', 'application/json');
            $request->set_body(wp_json_encode($body));
        }
        return rest_do_request($request)->get_status();
    }
    $link = array('steem_author' => 'iguazi123', 'steem_permlink' => "debug-$pid", 'steem_error' => 'a\\b');
    $statuses = array(
        wpsb_debug_call('POST', "/wp-steem-bridge/v1/posts/$pid/chain", $link),
        wpsb_debug_call('GET', "/wp-steem-bridge/v1/posts/$pid/chain"),
        wpsb_debug_call('POST', '/wp-steem-bridge/v1/mirror/comments', array('comments' => array(
            array('post_id' => $pid, 'author' => 'voter-one', 'permlink' => "re-debug-$pid", 'parent_author' => 'iguazi123',
                  'parent_permlink' => "debug-$pid", 'content' => '<p>hi <a href="https://x.example">x</a></p>',
                  'date_gmt' => '2024-01-01T00:00:00', 'author_url' => 'https://steemit.com/@voter-one/re-debug'),
            'junk', array('author' => array())))),
        wpsb_debug_call('POST', '/wp-steem-bridge/v1/mirror/points', array('awards' => array(
            array('post_id' => $pid, 'voter' => 'voter-one', 'author' => 'iguazi123', 'permlink' => "debug-$pid",
                  'points' => 5, 'plugin' => 'gamipress', 'points_type' => array('x')), array('voter' => 1)))),
        wpsb_debug_call('POST', "/wp-steem-bridge/v1/mirror/posts/$pid", array('steem_mirror_block' => 3, 'steem_paid_out' => true,
            'steem_votes' => array(array('voter' => 'a', 'weight' => '1', 'rshares' => '2', 'percent' => 100, 'time' => '2024-01-01T00:00:00')),
            'steem_beneficiary_payouts' => array(array('account' => 'b', 'sbd' => '1.000 SBD', 'steem' => '1.000 STEEM', 'vests' => '1.000000 VESTS')))),
        wpsb_debug_call('POST', '/wp/v2/users/' . get_user_by('login', 'iguazi123')->ID, array('meta' => array('steem_account' => 'wenchao'))),
        wpsb_debug_call('GET', "/wp/v2/posts/$pid"),
    );
    ob_start();
    echo wpsb_render_post_rewards($pid), wpsb_render_member_rewards(get_user_by('login', 'iguazi123')->ID);
    wpsb_render_column('wpsb_steem', $pid);
    wpsb_render_column_payout('wpsb_steem', $pid);
    wpsb_missing_bridge_user_notice();
    wpsb_webhook_on_transition('publish', 'publish', get_post($pid));
    ob_end_clean();
    wp_delete_post($pid, true);
    echo implode(',', $statuses);
"""


def test_the_plugin_paths_are_wp_debug_clean(site: dict[str, Any]) -> None:
    # wp_php fails on any PHP notice, warning or deprecation WordPress logs with WP_DEBUG on
    statuses = wp_php("test", WP_DEBUG_SCRIPT,
                      prelude="define('WP_DEBUG', true); define('WP_DEBUG_DISPLAY', false);")

    assert statuses == "200,200,200,200,200,400,200"


def test_the_php_files_lint_clean() -> None:
    plugin = REPO_ROOT / "deploy" / "wordpress-plugin" / "wp-steem-bridge"
    files = [*plugin.rglob("*.php"), REPO_ROOT / "deploy" / "wordpress" / "bootstrap.php"]
    for path in files:
        assert php_lint(path) == "", path
