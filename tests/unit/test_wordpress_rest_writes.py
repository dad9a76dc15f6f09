"""The REST connector's ``SiteWriter.write_meta``: chain, post and user meta through /batch/v1,
one outcome per write; a missing plugin route is named by its status, not by message text."""

from __future__ import annotations

import json

import pytest
import responses

from bridge.failures import Code, TerminalError, TransientError
from bridge.ports import MetaWrite
from connectors.wordpress_rest import MAX_BATCH, WordPressRest

BASE = "http://wp.test"
BATCH = f"{BASE}/wp-json/batch/v1"
NO_ROUTE = {"code": "rest_no_route", "message": "No route was found", "data": {"status": 404}}


def connector() -> WordPressRest:
    return WordPressRest(BASE, "bridge", "secret pass")


@responses.activate
def test_write_meta_batches_every_target_and_answers_one_outcome_per_write() -> None:
    sent: list[list[dict]] = []

    def batch(request):  # one sub-answer per sub-request; the missing post is refused alone
        requests_ = json.loads(request.body)["requests"]
        sent.append(requests_)
        answers = [{"status": 404 if "/987654/" in r["path"] else 200,
                    "body": {"code": "rest_post_invalid_id", "message": "Invalid post ID."}}
                   for r in requests_]
        return 207, {}, json.dumps({"responses": answers})

    responses.add_callback(responses.POST, BATCH, callback=batch)
    writes = [MetaWrite("chain", 5, {"steem_status": "confirmed"}),
              MetaWrite("chain", 987654, {"steem_status": "confirmed"}),
              MetaWrite("post", 5, {"steem_vote_count": 3}),
              MetaWrite("user", 2, {"steem_mirror_block": 9})]
    writes += [MetaWrite("post", 100 + i, {"steem_replies": i}) for i in range(MAX_BATCH)]
    outcomes = connector().write_meta(writes)
    assert [len(chunk) for chunk in sent] == [MAX_BATCH, 4]
    assert [r["path"] for r in sent[0][:4]] == [
        "/wp-steem-bridge/v1/posts/5/chain", "/wp-steem-bridge/v1/posts/987654/chain",
        "/wp-steem-bridge/v1/mirror/posts/5", "/wp-steem-bridge/v1/mirror/users/2"]
    assert sent[0][0]["body"] == {"steem_status": "confirmed"}
    assert len(outcomes) == len(writes)
    refused = outcomes[1]
    assert isinstance(refused, TerminalError) and refused.code == Code.GONE
    assert "Invalid post ID." in refused.message
    assert [o for i, o in enumerate(outcomes) if i != 1] == [None] * (len(writes) - 1)


@responses.activate
def test_a_cut_short_batch_answer_leaves_the_rest_transient() -> None:
    responses.post(BATCH, json={"responses": [{"status": 200, "body": {}}]})
    outcomes = connector().write_meta([MetaWrite("chain", 1, {"steem_status": "x"}),
                                       MetaWrite("chain", 2, {"steem_status": "x"})])
    assert outcomes[0] is None and isinstance(outcomes[1], TransientError)


@responses.activate
def test_an_old_plugin_without_the_route_is_plugin_missing_per_write() -> None:
    responses.post(BATCH, json={"responses": [{"status": 404, "body": NO_ROUTE}]})
    [outcome] = connector().write_meta([MetaWrite("chain", 1, {"steem_status": "x"})])
    assert isinstance(outcome, TerminalError) and outcome.code == Code.PLUGIN_MISSING


@responses.activate
def test_a_missing_plugin_route_raises_plugin_missing_by_status() -> None:
    responses.post(f"{BASE}/wp-json/wp-steem-bridge/v1/posts/5/chain", status=404, json=NO_ROUTE)
    with pytest.raises(TerminalError) as caught:
        connector().write_chain_meta(5, {"steem_status": "confirmed"})
    assert caught.value.code == Code.PLUGIN_MISSING
    assert "companion plugin" in caught.value.message


@responses.activate
def test_a_missing_post_on_the_plugin_route_is_not_a_missing_plugin() -> None:
    responses.post(f"{BASE}/wp-json/wp-steem-bridge/v1/posts/5/chain", status=404,
                   json={"code": "rest_post_invalid_id", "message": "Invalid post ID."})
    with pytest.raises(TerminalError) as caught:
        connector().write_chain_meta(5, {"steem_status": "confirmed"})
    assert caught.value.code == Code.NONE


def test_an_unknown_target_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        connector().write_meta([MetaWrite("bogus", 1, {})])  # type: ignore[arg-type]
