"""Proof of a chain account's posting key without the key: verify a signed one-time challenge.

A wallet (Steem Keychain's ``requestSignBuffer``, beem's ``sign_message``) signs
``sha256(challenge)`` and hands back Graphene's *compact* signature: 65 bytes, hex encoded,
``[27 + 4 + recovery id][r (32)][s (32)]`` (4 added for a compressed public key). The public key
is recovered from the signature (secp256k1 via coincurve, a declared dependency) and must be one
of the account's current posting ``key_auths`` as the chain returned them (``STM...`` strings).
Pure: no network, no beem (only ``connectors/steem.py`` may import beem).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from coincurve import PublicKey

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_HEX_SIGNATURE = re.compile(r"^[0-9a-fA-F]{130}$")


class BadSignature(ValueError):
    """The text is not a compact signature at all (its message says why, for the member)."""


def public_key_bytes(key: str) -> bytes | None:
    """``STM6...`` (any 3-letter prefix) -> the 33-byte compressed point; None if not a key.

    The 4-byte checksum after the point is not checked: these keys come from the chain."""
    body = key[3:]
    number = 0
    for char in body:
        index = _B58.find(char)
        if index < 0:
            return None
        number = number * 58 + index
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(body) - len(body.lstrip("1"))) + raw
    return raw[:33] if len(raw) == 37 and raw[0] in (2, 3) else None


def recover(challenge: str, signature_hex: str) -> bytes:
    """The compressed public key that made ``signature_hex`` over ``sha256(challenge)``."""
    text = signature_hex.strip().removeprefix("0x")
    if not _HEX_SIGNATURE.match(text):
        raise BadSignature("the signature must be 65 bytes written as 130 hex digits "
                           "(a wallet's signBuffer answer)")
    raw = bytes.fromhex(text)
    header = raw[0]
    if not 27 <= header <= 34:
        raise BadSignature("the signature's first byte is not a compact signature header")
    recid = (header - 27) & 3
    try:
        key = PublicKey.from_signature_and_message(
            raw[1:] + bytes([recid]), challenge.encode("utf-8"),
            hasher=lambda message: hashlib.sha256(message).digest())
    except Exception as exc:  # noqa: BLE001 - coincurve raises plain errors for bad points
        raise BadSignature(f"no public key can be recovered from this signature ({exc})") \
            from exc
    return bytes(key.format(compressed=True))


def signed_by_any(challenge: str, signature_hex: str, public_keys: Sequence[str]) -> bool:
    """Whether the signature over the challenge was made by one of ``public_keys``."""
    recovered = recover(challenge, signature_hex)
    return any(public_key_bytes(key) == recovered for key in public_keys)
