"""The story link's statements, run on the driver's cursor.

A link reads ~150 (entry, key) postings and ~30 candidate rows and runs 3-4 writes. Through
``Connection.execute`` each row costs microseconds of SQLAlchemy's result machinery, and each execution the
statement's cache look-up and context (~1.5 ms of a link in all, more than SQLite's own work). Here each Core
statement is compiled once per dialect; its SQL text runs on the connection's DBAPI cursor, in the same
transaction, with the column types' own bind and result processors applied (the rows are those ``execute``
gives, as tuples, and the values written are those it would write), and a driver error is raised as
SQLAlchemy's ``DBAPIError`` like any other statement's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement compiled for one dialect, with its bind parameters' names and processors in order."""

    sql: str
    names: tuple[str, ...]
    positional: bool
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]

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
        return cls(compiled.string, names, positional, binds, results)

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
        """The statement run with ``params`` on ``conn``'s connection (its current transaction); its rows, if any."""
        values = [value if process is None else process(value)
                  for process, value in zip(self.binds, (params[name] for name in self.names), strict=True)]
        bound: Any = values if self.positional else dict(zip(self.names, values, strict=True))
        cursor = conn.connection.cursor()
        try:
            cursor.execute(self.sql, bound)
            rows: Sequence[tuple[Any, ...]] = cursor.fetchall() if cursor.description is not None else ()
        except conn.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(self.sql, bound, exc, conn.dialect.loaded_dbapi.Error) from exc
        finally:
            cursor.close()
        processed = [(index, process) for index, process in enumerate(self.results) if process is not None]
        if not processed:
            return rows
        return [_processed(row, processed) for row in rows]


def _processed(row: tuple[Any, ...], processed: list[tuple[int, Callable[[Any], Any]]]) -> tuple[Any, ...]:
    """``row`` with the columns that have a result processor (few: a datetime on SQLite) converted."""
    values = list(row)
    for index, process in processed:
        values[index] = process(values[index])
    return tuple(values)
