"""The SQLite file behind a database URL, and the single-daemon lock on it (PostgreSQL is shared by many)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storage.errors import DatabaseLockedError


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases and in-memory SQLite.

    >>> sqlite_file("sqlite:////var/lib/tidings/tidings.db")
    PosixPath('/var/lib/tidings/tidings.db')
    >>> sqlite_file("sqlite:///:memory:") is None, sqlite_file("postgresql+psycopg://tidings@db/tidings") is None
    (True, True)
    """
    try:
        parsed = make_url(database_url)
    except ArgumentError:
        return None
    return _sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None


def _sqlite_path(parsed: URL) -> Path | None:
    database = parsed.database or ""
    return None if database in ("", ":memory:") else Path(database).expanduser()


@contextmanager
def single_daemon_lock(database_url: str, owner: str) -> Iterator[None]:
    """On SQLite, hold an exclusive lock on ``<db file>.daemon.lock`` (naming ``owner`` inside) while the block
    runs; a second holder gets DatabaseLockedError. Other databases need no lock."""
    database = sqlite_file(database_url)
    if database is None:
        yield
        return
    lock_path = Path(f"{database}.daemon.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _take(fd, lock_path, database)
        os.ftruncate(fd, 0)
        os.pwrite(fd, owner.encode(), 0)
        yield
    finally:
        os.close(fd)


def _take(fd: int, lock_path: Path, database: Path) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
        raise DatabaseLockedError(str(lock_path), str(database), holder) from None
