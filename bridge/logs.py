"""Logging set-up, with a filter that scrubs anything shaped like a private key or password."""

from __future__ import annotations

import logging
import re

# WIF private keys (51 base58 chars starting with 5) and WordPress application passwords
# (24 chars, often shown in groups of four).
SECRET_PATTERNS = (
    re.compile(r"\b5[HJK][1-9A-HJ-NP-Za-km-z]{49}\b"),
    re.compile(r"\b(?:[A-Za-z0-9]{4} ){5}[A-Za-z0-9]{4}\b"),
)


def redact(text: str) -> str:
    for pattern in SECRET_PATTERNS:
        text = pattern.sub("***", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def setup_logging(debug: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("beem", "beemapi", "beembase", "beemgraphenebase", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
