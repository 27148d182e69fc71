"""The database: entries and versions, matches, the alert outbox, source state and runs.

`Store` and the lock helpers are imported on first use: they bring SQLAlchemy (~150 ms), which
`tidings sources list` does without (see `storage.peek`); so are the record classes of `storage.records`
(building its ~20 dataclasses is ~30 ms that `sources list`, which reads only `SourceState`, does without).
"""

import importlib
from typing import TYPE_CHECKING, Any

from storage.errors import (
    DatabaseLockedError,
    DatabaseUnavailableError,
    InvalidValueError,
    StorageError,
    StoreOpenError,
    UnknownRowError,
)

if TYPE_CHECKING:
    from storage.locks import single_daemon_lock, sqlite_file
    from storage.records import (
        ALERT_MODES,
        ALERT_STATUSES,
        HEALTH_STATES,
        MATCH_KINDS,
        AlertItem,
        AlertMode,
        AlertRow,
        AlertStatus,
        ArticleRecord,
        ChangeClass,
        ClaimedAlert,
        EditClass,
        EditVerdict,
        EntryMatch,
        EntryRow,
        GoneOutcome,
        HealthAlert,
        HealthState,
        HttpState,
        MatchAlert,
        MatchKind,
        MatchRecord,
        OutcomeKind,
        PendingAlert,
        RecheckRow,
        RunRow,
        RunStats,
        SaveOutcome,
        SourceState,
        StoryCandidate,
        StoryLinkRecord,
        StoryMember,
        StoryRow,
        VersionRow,
    )
    from storage.store import Store, UnitOfWork

_RECORDS = (  # from storage.records, on first use
    "ALERT_MODES", "ALERT_STATUSES", "HEALTH_STATES", "MATCH_KINDS", "AlertItem", "AlertMode", "AlertRow",
    "AlertStatus", "ArticleRecord", "ChangeClass", "ClaimedAlert", "EditClass", "EditVerdict", "EntryMatch",
    "EntryRow", "GoneOutcome", "HealthAlert", "HealthState", "HttpState", "MatchAlert", "MatchKind",
    "MatchRecord", "OutcomeKind", "PendingAlert", "RecheckRow", "RunRow", "RunStats", "SaveOutcome",
    "SourceState", "StoryCandidate", "StoryLinkRecord", "StoryMember", "StoryRow", "VersionRow",
)
_LAZY = {"Store": "storage.store", "UnitOfWork": "storage.store",
         "single_daemon_lock": "storage.locks", "sqlite_file": "storage.locks",
         **dict.fromkeys(_RECORDS, "storage.records")}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "ALERT_MODES",
    "ALERT_STATUSES",
    "HEALTH_STATES",
    "MATCH_KINDS",
    "AlertItem",
    "AlertMode",
    "AlertRow",
    "AlertStatus",
    "ArticleRecord",
    "ChangeClass",
    "ClaimedAlert",
    "DatabaseLockedError",
    "DatabaseUnavailableError",
    "EditClass",
    "EditVerdict",
    "EntryMatch",
    "EntryRow",
    "GoneOutcome",
    "HealthAlert",
    "HealthState",
    "HttpState",
    "InvalidValueError",
    "MatchAlert",
    "MatchKind",
    "MatchRecord",
    "OutcomeKind",
    "PendingAlert",
    "RecheckRow",
    "RunRow",
    "RunStats",
    "SaveOutcome",
    "SourceState",
    "StorageError",
    "Store",
    "StoreOpenError",
    "StoryCandidate",
    "StoryLinkRecord",
    "StoryMember",
    "StoryRow",
    "UnitOfWork",
    "UnknownRowError",
    "VersionRow",
    "single_daemon_lock",
    "sqlite_file",
]
