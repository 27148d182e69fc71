"""Keyset paging of newest-first lists: the rows after the last one a page showed, by (first seen, id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Table, and_, or_


def older_than(table: Table, key: tuple[datetime, int]) -> ColumnElement[bool]:
    """The rows of ``table`` (an ``entry`` or a ``story``) listed after ``key`` when ordered by first seen and id,
    newest first: the next page."""
    seen, row_id = key
    return or_(table.c.first_seen < seen, and_(table.c.first_seen == seen, table.c.id < row_id))
