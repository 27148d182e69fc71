"""The engine under every repository: connections, SQLite's settings, transactions, JSON columns, value checks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.pool import StaticPool

from storage.errors import DatabaseUnavailableError, InvalidValueError
from storage.locks import sqlite_file

Word = TypeVar("Word", bound=str)


# A server connection back in the pool for longer than this is pinged before it is used again (see
# ping_when_idle); one used more recently is taken as alive.
PING_AFTER_IDLE = 1.0


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout, foreign keys and write locks taken up front; a
    server database gets a pool that pings a connection only after it sat idle (not before every transaction)."""
    if make_url(url).get_backend_name() != "sqlite":
        engine = create_engine(url, pool_use_lifo=True)
        ping_when_idle(engine)
        return engine
    path = sqlite_file(url)
    if path is None:
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    _install_sqlite_listeners(engine)
    return engine


def _install_sqlite_listeners(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys; and explicit BEGIN so write transactions take the lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE: upgrading a deferred read lock to a write lock can fail at once with SQLITE_BUSY.
        mode = conn.get_execution_options().get("tidings_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def ping_when_idle(engine: Engine, idle: float = PING_AFTER_IDLE) -> None:
    """Ping a pooled connection at checkout only when it has been idle for `idle` seconds: a server restart, an
    idle-timeout of the server or a proxy in between make a dead connection there, and the pool then replaces it
    with a fresh one before the transaction begins (as `pool_pre_ping` does, without its round trip before every
    transaction of a busy crawl). The pool is LIFO, so connections in use stay warm and spare ones age and get
    checked. A connection that dies while in use fails its statement; SQLAlchemy then invalidates the pool's
    connections of before, so the next transaction starts on a new one."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["tidings_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("tidings_idle_since")
        if since is None or time.monotonic() - since < idle:
            return  # a new connection, or one just used
        try:
            engine.dialect.do_ping(dbapi_connection)  # the dialect's own (psycopg's: SELECT 1, no transaction)
        except Exception as exc:  # the driver's own error type: the pool retries with a new connection
            raise DisconnectionError(f"pooled connection is gone: {exc}") from exc


class Database:
    """One engine and its transactions; every repository of the store is a mixin on it."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self.url = url
        self.safe_url = make_url(url).render_as_string(hide_password=True)
        self.dialect: str = engine.dialect.name
        self._ensured: dict[str, tuple[str, str]] = {}  # source rows this store created or updated: id -> (kind, hash)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._unavailable_as_one_line(), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with (self._unavailable_as_one_line(),
              self._engine.connect().execution_options(tidings_begin="DEFERRED") as conn, conn.begin()):
            yield conn

    @contextmanager
    def _unavailable_as_one_line(self) -> Iterator[None]:
        """A full disk or a lost server is one `DatabaseUnavailableError` line, not a driver traceback."""
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
            raise DatabaseUnavailableError(self.safe_url, reason[0] if reason else type(exc).__name__) from exc


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def checked(field: str, value: str, allowed: tuple[Word, ...]) -> Word:
    """``value`` as a word of the vocabulary ``allowed``; InvalidValueError when it is none of them.

    >>> checked("alert mode", "digest", ("instant", "digest"))
    'digest'
    """
    for word in allowed:
        if word == value:
            return word
    raise InvalidValueError(field, value, allowed)
