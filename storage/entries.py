"""Entries and their versions: saving an article (new, edited, duplicate, unchanged) and reading them back.

The :class:`UnitOfWork` is one transaction: an article, its matches and their outbox rows commit together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, select, update
from sqlalchemy.engine import RowMapping

from storage import dedup
from storage.alerts import MatchWrites
from storage.attachments import AttachmentWrites
from storage.engine import Database, dialect_insert
from storage.errors import UnknownRowError
from storage.evidence import EvidenceWrites
from storage.http_state import HttpStateWrites
from storage.records import ArticleRecord, ChangeClass, EntryRow, SaveOutcome, VersionRow
from storage.schema import entry, http_state, source, version
from storage.stories import StoryWrites

_CHUNK = 500  # URLs per IN (...) query: well under every dialect's bound-parameter limit


def _entry_values(rec: ArticleRecord, now: datetime) -> dict[str, Any]:
    """The entry columns an article sets, on insert and on every edit."""
    return {
        "url": rec.url,
        "source_id": rec.source_id,
        "language": rec.language,
        "title": rec.title,
        "author": rec.author,
        "published": rec.published,
        "updated": rec.updated,
        "last_seen": now,
        "fingerprint": dedup.simhash(rec.text),
    }


class ArticleWrites:
    """Saving one article into its entry; see :meth:`save_article`."""

    _conn: Connection

    def save_article(self, rec: ArticleRecord, *, now: datetime) -> SaveOutcome:
        """Store ``rec`` as a new entry, a new version of its entry, a duplicate, or nothing (unchanged).

        A text equal to an *older* version of the entry (an A→B→A edit) makes that version current again and
        reports "edited" with the older version's id. Racing writers on one canonical URL create one entry:
        the loser sees the winner's row and is treated as an update of it.
        """
        digest = dedup.content_hash(rec.text)
        existing = self._entry_by_url(rec.canonical_url)
        if existing is None:
            created = self._insert_entry(rec, digest, now)
            if created is not None:
                return created
            existing = self._entry_by_url(rec.canonical_url)
            if existing is None:
                raise UnknownRowError("entry", rec.canonical_url)
        return self._update_entry(existing, rec, digest, now)

    def _entry_by_url(self, canonical_url: str) -> RowMapping | None:
        query = (
            select(entry.c.id, entry.c.current_version_id, version.c.content_hash, version.c.text)
            .outerjoin(version, version.c.id == entry.c.current_version_id)
            .where(entry.c.canonical_url == canonical_url)
        )
        row = self._conn.execute(query).first()
        return None if row is None else row._mapping

    def _original_with_hash(self, digest: str) -> int | None:
        query = (
            select(entry.c.id)
            .join(version, version.c.entry_id == entry.c.id)
            .where(version.c.content_hash == digest, entry.c.duplicate_of.is_(None))
            .order_by(entry.c.id)
            .limit(1)
        )
        return self._conn.execute(query).scalar()

    def _insert_entry(self, rec: ArticleRecord, digest: str, now: datetime) -> SaveOutcome | None:
        if self._conn.execute(select(source.c.id).where(source.c.id == rec.source_id)).first() is None:
            raise UnknownRowError("source", rec.source_id)
        original = self._original_with_hash(digest)
        values = {**_entry_values(rec, now), "canonical_url": rec.canonical_url, "first_seen": now}
        stmt = dialect_insert(self._conn, entry).values(**values, duplicate_of=original)
        entry_id = self._conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["canonical_url"]).returning(entry.c.id)
        ).scalar()
        if entry_id is None:
            return None
        version_id = self._add_version(entry_id, rec, digest, "initial")
        self._set_current(entry_id, version_id)
        if original is not None:
            return SaveOutcome(
                "duplicate", entry_id, version_id, duplicate_of=original, change_class="initial"
            )
        return SaveOutcome("new", entry_id, version_id, change_class="initial")

    def _add_version(self, entry_id: int, rec: ArticleRecord, digest: str, change_class: ChangeClass) -> int:
        values = {
            "entry_id": entry_id,
            "content_hash": digest,
            "text": rec.text,
            "fetched_at": rec.fetched_at,
            "change_class": change_class,
        }
        stmt = dialect_insert(self._conn, version).values(**values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["entry_id", "content_hash"])
        version_id = self._conn.execute(stmt.returning(version.c.id)).scalar()
        if version_id is None:  # a concurrent writer stored the same text first
            return self._version_with_hash(entry_id, digest)
        return int(version_id)

    def _version_with_hash(self, entry_id: int, digest: str) -> int:
        query = select(version.c.id).where(version.c.entry_id == entry_id, version.c.content_hash == digest)
        version_id = self._conn.execute(query).scalar()
        if version_id is None:
            raise UnknownRowError("version", (entry_id, digest))
        return int(version_id)

    def _set_current(self, entry_id: int, version_id: int) -> None:
        self._conn.execute(update(entry).where(entry.c.id == entry_id).values(current_version_id=version_id))

    def _update_entry(
        self, existing: RowMapping, rec: ArticleRecord, digest: str, now: datetime
    ) -> SaveOutcome:
        entry_id: int = existing["id"]
        if existing["content_hash"] == digest:
            self._conn.execute(update(entry).where(entry.c.id == entry_id).values(last_seen=now))
            return SaveOutcome("unchanged", entry_id, existing["current_version_id"])
        change = dedup.change_class(existing["text"] or "", rec.text)
        version_id = self._add_version(entry_id, rec, digest, change)
        values = {**_entry_values(rec, now), "current_version_id": version_id}
        self._conn.execute(update(entry).where(entry.c.id == entry_id).values(**values))
        return SaveOutcome("edited", entry_id, version_id, change_class=change)


class UnitOfWork(ArticleWrites, StoryWrites, MatchWrites, AttachmentWrites, EvidenceWrites, HttpStateWrites):
    """Writes that must commit together: an article, its raw response, its attachments, its story link, its
    matches and their outbox rows, its page's validators."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn


def _entry_select() -> Select[Any]:
    """Entries joined to their current version, with the number of versions."""
    other = version.alias("other_version")
    count = select(func.count()).select_from(other).where(other.c.entry_id == entry.c.id).scalar_subquery()
    return select(
        *(entry.c[name] for name in ("id", "canonical_url", "url", "source_id", "language", "title")),
        *(entry.c[name] for name in ("author", "published", "updated", "first_seen", "last_seen")),
        entry.c.duplicate_of,
        entry.c.story_id,
        version.c.text,
        version.c.content_hash,
        count.label("version_count"),
    ).join(version, version.c.id == entry.c.current_version_id)


def _entry_row(row: RowMapping) -> EntryRow:
    return EntryRow(**{name: row[name] for name in EntryRow.__dataclass_fields__})


def _version_row(row: RowMapping) -> VersionRow:
    return VersionRow(**{name: row[name] for name in VersionRow.__dataclass_fields__})


class EntryRepository(Database):
    """Opening units of work, and every read of entries and versions."""

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        """One transaction: commits when the block succeeds, rolls back when it raises."""
        return self._unit_of_work()

    @contextmanager
    def _unit_of_work(self) -> Iterator[UnitOfWork]:
        with self._write() as conn:
            yield UnitOfWork(conn)

    def known_urls(self, canonical_urls: Iterable[str]) -> set[str]:
        """The subset of ``canonical_urls`` already stored as entries."""
        wanted = list(dict.fromkeys(canonical_urls))
        found: set[str] = set()
        with self._read() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                found.update(
                    conn.scalars(select(entry.c.canonical_url).where(entry.c.canonical_url.in_(chunk)))
                )
        return found

    def list_entries(
        self,
        *,
        source_id: str | None = None,
        since: datetime | None = None,
        limit: int | None = 50,
        include_duplicates: bool = False,
    ) -> list[EntryRow]:
        """Entries with their current text, newest first by first seen; ``since`` filters on first seen."""
        query = _entry_select().order_by(entry.c.first_seen.desc(), entry.c.id.desc()).limit(limit)
        if source_id is not None:
            query = query.where(entry.c.source_id == source_id)
        if since is not None:
            query = query.where(entry.c.first_seen >= since)
        if not include_duplicates:
            query = query.where(entry.c.duplicate_of.is_(None))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [_entry_row(row._mapping) for row in rows]

    def recheck_due(self, source_id: str, *, since: datetime, checked_before: datetime, limit: int) -> list[str]:
        """Among the ``limit`` newest entries of a source first seen since ``since``, the URLs whose page was last
        fetched before ``checked_before``: the pages to fetch again for silent edits. One query, no texts loaded."""
        newest = (
            select(entry.c.url, entry.c.first_seen, entry.c.id)
            .where(entry.c.source_id == source_id, entry.c.first_seen >= since, entry.c.duplicate_of.is_(None))
            .order_by(entry.c.first_seen.desc(), entry.c.id.desc())
            .limit(limit)
            .subquery()
        )
        query = (
            select(newest.c.url)
            .join(http_state, http_state.c.url == newest.c.url)
            .where(http_state.c.fetched_at <= checked_before)
            .order_by(newest.c.first_seen.desc(), newest.c.id.desc())
        )
        with self._read() as conn:
            return list(conn.scalars(query))

    def publication_times(self, *, since: datetime) -> list[tuple[str, str | None, datetime]]:
        """`(source id, published as stored, first seen)` of every original entry first seen since `since`:
        what adaptive polling learns from (see `crawler/pipeline/schedule.py`)."""
        query = (select(entry.c.source_id, entry.c.published, entry.c.first_seen)
                 .where(entry.c.first_seen >= since, entry.c.duplicate_of.is_(None)))
        with self._read() as conn:
            return [(row.source_id, row.published, row.first_seen) for row in conn.execute(query)]

    def get_entry(self, entry_id: int) -> EntryRow | None:
        """One entry with its current text."""
        with self._read() as conn:
            row = conn.execute(_entry_select().where(entry.c.id == entry_id)).first()
        return None if row is None else _entry_row(row._mapping)

    def entry_versions(self, entry_id: int) -> list[VersionRow]:
        """All versions of an entry, oldest first."""
        query = select(version).where(version.c.entry_id == entry_id).order_by(version.c.id)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [_version_row(row._mapping) for row in rows]

    def count_entries(self) -> int:
        """Number of entries, duplicates included."""
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(entry)).scalar_one()
