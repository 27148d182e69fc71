"""HTTP state: the conditional-GET memory of every fetched URL (validators, body hash, when, status)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from storage.engine import Database
from storage.prepared import dialect_insert, driver_once
from storage.records import HttpState
from storage.schema import http_state

_CHUNK = 500  # URLs per IN (...) query
_BY_URL = select(http_state).where(http_state.c.url == bindparam("url"))
_VALUES = ("etag", "last_modified", "body_hash", "status", "fetched_at")


def _build_upsert(name: str) -> Any:
    stmt = dialect_insert(name, http_state)
    return stmt.on_conflict_do_update(index_elements=["url"], set_={col: stmt.excluded[col] for col in _VALUES})


_upsert = driver_once(_build_upsert, ("url", *_VALUES))  # once per stored page: on the driver's cursor


class HttpStateRepository(Database):
    """One row per URL, replaced on every fetch that returns validators or a body."""

    def get_http_state(self, url: str) -> HttpState | None:
        """The validators remembered for ``url``."""
        with self._read() as conn:
            row = conn.execute(_BY_URL, {"url": url}).first()
        return None if row is None else HttpState(**row._mapping)

    def http_states(self, urls: Iterable[str]) -> dict[str, HttpState]:
        """The validators remembered for each of ``urls`` that has some, in a few queries."""
        wanted = list(dict.fromkeys(urls))
        found: dict[str, HttpState] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), _CHUNK):
                query = select(http_state).where(http_state.c.url.in_(wanted[start : start + _CHUNK]))
                found.update((row.url, HttpState(**row._mapping)) for row in conn.execute(query))
        return found

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


def upsert_http_state(
    conn: Connection, url: str, *, etag: str | None, last_modified: str | None, body_hash: str | None, status: int,
    fetched_at: datetime,
) -> None:
    """Insert or replace one URL's row."""
    _upsert(conn).rows(conn, {"url": url, "etag": etag, "last_modified": last_modified, "body_hash": body_hash,
                                 "status": status, "fetched_at": fetched_at})
