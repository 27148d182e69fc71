"""Stories: which story each entry belongs to, why (the link's evidence), and the blocking index of candidates.

Storage does not interpret anchors or keys (they are computed by ``rules.stories``); it keeps them, finds the
entries indexed under some keys, and keeps ``entry.story_id`` equal to the entry's ``story_link`` row.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.engine import RowMapping

from storage.engine import Database, dialect_insert
from storage.errors import UnknownRowError
from storage.records import StoryCandidate, StoryLinkRecord, StoryMember, StoryRow
from storage.schema import entry, story, story_key, story_link, version

_CHUNK = 500  # keys per IN (...) query


def _candidate_columns() -> list[Any]:
    return [
        entry.c.id.label("entry_id"), story_link.c.story_id, entry.c.language, entry.c.title, version.c.text,
        entry.c.published, entry.c.first_seen, entry.c.url, entry.c.source_id, story_link.c.anchors,
    ]


class StoryWrites:
    """The unit of work's part: link the entry it stores to a story, in the same transaction."""

    _conn: Connection

    def story_candidates(self, keys: Collection[str], *, exclude: int, limit: int) -> list[StoryCandidate]:
        """Linked entries indexed under any of ``keys`` (newest first, at most ``limit``), ``exclude`` left out."""
        wanted = sorted(keys)
        ids: set[int] = set()
        for start in range(0, len(wanted), _CHUNK):
            # No ORDER BY ... LIMIT here: PostgreSQL would walk the entry_id index backwards through every
            # posting instead of looking the keys up; the newest are chosen below.
            query = select(story_key.c.entry_id).where(
                story_key.c.key.in_(wanted[start : start + _CHUNK]), story_key.c.entry_id != exclude
            )
            ids.update(self._conn.scalars(query))
        if not ids:
            return []
        chosen = sorted(ids, reverse=True)[:limit]
        query = (
            select(*_candidate_columns())
            .join(story_link, story_link.c.entry_id == entry.c.id)
            .join(version, version.c.id == entry.c.current_version_id)
            .where(entry.c.id.in_(chosen), story_link.c.anchors.is_not(None))
            .order_by(entry.c.id.desc())
        )
        return [StoryCandidate(**row._mapping) for row in self._conn.execute(query)]

    def story_of(self, entry_id: int) -> int | None:
        """The story an entry belongs to, or None."""
        return self._conn.execute(select(entry.c.story_id).where(entry.c.id == entry_id)).scalar()

    def link_story(self, rec: StoryLinkRecord, *, now: datetime) -> int:
        """Put the entry into ``rec.story_id`` (or a new story); index its keys; returns the story id.

        An entry already linked (a racing writer, or a person's decision) keeps its story.
        """
        current = self._conn.execute(select(story_link.c.story_id).where(story_link.c.entry_id == rec.entry_id))
        existing = current.scalar()
        if existing is not None:
            self.update_story_anchors(rec.entry_id, anchors=rec.anchors, keys=rec.keys)
            return int(existing)
        story_id = rec.story_id if rec.story_id is not None else self._new_story(rec.entry_id, now)
        self._conn.execute(story_link.insert().values(
            entry_id=rec.entry_id, story_id=story_id, score=rec.score, reason=rec.reason, evidence=rec.evidence,
            linked_by="auto", anchors=rec.anchors, created_at=now,
        ))
        self._index(rec.entry_id, rec.keys)
        self._conn.execute(update(entry).where(entry.c.id == rec.entry_id).values(story_id=story_id))
        return story_id

    def update_story_anchors(self, entry_id: int, *, anchors: str | None, keys: Iterable[str]) -> None:
        """An edited entry's new anchors and keys; its story stays (linking is done once per entry)."""
        self._conn.execute(update(story_link).where(story_link.c.entry_id == entry_id).values(anchors=anchors))
        self._conn.execute(delete(story_key).where(story_key.c.entry_id == entry_id))
        self._index(entry_id, keys)

    def _new_story(self, entry_id: int, now: datetime) -> int:
        title = self._conn.execute(select(entry.c.title).where(entry.c.id == entry_id)).scalar()
        stmt = story.insert().values(title=title, first_entry_id=entry_id, first_seen=now).returning(story.c.id)
        return int(self._conn.execute(stmt).scalar_one())

    def _index(self, entry_id: int, keys: Iterable[str]) -> None:
        rows = [{"key": key, "entry_id": entry_id} for key in sorted(set(keys))]
        if rows:
            stmt = dialect_insert(self._conn, story_key).on_conflict_do_nothing(index_elements=["key", "entry_id"])
            self._conn.execute(stmt, rows)

    def story_entries(self, story_id: int) -> list[tuple[int, str | None, str]]:
        """(entry id, language, source) of every member of a story, oldest first."""
        query = select(entry.c.id, entry.c.language, entry.c.source_id).where(entry.c.story_id == story_id)
        return [(row.id, row.language, row.source_id) for row in self._conn.execute(query.order_by(entry.c.id))]


def _member(row: RowMapping) -> StoryMember:
    return StoryMember(**{name: row[name] for name in StoryMember.__dataclass_fields__})


def _members_query(story_ids: Sequence[int]) -> Any:
    return (
        select(
            story_link.c.story_id, entry.c.id.label("entry_id"), entry.c.title, entry.c.url, entry.c.source_id,
            entry.c.language, entry.c.published, entry.c.first_seen, story_link.c.reason, story_link.c.score,
            story_link.c.evidence, story_link.c.linked_by,
        )
        .join(entry, entry.c.id == story_link.c.entry_id)
        .where(story_link.c.story_id.in_(list(story_ids)))
        .order_by(entry.c.first_seen, entry.c.id)
    )


class StoryRepository(Database):
    """Reading stories, and a person's split and join (``linked_by = "user"``: automatic linking keeps them)."""

    def list_stories(self, *, since: datetime | None = None, limit: int | None = 50) -> list[StoryRow]:
        """Stories with members, newest first by first seen."""
        has_members = select(story_link.c.entry_id).where(story_link.c.story_id == story.c.id).exists()
        query = select(story).where(has_members).order_by(story.c.first_seen.desc(), story.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(story.c.first_seen >= since)
        with self._read() as conn:
            stories = conn.execute(query).all()
            members = conn.execute(_members_query([row.id for row in stories])).all() if stories else []
        by_story: dict[int, list[StoryMember]] = {}
        for row in members:
            by_story.setdefault(row.story_id, []).append(_member(row._mapping))
        return [StoryRow(row.id, row.title, row.first_seen, tuple(by_story.get(row.id, ()))) for row in stories]

    def get_story(self, story_id: int) -> StoryRow | None:
        """One story with its members, or None."""
        with self._read() as conn:
            row = conn.execute(select(story).where(story.c.id == story_id)).first()
            if row is None:
                return None
            members = conn.execute(_members_query([story_id])).all()
        return StoryRow(row.id, row.title, row.first_seen, tuple(_member(m._mapping) for m in members))

    def split_entry(self, entry_id: int, *, now: datetime) -> int:
        """Take an entry out of its story into a new one of its own; returns the new story's id."""
        with self._write() as conn:
            old = self._linked_story(conn, entry_id)
            title = conn.execute(select(entry.c.title).where(entry.c.id == entry_id)).scalar()
            stmt = story.insert().values(title=title, first_entry_id=entry_id, first_seen=now).returning(story.c.id)
            new_id = int(conn.execute(stmt).scalar_one())
            self._relink(conn, entry_id, new_id, {"split_from": old}, now)
        return new_id

    def join_entry(self, entry_id: int, story_id: int, *, now: datetime) -> None:
        """Move an entry into ``story_id``."""
        with self._write() as conn:
            if conn.execute(select(story.c.id).where(story.c.id == story_id)).first() is None:
                raise UnknownRowError("story", story_id)
            old = self._linked_story(conn, entry_id)
            self._relink(conn, entry_id, story_id, {"moved_from": old}, now)

    def count_stories(self) -> int:
        """Stories with at least one member."""
        with self._read() as conn:
            return int(conn.execute(select(func.count(func.distinct(story_link.c.story_id)))).scalar_one())

    @staticmethod
    def _linked_story(conn: Connection, entry_id: int) -> int | None:
        if conn.execute(select(entry.c.id).where(entry.c.id == entry_id)).first() is None:
            raise UnknownRowError("entry", entry_id)
        return conn.execute(select(entry.c.story_id).where(entry.c.id == entry_id)).scalar()

    @staticmethod
    def _relink(conn: Connection, entry_id: int, story_id: int, why: dict[str, Any], now: datetime) -> None:
        anchors = conn.execute(select(story_link.c.anchors).where(story_link.c.entry_id == entry_id)).scalar()
        conn.execute(delete(story_link).where(story_link.c.entry_id == entry_id))
        conn.execute(story_link.insert().values(
            entry_id=entry_id, story_id=story_id, score=1.0, reason="user", evidence=json.dumps(why),
            linked_by="user", anchors=anchors, created_at=now,
        ))
        conn.execute(update(entry).where(entry.c.id == entry_id).values(story_id=story_id))
