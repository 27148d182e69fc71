"""Sources and the shared schedule: one row per source with its lease, backoff and health."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, or_, select, update
from sqlalchemy.engine import RowMapping

from storage.engine import Database
from storage.errors import UnknownRowError
from storage.prepared import dialect_insert
from storage.records import SourceState
from storage.schema import source


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


@cache
def _claim_statement(dead_owner: bool) -> Any:
    """The lease claim (see :meth:`SourceRepository.claim_source_state`), built once per form."""
    now = bindparam("now_", type_=source.c.lease_until.type)
    free = or_(source.c.lease_owner.is_(None), source.c.lease_until < now, source.c.lease_owner == bindparam("owner_"))
    if dead_owner:
        free = or_(free, source.c.lease_owner == bindparam("dead_owner_"))
    return (update(source).where(source.c.id == bindparam("source_id_"), free)
            .values(lease_owner=bindparam("owner_"), lease_until=bindparam("until_")).returning(*source.c))


_DUE = or_(source.c.next_due_at.is_(None), source.c.next_due_at <= bindparam("now_", type_=source.c.next_due_at.type))
_TURN = (update(source).where(source.c.id == bindparam("source_id_"), _DUE)  # the shared schedule's turn claim
         .values(next_due_at=bindparam("next_due_at_")).returning(source.c.id))


@cache
def _result_statement(ok: bool, release: bool) -> Any:
    """A run's outcome (see :meth:`SourceRepository.record_source_result`), built once per form. Success resets
    the failure count; failure increments it (in the database: racing runs both count)."""
    at = bindparam("now_", type_=source.c.last_success_at.type)
    values: dict[str, Any] = {"degraded": bindparam("degraded_"), "next_due_at": bindparam("next_due_at_")}
    if ok:
        values |= {"last_success_at": at, "consecutive_failures": 0, "last_error": None}
    else:
        values |= {"last_failure_at": at, "consecutive_failures": source.c.consecutive_failures + 1,
                   "last_error": bindparam("error_")}
    if release:
        held = source.c.lease_owner == bindparam("owner_")
        values["lease_owner"] = case((held, None), else_=source.c.lease_owner)
        values["lease_until"] = case((held, None), else_=source.c.lease_until)
    return update(source).where(source.c.id == bindparam("source_id_")).values(**values).returning(*source.c)


class SourceRepository(Database):
    """Source rows: created from the config, leased by one process per run, updated with each run's outcome."""

    def ensure_source(self, source_id: str, *, kind: str, settings_hash: str) -> None:
        """Create the source row, or update its kind and settings hash (no write when they are unchanged).

        This store remembers what it ensured: a daemon's every run of an unchanged source asks again, and only
        the first asks the database (source rows are never deleted; a claim that finds the row gone forgets it).
        """
        if self._ensured.get(source_id) == (kind, settings_hash):
            return
        changed = or_(source.c.kind != kind, source.c.settings_hash != settings_hash)
        with self._write() as conn:
            insert = dialect_insert(conn.dialect.name, source)
            stmt = insert.values(id=source_id, kind=kind, settings_hash=settings_hash)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["id"], set_={"kind": kind, "settings_hash": settings_hash}, where=changed))
        self._ensured[source_id] = (kind, settings_hash)

    def claim_source(
        self, source_id: str, owner: str, *, now: datetime, lease_seconds: float, dead_owner: str | None = None
    ) -> bool:
        """Take the source's lease if it is free, expired or already ``owner``'s (one conditional UPDATE); also
        when ``dead_owner`` (a process the caller knows is gone) still holds it. Renewing is claiming again."""
        return self.claim_source_state(
            source_id, owner, now=now, lease_seconds=lease_seconds, dead_owner=dead_owner
        ) is not None

    def claim_source_state(
        self, source_id: str, owner: str, *, now: datetime, lease_seconds: float, dead_owner: str | None = None
    ) -> SourceState | None:
        """:meth:`claim_source`, returning the source's state as the claim left it (the same UPDATE reads it
        back), or None when another owner holds the lease. A run starts from this state: while it holds the
        lease, nobody else writes the row's outcome columns."""
        params = {"source_id_": source_id, "owner_": owner, "now_": now, "dead_owner_": dead_owner,
                  "until_": now + timedelta(seconds=lease_seconds)}
        stmt = _claim_statement(dead_owner is not None)
        with self._write() as conn:
            row = conn.execute(stmt, params).first()
            if row is not None:
                return _source_state(row._mapping)
            if conn.execute(select(source.c.id).where(source.c.id == source_id)).first() is None:
                self._ensured.pop(source_id, None)
                raise UnknownRowError("source", source_id)
            return None

    def claim_due(self, source_id: str, *, now: datetime, next_due_at: datetime) -> bool:
        """The shared schedule: take this turn of the source if it is due (``next_due_at`` unset or passed) and
        move its next due time to ``next_due_at``, in one conditional UPDATE. Of several daemons ticking for the
        same source, exactly one gets each turn; False for the others (and for a source in failure backoff)."""
        params = {"source_id_": source_id, "now_": now, "next_due_at_": next_due_at}
        with self._write() as conn:
            return conn.execute(_TURN, params).first() is not None

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
        release_owner: str | None = None,
    ) -> SourceState:
        """Record a run's outcome: success resets the failure count, failure increments it. With
        `release_owner`, the same UPDATE gives the lease back if that owner holds it (an idle poll: one write)."""
        params = {"source_id_": source_id, "degraded_": degraded, "next_due_at_": next_due_at, "now_": now,
                  "error_": error, "owner_": release_owner}
        with self._write() as conn:
            row = conn.execute(_result_statement(ok, release_owner is not None), params).first()
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
