"""A broadcast is sent exactly once by the chain connector: never again by beem's retry loop.

``responses`` plays the node, for what a real one cannot easily be made to do: drop the
connection after the transaction was sent. Reads answer as a node would; the transaction's
content does not matter here (nothing verifies it), only how many times it is sent.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses

from connectors.failures import AlreadyApplied, TransientError
from connectors.steem import SignedTx, SteemChain

NODE = "http://node.invalid:8090"
CHAIN_ID = "0" * 64
TX = SignedTx(tx_id="ab" * 20, expiration=datetime(2026, 1, 1, tzinfo=UTC),
              tx={"ref_block_num": 1, "ref_block_prefix": 2, "expiration": "2026-01-01T00:00:00",
                  "operations": [], "extensions": [], "signatures": ["1f" + "00" * 64]})
DUPLICATE = ("3030000 tx_duplicate_sig: Duplicate transaction check failed\n"
             "trx_idx.indices().get<by_trx_id>().find( trx_id ) == "
             "trx_idx.indices().get<by_trx_id>().end(): Duplicate transaction check failed")


class FakeNode:
    """Answers reads; ``broadcast`` decides what happens to each broadcast_transaction."""

    def __init__(self, broadcast: Any) -> None:
        self.broadcast = broadcast
        self.broadcasts = 0

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        calls = body if isinstance(body, list) else [body]
        answers = [self.answer(call) for call in calls]
        return 200, {}, json.dumps(answers if isinstance(body, list) else answers[0])

    def answer(self, call: dict[str, Any]) -> dict[str, Any]:
        method = call["method"]
        if method == "call":
            method = ".".join(call["params"][:2])
        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": call.get("id")}
        if method.endswith("broadcast_transaction"):
            self.broadcasts += 1
            return reply | self.broadcast()
        if method.endswith("get_config"):
            return reply | {"result": {"STEEM_CHAIN_ID": CHAIN_ID, "STEEM_BLOCKCHAIN_VERSION":
                                       "0.23.1", "STEEM_ADDRESS_PREFIX": "STM"}}
        return reply | {"result": {}}


def dropped() -> dict[str, Any]:
    raise requests.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end "
                                   "closed connection without response'))")


@pytest.fixture
def chain() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        chain = SteemChain([NODE], CHAIN_ID, timeout=2)
        yield chain, mock


def serve(mock: responses.RequestsMock, node: FakeNode) -> None:
    mock.add_callback(responses.POST, NODE, callback=node)


@pytest.mark.parametrize("connected", [True, False], ids=["connected", "fresh-after-restart"])
def test_a_dropped_connection_on_broadcast_is_one_send_and_an_unknown_outcome(
        chain: Any, connected: bool) -> None:
    steem_chain, mock = chain
    node = FakeNode(broadcast=dropped)
    serve(mock, node)
    if connected:
        steem_chain.connect()
    with pytest.raises(TransientError) as info:
        steem_chain.broadcast(TX)
    assert node.broadcasts == 1  # beem sent it twice, milliseconds apart
    assert "outcome unknown" in info.value.message and TX.tx_id in info.value.message


def test_a_duplicate_answer_is_logged_with_the_tx_id_and_already_applied(
        chain: Any, caplog: pytest.LogCaptureFixture) -> None:
    steem_chain, mock = chain
    node = FakeNode(broadcast=lambda: {"error": {"code": -32000, "message": DUPLICATE}})
    serve(mock, node)
    steem_chain.connect()
    with caplog.at_level(logging.INFO, logger="connectors.steem"), \
            pytest.raises(AlreadyApplied):
        steem_chain.broadcast(TX)
    assert node.broadcasts == 1
    lines = [r for r in caplog.records if r.name == "connectors.steem"]
    assert [r.levelno for r in lines] == [logging.INFO]
    assert TX.tx_id in lines[0].getMessage() and "Duplicate" in lines[0].getMessage()


def test_an_accepted_broadcast_is_one_post_of_the_signed_transaction(chain: Any) -> None:
    steem_chain, mock = chain
    node = FakeNode(broadcast=lambda: {"result": {}})
    serve(mock, node)
    steem_chain.broadcast(TX)
    assert node.broadcasts == 1
    sent = [json.loads(c.request.body) for c in mock.calls]
    assert sent[-1]["method"] == "condenser_api.broadcast_transaction"
    assert sent[-1]["params"] == [TX.tx]


def test_a_gateway_error_page_is_an_unknown_outcome_not_a_refusal(chain: Any) -> None:
    steem_chain, mock = chain
    mock.add(responses.POST, NODE, status=502, body="<html>Bad Gateway</html>")
    with pytest.raises(TransientError) as info:
        steem_chain.broadcast(TX)
    assert len(mock.calls) == 1 and "HTTP 502" in info.value.message
    assert "outcome unknown" in info.value.message
