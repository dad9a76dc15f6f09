"""Challenge signatures verified against posting keys, with real keys signed by beem (as a wallet
signs: compact signature over sha256 of the text)."""

from __future__ import annotations

import pytest
from beemgraphenebase.account import PrivateKey
from beemgraphenebase.ecdsasig import sign_message

from bridge.signatures import BadSignature, public_key_bytes, recover, signed_by_any
from devnet.genesis import INITMINER_WIF

CHALLENGE = "wp-steem-bridge link example.org user 7 to @alice nonce 00ff until 2026-12-01T03:00:00Z"


def public(wif: str) -> str:
    return str(PrivateKey(wif).pubkey)


def test_a_signature_by_the_posting_key_is_accepted() -> None:
    signature = sign_message(CHALLENGE, INITMINER_WIF).hex()
    assert signed_by_any(CHALLENGE, signature, [public(INITMINER_WIF)])
    assert recover(CHALLENGE, signature) == public_key_bytes(public(INITMINER_WIF))


def test_another_key_or_another_text_is_refused() -> None:
    other = str(PrivateKey())  # a fresh key: not the account's
    signature = sign_message(CHALLENGE, other).hex()
    assert not signed_by_any(CHALLENGE, signature, [public(INITMINER_WIF)])
    good = sign_message(CHALLENGE, INITMINER_WIF).hex()
    assert not signed_by_any(CHALLENGE + "x", good, [public(INITMINER_WIF)])
    # one of several posting keys is enough
    assert signed_by_any(CHALLENGE, signature, [public(INITMINER_WIF), public(other)])


@pytest.mark.parametrize("text", ["", "zz", "00" * 65, "1f" + "00" * 10])
def test_what_is_not_a_compact_signature_says_so(text: str) -> None:
    with pytest.raises(BadSignature):
        signed_by_any(CHALLENGE, text, [public(INITMINER_WIF)])


def test_keys_that_are_not_keys_never_match() -> None:
    assert public_key_bytes("STM0OIl") is None
    assert public_key_bytes("STM") is None
