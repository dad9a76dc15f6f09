"""Logging set-up that never writes a secret: every configured key and password is registered
here and scrubbed from each line, tracebacks included, along with anything shaped like a WIF
private key or a WordPress application password."""

from __future__ import annotations

import logging
import re

# WIF private keys (51 base58 chars starting with 5) and WordPress application passwords
# (24 chars, often shown in groups of four).
SECRET_PATTERNS = (
    re.compile(r"\b5[HJK][1-9A-HJ-NP-Za-km-z]{49}\b"),
    re.compile(r"\b(?:[A-Za-z0-9]{4} ){5}[A-Za-z0-9]{4}\b"),
)
_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret so that no log line can contain it (with or without its spaces)."""
    value = value.strip()
    if len(value) >= 8:
        _SECRETS.add(value)
        _SECRETS.add(value.replace(" ", ""))


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    for pattern in SECRET_PATTERNS:
        text = pattern.sub("***", text)
    return text


class RedactingFormatter(logging.Formatter):
    """Scrubs the whole formatted record: message, arguments and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(debug: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # waitress (the webhook's server) logs disconnects at INFO; its warnings reach this handler
    for noisy in ("beem", "beemapi", "beembase", "beemgraphenebase", "urllib3", "waitress"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
