"""main's search path before the second pass (commit 089e9a3), kept to run side by side with today's.

Per leaf: a density probe (a count of up to 1 in 20 entries in the FTS5 index), then an ``IN (SELECT rowid ...)``
lookup or a LIKE; NOT constrains nothing; every batch asks for 200 candidates. Used by tests/test_search_plans.py
(the same results as today's plans) and by tests/bench/web.py (CPU time side by side).
"""

# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, TextClause, and_, false, or_, select, text, true

from crawler.web.searching import Hit, SearchPage, Searcher, document_of, spellings, _hit
from rules.match import Matcher, RuleSpec
from rules.query import And, GroupRef, Node, Not, Or, Regex, Term, parse_query
from storage import Store
from storage.queries import filter_clauses
from storage.schema import entry, version
from storage.search import FTS_TABLE, TRIGRAM, AllOf, AnyOf, Candidate, Contains, Plan, fts_phrase, like_pattern
from storage.view_records import TimelineFilter

DENSE, MIN_DENSE = 20, 500
BATCH = 200


def _contains(text: str, fields: tuple[str, ...]) -> Plan | None:
    words = [word.strip("*") for word in text.split()]
    parts = [Contains(spellings(word), fields) for word in words if word]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def plan_of(node: Node) -> Plan | None:
    """The search plan of a parsed query (None: the index cannot narrow it)."""
    if isinstance(node, Term):
        if node.field not in (None, "title", "body"):
            return None
        return _contains(node.text, (node.field,) if node.field else ("title", "body"))
    if isinstance(node, GroupRef):
        if node.field not in (None, "title", "body"):
            return None
        return _any([_contains(term, (node.field,) if node.field else ("title", "body")) for term in node.terms])
    if isinstance(node, And):
        parts = [plan for plan in map(plan_of, node.children) if plan is not None]
        return None if not parts else parts[0] if len(parts) == 1 else AllOf(tuple(parts))
    if isinstance(node, Or):
        return _any([plan_of(child) for child in node.children])
    assert isinstance(node, Not | Regex)
    return None


def _any(parts: Sequence[Plan | None]) -> Plan | None:
    if not parts or any(part is None for part in parts):
        return None
    kept = tuple(part for part in parts if part is not None)
    return kept[0] if len(kept) == 1 else AnyOf(kept)


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


class BeforeStore:
    """The store's ``search_candidates`` as main had it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def search_candidates(self, plan, flt: TimelineFilter, *, before, limit: int) -> list[Candidate]:
        with self.store._read() as conn:
            return candidates(conn, plan, where=filter_clauses(flt), before=before, limit=limit)


@dataclass(frozen=True)
class BeforeSearcher(Searcher):
    """main's Searcher: main's plans, main's candidate queries, batches of 200."""

    def compile(self, spec: RuleSpec):
        matcher = Matcher.compile([spec], self.groups)
        return matcher, plan_of(parse_query(spec.query, rule=spec.name, groups=self.groups))

    def run(self, spec, flt, *, before, limit):
        matcher, plan = self.compile(spec)
        source = BeforeStore(self.store)
        hits: list[Hit] = []
        scanned, complete = 0, False
        while len(hits) <= limit and scanned < self.scan_limit:
            batch = source.search_candidates(plan, flt, before=before, limit=min(BATCH, self.scan_limit - scanned))
            if not batch:
                complete = True
                break
            for candidate in batch:
                scanned += 1
                before = (candidate.first_seen, candidate.entry_id)
                document = document_of(candidate, self.tags)
                found = matcher.match(document)
                if found:
                    hits.append(_hit(candidate, found[0].evidence, document))
                    if len(hits) > limit:
                        break
        if len(hits) > limit:
            last = hits[limit - 1].candidate
            return SearchPage(tuple(hits[:limit]), (last.first_seen, last.entry_id), scanned, True)
        return SearchPage(tuple(hits), None if complete else before, scanned, complete)
