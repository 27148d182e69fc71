"""The database: entries and versions, matches, the alert outbox, source state and runs."""

from storage.errors import InvalidValueError, StorageError, StoreOpenError, UnknownRowError
from storage.records import (
    AlertRow,
    ArticleRecord,
    EntryRow,
    HttpState,
    MatchRecord,
    PendingAlert,
    RunRow,
    RunStats,
    SaveOutcome,
    SourceState,
    VersionRow,
)
from storage.store import Store, UnitOfWork

__all__ = [
    "AlertRow",
    "ArticleRecord",
    "EntryRow",
    "HttpState",
    "InvalidValueError",
    "MatchRecord",
    "PendingAlert",
    "RunRow",
    "RunStats",
    "SaveOutcome",
    "SourceState",
    "StorageError",
    "Store",
    "StoreOpenError",
    "UnitOfWork",
    "UnknownRowError",
    "VersionRow",
]
