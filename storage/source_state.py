"""A source's stored state: the one record `tidings sources list` reads (through `storage.peek`), in a module of
its own so that reading it does not build every record class of `storage.records` (which re-exports it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SourceState:
    """A source's health, backoff and lease."""

    source_id: str
    kind: str
    settings_hash: str
    last_success_at: datetime | None
    last_failure_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    next_due_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    degraded: bool
    health_alerted: bool
