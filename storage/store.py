"""The Store: entries and versions, matches, the alert outbox, source state, runs (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    create_engine,
    event,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy import (
    Table as SaTable,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from storage import dedup

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
from storage.errors import InvalidValueError, StoreOpenError, UnknownRowError
from storage.records import (
    AlertRow,
    ArticleRecord,
    EntryRow,
    HttpState,
    MatchRecord,
    PendingAlert,
    RunRow,
    RunStats,
    SaveOutcome,
    SourceState,
    VersionRow,
)
from storage.schema import alert, entry, http_state, match, run, source, version

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
ALERT_STATUSES = ("pending", "sending", "sent", "dead")
ALERT_MODES = ("instant", "digest")
HEALTH_STATES = ("failing", "recovered")
_CHUNK = 500
SCHEMA_REVISION = "0001"  # the head of storage/migrations/versions; a test keeps the two equal


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """An Alembic config built in code (no alembic.ini); ``connection`` is used by env.py when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _check(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidValueError(field, value, allowed)


# --- engine -------------------------------------------------------------------------------------------------


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    if database in ("", ":memory:"):
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
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


# --- row mapping --------------------------------------------------------------------------------------------


def _source_state(row: RowMapping) -> SourceState:
    return SourceState(
        source_id=row["id"],
        kind=row["kind"],
        settings_hash=row["settings_hash"],
        last_success_at=row["last_success_at"],
        last_failure_at=row["last_failure_at"],
        consecutive_failures=row["consecutive_failures"],
        last_error=row["last_error"],
        next_due_at=row["next_due_at"],
        lease_owner=row["lease_owner"],
        lease_until=row["lease_until"],
        degraded=bool(row["degraded"]),
        health_alerted=bool(row["health_alerted"]),
    )


def _run_row(row: RowMapping) -> RunRow:
    fields = {name: row[name] for name in RunRow.__dataclass_fields__}
    fields["degraded"] = bool(fields["degraded"])
    return RunRow(**fields)


def _alert_row(row: RowMapping) -> AlertRow:
    fields = {name: row[name] for name in AlertRow.__dataclass_fields__}
    fields["payload"] = _from_json(row["payload"])
    return AlertRow(**fields)


def _pending_alert(row: RowMapping) -> PendingAlert:
    payload = _from_json(row["payload"])
    source_id = row["source_id"] if row["source_id"] is not None else (payload or {}).get("source")
    return PendingAlert(
        alert_id=row["id"],
        match_id=row["match_id"],
        channel=row["channel"],
        mode=row["mode"],
        attempts=row["attempts"],
        rule=row["rule"],
        kind=row["kind"],
        evidence=_from_json(row["evidence"]),
        entry_id=row["entry_id"],
        title=row["title"],
        url=row["url"],
        source_id=source_id,
        language=row["language"],
        published=row["published"],
        text=row["text"],
        created_at=row["created_at"],
        payload=payload,
    )


def _entry_row(row: RowMapping) -> EntryRow:
    return EntryRow(**{name: row[name] for name in EntryRow.__dataclass_fields__})


def _version_row(row: RowMapping) -> VersionRow:
    return VersionRow(**{name: row[name] for name in VersionRow.__dataclass_fields__})


def _entry_select() -> Select[Any]:
    other = version.alias("other_version")
    count = select(func.count()).select_from(other).where(other.c.entry_id == entry.c.id).scalar_subquery()
    return select(
        *(entry.c[name] for name in ("id", "canonical_url", "url", "source_id", "language", "title")),
        *(entry.c[name] for name in ("author", "published", "updated", "first_seen", "last_seen")),
        entry.c.duplicate_of,
        version.c.text,
        version.c.content_hash,
        count.label("version_count"),
    ).join(version, version.c.id == entry.c.current_version_id)


def _alert_select() -> Select[Any]:
    return (
        select(
            alert,
            match.c.rule,
            match.c.kind,
            match.c.evidence,
            match.c.entry_id,
            entry.c.title,
            entry.c.url,
            entry.c.source_id,
            entry.c.language,
            entry.c.published,
            version.c.text,
        )
        .outerjoin(match, match.c.id == alert.c.match_id)
        .outerjoin(entry, entry.c.id == match.c.entry_id)
        .outerjoin(version, version.c.id == match.c.version_id)
    )


def _insert(conn: Connection, table: SaTable) -> Any:
    """A dialect insert() that offers on_conflict_do_nothing/do_update on both SQLite and PostgreSQL."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


# --- unit of work -------------------------------------------------------------------------------------------


class UnitOfWork:
    """Writes that must commit together: an article, its matches and their outbox rows."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def save_article(self, rec: ArticleRecord, *, now: datetime) -> SaveOutcome:
        """Store ``rec`` as a new entry, a new version of its entry, a duplicate, or nothing (unchanged).

        A text equal to an *older* version of the entry (an A→B→A edit) makes that version current again and
        reports "edited" with the older version's id. Racing writers on one canonical URL create one entry:
        the loser sees the winner's row and is treated as an update of it.
        """
        digest = dedup.content_hash(rec.text)
        existing = self._entry_by_url(rec.canonical_url)
        if existing is None:
            created = self._insert_entry(rec, digest, now)
            if created is not None:
                return created
            existing = self._entry_by_url(rec.canonical_url)
            if existing is None:
                raise UnknownRowError("entry", rec.canonical_url)
        return self._update_entry(existing, rec, digest, now)

    def _entry_by_url(self, canonical_url: str) -> RowMapping | None:
        query = (
            select(entry.c.id, entry.c.current_version_id, version.c.content_hash, version.c.text)
            .outerjoin(version, version.c.id == entry.c.current_version_id)
            .where(entry.c.canonical_url == canonical_url)
        )
        row = self._conn.execute(query).first()
        return None if row is None else row._mapping

    def _original_with_hash(self, digest: str) -> int | None:
        query = (
            select(entry.c.id)
            .join(version, version.c.entry_id == entry.c.id)
            .where(version.c.content_hash == digest, entry.c.duplicate_of.is_(None))
            .order_by(entry.c.id)
            .limit(1)
        )
        return self._conn.execute(query).scalar()

    def _insert_entry(self, rec: ArticleRecord, digest: str, now: datetime) -> SaveOutcome | None:
        if self._conn.execute(select(source.c.id).where(source.c.id == rec.source_id)).first() is None:
            raise UnknownRowError("source", rec.source_id)
        original = self._original_with_hash(digest)
        values = {**self._entry_values(rec, now), "canonical_url": rec.canonical_url, "first_seen": now}
        stmt = _insert(self._conn, entry).values(**values, duplicate_of=original)
        entry_id = self._conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["canonical_url"]).returning(entry.c.id)
        ).scalar()
        if entry_id is None:
            return None
        version_id = self._add_version(entry_id, rec, digest, "initial")
        self._set_current(entry_id, version_id)
        if original is not None:
            return SaveOutcome(
                "duplicate", entry_id, version_id, duplicate_of=original, change_class="initial"
            )
        return SaveOutcome("new", entry_id, version_id, change_class="initial")

    def _entry_values(self, rec: ArticleRecord, now: datetime) -> dict[str, Any]:
        return {
            "url": rec.url,
            "source_id": rec.source_id,
            "language": rec.language,
            "title": rec.title,
            "author": rec.author,
            "published": rec.published,
            "updated": rec.updated,
            "last_seen": now,
            "fingerprint": dedup.simhash(rec.text),
        }

    def _add_version(self, entry_id: int, rec: ArticleRecord, digest: str, change_class: str) -> int:
        values = {
            "entry_id": entry_id,
            "content_hash": digest,
            "text": rec.text,
            "fetched_at": rec.fetched_at,
            "change_class": change_class,
        }
        stmt = _insert(self._conn, version).values(**values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["entry_id", "content_hash"])
        version_id = self._conn.execute(stmt.returning(version.c.id)).scalar()
        if version_id is None:  # a concurrent writer stored the same text first
            return self._version_with_hash(entry_id, digest)
        return int(version_id)

    def _version_with_hash(self, entry_id: int, digest: str) -> int:
        query = select(version.c.id).where(version.c.entry_id == entry_id, version.c.content_hash == digest)
        version_id = self._conn.execute(query).scalar()
        if version_id is None:
            raise UnknownRowError("version", (entry_id, digest))
        return int(version_id)

    def _set_current(self, entry_id: int, version_id: int) -> None:
        self._conn.execute(update(entry).where(entry.c.id == entry_id).values(current_version_id=version_id))

    def _update_entry(
        self, existing: RowMapping, rec: ArticleRecord, digest: str, now: datetime
    ) -> SaveOutcome:
        entry_id: int = existing["id"]
        if existing["content_hash"] == digest:
            self._conn.execute(update(entry).where(entry.c.id == entry_id).values(last_seen=now))
            return SaveOutcome("unchanged", entry_id, existing["current_version_id"])
        change = dedup.change_class(existing["text"] or "", rec.text)
        version_id = self._add_version(entry_id, rec, digest, change)
        values = {**self._entry_values(rec, now), "current_version_id": version_id}
        self._conn.execute(update(entry).where(entry.c.id == entry_id).values(**values))
        return SaveOutcome("edited", entry_id, version_id, change_class=change)

    def add_match(self, rec: MatchRecord, *, now: datetime) -> int | None:
        """Record a rule match; None when this (version, rule) was already recorded."""
        _check("match kind", rec.kind, ("new", "edited"))
        stmt = _insert(self._conn, match).values(
            entry_id=rec.entry_id,
            version_id=rec.version_id,
            rule=rec.rule,
            kind=rec.kind,
            evidence=_to_json(rec.evidence),
            created_at=now,
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["version_id", "rule"])
        match_id: int | None = self._conn.execute(stmt.returning(match.c.id)).scalar()
        return match_id

    def enqueue_alert(
        self, match_id: int, channel: str, *, mode: str, due_at: datetime, now: datetime
    ) -> bool:
        """Put one outbox row for (match, channel); False when it already exists."""
        _check("alert mode", mode, ALERT_MODES)
        stmt = _insert(self._conn, alert).values(
            match_id=match_id,
            channel=channel,
            status="pending",
            mode=mode,
            attempts=0,
            next_attempt_at=due_at,
            created_at=now,
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["match_id", "channel"])
        return self._conn.execute(stmt.returning(alert.c.id)).scalar() is not None


# --- store --------------------------------------------------------------------------------------------------


class Store:
    """The database behind tidings. Open with :meth:`open`; every method is its own transaction."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self.url = url
        self.dialect: str = engine.dialect.name

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Self:
        """Connect to ``url`` (creating a SQLite file's directory) and migrate to head when ``upgrade``."""
        safe_url = make_url(url).render_as_string(hide_password=True)
        try:
            store = cls(_make_engine(url), url)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreOpenError(safe_url, str(exc)) from exc
        try:
            if upgrade:
                store.upgrade()
        except (SQLAlchemyError, OSError) as exc:
            store.close()
            raise StoreOpenError(safe_url, str(exc)) from exc
        return store

    def upgrade(self) -> None:
        """Run the Alembic migrations to head (serialised across processes).

        A database already at SCHEMA_REVISION costs one query: Alembic is not even imported then.
        """
        if self.schema_revision() == SCHEMA_REVISION:
            return
        from alembic import command

        with self._engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7361626)")  # concurrent daemons starting
            command.upgrade(alembic_config(conn), "head")

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at, or None for an empty database."""
        with self._engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def close(self) -> None:
        """Release all connections."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect().execution_options(tidings_begin="DEFERRED") as conn, conn.begin():
            yield conn

    # --- sources, leases, backoff -----------------------------------------------------------------------

    def ensure_source(self, source_id: str, *, kind: str, settings_hash: str) -> None:
        """Create the source row, or update its kind and settings hash."""
        with self._write() as conn:
            stmt = _insert(conn, source).values(id=source_id, kind=kind, settings_hash=settings_hash)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["id"], set_={"kind": kind, "settings_hash": settings_hash}
                )
            )

    def claim_source(self, source_id: str, owner: str, *, now: datetime, lease_seconds: float) -> bool:
        """Take the source's lease if it is free, expired or already ``owner``'s (one conditional UPDATE)."""
        free = or_(source.c.lease_owner.is_(None), source.c.lease_until < now, source.c.lease_owner == owner)
        stmt = (
            update(source)
            .where(source.c.id == source_id, free)
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
        )
        with self._write() as conn:
            if conn.execute(stmt).rowcount == 1:
                return True
            if conn.execute(select(source.c.id).where(source.c.id == source_id)).first() is None:
                raise UnknownRowError("source", source_id)
            return False

    def release_source(self, source_id: str, owner: str) -> None:
        """Give the lease back (only if ``owner`` holds it)."""
        stmt = (
            update(source)
            .where(source.c.id == source_id, source.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )
        with self._write() as conn:
            conn.execute(stmt)

    def record_source_result(
        self,
        source_id: str,
        *,
        ok: bool,
        error: str | None,
        degraded: bool,
        now: datetime,
        next_due_at: datetime | None,
    ) -> SourceState:
        """Record a run's outcome: success resets the failure count, failure increments it."""
        values: dict[str, Any] = {"degraded": degraded, "next_due_at": next_due_at}
        if ok:
            values.update(last_success_at=now, consecutive_failures=0, last_error=None)
        else:
            values.update(
                last_failure_at=now, consecutive_failures=source.c.consecutive_failures + 1, last_error=error
            )
        with self._write() as conn:
            stmt = update(source).where(source.c.id == source_id).values(**values).returning(*source.c)
            row = conn.execute(stmt).first()
        if row is None:
            raise UnknownRowError("source", source_id)
        return _source_state(row._mapping)

    def source_state(self, source_id: str) -> SourceState | None:
        """The source's state, or None if it was never ensured."""
        with self._read() as conn:
            row = conn.execute(select(source).where(source.c.id == source_id)).first()
        return None if row is None else _source_state(row._mapping)

    def source_states(self) -> list[SourceState]:
        """All sources, by id."""
        with self._read() as conn:
            rows = conn.execute(select(source).order_by(source.c.id)).all()
        return [_source_state(row._mapping) for row in rows]

    def set_health_alerted(self, source_id: str, alerted: bool) -> None:
        """Remember whether a 'failing' health alert was sent for the source."""
        with self._write() as conn:
            result = conn.execute(
                update(source).where(source.c.id == source_id).values(health_alerted=alerted)
            )
            if result.rowcount != 1:
                raise UnknownRowError("source", source_id)

    # --- conditional GET memory -------------------------------------------------------------------------

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
        values = {
            "etag": etag,
            "last_modified": last_modified,
            "body_hash": body_hash,
            "status": status,
            "fetched_at": fetched_at,
        }
        with self._write() as conn:
            stmt = _insert(conn, http_state).values(url=url, **values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["url"], set_=values))

    # --- entries ----------------------------------------------------------------------------------------

    def known_urls(self, canonical_urls: Iterable[str]) -> set[str]:
        """The subset of ``canonical_urls`` already stored as entries."""
        wanted = list(dict.fromkeys(canonical_urls))
        found: set[str] = set()
        with self._read() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                found.update(
                    conn.scalars(select(entry.c.canonical_url).where(entry.c.canonical_url.in_(chunk)))
                )
        return found

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        """One transaction: commits when the block succeeds, rolls back when it raises."""
        return self._unit_of_work()

    @contextmanager
    def _unit_of_work(self) -> Iterator[UnitOfWork]:
        with self._write() as conn:
            yield UnitOfWork(conn)

    # --- outbox -----------------------------------------------------------------------------------------

    def claim_alerts(
        self, owner: str, *, now: datetime, limit: int, lease_seconds: float
    ) -> list[PendingAlert]:
        """Claim up to ``limit`` due alerts: pending and due, or 'sending' with an expired claim.

        PostgreSQL skips rows locked by other claimers (FOR UPDATE SKIP LOCKED); SQLite serialises claimers
        with BEGIN IMMEDIATE. Claimed rows become 'sending' with attempts + 1.
        """
        due = or_(
            (alert.c.status == "pending") & (alert.c.next_attempt_at <= now),
            (alert.c.status == "sending") & (alert.c.claimed_until < now),
        )
        pick = select(alert.c.id).where(due).order_by(alert.c.next_attempt_at, alert.c.id).limit(limit)
        with self._write() as conn:
            ids = list(conn.scalars(pick.with_for_update(skip_locked=True)))
            if not ids:
                return []
            conn.execute(
                update(alert)
                .where(alert.c.id.in_(ids))
                .values(
                    status="sending",
                    claimed_by=owner,
                    claimed_until=now + timedelta(seconds=lease_seconds),
                    attempts=alert.c.attempts + 1,
                )
            )
            rows = conn.execute(_alert_select().where(alert.c.id.in_(ids)).order_by(alert.c.id)).all()
        return [_pending_alert(row._mapping) for row in rows]

    def mark_sent(self, alert_id: int, *, now: datetime) -> None:
        """The alert was delivered."""
        self._set_alert(alert_id, status="sent", sent_at=now, last_error=None)

    def mark_failed(
        self, alert_id: int, *, error: str, now: datetime, next_attempt_at: datetime | None
    ) -> None:
        """Delivery failed: retry at ``next_attempt_at``, or give up (status 'dead') when it is None."""
        status = "dead" if next_attempt_at is None else "pending"
        self._set_alert(alert_id, status=status, last_error=error, next_attempt_at=next_attempt_at or now)

    def _set_alert(self, alert_id: int, **values: Any) -> None:
        stmt = (
            update(alert).where(alert.c.id == alert_id).values(claimed_by=None, claimed_until=None, **values)
        )
        with self._write() as conn:
            if conn.execute(stmt).rowcount != 1:
                raise UnknownRowError("alert", alert_id)

    def list_alerts(self, *, status: str | None = None, limit: int = 100) -> list[AlertRow]:
        """Outbox rows, newest first, optionally of one status."""
        query = _alert_select().order_by(alert.c.id.desc()).limit(limit)
        if status is not None:
            _check("alert status", status, ALERT_STATUSES)
            query = query.where(alert.c.status == status)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [_alert_row(row._mapping) for row in rows]

    def retry_alerts(self, *, now: datetime, alert_ids: Sequence[int] | None = None) -> int:
        """Make dead alerts (or exactly ``alert_ids``, unless being sent right now) pending again, due now.

        Returns the number of alerts reset; their attempt count starts again from zero.
        """
        if alert_ids is None:
            where = alert.c.status == "dead"
        else:  # never reset a row a live dispatcher is sending right now
            sending = (alert.c.status == "sending") & (alert.c.claimed_until >= now)
            where = alert.c.id.in_(list(alert_ids)) & ~sending
        stmt = (
            update(alert)
            .where(where)
            .values(status="pending", attempts=0, next_attempt_at=now, claimed_by=None, claimed_until=None)
        )
        with self._write() as conn:
            return conn.execute(stmt).rowcount

    def alert_counts(self) -> dict[str, int]:
        """Number of alerts per status (every status present, zero when none)."""
        counts = dict.fromkeys(ALERT_STATUSES, 0)
        with self._read() as conn:
            rows = conn.execute(select(alert.c.status, func.count()).group_by(alert.c.status)).all()
        counts.update({status: count for status, count in rows})
        return counts

    def enqueue_health_alert(
        self, *, source_id: str, channel: str, state: str, error: str | None, now: datetime
    ) -> int:
        """Queue an instant alert that ``source_id`` is failing or recovered; returns the alert id."""
        _check("health state", state, HEALTH_STATES)
        payload = _to_json({"source": source_id, "state": state, "error": error})
        values = {"channel": channel, "status": "pending", "mode": "instant", "attempts": 0}
        with self._write() as conn:
            stmt = alert.insert().values(**values, next_attempt_at=now, created_at=now, payload=payload)
            alert_id: int = conn.execute(stmt.returning(alert.c.id)).scalar_one()
        return alert_id

    # --- runs -------------------------------------------------------------------------------------------

    def start_run(self, source_id: str, *, now: datetime) -> int:
        """Record the start of a source run; returns its id."""
        stmt = run.insert().values(source_id=source_id, started_at=now).returning(run.c.id)
        try:
            with self._write() as conn:
                run_id: int = conn.execute(stmt).scalar_one()
        except IntegrityError as exc:  # the only constraint: the source foreign key
            raise UnknownRowError("source", source_id) from exc
        return run_id

    def finish_run(self, run_id: int, stats: RunStats, *, now: datetime) -> None:
        """Record the end of a run with its counters."""
        values = {name: getattr(stats, name) for name in RunStats.__dataclass_fields__}
        with self._write() as conn:
            result = conn.execute(update(run).where(run.c.id == run_id).values(finished_at=now, **values))
            if result.rowcount != 1:
                raise UnknownRowError("run", run_id)

    def last_runs(self, limit: int = 20) -> list[RunRow]:
        """The most recent runs, newest first."""
        query = select(run).order_by(run.c.started_at.desc(), run.c.id.desc()).limit(limit)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [_run_row(row._mapping) for row in rows]

    # --- reading ----------------------------------------------------------------------------------------

    def list_entries(
        self,
        *,
        source_id: str | None = None,
        since: datetime | None = None,
        limit: int | None = 50,
        include_duplicates: bool = False,
    ) -> list[EntryRow]:
        """Entries with their current text, newest first by first seen; ``since`` filters on first seen."""
        query = _entry_select().order_by(entry.c.first_seen.desc(), entry.c.id.desc()).limit(limit)
        if source_id is not None:
            query = query.where(entry.c.source_id == source_id)
        if since is not None:
            query = query.where(entry.c.first_seen >= since)
        if not include_duplicates:
            query = query.where(entry.c.duplicate_of.is_(None))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [_entry_row(row._mapping) for row in rows]

    def recheck_due(self, source_id: str, *, since: datetime, checked_before: datetime, limit: int) -> list[str]:
        """Among the ``limit`` newest entries of a source first seen since ``since``, the URLs whose page was last
        fetched before ``checked_before``: the pages to fetch again for silent edits. One query, no texts loaded."""
        newest = (
            select(entry.c.url, entry.c.first_seen, entry.c.id)
            .where(entry.c.source_id == source_id, entry.c.first_seen >= since, entry.c.duplicate_of.is_(None))
            .order_by(entry.c.first_seen.desc(), entry.c.id.desc())
            .limit(limit)
            .subquery()
        )
        query = (
            select(newest.c.url)
            .join(http_state, http_state.c.url == newest.c.url)
            .where(http_state.c.fetched_at <= checked_before)
            .order_by(newest.c.first_seen.desc(), newest.c.id.desc())
        )
        with self._read() as conn:
            return list(conn.scalars(query))

    def get_entry(self, entry_id: int) -> EntryRow | None:
        """One entry with its current text."""
        with self._read() as conn:
            row = conn.execute(_entry_select().where(entry.c.id == entry_id)).first()
        return None if row is None else _entry_row(row._mapping)

    def entry_versions(self, entry_id: int) -> list[VersionRow]:
        """All versions of an entry, oldest first."""
        query = select(version).where(version.c.entry_id == entry_id).order_by(version.c.id)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [_version_row(row._mapping) for row in rows]

    def count_entries(self) -> int:
        """Number of entries, duplicates included."""
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(entry)).scalar_one()
