"""Signing with libsecp256k1 (connectors.steem.canonical_signature): what beem's own signing
would produce in form, recoverable to the signer's key, fc-canonical, deterministic.

Every transaction the devnet tests broadcast is also verified by the devnet and by steem-js
(tests/independent), so the whole path (beem's digest, this signature) is checked there too."""

from __future__ import annotations

import hashlib

import coincurve
from beemgraphenebase.account import PrivateKey
from beemgraphenebase.ecdsasig import verify_message

from connectors.steem import canonical_signature
from devnet.genesis import INITMINER_WIF


def _is_canonical(r_s: bytes) -> bool:  # fc::ecc::public_key::is_canonical
    return not (r_s[0] & 0x80 or (r_s[0] == 0 and not r_s[1] & 0x80) or r_s[32] & 0x80 or
                (r_s[32] == 0 and not r_s[33] & 0x80))


def test_signatures_recover_to_the_signer_are_canonical_and_deterministic() -> None:
    key = PrivateKey(INITMINER_WIF)
    public = coincurve.PrivateKey(bytes(key)).public_key.format(compressed=True)
    nonces_retried = 0
    for n in range(200):
        message = f"chain id + transaction {n}".encode()
        digest = hashlib.sha256(message).digest()
        signature = canonical_signature(digest, bytes(key))
        assert len(signature) == 65 and 31 <= signature[0] <= 34
        assert _is_canonical(signature[1:])
        recovered = coincurve.PublicKey.from_signature_and_message(
            signature[1:] + bytes([signature[0] - 31]), digest, hasher=None)
        assert recovered.format(compressed=True) == public
        if n < 5:  # beem reads it as its own (pure Python: a few only)
            assert verify_message(message, signature) == public
        assert canonical_signature(digest, bytes(key)) == signature
        plain = coincurve.PrivateKey(bytes(key)).sign_recoverable(digest, hasher=None)
        nonces_retried += plain[:64] != signature[1:]
    assert nonces_retried > 0  # some first nonces were not canonical and were retried
