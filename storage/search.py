"""The full-text index over entries' titles and current texts, and the candidate queries that use it.

SQLite: an FTS5 table ``entry_fts`` with the trigram tokenizer (any substring of three or more characters,
Chinese included, case-insensitive), kept in step with ``entry`` by triggers, so every writer (the unit of work,
an import, a person with the sqlite3 shell) keeps it current. PostgreSQL: pg_trgm GIN indexes on ``entry.title``
and ``version.text`` serving ``ILIKE '%term%'``.

A search plan is a small tree of :class:`Contains`, :class:`AllOf` and :class:`AnyOf` (``None`` = no constraint).
The index only narrows: it returns a *superset* of the entries a query matches; the caller (which knows the rule
language) confirms each candidate. Both databases therefore give the same final results on the same data.

>>> AllOf((Contains(("AI",)), Contains(("日本",), ("body",)))).parts[1].fields
('body',)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, TextClause, and_, false, or_, select, text, true

from storage.schema import entry, version

FTS_TABLE = "entry_fts"
PG_INDEXES = ("ix_entry_title_trgm", "ix_version_text_trgm")
DENSE, MIN_DENSE = 20, 500  # a term in more than 1 in 20 entries (and at least 500) is scanned for, not looked up
TRIGRAM = 3  # shorter terms cannot use a trigram index: they are matched by a scan (LIKE)
SEARCH_OBJECTS = frozenset({FTS_TABLE, *PG_INDEXES})

SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, body, tokenize='trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS entry_fts_insert AFTER INSERT ON entry
        WHEN new.current_version_id IS NOT NULL BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, body)
            SELECT new.id, coalesce(new.title, ''), text FROM version WHERE id = new.current_version_id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS entry_fts_update AFTER UPDATE OF title, current_version_id ON entry BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
        INSERT INTO {FTS_TABLE}(rowid, title, body)
            SELECT new.id, coalesce(new.title, ''), text FROM version WHERE id = new.current_version_id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS entry_fts_delete AFTER DELETE ON entry BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
    END""",
    f"""INSERT INTO {FTS_TABLE}(rowid, title, body)
        SELECT e.id, coalesce(e.title, ''), v.text FROM entry e JOIN version v ON v.id = e.current_version_id""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS entry_fts_insert",
    "DROP TRIGGER IF EXISTS entry_fts_update",
    "DROP TRIGGER IF EXISTS entry_fts_delete",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
POSTGRES_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_entry_title_trgm ON entry USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_version_text_trgm ON version USING gin (text gin_trgm_ops)",
)
POSTGRES_DROP = tuple(f"DROP INDEX IF EXISTS {name}" for name in PG_INDEXES)


def create_index(conn: Connection) -> None:
    """Create the search index (and fill it from the existing rows); used by the migration."""
    for statement in SQLITE_DDL if conn.dialect.name == "sqlite" else POSTGRES_DDL:
        conn.exec_driver_sql(statement)


def drop_index(conn: Connection) -> None:
    """Remove the search index (the migration's downgrade)."""
    for statement in SQLITE_DROP if conn.dialect.name == "sqlite" else POSTGRES_DROP:
        conn.exec_driver_sql(statement)


def is_search_object(name: str | None) -> bool:
    """True for the index's own tables and indexes (FTS5 shadow tables included): not part of ``metadata``."""
    return name is not None and (name in SEARCH_OBJECTS or name.startswith(FTS_TABLE + "_"))


def alembic_include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """An Alembic ``include_object`` hook that leaves the search index out of schema comparisons."""
    return not (reflected and is_search_object(name))


# --- plans ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contains:
    """Any of ``variants`` occurs (case-insensitively) in any of ``fields`` ("title", "body")."""

    variants: tuple[str, ...]
    fields: tuple[str, ...] = ("title", "body")


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Plan, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Plan, ...]


Plan = Contains | AllOf | AnyOf


@dataclass(frozen=True)
class Candidate:
    """An entry the index proposes, with what the caller needs to confirm and show it."""

    entry_id: int
    title: str | None
    text: str
    source_id: str
    language: str | None
    published: str | None
    first_seen: datetime
    updated_at: datetime


def fts_phrase(term: str) -> str:
    """``term`` as an FTS5 string: double quotes doubled (FTS5 syntax has no other escapes)."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    r"""``%term%`` with LIKE's wildcards escaped by a backslash.

    >>> like_pattern("50%_off")
    '%50\\%\\_off%'
    """
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Compiler:
    """A plan → a WHERE clause over ``entry`` joined to its current ``version``; unique bind names per leaf.

    On SQLite a term found in more than 1 in ``DENSE`` entries is matched by LIKE on the rows themselves: the
    newest-first scan stops as soon as a page is full, while the index would first collect every match and sort.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.count = 0
        self._size: int | None = None

    def compile(self, plan: Plan | None) -> ColumnElement[bool]:
        if plan is None:
            return true()
        if isinstance(plan, AllOf):
            return and_(true(), *(self.compile(part) for part in plan.parts))
        if isinstance(plan, AnyOf):
            return or_(false(), *(self.compile(part) for part in plan.parts))
        return or_(false(), *(self._leaf(term, field) for term in plan.variants for field in plan.fields))

    def _name(self) -> str:
        self.count += 1
        return f"s{self.count}"

    def _leaf(self, term: str, field: str) -> ColumnElement[bool] | TextClause:
        name = self._name()
        if self.dialect == "postgresql":
            return self._postgres(term, field, name)
        column = "title" if field == "title" else "body"
        query = f"{column}: {fts_phrase(term)}"
        if len(term) >= TRIGRAM and not self._dense(query):
            clause = f"entry.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :{name})"
            return text(clause).bindparams(**{name: query})
        target = entry.c.title if field == "title" else version.c.text
        return target.like(like_pattern(term), escape="\\")

    def _dense(self, query: str) -> bool:
        if self._size is None:
            size = self.conn.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {FTS_TABLE}").scalar()
            self._size = int(size or 0)
        probe = max(MIN_DENSE, self._size // DENSE)
        found = self.conn.exec_driver_sql(
            f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? LIMIT ?)", (query, probe)
        ).scalar()
        return int(found or 0) >= probe

    def _postgres(self, term: str, field: str, name: str) -> TextClause:
        if field == "title":
            clause = f"entry.id IN (SELECT id FROM entry WHERE title ILIKE :{name} ESCAPE '\\')"
        else:
            clause = f"entry.current_version_id IN (SELECT id FROM version WHERE text ILIKE :{name} ESCAPE '\\')"
        return text(clause).bindparams(**{name: like_pattern(term)})


def candidates(
    conn: Connection,
    plan: Plan | None,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    before: tuple[datetime, int] | None = None,
    limit: int = 200,
) -> list[Candidate]:
    """Entries (no duplicates) the plan may match, newest first by (first seen, id), strictly before ``before``."""
    query = (
        select(
            entry.c.id, entry.c.title, version.c.text, entry.c.source_id, entry.c.language,
            entry.c.published, entry.c.first_seen, version.c.fetched_at,
        )
        .join(version, version.c.id == entry.c.current_version_id)
        .where(entry.c.duplicate_of.is_(None), _Compiler(conn).compile(plan), *where)
        .order_by(entry.c.first_seen.desc(), entry.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        seen, entry_id = before
        query = query.where(
            or_(entry.c.first_seen < seen, and_(entry.c.first_seen == seen, entry.c.id < entry_id))
        )
    return [Candidate(*row) for row in conn.execute(query).all()]
