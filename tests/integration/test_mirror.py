"""The rewards mirror end to end: bridge publishes, accounts vote, the devnet pays out after
7 days, the mirror writes post and user meta into the real WordPress (site "mirror") -- equal to
what get_content/get_accounts/the reward ops say, to the satoshi -- and a second run changes
nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.mirror import Mirror, MirrorReport
from bridge.store import StateStore
from bridge.store.schema import SCHEMA_VERSION
from bridge.writeback import WriteBack
from connectors.steem import SteemChain
from connectors.wordpress_rest import WordPressRest
from deploy.devstack import localstack
from devnet.genesis import CHAIN_ID, INITMINER, INITMINER_WIF
from mappings.rewards import format_asset, parse_asset
from tests.conftest import Bridge, make_bridge
from tests.support.wordpress import reset_wordpress, wordpress_request

pytestmark = pytest.mark.integration
WEEK_BLOCKS = 201600
VOTERS = ("voter-one", "voter-two")


@pytest.fixture(scope="module")
def mirror_site() -> dict[str, Any]:
    return reset_wordpress("mirror")


@pytest.fixture
def published(tmp_path: Path, mirror_site: dict[str, Any], devnet: Any) -> Iterator[
        tuple[Bridge, dict[str, int]]]:
    """Two posts (one per member) published by the bridge; returns wp id by author."""
    site = mirror_site
    ids = {}
    for login in ("iguazi123", "wenchao"):
        response = wordpress_request(site, "POST", "/wp/v2/posts", json={
            "title": f"Rewards of {login}", "content": f"<p>A post by {login}.</p>",
            "status": "publish", "author": site["users"][login]["id"],
            "meta": {"steem_tags": "mirror,test"}})
        assert response.status_code == 201, response.text
        ids[login] = response.json()["id"]
    bridge = make_bridge(tmp_path, site, devnet.url)
    localstack.ensure_accounts(devnet.url, list(VOTERS), bridge.keys_file)
    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr
    try:
        yield bridge, ids
    finally:
        for post_id in ids.values():
            wordpress_request(site, "DELETE", f"/wp/v2/posts/{post_id}", params={"force": "true"})


def keys(bridge: Bridge) -> dict[str, str]:
    import tomllib

    return dict(tomllib.loads(bridge.keys_file.read_text()), **{INITMINER: INITMINER_WIF})


def vote(chain: SteemChain, wif: str, voter: str, author: str, permlink: str,
         weight: int) -> None:
    chain.broadcast(chain.sign([("vote", {"voter": voter, "author": author,
                                          "permlink": permlink, "weight": weight})], wif))


def new_mirror(bridge: Bridge) -> tuple[Mirror, StateStore]:
    site = bridge.site
    store = StateStore(bridge.state, site=site["name"])
    wordpress = WordPressRest(site["url"], site["admin_user"], site["app_password"])
    return Mirror(store, SteemChain([bridge.devnet_url], CHAIN_ID), wordpress,
                  WriteBack(store, wordpress), site["name"]), store


def rpc(bridge: Bridge, method: str, params: Any) -> Any:
    return localstack.rpc(bridge.devnet_url, method, params)


def post_meta(site: dict[str, Any], post_id: int) -> dict[str, Any]:
    return wordpress_request(site, "GET", f"/wp/v2/posts/{post_id}",
                             params={"context": "edit"}).json()["meta"]


def user_meta(site: dict[str, Any], login: str) -> dict[str, Any]:
    user_id = site["users"][login]["id"]
    return wordpress_request(site, "GET", f"/wp/v2/users/{user_id}",
                             params={"context": "edit"}).json()["meta"]


def assert_post_matches_chain(bridge: Bridge, post_id: int) -> dict[str, Any]:
    meta = post_meta(bridge.site, post_id)
    content = rpc(bridge, "condenser_api.get_content",
                  [meta["steem_author"], meta["steem_permlink"]])
    votes = rpc(bridge, "condenser_api.get_active_votes",
                [meta["steem_author"], meta["steem_permlink"]])
    assert meta["steem_pending_payout"] == content["pending_payout_value"]
    assert meta["steem_author_payout"] == content["total_payout_value"]
    assert meta["steem_curator_payout"] == content["curator_payout_value"]
    assert meta["steem_vote_count"] == len(votes) == len(content["active_votes"])
    assert meta["steem_replies"] == content["children"]
    assert meta["steem_paid_out"] is (content["cashout_time"] == "1969-12-31T23:59:59")
    assert sorted((v["voter"], v["rshares"], v["weight"], v["percent"], v["time"])
                  for v in meta["steem_votes"]) == sorted(
        (v["voter"], str(v["rshares"]), str(v["weight"]), v["percent"], v["time"])
        for v in votes)
    return meta


def assert_member_matches_chain(bridge: Bridge, login: str) -> dict[str, Any]:
    meta = user_meta(bridge.site, login)
    (account,) = rpc(bridge, "condenser_api.get_accounts", [[login]])
    props = rpc(bridge, "condenser_api.get_dynamic_global_properties", [])
    assert parse_asset(meta["steem_author_rewards"])[0] == int(account["posting_rewards"])
    assert parse_asset(meta["steem_curation_rewards"])[0] == int(account["curation_rewards"])
    for key in ("reward_sbd_balance", "reward_steem_balance", "reward_vesting_balance",
                "reward_vesting_steem", "vesting_shares"):
        assert meta[f"steem_{key}"] == account[key]
    assert meta["steem_reputation"] == str(account["reputation"])
    vests = parse_asset(account["vesting_shares"])[0]
    fund, shares = (parse_asset(props[k])[0] for k in ("total_vesting_fund_steem",
                                                       "total_vesting_shares"))
    assert meta["steem_power"] == format_asset(vests * fund // shares, "STEEM")
    history = rpc(bridge, "condenser_api.get_account_history", [login, -1, 1000])
    authored = [e["op"][1] for _, e in history if e["op"][0] == "author_reward"]
    curated = [e["op"][1] for _, e in history if e["op"][0] == "curation_reward"]
    for window in ("7d", "30d"):
        assert meta[f"steem_author_rewards_{window}"] == {
            "sbd": _sum([a["sbd_payout"] for a in authored], "SBD"),
            "steem": _sum([a["steem_payout"] for a in authored], "STEEM"),
            "vests": _sum([a["vesting_payout"] for a in authored], "VESTS")}
        assert meta[f"steem_curation_rewards_{window}"] == _sum([c["reward"] for c in curated],
                                                                 "VESTS")
    return meta


def _sum(amounts: list[str], symbol: str) -> str:
    return format_asset(sum(parse_asset(a)[0] for a in amounts), symbol)


def test_votes_and_payouts_reach_wordpress_exactly_and_a_second_run_changes_nothing(
        published: tuple[Bridge, dict[str, int]]) -> None:
    bridge, ids = published
    site = bridge.site
    wifs = keys(bridge)
    chain = SteemChain([bridge.devnet_url], CHAIN_ID)
    targets = {login: (post_meta(site, pid)["steem_author"], post_meta(site, pid)["steem_permlink"])
               for login, pid in ids.items()}
    before_writeback = {pid: post_meta(site, pid) for pid in ids.values()}
    for voter, login, weight in ((INITMINER, "iguazi123", 10000), ("wenchao", "iguazi123", 5000),
                                 ("voter-one", "iguazi123", 2500), (INITMINER, "wenchao", 7500),
                                 ("iguazi123", "wenchao", 10000), ("voter-two", "wenchao", -1000)):
        vote(chain, wifs[voter], voter, *targets[login], weight)

    mirror, store = new_mirror(bridge)
    first = mirror.run()
    # the sync that published already mirrored once, so this run scans the new blocks
    assert first.strategy in ("full", "scan") and first.written == 4 and not first.problems
    for pid in ids.values():
        meta = assert_post_matches_chain(bridge, pid)
        assert parse_asset(meta["steem_pending_payout"])[0] > 0 and not meta["steem_paid_out"]
    for login in ids:
        assert_member_matches_chain(bridge, login)

    localstack.generate_blocks(bridge.devnet_url, WEEK_BLOCKS + 20)
    paid = mirror.run()
    assert paid.strategy == "history" and paid.written == 4 and not paid.problems
    assert paid.rpc_requests <= 6, paid
    for login, pid in ids.items():
        meta = assert_post_matches_chain(bridge, pid)
        assert meta["steem_paid_out"] and meta["steem_pending_payout"] == "0.000 SBD"
        author, permlink = targets[login]
        history = rpc(bridge, "condenser_api.get_account_history", [author, -1, 1000])
        (reward,) = [e["op"][1] for _, e in history if e["op"][0] == "author_reward"
                     and e["op"][1]["permlink"] == permlink]
        assert (meta["steem_author_sbd"], meta["steem_author_steem"],
                meta["steem_author_vests"]) == (reward["sbd_payout"], reward["steem_payout"],
                                                reward["vesting_payout"])
        # the write-back meta and the author's own overrides are untouched
        for key in ("steem_author", "steem_permlink", "steem_tx_id", "steem_block",
                    "steem_status", "steem_tags"):
            assert meta[key] == before_writeback[pid][key]
    members = {login: assert_member_matches_chain(bridge, login) for login in ids}
    assert parse_asset(members["iguazi123"]["steem_author_rewards"])[0] > 0
    assert parse_asset(members["wenchao"]["steem_curation_rewards_7d"])[0] > 0

    snapshot = ({pid: post_meta(site, pid) for pid in ids.values()},
                {login: user_meta(site, login) for login in ids})
    again = mirror.run()
    assert (again.written, again.problems, again.posts_read, again.members_read) == (0, [], 0, 0)
    assert again.rpc_requests <= 3
    full_again = mirror.run(full=True)
    assert full_again.written == 0 and full_again.unchanged == 4
    assert snapshot == ({pid: post_meta(site, pid) for pid in ids.values()},
                        {login: user_meta(site, login) for login in ids})
    store.close()


def test_a_late_vote_is_found_by_the_block_scan_and_idle_runs_cost_little(
        published: tuple[Bridge, dict[str, int]]) -> None:
    bridge, ids = published
    wifs = keys(bridge)
    chain = SteemChain([bridge.devnet_url], CHAIN_ID)
    mirror, store = new_mirror(bridge)
    mirror.run()
    idle = mirror.run()
    assert idle.strategy == "idle" and idle.rpc_requests == 1 and idle.written == 0
    localstack.generate_blocks(bridge.devnet_url, 30)  # blocks with nothing of ours
    quiet = mirror.run()
    assert (quiet.strategy, quiet.written, quiet.rpc_requests) == ("scan", 0, 2)

    meta = post_meta(bridge.site, ids["wenchao"])
    vote(chain, wifs["voter-one"], "voter-one", meta["steem_author"], meta["steem_permlink"],
         3000)
    localstack.generate_blocks(bridge.devnet_url, 2)  # the vote's block becomes irreversible
    late: MirrorReport = mirror.run()
    assert (late.strategy, late.posts_read, late.members_read) == ("scan", 1, 1)  # post+author
    assert late.written >= 1 and late.written + late.unchanged == 2
    after = assert_post_matches_chain(bridge, ids["wenchao"])
    assert after["steem_vote_count"] == meta["steem_vote_count"] + 1
    assert after["steem_mirror_block"] > meta["steem_mirror_block"]
    store.close()


def test_a_version_1_state_file_gains_the_mirror_table(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                     "INSERT INTO meta VALUES ('schema_version', '1');"
                     "CREATE TABLE cursors (source TEXT PRIMARY KEY, value TEXT NOT NULL, "
                     "updated_at TEXT NOT NULL);"
                     "INSERT INTO cursors VALUES ('wp:x:posts', '{}', 'now');")
    db.close()
    store = StateStore(path)
    assert store.schema_version() == SCHEMA_VERSION >= 2
    store.put_mirror_row("post", "a/p", 1, {"k": 1}, {}, 5)
    assert store.mirror_rows("post")["a/p"]["block"] == 5
    assert store.get_cursor("wp:x:posts") == "{}"
    store.close()
