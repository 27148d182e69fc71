"""HTTP state: the conditional-GET memory of every fetched URL (validators, body hash, when, status)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from storage.engine import Database, dialect_insert
from storage.records import HttpState
from storage.schema import http_state


class HttpStateRepository(Database):
    """One row per URL, replaced on every fetch that returns validators or a body."""

    def get_http_state(self, url: str) -> HttpState | None:
        """The validators remembered for ``url``."""
        with self._read() as conn:
            row = conn.execute(select(http_state).where(http_state.c.url == url)).first()
        return None if row is None else HttpState(**row._mapping)

    def put_http_state(
        self,
        url: str,
        *,
        etag: str | None,
        last_modified: str | None,
        body_hash: str | None,
        status: int,
        fetched_at: datetime,
    ) -> None:
        """Insert or replace the validators for ``url``."""
        with self._write() as conn:
            upsert_http_state(conn, url, etag=etag, last_modified=last_modified, body_hash=body_hash, status=status,
                              fetched_at=fetched_at)


class HttpStateWrites:
    """The validators of a page, written in the transaction that stores its article (see `UnitOfWork`)."""

    _conn: Connection

    def put_http_state(self, url: str, *, etag: str | None, last_modified: str | None, body_hash: str | None,
                       status: int, fetched_at: datetime) -> None:
        upsert_http_state(self._conn, url, etag=etag, last_modified=last_modified, body_hash=body_hash,
                          status=status, fetched_at=fetched_at)


def upsert_http_state(conn: Connection, url: str, **values: object) -> None:
    """Insert or replace one URL's row."""
    stmt = dialect_insert(conn, http_state).values(url=url, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["url"], set_=values))
