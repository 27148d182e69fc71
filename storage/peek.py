"""Cheap reads for quick commands: a SQLite file's source states through the standard library.

Opening a `Store` imports SQLAlchemy (~150 ms of CPU) and may migrate; `tidings sources list` needs one
SELECT. `source_states` answers for SQLite files (none yet: no states) and returns None when it cannot
answer cheaply (another database, a URL with options, a schema it does not know), so callers use `Store`.

>>> source_states("sqlite:////nonexistent/tidings.db")
[]
>>> source_states("postgresql+psycopg://tidings@db/tidings") is None
True
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from storage.source_state import SourceState

_COLUMNS = ("id", "kind", "settings_hash", "last_success_at", "last_failure_at", "consecutive_failures",
            "last_error", "next_due_at", "lease_owner", "lease_until", "degraded", "health_alerted")


def sqlite_path(database_url: str) -> Path | None:
    """The file of a plain `sqlite:///path` URL; None for anything else (in-memory, options, other databases).

    >>> sqlite_path("sqlite:////var/lib/tidings.db"), sqlite_path("sqlite:///:memory:")
    (PosixPath('/var/lib/tidings.db'), None)
    """
    scheme, separator, rest = database_url.partition(":///")
    if not separator or scheme not in ("sqlite", "sqlite+pysqlite") or "?" in rest or rest in ("", ":memory:"):
        return None
    return Path(rest).expanduser()


def source_states(database_url: str) -> list[SourceState] | None:
    """All sources' states by id, or None when only a `Store` can tell."""
    rows = _select(database_url, f"SELECT {', '.join(_COLUMNS)} FROM source ORDER BY id", ())
    return None if rows is None else [_state(row) for row in rows]


def publication_times(
    database_url: str, *, since: datetime
) -> list[tuple[str, str | None, datetime, datetime]] | None:
    """What `Store.publication_times` returns, or None when only a `Store` can tell."""
    bound = since.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    rows = _select(database_url, "SELECT source_id, published, first_seen FROM entry "
                                 "WHERE first_seen >= ? AND duplicate_of IS NULL", (bound,))
    firsts = _select(database_url, "SELECT id, (SELECT MIN(first_seen) FROM entry WHERE source_id = source.id) "
                                   "FROM source", ())  # one index seek per source
    if rows is None or firsts is None:
        return None
    first_of = {str(source): _time(first) or since for source, first in firsts}
    return [(str(source), None if published is None else str(published), _time(seen) or since,
             first_of.get(str(source), since)) for source, published, seen in rows]


def change_counts(database_url: str) -> dict[str, dict[str, int]] | None:
    """What `Store.change_counts` returns (versions by class per source), or None when only a `Store` can tell."""
    rows = _select(database_url, "SELECT entry.source_id, version.change_class, COUNT(*) FROM version "
                                 "JOIN entry ON entry.id = version.entry_id GROUP BY 1, 2", ())
    if rows is None:
        return None
    counts: dict[str, dict[str, int]] = {}
    for source, change_class, count in rows:
        name = "cosmetic" if change_class == "minor" else str(change_class)  # a file not migrated yet
        per_source = counts.setdefault(str(source), {})
        per_source[name] = per_source.get(name, 0) + int(str(count))
    return counts


def _select(database_url: str, query: str, parameters: tuple[object, ...]) -> list[tuple[object, ...]] | None:
    path = sqlite_path(database_url)
    if path is None:
        return None
    if not path.exists():
        return []
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return connection.execute(query, parameters).fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return None  # locked, unreadable, or not (yet) our schema: the Store says what is wrong


def _state(row: tuple[object, ...]) -> SourceState:
    values = dict(zip(_COLUMNS, row, strict=True))
    return SourceState(
        source_id=str(values["id"]),
        kind=str(values["kind"]),
        settings_hash=str(values["settings_hash"]),
        last_success_at=_time(values["last_success_at"]),
        last_failure_at=_time(values["last_failure_at"]),
        consecutive_failures=int(str(values["consecutive_failures"])),
        last_error=None if values["last_error"] is None else str(values["last_error"]),
        next_due_at=_time(values["next_due_at"]),
        lease_owner=None if values["lease_owner"] is None else str(values["lease_owner"]),
        lease_until=_time(values["lease_until"]),
        degraded=bool(values["degraded"]),
        health_alerted=bool(values["health_alerted"]),
    )


def _time(value: object) -> datetime | None:
    """SQLite keeps naive UTC text (`2026-01-02 03:04:05.000006`)."""
    return None if value is None else datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
