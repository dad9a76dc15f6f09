"""Members' links decided by the engine's link step (before dispatch): grant seen on chain,
challenge signature checked against the posting keys, refusals with reasons, and a grant revoked
on chain unlinking the member and stopping their queued intents in the same tick."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from beemgraphenebase.account import PrivateKey
from beemgraphenebase.ecdsasig import sign_message

from bridge.failures import Code, TerminalError
from bridge.linking import Linking
from bridge.model import MappingContext
from bridge.ports import LinkFeed, LinkRequest, LinkVerdict
from bridge.status import collect_status, render_status
from bridge.store import StateStore
from tests.engine.test_engine import ListSource, MetaSink, build_engine, record
from tests.support.fake_chain import FakeChain

APP = "app"
WIF = str(PrivateKey())
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def account(name: str, granted: bool, wif: str = WIF,
            updated: str = "2026-01-01T00:00:00") -> dict[str, Any]:
    """As ``get_accounts`` answers; ``updated``: the chain time of its last account_update."""
    auths = [[APP, 1]] if granted else []
    return {"name": name, "last_account_update": updated,
            "posting": {"weight_threshold": 1, "account_auths": auths,
                        "key_auths": [[str(PrivateKey(wif).pubkey), 1]]}}


class Desk:
    """The plugin's link desk as the engine sees it: a feed with a sequence, verdicts applied."""

    def __init__(self) -> None:
        self.seq, self.requests, self.reads = 1, {}, 0
        self.verdicts: list[LinkVerdict] = []
        self.steem_account: dict[int, str] = {}

    def put(self, request: LinkRequest) -> None:
        self.requests[request.user_id] = request
        self.seq += 1

    def link_requests(self, after: int) -> LinkFeed | None:
        if self.seq <= after:
            return None
        self.reads += 1
        return LinkFeed(self.seq, tuple(self.requests.values()))

    def write_link_verdicts(self, verdicts: Any) -> None:
        for verdict in verdicts:
            self.verdicts.append(verdict)
            if verdict.verdict == "pending":  # the member is told what to do; still open
                continue
            request = self.requests.pop(verdict.user_id)
            if verdict.verdict == "linked":
                self.steem_account[verdict.user_id] = verdict.account
                self.requests[verdict.user_id] = replace(request, state="linked",
                                                         grant=verdict.grant, signature="")
            elif verdict.verdict == "unlinked":
                self.steem_account.pop(verdict.user_id, None)
        self.seq += 1


class Reads:
    def __init__(self) -> None:
        self.known: dict[str, dict[str, Any]] = {}
        self.calls: list[list[str]] = []

    def accounts(self, names: Any) -> dict[str, Any]:
        self.calls.append(list(names))
        return {n: self.known[n] for n in names if n in self.known}


@pytest.fixture
def linked_world(state_target):
    store = StateStore(state_target)
    chain, source, sink = FakeChain(keys={}), ListSource(), MetaSink()
    ctx = MappingContext(site_id="t", site_url="http://wp", site_name="T", now="2026-01-01T00:00:00")
    engine = build_engine(store, chain, source, sink, lambda: ctx)
    desk, reads = Desk(), Reads()
    engine.linking = Linking(store, desk, reads, APP, clock=lambda: NOW)
    yield store, chain, source, engine, desk, reads
    store.close()


def pending(user_id: int, name: str, signature: str = "",
            expires: datetime = NOW + timedelta(hours=1)) -> LinkRequest:
    return LinkRequest(user_id, name, "pending", f"link user {user_id} to @{name} nonce 1",
                       signature, expires)


def test_a_grant_seen_on_chain_links_the_member(linked_world) -> None:
    store, chain, source, engine, desk, reads = linked_world
    reads.known["carol"] = account("carol", granted=False)
    desk.put(pending(7, "carol"))
    engine.tick()
    assert desk.verdicts == [] and desk.steem_account == {}  # still waiting for proof
    reads.known["carol"] = account("carol", granted=True, updated="2026-01-01T00:05:00")
    report = engine.tick()
    assert [(v.verdict, v.grant) for v in desk.verdicts] == [("linked", True)]
    assert desk.steem_account == {7: "carol"}
    assert "granted @app posting authority" in desk.verdicts[0].reason
    assert any("@carol linked" in note for note in report.notes)


def test_a_wrong_signature_is_refused_with_a_message_and_a_right_one_links(linked_world) -> None:
    store, chain, source, engine, desk, reads = linked_world
    reads.known["dave"] = account("dave", granted=False)
    request = pending(8, "dave")
    wrong = sign_message(request.challenge, str(PrivateKey())).hex()
    desk.put(replace(request, signature=wrong))
    engine.tick()
    assert desk.verdicts[-1].verdict == "refused" and desk.steem_account == {}
    assert desk.verdicts[-1].reason == ("the signature was not made by a posting key of @dave; "
                                        "sign the challenge with that account's posting key")
    desk.put(replace(request, signature=sign_message(request.challenge, WIF).hex()))
    engine.tick()
    assert (desk.verdicts[-1].verdict, desk.verdicts[-1].grant) == ("linked", False)
    assert desk.steem_account == {8: "dave"}


def test_unknown_accounts_bad_text_and_expired_challenges_are_refused(linked_world) -> None:
    store, chain, source, engine, desk, reads = linked_world
    reads.known["erin"] = account("erin", granted=False)
    desk.put(pending(1, "nobody"))
    desk.put(pending(2, "erin", signature="00" * 65))
    desk.put(pending(3, "erin", expires=NOW - timedelta(seconds=1)))
    engine.tick()
    reasons = {v.user_id: v.reason for v in desk.verdicts if v.verdict == "refused"}
    assert reasons[1] == "there is no account @nobody on the chain"
    assert reasons[2].startswith("the signature could not be read:")
    assert reasons[3].startswith("the challenge expired")
    assert desk.steem_account == {}


def test_a_grant_made_before_the_request_proves_nothing(linked_world) -> None:
    """@carol granted the app account long ago (another site, an earlier member): naming her
    is not enough; a signature, or a grant made again after the request, is."""
    store, chain, source, engine, desk, reads = linked_world
    reads.known["carol"] = account("carol", granted=True)
    desk.put(pending(7, "carol"))
    desk.put(pending(9, "carol2"))
    reads.known["carol2"] = account("carol2", granted=True)
    engine.tick()
    assert desk.steem_account == {}
    note = desk.verdicts[0]
    assert (note.verdict, note.user_id) == ("pending", 7)
    assert "before this request" in note.reason and "sign the challenge" in note.reason
    engine.tick()
    assert len(desk.verdicts) == 2  # said once per request, not every tick
    # 7 signs; 9 revokes and grants again
    desk.put(replace(desk.requests[7], signature=sign_message(desk.requests[7].challenge,
                                                              WIF).hex()))
    reads.known["carol2"] = account("carol2", granted=False, updated="2026-01-01T00:01:00")
    engine.tick()
    assert desk.steem_account == {7: "carol"}
    reads.known["carol2"] = account("carol2", granted=True, updated="2026-01-01T00:02:00")
    engine.tick()
    assert desk.steem_account == {7: "carol", 9: "carol2"}


def link_by_grant(engine: Any, desk: Desk, reads: Reads, user_id: int, name: str) -> None:
    reads.known[name] = account(name, granted=False)
    desk.put(pending(user_id, name))
    engine.tick()
    reads.known[name] = account(name, granted=True, updated="2026-01-01T00:05:00")
    engine.tick()
    assert desk.steem_account[user_id] == name


def test_revoking_the_grant_unlinks_and_stops_queued_intents_in_that_tick(linked_world) -> None:
    store, chain, source, engine, desk, reads = linked_world
    link_by_grant(engine, desk, reads, 7, "carol")
    engine.tick()  # the feed moved with the verdict: read once more
    feed_reads = desk.reads
    engine.tick()  # idle: the cached feed, one batched account read, nothing written
    assert desk.reads == feed_reads and reads.calls[-1] == ["carol"]
    reads.known["carol"] = account("carol", granted=False)
    source.put(record(1, "carol", "Queued"))
    report = engine.tick()
    assert desk.verdicts[-1].verdict == "unlinked" and desk.steem_account == {}
    assert chain.applied == []  # never signed with the app key
    failed = collect_status(store)["failed"]
    assert len(failed) == 1 and failed[0]["account"] == "carol"
    assert failed[0]["reason"].startswith("grant_revoked: @carol revoked the posting authority")
    assert "grant_revoked" in render_status(store)
    assert report.failed == 1 and any("@carol unlinked" in n for n in report.notes)
    calls = len(reads.calls)
    engine.tick()
    assert len(reads.calls) == calls  # no longer watched: nothing to read


def test_a_plugin_without_link_routes_is_no_problem_of_every_tick(linked_world) -> None:
    store, chain, source, engine, desk, reads = linked_world

    def missing(after: int) -> None:
        raise TerminalError("reading link requests: HTTP 404", code=Code.PLUGIN_MISSING)

    desk.link_requests = missing  # type: ignore[method-assign]
    report = engine.tick()
    assert report.problems == [] and reads.calls == []
