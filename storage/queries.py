"""Read-only queries for the web app and the API: the timeline, an entry with everything about it, search
candidates, the outbox and runs per source. Pages are keyed by (first seen, id), newest first.

Columns other engineers add later (a removal time, stories) are shown when the schema has them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, func, null, or_, select

from storage import search
from storage.engine import Database, from_json
from storage.keyset import older_than
from storage.records import RunRow
from storage.schema import alert, entry, match, metadata, run, version
from storage.view_records import (
    AlertView,
    EntryDetail,
    MatchView,
    Page,
    StoryMember,
    TimelineFilter,
    TimelineRow,
    VersionView,
)

PageKey = tuple[datetime, int]
MAX_PAGE = 500


def _removed_column() -> ColumnElement[Any] | None:
    return entry.c.get("removed_at")


def _edited() -> ColumnElement[bool]:
    other = version.alias("edited_version")
    return exists().where(other.c.entry_id == entry.c.id, other.c.change_class != "initial")


def filter_clauses(flt: TimelineFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a timeline filter (shared by the timeline and search)."""
    clauses: list[ColumnElement[bool]] = []
    if flt.source_id:
        clauses.append(entry.c.source_id == flt.source_id)
    if flt.language:
        clauses.append(or_(entry.c.language == flt.language, entry.c.language.like(f"{flt.language}-%")))
    if flt.rule:
        clauses.append(exists().where(match.c.entry_id == entry.c.id, match.c.rule == flt.rule))
    day = func.substr(entry.c.published, 1, 10)
    if flt.published_from:
        clauses.append(day >= flt.published_from)
    if flt.published_to:
        clauses.append(day <= flt.published_to)
    if flt.edited:
        clauses.append(_edited())
    removed = _removed_column()
    if flt.removed:
        clauses.append(removed.is_not(None) if removed is not None else entry.c.id.is_(None))
    if flt.story_id is not None:
        clauses.append(entry.c.story_id == flt.story_id)
    return clauses


def _before(key: PageKey | None) -> list[ColumnElement[bool]]:
    if key is None:
        return []
    return [older_than(entry, key)]


def _edited_flag() -> ColumnElement[Any]:
    """Whether the entry has a version other than its first, probed per row (an EXISTS in the select list lets
    PostgreSQL hash every edited version of the table, 180 ms per page at 100,000 entries)."""
    other = version.alias("edited_version")
    first = select(other.c.id).where(other.c.entry_id == entry.c.id, other.c.change_class != "initial").limit(1)
    return first.scalar_subquery().is_not(None)


def _timeline_select() -> Any:
    count = select(func.count()).where(version.c.entry_id == entry.c.id).scalar_subquery()
    current = version.alias("current_version")
    removed = _removed_column()
    return (
        select(
            entry.c.id, entry.c.title, entry.c.url, entry.c.source_id, entry.c.language, entry.c.published,
            entry.c.first_seen, current.c.fetched_at.label("updated_at"), count.label("version_count"),
            _edited_flag().label("edited"), entry.c.story_id,
            (removed if removed is not None else null()).label("removed_at"),
        )
        .join(current, current.c.id == entry.c.current_version_id)
    )


def _rules_of(conn: Connection, entry_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    if not entry_ids:
        return {}
    rows = conn.execute(
        select(match.c.entry_id, match.c.rule).where(match.c.entry_id.in_(list(entry_ids))).distinct()
    ).all()
    found: dict[int, list[str]] = {}
    for entry_id, rule in rows:
        found.setdefault(entry_id, []).append(rule)
    return {entry_id: tuple(sorted(rules)) for entry_id, rules in found.items()}


def _timeline_rows(conn: Connection, rows: Sequence[Any]) -> list[TimelineRow]:
    rules = _rules_of(conn, [row.id for row in rows])
    removed = _removed_column()
    return [
        TimelineRow(
            entry_id=row.id, title=row.title, url=row.url, source_id=row.source_id, language=row.language,
            published=row.published, first_seen=row.first_seen, updated_at=row.updated_at,
            version_count=row.version_count, edited=bool(row.edited), rules=rules.get(row.id, ()),
            story_id=row.story_id, removed_at=row.removed_at if removed is not None else None,
        )
        for row in rows
    ]


def _alert_select() -> Any:
    return (
        select(
            alert.c.id, alert.c.match_id, alert.c.channel, alert.c.status, alert.c.mode, alert.c.attempts,
            alert.c.next_attempt_at, alert.c.last_error, alert.c.sent_at, alert.c.created_at,
            match.c.rule, match.c.entry_id, entry.c.title, entry.c.source_id,
        )
        .outerjoin(match, match.c.id == alert.c.match_id)
        .outerjoin(entry, entry.c.id == match.c.entry_id)
    )


def _alert_view(row: Any) -> AlertView:
    return AlertView(**{name: row._mapping[name] for name in AlertView.__dataclass_fields__})


def has_stories() -> bool:
    """True once the schema has a story table (stories are linked by another part of tidings)."""
    return "story" in metadata.tables


class ReadModelRepository(Database):
    """The web app's queries, one repository of the Store."""

    def timeline(self, flt: TimelineFilter, *, before: PageKey | None = None, limit: int = 50) -> Page[TimelineRow]:
        """Entries (no duplicates) newest first by first seen, filtered, one page after ``before``."""
        limit = max(1, min(limit, MAX_PAGE))
        query = (
            _timeline_select()
            .where(entry.c.duplicate_of.is_(None), *filter_clauses(flt), *_before(before))
            .order_by(entry.c.first_seen.desc(), entry.c.id.desc())
            .limit(limit + 1)
        )
        with self._read() as conn:
            rows = _timeline_rows(conn, conn.execute(query).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(tuple(rows), (rows[-1].first_seen, rows[-1].entry_id) if more else None)

    def timeline_rows(self, entry_ids: Sequence[int]) -> list[TimelineRow]:
        """Timeline rows of exactly these entries, in the order given (unknown ids left out)."""
        with self._read() as conn:
            rows = _timeline_rows(conn, conn.execute(_timeline_select().where(entry.c.id.in_(list(entry_ids)))).all())
        by_id = {row.entry_id: row for row in rows}
        return [by_id[entry_id] for entry_id in entry_ids if entry_id in by_id]

    def search_candidates(
        self, plan: search.Plan | None, flt: TimelineFilter, *, before: PageKey | None, limit: int
    ) -> list[search.Candidate]:
        """Entries the index proposes for ``plan`` within the filter, newest first (see ``storage.search``)."""
        with self._read() as conn:
            return search.candidates(conn, plan, where=filter_clauses(flt), before=before, limit=limit)

    def entry_detail(self, entry_id: int) -> EntryDetail | None:
        """The entry, its versions (oldest first), its matches, its alerts and its story's other members."""
        with self._read() as conn:
            found = _timeline_rows(conn, conn.execute(_timeline_select().where(entry.c.id == entry_id)).all())
            if not found:
                return None
            head = conn.execute(
                select(entry.c.author, entry.c.canonical_url, entry.c.duplicate_of, version.c.text)
                .join(version, version.c.id == entry.c.current_version_id)
                .where(entry.c.id == entry_id)
            ).one()
            versions = tuple(self._versions(conn, entry_id))
            matches = tuple(self._matches(conn, entry_id))
            alerts = tuple(_alert_view(row) for row in conn.execute(
                _alert_select().where(match.c.entry_id == entry_id).order_by(alert.c.id)).all())
            story = tuple(self._story(conn, found[0]))
        return EntryDetail(found[0], head.author, head.canonical_url, head.duplicate_of, head.text,
                           versions, matches, alerts, story)

    def _versions(self, conn: Connection, entry_id: int) -> Iterator[VersionView]:
        query = select(version.c.id, version.c.content_hash, version.c.text, version.c.fetched_at,
                       version.c.change_class, version.c.analysis).where(version.c.entry_id == entry_id).order_by(
                           version.c.id)
        for row in conn.execute(query).all():
            files = (from_json(row.analysis) or {}).get("files", ()) if row.change_class == "files" else ()
            yield VersionView(row.id, row.content_hash, row.text, row.fetched_at, row.change_class, tuple(files))

    def _matches(self, conn: Connection, entry_id: int) -> Iterator[MatchView]:
        query = select(match.c.id, match.c.version_id, match.c.rule, match.c.kind, match.c.evidence,
                       match.c.created_at).where(match.c.entry_id == entry_id).order_by(match.c.id)
        for row in conn.execute(query).all():
            yield MatchView(row.id, row.version_id, row.rule, row.kind, tuple(json.loads(row.evidence)),
                            row.created_at)

    def _story(self, conn: Connection, row: TimelineRow) -> Iterator[StoryMember]:
        if row.story_id is None:
            return
        query = (select(entry.c.id, entry.c.title, entry.c.source_id, entry.c.language, entry.c.published)
                 .where(entry.c.story_id == row.story_id, entry.c.id != row.entry_id).order_by(entry.c.id))
        for member in conn.execute(query).all():
            yield StoryMember(*member)

    def outbox(self, *, status: str | None = None, before_id: int | None = None, limit: int = 50) -> list[AlertView]:
        """Outbox rows newest first (by id), optionally of one status, with ids below ``before_id``."""
        query = _alert_select().order_by(alert.c.id.desc()).limit(max(1, min(limit, MAX_PAGE)))
        if status:
            query = query.where(alert.c.status == status)
        if before_id is not None:
            query = query.where(alert.c.id < before_id)
        with self._read() as conn:
            return [_alert_view(row) for row in conn.execute(query).all()]

    def alert_view(self, alert_id: int) -> AlertView | None:
        """One outbox row."""
        with self._read() as conn:
            row = conn.execute(_alert_select().where(alert.c.id == alert_id)).first()
        return None if row is None else _alert_view(row)

    def runs_of(self, source_id: str, *, limit: int = 10) -> list[RunRow]:
        """A source's most recent runs, newest first."""
        query = (select(run).where(run.c.source_id == source_id)
                 .order_by(run.c.started_at.desc(), run.c.id.desc()).limit(limit))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [RunRow(**{**{name: row._mapping[name] for name in RunRow.__dataclass_fields__},
                          "degraded": bool(row.degraded)}) for row in rows]

    def texts_of(self, entry_ids: Sequence[int]) -> dict[int, str]:
        """The current text of each of these entries."""
        query = (select(entry.c.id, version.c.text).join(version, version.c.id == entry.c.current_version_id)
                 .where(entry.c.id.in_(list(entry_ids))))
        with self._read() as conn:
            return {row.id: row.text for row in conn.execute(query).all()}

    def story_ids(self, *, before_id: int | None = None, limit: int = 50) -> list[int]:
        """Story ids that have entries, newest first."""
        query = (select(entry.c.story_id).where(entry.c.story_id.is_not(None)).distinct()
                 .order_by(entry.c.story_id.desc()).limit(limit))
        if before_id is not None:
            query = query.where(entry.c.story_id < before_id)
        with self._read() as conn:
            return [int(story_id) for story_id in conn.scalars(query)]
