"""Which posts go, and what happens after: scheduled posts, trash -> delete or kept on chain.

Real WordPress sites of their own (so they do not disturb the seed site) and a fresh devnet.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.steem import SteemChain
from deploy.devstack import localstack
from devnet.genesis import CHAIN_ID
from tests.conftest import make_bridge
from tests.support.wordpress import delete_all_posts, ensure_wordpress, wordpress_request

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_site() -> Any:
    site = ensure_wordpress("testlife")
    delete_all_posts(site)
    yield site
    delete_all_posts(site)


def create_post(site: dict[str, Any], title: str, **fields: Any) -> dict[str, Any]:
    author = site["users"]["iguazi123"]["id"]
    body = {"title": title, "content": f"<p>{title}</p>", "status": "publish",
            "author": author, **fields}
    response = wordpress_request(site, "POST", "/wp/v2/posts", json=body)
    response.raise_for_status()
    return response.json()


def run_wordpress_cron_for(site: dict[str, Any], post_id: int) -> None:
    """What WordPress's cron does when a scheduled post's time comes (publish_future_post)."""
    code = (f'$_SERVER["HTTP_HOST"] = "127.0.0.1"; require "/usr/share/wordpress/wp-load.php"; '
            f'wp_publish_post({int(post_id)});')
    subprocess.run(["php", "-r", code], check=True, capture_output=True, timeout=60,
                   env={**os.environ, "WORDPRESS_CONFIG": site["config"]})


def statuses(state: Path) -> dict[str, str]:
    db = sqlite3.connect(state)
    try:
        return {key: status for key, status in db.execute("SELECT key, status FROM intents")}
    finally:
        db.close()


def on_chain(url: str, author: str, permlink: str) -> bool:
    return localstack.rpc(url, "condenser_api.get_content", [author, permlink])["author"] != ""


def post_meta(site: dict[str, Any], post_id: int) -> dict[str, Any]:
    response = wordpress_request(site, "GET", f"/wp-steem-bridge/v1/posts/{post_id}/chain")
    return response.json()["meta"]


def test_a_scheduled_post_is_bridged_when_wordpress_publishes_it(tmp_path: Path, devnet: Any,
                                                                 empty_site: dict) -> None:
    site = empty_site
    # WordPress only schedules dates at least a minute ahead; the test then runs the cron job
    # itself instead of waiting for it
    when = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S")
    # the editor's way: saved as a draft first, then scheduled (an update, so WordPress sets
    # modified to now, not to the publication date)
    draft = create_post(site, "Scheduled for later", status="draft")
    scheduled = wordpress_request(site, "POST", f"/wp/v2/posts/{draft['id']}", json={
        "status": "future", "date_gmt": when}).json()
    assert scheduled["status"] == "future" and scheduled["modified_gmt"] < when
    time.sleep(1.1)
    create_post(site, "Published now")
    bridge = make_bridge(tmp_path, site, devnet.url, ["iguazi123"])
    no_overlap = {"WPSB__WORDPRESS__OVERLAP_SECONDS": "0"}
    assert bridge.cli("sync", "--once", env=no_overlap).returncode == 0
    assert len(statuses(bridge.state)) == 1
    run_wordpress_cron_for(site, scheduled["id"])
    published = wordpress_request(site, "GET", f"/wp/v2/posts/{scheduled['id']}",
                                  params={"context": "edit"}).json()
    assert published["status"] == "publish"
    # WordPress publishes a scheduled post without touching its modified date
    assert published["modified_gmt"] == scheduled["modified_gmt"]
    localstack.generate_blocks(devnet.url, 101)
    result = bridge.cli("sync", "--once", env=no_overlap)
    assert result.returncode == 0, result.stderr
    assert sorted(statuses(bridge.state).values()) == ["confirmed", "confirmed"]
    assert post_meta(site, scheduled["id"])["steem_status"] == "published"


def test_trash_deletes_on_chain_and_a_voted_post_is_kept(tmp_path: Path, devnet: Any,
                                                         empty_site: dict) -> None:
    site = empty_site
    quiet = create_post(site, "Nobody voted")
    bridge = make_bridge(tmp_path, site, devnet.url, ["iguazi123", "voter"])
    assert bridge.cli("sync", "--once").returncode == 0
    localstack.generate_blocks(devnet.url, 101)
    voted = create_post(site, "Somebody voted")
    assert bridge.cli("sync", "--once").returncode == 0
    voted_meta = post_meta(site, voted["id"])
    quiet_meta = post_meta(site, quiet["id"])

    chain = SteemChain([devnet.url], CHAIN_ID)
    voter_key = bridge.keys_file.read_text().split('voter = "')[1].split('"')[0]
    vote = ("vote", {"voter": "voter", "author": voted_meta["steem_author"],
                     "permlink": voted_meta["steem_permlink"], "weight": 10000})
    chain.broadcast(chain.sign([vote], voter_key))

    for post in (quiet, voted):
        wordpress_request(site, "DELETE", f"/wp/v2/posts/{post['id']}").raise_for_status()
    time.sleep(1.1)
    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr
    assert "1 kept on chain" in result.stdout
    assert not on_chain(devnet.url, quiet_meta["steem_author"], quiet_meta["steem_permlink"])
    assert on_chain(devnet.url, voted_meta["steem_author"], voted_meta["steem_permlink"])
    assert post_meta(site, quiet["id"])["steem_status"] == "deleted"
    assert post_meta(site, voted["id"])["steem_status"] == "kept_on_chain"
    status = bridge.cli("status").stdout
    assert "kept on chain: it has net positive votes on chain" in status
    again = bridge.cli("sync", "--once")
    assert "0 enqueued" in again.stdout and "kept on chain" not in again.stdout


def test_a_webhook_poke_runs_the_tick_at_once(tmp_path: Path, devnet: Any,
                                              empty_site: dict) -> None:
    import socket

    from bridge.webhook import sign
    from tests.conftest import CLI, REPO_ROOT

    site = empty_site
    bridge = make_bridge(tmp_path, site, devnet.url, ["iguazi123"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "WPSB_WEBHOOK_SECRET": "shared-secret"}
    proc = subprocess.Popen([*CLI, "--config", str(bridge.config), "run", "--interval", "3600",
                             "--webhook", f"127.0.0.1:{port}"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: bridge.state.exists() and _last_tick(port))  # first tick done
        post = create_post(site, "Poked into the chain")
        body = json.dumps({"post_id": post["id"]}).encode()
        ts = str(int(time.time()))
        answer = requests.post(f"http://127.0.0.1:{port}/poke", data=body, timeout=5, headers={
            "X-WPSB-Timestamp": ts, "X-WPSB-Signature": sign("shared-secret", ts, body)})
        assert answer.status_code == 202
        _wait_for(lambda: post_meta(site, post["id"]).get("steem_status") == "published")
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def _last_tick(port: int) -> str | None:
    """The daemon's last tick as /health reports it (None before the first one)."""
    try:
        return requests.get(f"http://127.0.0.1:{port}/health", timeout=2).json()["last_tick"]
    except requests.RequestException:
        return None


def _wait_for(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_an_edit_whose_text_looks_like_a_patch_is_not_applied_as_one(tmp_path: Path, devnet: Any,
                                                                     empty_site: dict) -> None:
    """steemd applies an edit body that parses as a diff-match-patch patch as a patch, and so
    does the devnet (tests/devnet/test_ops.py). Patch-shaped WordPress text must still arrive as
    text: the chain body equals what the bridge sent. (The mapping's own guard is proven with
    the library in tests/mappings; here the cleaner's block wrapper already keeps it inert.)"""
    import sqlite3 as _sqlite3

    site = empty_site
    post = create_post(site, "Patch-shaped")
    bridge = make_bridge(tmp_path, site, devnet.url, ["iguazi123"])
    no_footer = {"WPSB__MAPPING__FOOTER": '""'}  # a footer would make any body a non-patch
    assert bridge.cli("sync", "--once", env=no_footer).returncode == 0
    # a Custom HTML block is rendered as it is: no <p> in front of the patch-shaped text
    patch_text = "@@ -1,3 +1,3 @@\n-abc\n+xyz\n"
    wordpress_request(site, "POST", f"/wp/v2/posts/{post['id']}", json={
        "content": f"<!-- wp:html -->\n{patch_text}<!-- /wp:html -->"}).raise_for_status()
    time.sleep(1.1)
    result = bridge.cli("sync", "--once", env=no_footer)
    assert result.returncode == 0, result.stderr
    db = _sqlite3.connect(bridge.state)
    (ops,) = db.execute("SELECT operations FROM intents WHERE kind='edit_post'").fetchone()
    db.close()
    sent_body = json.loads(ops)[0][1]["body"]
    meta = post_meta(site, post["id"])
    content = localstack.rpc(devnet.url, "condenser_api.get_content",
                             [meta["steem_author"], meta["steem_permlink"]])
    assert content["body"] == sent_body
    assert "-abc" in content["body"] and "+xyz" in content["body"]


def test_the_same_bridge_publishes_to_a_hive_chain(tmp_path: Path, empty_site: dict,
                                                   devnet_tx_collector: Any) -> None:
    from connectors.steem import new_key
    from deploy.devstack import localstack as ls
    from devnet.genesis import HIVE_CHAIN_ID, INITMINER, INITMINER_WIF
    from devnet.server import start_devnet

    hive = start_devnet(chain="hive")
    try:
        site = empty_site
        post = create_post(site, "Hello Hive")
        keys_file = tmp_path / "keys.toml"
        chain = SteemChain([hive.url], HIVE_CHAIN_ID)
        pair = new_key()

        ls.create_account(chain, "iguazi123", INITMINER, INITMINER_WIF, pair.public,
                          fee="3.000 HIVE")
        keys_file.write_text(f'iguazi123 = "{pair.wif}"\n')
        os.chmod(keys_file, 0o600)
        config = ls.write_bridge_config(tmp_path, site, hive.url, keys_file,
                                        tmp_path / "state.db")
        config.write_text(config.read_text().replace(f'chain_id = "{CHAIN_ID}"',
                                                     f'chain_id = "{HIVE_CHAIN_ID}"\nname = "hive"'))
        from tests.conftest import CLI, REPO_ROOT

        result = subprocess.run([*CLI, "--config", str(config), "sync", "--once"], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        meta = post_meta(site, post["id"])
        content = localstack.rpc(hive.url, "condenser_api.get_content",
                                 [meta["steem_author"], meta["steem_permlink"]])
        assert content["title"] == "Hello Hive"
        assert content["max_accepted_payout"].endswith("HBD")
    finally:
        devnet_tx_collector.add(hive, "hive devnet")
        hive.stop()


def chain_post(url: str, meta: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = localstack.rpc(url, "condenser_api.get_content",
                                           [meta["steem_author"], meta["steem_permlink"]])
    return found


def test_unpublish_and_permanent_delete_delete_on_chain_and_a_refused_delete_is_tombstoned(
        tmp_path: Path, devnet: Any, empty_site: dict) -> None:
    """Unpublishing (draft) and deleting for good (skipping the trash) delete the chain post like
    the trash does; a post with votes is kept, or with ``on_refused_delete = "tombstone"`` has its
    text replaced by a removal note; WordPress says which happened."""
    site = empty_site
    bridge = make_bridge(tmp_path, site, devnet.url, ["iguazi123", "voter"])
    titles = ("Unpublished", "Deleted for good", "Voted and kept", "Voted and removed")
    posts: dict[str, dict[str, Any]] = {}
    for title in titles:  # one root post per author every 5 minutes of chain time
        posts[title] = create_post(site, title)
        assert bridge.cli("sync", "--once").returncode == 0
        localstack.generate_blocks(devnet.url, 101)
    meta = {title: post_meta(site, post["id"]) for title, post in posts.items()}
    assert {m["steem_status"] for m in meta.values()} == {"published"}
    chain = SteemChain([devnet.url], CHAIN_ID)
    voter_key = bridge.keys_file.read_text().split('voter = "')[1].split('"')[0]
    for title in ("Voted and kept", "Voted and removed"):
        chain.broadcast(chain.sign([("vote", {
            "voter": "voter", "author": meta[title]["steem_author"],
            "permlink": meta[title]["steem_permlink"], "weight": 10000})], voter_key))
        localstack.generate_blocks(devnet.url, 2)  # one vote every 3 seconds

    def change(title: str, method: str, **kw: Any) -> None:
        wordpress_request(site, method, f"/wp/v2/posts/{posts[title]['id']}",
                          **kw).raise_for_status()

    change("Unpublished", "POST", json={"status": "draft"})
    change("Deleted for good", "DELETE", params={"force": "true"})
    change("Voted and kept", "DELETE")  # the trash, with the default on_refused_delete = "keep"
    result = bridge.cli("sync", "--once")
    assert result.returncode == 0, result.stderr
    assert "1 kept on chain" in result.stdout
    for title in ("Unpublished", "Deleted for good"):
        assert chain_post(devnet.url, meta[title])["author"] == "", title
    assert post_meta(site, posts["Unpublished"]["id"])["steem_status"] == "deleted"
    kept = chain_post(devnet.url, meta["Voted and kept"])
    assert kept["body"].startswith("<p>Voted and kept</p>")
    kept_meta = post_meta(site, posts["Voted and kept"]["id"])
    assert kept_meta["steem_status"] == "kept_on_chain"
    assert "net positive votes" in kept_meta["steem_error"]

    removed = chain_post(devnet.url, meta["Voted and removed"])
    tombstone = {"WPSB__MAPPING__ON_REFUSED_DELETE": "tombstone"}
    change("Voted and removed", "POST", json={"status": "private"})
    result = bridge.cli("sync", "--once", env=tombstone)
    assert result.returncode == 0, result.stderr
    localstack.generate_blocks(devnet.url, 2)
    result = bridge.cli("sync", "--once", env=tombstone)  # the edit goes out
    assert result.returncode == 0, result.stderr
    replaced = chain_post(devnet.url, meta["Voted and removed"])
    assert (replaced["title"], replaced["body"]) == ("Removed by the author",
                                                     "This post was removed by its author.")
    metadata = json.loads(replaced["json_metadata"])
    assert metadata == {k: json.loads(removed["json_metadata"])[k] for k in ("app", "tags")}
    assert replaced["net_rshares"] == removed["net_rshares"]  # the votes stay, the text goes
    removed_meta = post_meta(site, posts["Voted and removed"]["id"])
    assert removed_meta["steem_status"] == "tombstoned"
    assert "net positive votes" in removed_meta["steem_error"]
    assert chain_post(devnet.url, meta["Voted and kept"])["body"] == kept["body"]  # not touched
    again = bridge.cli("sync", "--once", env=tombstone)
    assert "0 enqueued" in again.stdout and again.returncode == 0
