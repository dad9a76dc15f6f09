"""Keys and signatures: base58 WIF/public-key text forms and compact-signature recovery.

Independent of beem. Formats follow steem ``libraries/protocol/types.cpp`` (public_key_type:
prefix + base58(compressed key + ripemd160 checksum[:4])) and fc ``src/crypto/elliptic_common.cpp``
(65-byte compact signatures: recovery byte 27+4+recid, then r, s; ``is_fc_canonical``).
"""

from __future__ import annotations

import hashlib

import coincurve

from devnet.genesis import ADDRESS_PREFIX

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = _B58[rem] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def _ripemd160(data: bytes) -> bytes:
    return hashlib.new("ripemd160", data).digest()


def wif_to_secret(wif: str) -> bytes:
    raw = b58decode(wif)
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        raise ValueError("bad WIF checksum")
    return payload[1:33]


def public_key_to_str(compressed: bytes, prefix: str = ADDRESS_PREFIX) -> str:
    return prefix + b58encode(compressed + _ripemd160(compressed)[:4])


def public_key_from_str(text: str, prefix: str = ADDRESS_PREFIX) -> bytes:
    """Return the 33-byte compressed key; raises ValueError on a bad prefix or checksum."""
    if not text.startswith(prefix):
        raise ValueError(f"public key {text} lacks prefix {prefix}")
    raw = b58decode(text[len(prefix):])
    key, checksum = raw[:-4], raw[-4:]
    if len(key) != 33 or _ripemd160(key)[:4] != checksum:
        raise ValueError(f"bad public key {text}")
    return key


def wif_to_public_str(wif: str) -> str:
    secret = wif_to_secret(wif)
    return public_key_to_str(coincurve.PrivateKey(secret).public_key.format(compressed=True))


def is_fc_canonical(sig: bytes) -> bool:
    """fc ``public_key::is_canonical`` for fc_canonical signatures (elliptic_common.cpp)."""
    return (
        not (sig[1] & 0x80)
        and not (sig[1] == 0 and not (sig[2] & 0x80))
        and not (sig[33] & 0x80)
        and not (sig[33] == 0 and not (sig[34] & 0x80))
    )


def recover_compact(sig: bytes, digest: bytes) -> bytes:
    """Recover the compressed public key from a 65-byte compact signature over ``digest``."""
    if len(sig) != 65:
        raise ValueError("signature must be 65 bytes")
    recid = (sig[0] - 27) & 3
    pub = coincurve.PublicKey.from_signature_and_message(sig[1:] + bytes([recid]), digest, hasher=None)
    return pub.format(compressed=True)
