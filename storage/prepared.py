"""Statements of the per-article write path, built once (per dialect) instead of once per call, and, for the
hottest ones, compiled once and run on the driver's cursor (:class:`DriverStatement`).

Building a Core statement (``insert(t).values(...)``, ``select(...).where(...)``) costs ~70 µs of Python per call,
mostly coercing the values and computing the statement's cache key; a statement built once, with its values as
bind parameters given at execution, is found in SQLAlchemy's compiled cache at once (~25 µs per execution) and
sends the driver the same SQL text every time (psycopg prepares it server-side after a few executions).

>>> from sqlalchemy import create_engine
>>> from storage.schema import entry
>>> by_name = once_per_dialect(lambda name: dialect_insert(name, entry))
>>> with create_engine("sqlite://").connect() as conn:
...     by_name(conn) is by_name(conn)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, NoResultFound

Built = TypeVar("Built")


def once_per_dialect(build: Callable[[str], Built]) -> Callable[[Connection], Built]:
    """``build(dialect name)`` called once per dialect; the returned function gives the connection's one."""
    built: dict[str, Built] = {}

    def for_connection(conn: Connection) -> Built:
        name = conn.dialect.name
        found = built.get(name)
        if found is None:
            found = built[name] = build(name)
        return found

    return for_connection


def dialect_insert(dialect: str, table: Table) -> Any:
    """The dialect's insert() for ``table``, which offers on_conflict_do_nothing/do_update (SQLite, PostgreSQL).
    Only that dialect's module is imported (a SQLite run never loads PostgreSQL's)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def driver_once(
    build: Callable[[str], Any], columns: Sequence[str] | None = None
) -> Callable[[Connection], DriverStatement]:
    """``build(dialect name)`` compiled once per dialect as a :class:`DriverStatement` (``columns``: an INSERT's
    or UPDATE's column keys); the returned function gives the connection's one."""
    compiled: dict[str, DriverStatement] = {}

    def for_connection(conn: Connection) -> DriverStatement:
        found = compiled.get(conn.dialect.name)
        if found is None:
            found = compiled[conn.dialect.name] = DriverStatement.compile(build(conn.dialect.name), conn.dialect,
                                                                          columns)
        return found

    return for_connection


Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement compiled for one dialect, with its bind parameters' names and processors in order, run on
    the connection's DBAPI cursor in its current transaction.

    For statements that run many times per article with many rows (a story link reads ~150 postings and ~30
    candidates): through ``Connection.execute`` each row costs microseconds of SQLAlchemy's result machinery and
    each execution its cache look-up and context. The column types' own bind and result processors are applied
    (the rows are those ``execute`` gives, as tuples; the values written are those it would write), a driver error
    is raised as SQLAlchemy's ``DBAPIError``, and a lost connection is invalidated, as ``execute`` does.
    """

    sql: str
    names: tuple[str, ...]
    positional: bool
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    """The values of the statement's own bound literals (a LIMIT's ``param_1``), used when ``params`` lacks them."""

    @classmethod
    def compile(cls, statement: Any, dialect: Dialect, columns: Sequence[str] | None = None) -> DriverStatement:
        """``statement``: a Core SELECT, INSERT or UPDATE; ``columns``: an INSERT's column keys (its VALUES), as
        ``execute`` compiles it for a parameter set with those keys."""
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(columns) if columns else None)
        positional = dialect.paramstyle in ("qmark", "numeric", "format")
        names = tuple(compiled.positiontup) if positional else tuple(compiled.binds)
        binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
        results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                        for column in statement.exported_columns)  # a SELECT's columns, or a DML's RETURNING
        fixed = {name: bind.value for name, bind in compiled.binds.items()
                 if name in names and not bind.required and bind.callable is None}
        return cls(compiled.string, names, positional, binds, results, fixed)

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
        """The statement run with ``params`` on ``conn``'s connection (its current transaction); its rows, if any."""
        return self._run(conn, self._bound(params), many=False)

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of the statement run with ``params`` (an INSERT's RETURNING), or None."""
        rows = self._run(conn, self._bound(params), many=False)
        return rows[0] if rows else None

    def scalar(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None without a row (as ``Connection.execute(...).scalar()``)."""
        rows = self._run(conn, self._bound(params), many=False)
        return rows[0][0] if rows else None

    def scalar_one(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the one row, as ``Connection.execute(...).scalar_one()`` (NoResultFound without)."""
        rows = self._run(conn, self._bound(params), many=False)
        if not rows:
            raise NoResultFound("No row was found when one was required")
        return rows[0][0]

    def run_many(self, conn: Connection, value_sets: Sequence[Sequence[Any]]) -> None:
        """The statement (a DML without RETURNING) run once per set of values, each in the order of :attr:`names`,
        in one call of the driver's ``executemany`` (a positional paramstyle only): on SQLite, some twenty rows
        cost half as much so as through one JSON list the statement unpacks (``json_each``)."""
        if not self.positional:
            raise ValueError(f"run_many needs a positional paramstyle: {self.sql}")
        if not value_sets:
            return
        if any(process is not None for process in self.binds):
            value_sets = [[value if process is None else process(value)
                           for process, value in zip(self.binds, values, strict=True)] for values in value_sets]
        self._run(conn, value_sets, many=True)

    def _bound(self, params: Mapping[str, Any]) -> Any:
        values = [value if process is None else process(value)
                  for process, value in zip(self.binds, (_value(params, self.fixed, name) for name in self.names),
                                            strict=True)]
        return values if self.positional else dict(zip(self.names, values, strict=True))

    def _run(self, conn: Connection, bound: Any, *, many: bool) -> Sequence[tuple[Any, ...]]:
        cursor = _cursor(conn)
        try:
            if many:
                cursor.executemany(self.sql, bound)
                return ()
            cursor.execute(self.sql, bound)
            # A statement has rows to fetch when it selects or returns columns (its result processors are one per
            # column): psycopg builds its `description` anew on every read, ~10 µs of a statement's client CPU.
            rows: Sequence[tuple[Any, ...]] = cursor.fetchall() if self.results else ()
        except conn.dialect.loaded_dbapi.Error as exc:
            # As Connection.execute does: a lost connection is invalidated, so the pool never hands it out again.
            lost = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
            _drop_cursor(conn, cursor)
            if lost:
                conn.invalidate(exc)
            raise DBAPIError.instance(self.sql, bound, exc, conn.dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost) from exc
        except BaseException:
            _drop_cursor(conn, cursor)
            raise
        processed = [(index, process) for index, process in enumerate(self.results) if process is not None]
        if not processed:
            return rows
        return [_processed(row, processed) for row in rows]


_CURSOR = "tidings.driver_cursor"


def _cursor(conn: Connection) -> Any:
    """The DBAPI cursor this connection's driver statements run on: one per DBAPI connection, kept in the pool
    entry's ``info`` (a psycopg cursor costs ~10 µs to open and close, and a page runs ~8 statements). It serves
    only while the entry holds the DBAPI connection it was opened on (a replaced connection gets a new one); every
    statement fetches all its rows, so none is left pending on it."""
    proxied = conn.connection
    dbapi = proxied.dbapi_connection
    kept = proxied.info.get(_CURSOR)
    if kept is not None and kept[0] is dbapi:
        return kept[1]
    cursor = proxied.cursor()
    proxied.info[_CURSOR] = (dbapi, cursor)
    return cursor


def _drop_cursor(conn: Connection, cursor: Any) -> None:
    """After an error: the cursor is closed and the next statement opens a fresh one."""
    kept = conn.connection.info.get(_CURSOR)
    if kept is not None and kept[1] is cursor:
        del conn.connection.info[_CURSOR]
    with suppress(Exception):  # an invalidated connection's cursor may refuse
        cursor.close()


def _value(params: Mapping[str, Any], fixed: Mapping[str, Any], name: str) -> Any:
    """``params[name]``, else the statement's own literal of that name; a missing parameter raises KeyError."""
    if name in params or name not in fixed:
        return params[name]
    return fixed[name]


def _processed(row: tuple[Any, ...], processed: list[tuple[int, Callable[[Any], Any]]]) -> tuple[Any, ...]:
    """``row`` with the columns that have a result processor (few: a datetime on SQLite) converted."""
    values = list(row)
    for index, process in processed:
        values[index] = process(values[index])
    return tuple(values)
