"""Looking again: the re-check schedule of entries, removals (a page gone twice in a row) and restorations.

The schedule itself (when to look next) is the caller's; this module stores ``entry.next_check_at``, picks the
due entries of a source in due order within a budget, and records what the look found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from storage.engine import Database, to_json
from storage.errors import UnknownRowError
from storage.records import ChangeClass, GoneOutcome, RecheckRow
from storage.schema import entry, version

GONE_CHECKS_TO_REMOVE = 2
"""A page must be gone on this many re-checks in a row before its entry is marked removed."""


def add_marker(conn: Connection, entry_id: int, cls: ChangeClass, now: datetime,
               analysis: Mapping[str, Any] | None = None) -> int:
    """A version without text that records an event ("removed", "restored", or "files": the entry's files changed,
    ``analysis`` says how); its hash is unique per event."""
    digest = hashlib.sha256(f"{cls} {entry_id} {now.isoformat()}".encode()).hexdigest()
    values = {"entry_id": entry_id, "content_hash": digest, "text": "", "fetched_at": now, "change_class": cls,
              "analysis": None if analysis is None else to_json(analysis)}
    version_id = conn.execute(version.insert().values(**values).returning(version.c.id)).scalar_one()
    return int(version_id)


def mark_back(conn: Connection, entry_id: int, now: datetime) -> int | None:
    """A removed entry's page answers again: a "restored" marker version, ``removed_at`` cleared; returns the
    marker's id, or None when the entry was not removed."""
    removed = conn.execute(select(entry.c.removed_at).where(entry.c.id == entry_id)).scalar()
    if removed is None:
        return None
    marker = add_marker(conn, entry_id, "restored", now)
    conn.execute(update(entry).where(entry.c.id == entry_id).values(removed_at=None, gone_checks=0))
    return marker


class RecheckWrites:
    """The unit of work's part of re-checks: schedule the next look, record a gone page."""

    _conn: Connection

    def schedule_recheck(self, entry_id: int, next_check_at: datetime | None) -> None:
        """The page was seen (200 or 304): look next at ``next_check_at`` (None: never), forget gone sightings."""
        stmt = update(entry).where(entry.c.id == entry_id).values(next_check_at=next_check_at, gone_checks=0)
        if self._conn.execute(stmt).rowcount != 1:
            raise UnknownRowError("entry", entry_id)

    def record_gone(self, entry_id: int, *, now: datetime, next_check_at: datetime | None) -> GoneOutcome:
        """The entry's page answered 404/410 or redirected to a list page.

        The first time it is a suspect: looked at again on the next run (``next_check_at`` = now). The second
        time in a row the entry is removed: ``removed_at`` is set and a "removed" marker version records it
        (the current version stays the last real text); later sightings are expected and change nothing but the
        schedule (``next_check_at``), so that a restoration is still noticed.
        """
        row = self._conn.execute(
            select(entry.c.removed_at, entry.c.gone_checks).where(entry.c.id == entry_id)
        ).first()
        if row is None:
            raise UnknownRowError("entry", entry_id)
        if row.removed_at is not None:
            self.schedule_recheck(entry_id, next_check_at)
            return GoneOutcome("already_removed", entry_id)
        checks = row.gone_checks + 1
        if checks < GONE_CHECKS_TO_REMOVE:
            values = {"gone_checks": checks, "next_check_at": now}
            self._conn.execute(update(entry).where(entry.c.id == entry_id).values(**values))
            return GoneOutcome("suspect", entry_id)
        marker = add_marker(self._conn, entry_id, "removed", now)
        values = {"gone_checks": 0, "removed_at": now, "next_check_at": next_check_at}
        self._conn.execute(update(entry).where(entry.c.id == entry_id).values(**values))
        return GoneOutcome("removed", entry_id, marker)

    def record_back(self, entry_id: int, *, now: datetime) -> int | None:
        """A removed entry's page answers again (a 304 of its old copy): see :func:`mark_back`."""
        return mark_back(self._conn, entry_id, now)


@lru_cache(maxsize=8)
def _due_query(every: bool, limit: int) -> Any:
    """The re-check query of :meth:`RecheckRepository.recheck_due`, built once per form (every poll runs it)."""
    query = select(entry.c.id, entry.c.url, entry.c.canonical_url, entry.c.first_seen, entry.c.next_check_at,
                   entry.c.removed_at, entry.c.gone_checks)
    query = query.where(entry.c.source_id == bindparam("source_id_"), entry.c.duplicate_of.is_(None)).limit(limit)
    if every:
        return query.order_by(entry.c.first_seen.desc(), entry.c.id.desc())
    due = entry.c.next_check_at <= bindparam("now_", type_=entry.c.next_check_at.type)
    return query.where(due).order_by(entry.c.next_check_at, entry.c.id)


class RecheckRepository(Database):
    """Which stored pages to fetch again now."""

    def recheck_due(self, source_id: str, *, now: datetime, limit: int, every: bool = False) -> list[RecheckRow]:
        """Up to ``limit`` entries of a source (not duplicates) whose next re-check is due, most overdue first;
        with ``every``, the ``limit`` newest entries whatever their schedule (a re-check asked for now)."""
        if limit <= 0:
            return []
        with self._read() as conn:
            rows = conn.execute(_due_query(every, limit), {"source_id_": source_id, "now_": now}).all()
        return [
            RecheckRow(row.id, row.url, row.canonical_url, row.first_seen, row.next_check_at, row.removed_at,
                       row.gone_checks)
            for row in rows
        ]
