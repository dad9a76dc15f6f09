"""The state store package: every table the bridge keeps, and all of its SQL."""

from bridge.store.outbox import Outbox, OutboxEntry
from bridge.store.state import StateStore, utcnow

__all__ = ["Outbox", "OutboxEntry", "StateStore", "utcnow"]
