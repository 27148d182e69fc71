"""Entries and their versions: saving an article (new, edited, duplicate, unchanged) and reading them back.

The :class:`UnitOfWork` is one transaction: an article, its matches and their outbox rows commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select
from sqlalchemy.engine import RowMapping

from storage import dedup
from storage import entry_statements as statements
from storage.alerts import MatchWrites
from storage.attachments import AttachmentWrites
from storage.engine import Database, from_json, to_json
from storage.errors import UnknownRowError
from storage.evidence import EvidenceWrites, insert_raw_response, link_version_raw, raw_values
from storage.evidence_records import RawResponseRecord
from storage.http_state import HttpStateWrites
from storage.rechecks import RecheckWrites, mark_back
from storage.records import (
    MARKER_CLASSES,
    UNANALYSED,
    ArticleRecord,
    ChangeClass,
    EditVerdict,
    EntryRow,
    OutcomeKind,
    SaveOutcome,
    VersionRow,
)
from storage.schema import entry, version
from storage.stories import StoryWrites

_CHUNK = 500  # URLs per IN (...) query: well under every dialect's bound-parameter limit
_FIRST_SIGHTING = select(func.min(entry.c.first_seen)).where(entry.c.source_id == bindparam("source_id"))
"""A source's first entry (the (source_id, first_seen) index answers it with one seek)."""

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


Analyse = Callable[[str, str], EditVerdict]
"""The edit analysis, injected (storage never imports rules): old text, new text -> verdict."""


class ArticleWrites:
    """Saving one article into its entry; see :meth:`save_article`."""

    _conn: Connection

    def save_article(
        self, rec: ArticleRecord, *, now: datetime, analyse: Analyse | None = None,
        next_check_at: datetime | None = None, raw: RawResponseRecord | int | None = None,
    ) -> SaveOutcome:
        """Store ``rec`` as a new entry, a new version of its entry, a duplicate, or nothing (unchanged).

        An edit is classified by ``analyse(old_text, new_text)`` (without one, every edit counts as substantive);
        the version keeps the verdict's class ("cosmetic" or "substantive") and analysis. A changed ``updated``
        date with the same text updates the entry but is no edit ("unchanged"). A removed entry whose page is
        back gets a "restored" marker version (and, if its text changed, the edit too). ``next_check_at`` is the
        first re-check of a new entry. ``raw``, the response the text was read from, is stored (compressed)
        behind the new version of a "new", "duplicate" or "edited" outcome, and not at all otherwise; an ``int``
        is the id of a response already stored (an open-data export that carried many articles' texts).

        A text equal to an *older* version of the entry (an A→B→A edit) makes that version current again and
        reports "edited" with the older version's id (pointed at ``raw``). Racing writers on one canonical URL
        create one entry: the loser sees the winner's row and is treated as an update of it.
        """
        digest = dedup.content_hash(rec.text)
        row = statements.lookup(self._conn).first(
            self._conn, {"canonical_url": rec.canonical_url, "source_id": rec.source_id, "digest": digest}
        )
        assert row is not None, "the look-up selects from one row"
        found: dict[Any, Any] = dict(zip(statements.LOOKUP_NAMES, row, strict=True))
        existing: Mapping[Any, Any] | None = found if found["id"] is not None else None
        if existing is None:
            created = self._insert_entry(rec, digest, now, next_check_at, raw, found["known_source"],
                                         found["original"])
            if created is not None:
                return created
            existing = self._entry_by_url(rec.canonical_url)
            if existing is None:
                raise UnknownRowError("entry", rec.canonical_url)
        return self._update_entry(existing, rec, digest, now, analyse, raw)

    def _entry_by_url(self, canonical_url: str) -> RowMapping | None:
        row = self._conn.execute(statements.ENTRY_BY_URL, {"canonical_url": canonical_url}).first()
        return None if row is None else row._mapping

    def _insert_entry(
        self, rec: ArticleRecord, digest: str, now: datetime, next_check_at: datetime | None,
        raw: RawResponseRecord | int | None, known_source: str | None, original: int | None,
    ) -> SaveOutcome | None:
        if known_source is None:
            raise UnknownRowError("source", rec.source_id)
        values = {**_entry_values(rec, now), "canonical_url": rec.canonical_url, "first_seen": now,
                  "next_check_at": next_check_at, "duplicate_of": original}
        entry_id = statements.insert_entry(self._conn).scalar(self._conn, values)
        if entry_id is None:
            return None
        if self._conn.dialect.name == "postgresql":  # a new entry's first version: no conflict to handle
            version_id = self._first_version(entry_id, rec, digest, raw)
        else:
            version_id = self._add_version(entry_id, rec, digest, "initial", None, raw)
            statements.set_current_version(self._conn).rows(self._conn, {"entry_id_": entry_id,
                                                               "current_version_id": version_id})
        if original is not None:
            return SaveOutcome(
                "duplicate", entry_id, version_id, duplicate_of=original, change_class="initial"
            )
        return SaveOutcome("new", entry_id, version_id, change_class="initial")

    def _first_version(
        self, entry_id: int, rec: ArticleRecord, digest: str, raw: RawResponseRecord | int | None
    ) -> int:
        params: dict[str, Any] = {"v_entry_id": entry_id, "v_content_hash": digest, "v_text": rec.text,
                                  "v_fetched_at": rec.fetched_at, "v_change_class": "initial", "v_analysis": None}
        new_raw = raw is not None and not isinstance(raw, int)
        if isinstance(raw, RawResponseRecord):
            params.update((f"r_{name}", value) for name, value in raw_values(raw).items())
        else:
            params["v_raw_response_id"] = raw
        return int(statements.FIRST_VERSION[new_raw](self._conn).scalar_one(self._conn, params))

    def _add_version(
        self, entry_id: int, rec: ArticleRecord, digest: str, change_class: ChangeClass,
        analysis: dict[str, Any] | None, raw: RawResponseRecord | int | None,
    ) -> int:
        raw_id = raw if raw is None or isinstance(raw, int) else insert_raw_response(self._conn, raw)
        values = {
            "entry_id": entry_id,
            "content_hash": digest,
            "text": rec.text,
            "fetched_at": rec.fetched_at,
            "change_class": change_class,
            "raw_response_id": raw_id,
            "analysis": None if analysis is None else to_json(analysis),
        }
        version_id = statements.insert_version(self._conn).scalar(self._conn, values)
        if version_id is not None:
            return int(version_id)
        older = self._version_with_hash(entry_id, digest)  # an older text again, or a concurrent writer's
        if raw_id is not None:
            link_version_raw(self._conn, older, raw_id)
        return older

    def _version_with_hash(self, entry_id: int, digest: str) -> int:
        version_id = self._conn.execute(statements.VERSION_WITH_HASH,
                                        {"entry_id": entry_id, "digest": digest}).scalar()
        if version_id is None:
            raise UnknownRowError("version", (entry_id, digest))
        return int(version_id)

    def _update_entry(
        self, existing: Mapping[Any, Any], rec: ArticleRecord, digest: str, now: datetime, analyse: Analyse | None,
        raw: RawResponseRecord | int | None,
    ) -> SaveOutcome:
        entry_id: int = existing["id"]
        restored = existing["removed_at"] is not None and mark_back(self._conn, entry_id, now) is not None
        if existing["content_hash"] == digest:
            # a new `updated` date alone is no edit
            self._conn.execute(statements.UPDATE_ENTRY,
                               {"entry_id_": entry_id, "updated": rec.updated, "last_seen": now})
            kind: OutcomeKind = "restored" if restored else "unchanged"
            return SaveOutcome(kind, entry_id, existing["current_version_id"], restored=restored)
        verdict = analyse(existing["text"] or "", rec.text) if analyse is not None else UNANALYSED
        version_id = self._add_version(entry_id, rec, digest, verdict.change_class, verdict.analysis, raw)
        changed = {**_entry_values(rec, now), "current_version_id": version_id}
        self._conn.execute(statements.UPDATE_ENTRY, {"entry_id_": entry_id, **changed})
        return SaveOutcome(
            "edited", entry_id, version_id, change_class=verdict.change_class, substantive=verdict.substantive,
            classes=verdict.classes, analysis=verdict.analysis, restored=restored,
        )


class UnitOfWork(ArticleWrites, StoryWrites, MatchWrites, AttachmentWrites, EvidenceWrites, HttpStateWrites,
                 RecheckWrites):
    """Writes that must commit together: an article, its raw response, its attachments, its story link, its
    matches and their outbox rows, its page's validators, what a re-check found."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn


def _entry_select() -> Select[Any]:
    """Entries joined to their current version, with the number of text versions (markers not counted)."""
    other = version.alias("other_version")
    count = (
        select(func.count()).select_from(other)
        .where(other.c.entry_id == entry.c.id, other.c.change_class.not_in(sorted(MARKER_CLASSES)))
        .scalar_subquery()
    )
    return select(
        *(entry.c[name] for name in ("id", "canonical_url", "url", "source_id", "language", "title")),
        *(entry.c[name] for name in ("author", "published", "updated", "first_seen", "last_seen")),
        entry.c.duplicate_of,
        entry.c.story_id,
        entry.c.removed_at,
        entry.c.next_check_at,
        version.c.text,
        version.c.content_hash,
        count.label("version_count"),
    ).join(version, version.c.id == entry.c.current_version_id)


def _entry_row(row: RowMapping) -> EntryRow:
    return EntryRow(**{name: row[name] for name in EntryRow.__dataclass_fields__})


def _version_row(row: RowMapping) -> VersionRow:
    fields = {name: row[name] for name in VersionRow.__dataclass_fields__}
    fields["analysis"] = from_json(row["analysis"])
    return VersionRow(**fields)


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
        if not wanted:  # an idle poll's listing brought nothing: no transaction
            return found
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

    def publication_times(self, *, since: datetime) -> list[tuple[str, str | None, datetime, datetime]]:
        """`(source id, published as stored, first seen, the source's first sighting)` of every original entry
        first seen since `since`: what adaptive polling learns from (see `crawler/pipeline/schedule.py`). The
        last is when the source's first entry was first seen (its first run), by one index seek per source."""
        query = (select(entry.c.source_id, entry.c.published, entry.c.first_seen)
                 .where(entry.c.first_seen >= since, entry.c.duplicate_of.is_(None)))
        with self._read() as conn:
            rows = conn.execute(query).all()
            firsts = {source_id: conn.execute(_FIRST_SIGHTING, {"source_id": source_id}).scalar_one()
                      for source_id in {row.source_id for row in rows}}
        return [(row.source_id, row.published, row.first_seen, firsts[row.source_id]) for row in rows]

    def published_of(self, urls: Iterable[str]) -> dict[str, str]:
        """The stored publication date (ISO text) of each of ``urls`` that has one: a re-checked page that shows
        no date of its own keeps the one its listing gave."""
        wanted = list(dict.fromkeys(urls))
        found: dict[str, str] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), _CHUNK):
                query = select(entry.c.url, entry.c.published).where(
                    entry.c.url.in_(wanted[start : start + _CHUNK]), entry.c.published.is_not(None)
                )
                found.update((row.url, row.published) for row in conn.execute(query))
        return found

    def get_entry(self, entry_id: int) -> EntryRow | None:
        """One entry with its current text."""
        with self._read() as conn:
            row = conn.execute(_entry_select().where(entry.c.id == entry_id)).first()
        return None if row is None else _entry_row(row._mapping)

    def find_entry(self, ref: str) -> EntryRow | None:
        """An entry by its id (digits) or its URL (as stored, or any URL with the same canonical form)."""
        if ref.strip().isdigit():
            return self.get_entry(int(ref))
        where = (entry.c.url == ref) | (entry.c.canonical_url == dedup.canonical_url(ref))
        with self._read() as conn:
            row = conn.execute(_entry_select().where(where).order_by(entry.c.id).limit(1)).first()
        return None if row is None else _entry_row(row._mapping)

    def entry_versions(self, entry_id: int) -> list[VersionRow]:
        """All versions of an entry, oldest first (removal and restoration markers included)."""
        return self.versions_of([entry_id]).get(entry_id, [])

    def versions_of(self, entry_ids: Iterable[int]) -> dict[int, list[VersionRow]]:
        """The versions of several entries (each list oldest first), in a few queries."""
        wanted = list(dict.fromkeys(entry_ids))
        found: dict[int, list[VersionRow]] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), _CHUNK):
                query = select(version).where(version.c.entry_id.in_(wanted[start : start + _CHUNK]))
                for row in conn.execute(query.order_by(version.c.id)).all():
                    found.setdefault(row.entry_id, []).append(_version_row(row._mapping))
        return found

    def count_entries(self) -> int:
        """Number of entries, duplicates included."""
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(entry)).scalar_one()
