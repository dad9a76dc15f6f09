"""The one timestamp type: timezone-aware UTC ``datetime``; text only at the edges.

The state store and the mappings keep UTC times as ``YYYY-MM-DDTHH:MM:SS`` text (sortable, and
what the chain itself writes); everything else holds aware datetimes. Chain times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

TEXT_FORMAT = "%Y-%m-%dT%H:%M:%S"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_text(moment: datetime) -> str:
    """An aware datetime as stored text (UTC); a naive one is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(TEXT_FORMAT)


def from_text(text: str | None) -> datetime:
    """Stored or chain text (``2026-01-01T00:00:00``, any suffix ignored) as an aware UTC
    datetime; empty means the epoch."""
    if not text:
        return EPOCH
    return datetime.strptime(text[:19], TEXT_FORMAT).replace(tzinfo=UTC)


def now_text() -> str:
    return to_text(utc_now())


def later(text: str, wait: timedelta) -> str:
    return to_text(from_text(text) + wait)
