"""Exceptions raised by the storage package; each names the database, URL or row it concerns."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every storage failure."""


class StoreOpenError(StorageError):
    """The database at ``url`` could not be opened or migrated."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot open store {url}: {reason}")
        self.url = url
        self.reason = reason


class UnknownRowError(StorageError):
    """A row the caller named (by table and key) does not exist."""

    def __init__(self, table: str, key: object) -> None:
        super().__init__(f"no {table} row with key {key!r}")
        self.table = table
        self.key = key


class InvalidValueError(StorageError):
    """A value passed to the store is outside its allowed set."""

    def __init__(self, field: str, value: object, allowed: tuple[str, ...]) -> None:
        super().__init__(f"invalid {field} {value!r}; expected one of {', '.join(allowed)}")
        self.field = field
        self.value = value


class DatabaseLockedError(StorageError):
    """Another daemon holds the single-daemon lock of the SQLite database ``database``."""

    def __init__(self, lock_path: str, database: str, holder: str) -> None:
        super().__init__(
            f"{lock_path}: another `tidings run` (owner {holder}) already uses the SQLite database {database}; "
            "stop it first, or set settings.database_url to PostgreSQL to run several daemons"
        )
        self.lock_path = lock_path
        self.database = database
        self.holder = holder


class DatabaseUnavailableError(StorageError):
    """The database refused or failed a read or write (disk full, server gone, connection lost): one line, with
    the driver's reason and what to do.

    >>> print(DatabaseUnavailableError("sqlite:////x/t.db", "database or disk is full"))  # doctest: +ELLIPSIS
    database sqlite:////x/t.db: database or disk is full (free disk space where the database lives; ...)
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"database {url}: {reason} ({_advice(reason)})")
        self.url = url
        self.reason = reason


def _advice(reason: str) -> str:
    lowered = reason.lower()
    if "full" in lowered or "no space" in lowered or "quota" in lowered:
        return "free disk space where the database lives; nothing was lost: the next run tries again"
    if "connect" in lowered or "closed" in lowered or "terminat" in lowered or "timeout" in lowered:
        return "is the database server running and reachable? the next run tries again"
    return "the next run tries again; check the database server's log"
