"""The full-text index over entries' titles and current texts, and the candidate queries that use it.

SQLite: an FTS5 table ``entry_fts`` with the trigram tokenizer (any substring of three or more characters,
Chinese included, case-insensitive), kept in step with ``entry`` by triggers, so every writer (the unit of work,
an import, a person with the sqlite3 shell) keeps it current. PostgreSQL: pg_trgm GIN indexes on ``entry.title``
and ``version.text`` serving ``ILIKE '%term%'``.

A search plan is a small tree of :class:`Contains`, :class:`Excludes`, :class:`AllOf` and :class:`AnyOf` (``None``
= no constraint), compiled into one statement (``where_clause``). The index only narrows: it returns a *superset*
of the entries a query matches; the caller (which knows the rule language) confirms each candidate. Both databases
therefore give the same final results on the same data.

>>> AllOf((Contains(("AI",)), Contains(("日本",), ("body",)))).parts[1].fields
('body',)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select, text, true

from storage.keyset import older_than
from storage.schema import entry, version

FTS_TABLE = "entry_fts"
PG_INDEXES = ("ix_entry_title_trgm", "ix_version_text_trgm")
DENSE, SAMPLE = 20, 2000  # a query matching over 1 in 20 of the newest 2,000 entries is scanned for, not looked up
PG_SAMPLE = 1000  # PostgreSQL checks the sample row by row (no count from an FTS5 index): a smaller one
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
class Excludes:
    """Leave out an entry where one of ``variants`` occurs *as written* in ``fields`` ("title", "body").

    Only for forms whose every occurrence the matcher would find too (the caller checks: CJK terms that fold
    the same in any context), so a query's ``NOT term`` can drop rows in SQL. "body" is the text without its
    title and date lines, as the matcher sees it: an occurrence that may be only there is not used.
    """

    variants: tuple[str, ...]
    fields: tuple[str, ...] = ("title", "body")


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Plan, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Plan, ...]


Plan = Contains | Excludes | AllOf | AnyOf


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


def fts_query(plan: Plan) -> str | None:
    """The FTS5 query for the part of ``plan`` the trigram index can answer (None: no part can).

    A term shorter than three characters cannot be looked up; an ``AllOf`` keeps the parts that can (the rest is
    checked row by row), an ``AnyOf`` needs all of its parts.

    >>> fts_query(AllOf((Contains(("AI",)), Contains(("半導體", "半导体"), ("title",)))))
    '(title : "半導體" OR title : "半导体")'
    """
    if isinstance(plan, Excludes):
        return None
    if isinstance(plan, Contains):
        if any(len(term) < TRIGRAM for term in plan.variants):
            return None
        both = set(plan.fields) >= {"title", "body"}
        leaves = [fts_phrase(term) if both else f"{field} : {fts_phrase(term)}"
                  for term in plan.variants for field in (("title",) if both else plan.fields)]
        return leaves[0] if len(leaves) == 1 else "(" + " OR ".join(leaves) + ")"
    parts = [fts_query(part) for part in plan.parts]
    if isinstance(plan, AnyOf):
        return None if any(part is None for part in parts) else "(" + " OR ".join(map(str, parts)) + ")"
    kept = [part for part in parts if part is not None]
    return None if not kept else kept[0] if len(kept) == 1 else "(" + " AND ".join(kept) + ")"


class _Rows:
    """A plan (or what the index leaves of it) as a WHERE clause checked on each row of ``entry`` ⨝ ``version``:
    LIKE (SQLite) or ILIKE (PostgreSQL) for terms, ``instr``/``strpos`` for exclusions."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def clause(self, plan: Plan | None, *, residual: bool = False) -> ColumnElement[bool]:
        """The whole plan, or with ``residual`` only the parts ``fts_query`` leaves out."""
        if plan is None:
            return true()
        if isinstance(plan, AllOf):
            return and_(true(), *(self.clause(part, residual=residual) for part in plan.parts))
        if residual and fts_query(plan) is not None:
            return true()
        if isinstance(plan, AnyOf):
            return or_(false(), *(self.clause(part) for part in plan.parts))
        if isinstance(plan, Excludes):
            return and_(true(), *(~self._occurs(term, plan.fields) for term in plan.variants))
        return or_(false(), *(self.like(term, field) for term in plan.variants for field in plan.fields))

    def like(self, term: str, field: str) -> ColumnElement[bool]:
        target = entry.c.title if field == "title" else version.c.text
        pattern = like_pattern(term)
        if not any("A" <= char <= "Z" or "a" <= char <= "z" for char in term):
            return self._has(target, term)  # what LIKE does without ASCII letters to fold, several times faster
        if self.dialect == "postgresql":
            return target.ilike(pattern, escape="\\")
        return target.like(pattern, escape="\\")

    def _has(self, column: ColumnElement[Any], term: str) -> ColumnElement[bool]:
        found = func.strpos if self.dialect == "postgresql" else func.instr
        return found(func.coalesce(column, ""), term) > 0

    def _occurs(self, term: str, fields: tuple[str, ...]) -> ColumnElement[bool]:
        """Certainly in one of ``fields`` as the matcher sees them (the title and date lines are not body)."""
        in_title = self._has(entry.c.title, term)
        in_text = and_(self._has(version.c.text, term), ~self._has(entry.c.published, term))
        if fields == ("title",):
            return in_title
        if fields == ("body",):
            return and_(in_text, ~self._has(entry.c.title, term))
        return or_(in_title, in_text)


def _dense(conn: Connection, query: str) -> bool:
    """True when ``query`` matches more than 1 in ``DENSE`` of the newest ``SAMPLE`` entries (by id): a newest-
    first scan then fills a page sooner than collecting and sorting every match. Only the plan depends on it."""
    newest = int(conn.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {FTS_TABLE}").scalar() or 0)
    sample = conn.exec_driver_sql(
        f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid > ?", (query, newest - SAMPLE)
    ).scalar()
    return int(sample or 0) * DENSE > min(SAMPLE, newest)


def _sqlite_where(conn: Connection, plan: Plan | None) -> ColumnElement[bool]:
    rows = _Rows("sqlite")
    query = None if plan is None else fts_query(plan)
    if query is None or _dense(conn, query):
        return rows.clause(plan)
    looked_up = text(f"entry.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts)")
    return and_(looked_up.bindparams(fts=query), rows.clause(plan, residual=True))


def _indexed(plan: Plan, leaf: Callable[[str, str], ColumnElement[bool]]) -> ColumnElement[bool]:
    """The part of ``plan`` that ``fts_query`` covers, each term in each field as ``leaf(term, field)``."""
    if isinstance(plan, AllOf):
        return and_(true(), *(_indexed(part, leaf) for part in plan.parts if fts_query(part) is not None))
    if isinstance(plan, AnyOf):
        return or_(false(), *(_indexed(part, leaf) for part in plan.parts))
    assert isinstance(plan, Contains)
    return or_(false(), *(leaf(term, field) for term in plan.variants for field in plan.fields))


def _trigram_lookup(term: str, field: str) -> ColumnElement[bool]:
    """The rows whose field contains ``term``, from the pg_trgm index of ``entry.title`` or ``version.text``."""
    if field == "title":
        found = select(entry.c.id).where(entry.c.title.ilike(like_pattern(term), escape="\\"))
        return entry.c.id.in_(found.scalar_subquery())
    texts = select(version.c.id).where(version.c.text.ilike(like_pattern(term), escape="\\"))
    return entry.c.current_version_id.in_(texts.scalar_subquery())


def _postgres_dense(conn: Connection, plan: Plan, rows: _Rows) -> bool:
    """Like ``_dense``: the plan's indexable part on the newest ``PG_SAMPLE`` entries, checked row by row."""
    newest = select(func.max(entry.c.id)).scalar_subquery()
    query = (select(func.count()).select_from(entry).join(version, version.c.id == entry.c.current_version_id)
             .where(entry.c.id > newest - PG_SAMPLE, _indexed(plan, rows.like)))
    total = conn.execute(select(func.count()).select_from(entry).where(entry.c.id > newest - PG_SAMPLE)).scalar()
    return int(conn.execute(query).scalar() or 0) * DENSE > int(total or 0)


def _postgres_where(conn: Connection, plan: Plan | None) -> ColumnElement[bool]:
    rows = _Rows("postgresql")
    if plan is None or fts_query(plan) is None or _postgres_dense(conn, plan, rows):
        return rows.clause(plan)
    return and_(_indexed(plan, _trigram_lookup), rows.clause(plan, residual=True))


def where_clause(conn: Connection, plan: Plan | None) -> ColumnElement[bool]:
    """The plan's WHERE clause over ``entry`` joined to its current ``version``: one statement per plan.

    SQLite: the plan's FTS5 query (one, whatever the number of terms) drives the statement unless it is dense
    (one sampled count decides), the rest is checked per row; PostgreSQL: the same decision (the sample checked
    row by row), then lookups in the pg_trgm indexes or ILIKE / strpos per row in a newest-first scan.
    """
    return (_postgres_where if conn.dialect.name == "postgresql" else _sqlite_where)(conn, plan)


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
        .where(entry.c.duplicate_of.is_(None), where_clause(conn, plan), *where)
        .order_by(entry.c.first_seen.desc(), entry.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(older_than(entry, before))
    return [Candidate(*row) for row in conn.execute(query).all()]
