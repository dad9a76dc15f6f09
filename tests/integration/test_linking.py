"""Members link their own Steem account on the real local WordPress and the devnet.

A member whose login is a mini-program openid asks the companion plugin's route to link an
account, grants the app account posting authority with a real ``account_update`` (beem, signed
in the test) and is linked after one tick; another member's wrong signature is refused with a
message, the right one links; revoking the grant unlinks the first member within one tick and a
post of theirs already queued is stopped with ``grant_revoked``, shown by ``status``.
"""

from __future__ import annotations

import base64
import secrets
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from beemgraphenebase.account import PrivateKey
from beemgraphenebase.ecdsasig import sign_message

from connectors.steem import SteemChain
from deploy.devstack import localstack
from devnet.genesis import CHAIN_ID
from tests.conftest import Bridge, make_bridge
from tests.support.wordpress import (
    delete_all_posts,
    link_third_party_plugin,
    reset_wordpress,
    wordpress_request,
)
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration
APP = "linkapp"
MEMBERS = ("linkmember", "signmember")


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return reset_wordpress("links")


def member(site: dict[str, Any], login: str) -> tuple[int, tuple[str, str]]:
    """A subscriber (a mini-program user: login = openid) with an Application Password."""
    created = wordpress_request(site, "POST", "/wp/v2/users", json={
        "username": login, "email": f"{login.lower()}@example.invalid", "roles": ["subscriber"],
        "password": f"pw-{time.time()}"})
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    password = wordpress_request(site, "POST", f"/wp/v2/users/{user_id}/application-passwords",
                                 json={"name": "mini-program"})
    assert password.status_code == 201, password.text
    return user_id, (login, password.json()["password"])


def link(site: dict[str, Any], auth: tuple[str, str], method: str = "GET", path: str = "",
         **body: Any) -> dict[str, Any]:
    response = wordpress_request(site, method, f"/wp-steem-bridge/v1/link{path}", auth=auth,
                                 json=body or None)
    assert response.status_code == 200, response.text
    return response.json()


def steem_account(site: dict[str, Any], user_id: int) -> str:
    return wordpress_request(site, "GET", f"/wp/v2/users/{user_id}",
                             params={"context": "edit"}).json()["meta"]["steem_account"]


def profile(user_id: int) -> str:
    """The member's own profile page section, as WordPress renders it."""
    return wp_php("links", f"wp_set_current_user({user_id}); "
                           f"wpsb_profile_link(get_userdata({user_id}));")


def set_grant(devnet_url: str, account: str, wif: str, granted: bool) -> None:
    """The member's own wallet: ``account_update`` of the posting authority, signed here."""
    public = str(PrivateKey(wif).pubkey)
    posting = {"weight_threshold": 1, "account_auths": [[APP, 1]] if granted else [],
               "key_auths": [[public, 1]]}
    chain = SteemChain([devnet_url], CHAIN_ID)
    chain.broadcast(chain.sign([("account_update", {
        "account": account, "posting": posting, "memo_key": public, "json_metadata": ""})], wif))


def tick(bridge: Bridge) -> str:
    result = bridge.cli("sync", "--once")
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def test_link_by_grant_by_signature_refusal_and_revoke(site: dict[str, Any], tmp_path: Path,
                                                        devnet: Any) -> None:
    delete_all_posts(site)
    bridge = make_bridge(tmp_path, site, devnet.url, accounts=[APP])
    config = bridge.config.read_text().replace("[keys]\n", f'[keys]\napp_account = "{APP}"\n')
    bridge.config.write_text(config)
    wallet = tmp_path / "members-own-keys.toml"  # the members' keys: never the bridge's
    localstack.ensure_accounts(devnet.url, list(MEMBERS), wallet)
    keys = tomllib.loads(wallet.read_text())
    granter_id, granter = member(site, "oGZUI0egBJY1zhBYw2KhdUfwVJJE")
    signer_id, signer = member(site, "oGZUI0egBJY1zhBYw2KhdUfwSIGN")

    # 1. grant on chain -> linked after one tick
    asked = link(site, granter, "POST", account="linkmember")
    assert asked["state"] == "pending" and "@linkmember" in asked["challenge"]
    tick(bridge)  # the bridge's first look: no grant yet
    assert link(site, granter)["state"] == "pending"
    set_grant(devnet.url, "linkmember", keys["linkmember"], granted=True)
    tick(bridge)
    state = link(site, granter)
    assert (state["state"], state["grant"], state["steem_account"]) == ("linked", True,
                                                                       "linkmember")
    assert steem_account(site, granter_id) == "linkmember"
    shown = profile(granter_id)
    assert 'data-state="linked"' in shown and '@linkmember' in shown
    assert 'data-grant="yes"' in shown

    # 2. a wrong signature is refused with a message the member sees; the right one links
    challenge = link(site, signer, "POST", account="signmember")["challenge"]
    wrong = sign_message(challenge, str(PrivateKey())).hex()
    assert link(site, signer, "POST", "/signature", signature=wrong)["state"] == "pending"
    tick(bridge)
    refused = link(site, signer)
    assert refused["state"] == "refused" and steem_account(site, signer_id) == ""
    assert refused["reason"] == ("the signature was not made by a posting key of @signmember; "
                                 "sign the challenge with that account's posting key")
    challenge = link(site, signer, "POST", account="signmember")["challenge"]
    link(site, signer, "POST", "/signature",
         signature=sign_message(challenge, keys["signmember"]).hex())
    tick(bridge)
    signed = link(site, signer)
    assert (signed["state"], signed["grant"]) == ("linked", False)
    assert steem_account(site, signer_id) == "signmember"

    # a grant that was already there proves nothing about who asks: the member is told
    _, claimer = member(site, "oGZUI0egBJY1zhBYw2KhdUfwCLAIM")
    localstack.ensure_accounts(devnet.url, ["grantedlong"], wallet)
    keys = tomllib.loads(wallet.read_text())
    set_grant(devnet.url, "grantedlong", keys["grantedlong"], granted=True)
    link(site, claimer, "POST", account="grantedlong")
    tick(bridge)
    told = link(site, claimer)
    assert told["state"] == "pending" and "before this request" in told["reason"], told

    # 3. a post of the grant's member is queued in the tick that sees the grant revoked
    made = wordpress_request(site, "POST", "/wp/v2/posts", json={
        "title": "Queued when the grant went", "content": "<p>Never signed.</p>",
        "status": "publish", "author": granter_id})
    assert made.status_code == 201, made.text
    set_grant(devnet.url, "linkmember", keys["linkmember"], granted=False)
    tick(bridge)
    state = link(site, granter)
    assert state["state"] == "unlinked" and steem_account(site, granter_id) == ""
    assert state["reason"] == f"@linkmember revoked the posting authority of @{APP} on chain"
    shown = profile(granter_id)
    assert 'data-state="unlinked"' in shown and "revoked the posting authority" in shown
    assert 'data-grant="no"' in profile(signer_id)  # linked by signature, no grant in force
    status = bridge.cli("status")
    assert "grant_revoked: @linkmember revoked the posting authority" in status.stdout, \
        status.stdout
    permlink = wordpress_request(site, "GET", f"/wp/v2/posts/{made.json()['id']}",
                                 params={"context": "edit"}).json()["meta"]["steem_permlink"]
    assert not permlink  # nothing reached the chain for it
    assert link(site, signer)["state"] == "linked"  # the other member is untouched


def test_only_the_bridge_reads_or_decides_link_requests(site: dict[str, Any]) -> None:
    _, subscriber = member(site, "oGZUI0egBJY1zhBYw2KhdUfwNOPE")
    for method, path in (("GET", "/links"), ("POST", "/links/verdicts")):
        answer = wordpress_request(site, method, f"/wp-steem-bridge/v1{path}", auth=subscriber,
                                   json={"verdicts": [{"user_id": 1, "account": "x",
                                                       "verdict": "linked"}]})
        assert answer.status_code == 403, answer.text
    anonymous = wordpress_request(site, "POST", "/wp-steem-bridge/v1/link", auth=None,
                                  json={"account": "linkmember"})
    assert anonymous.status_code == 401


def test_a_wanzi_mini_program_user_asks_with_its_own_access_token(site: dict[str, Any]) -> None:
    """The real 丸子 (Mini Program API) plugin: its access_token (base64 of the session key its
    login stores, checked by its MP_Auth::login) is accepted by the link routes."""
    link_third_party_plugin("wp-mini-program")
    active = wordpress_request(site, "POST", "/wp/v2/plugins/wp-mini-program/wp-mini-program",
                               json={"status": "active"})
    assert active.status_code == 200, active.text
    user_id, _ = member(site, "oWanzi0egBJY1zhBYw2KhdUfwMINI")
    session = secrets.token_hex(12)  # what WeChat's jscode2session hands the 丸子 login
    wp_php("links", f"update_user_meta({user_id}, 'session_key', '{session}');")
    token = base64.b64encode(session.encode()).decode()
    asked = wordpress_request(site, "POST", "/wp-steem-bridge/v1/link", auth=None,
                              params={"access_token": token}, json={"account": "wanzimember"})
    assert asked.status_code == 200, asked.text
    assert asked.json()["user_id"] == user_id and asked.json()["state"] == "pending"
    wrong = base64.b64encode(b"not-a-session").decode()
    refused = wordpress_request(site, "GET", "/wp-steem-bridge/v1/link", auth=None,
                                params={"access_token": wrong})
    assert refused.status_code == 401
