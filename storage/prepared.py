"""Statements of the per-article write path, built once (per dialect) instead of once per call.

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

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Table

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
