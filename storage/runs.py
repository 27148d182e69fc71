"""Runs: one row per source run with its counters; ``finished_at`` stays None while it runs (or if it crashed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from storage.engine import Database
from storage.errors import UnknownRowError
from storage.records import RunRow, RunStats
from storage.schema import run


def _run_row(row: RowMapping) -> RunRow:
    fields = {name: row[name] for name in RunRow.__dataclass_fields__}
    fields["degraded"] = bool(fields["degraded"])
    return RunRow(**fields)


class RunRepository(Database):
    """Starting and finishing runs, and the most recent ones for status pages."""

    def start_run(self, source_id: str, *, now: datetime) -> int:
        """Record the start of a source run; returns its id."""
        stmt = run.insert().values(source_id=source_id, started_at=now).returning(run.c.id)
        try:
            with self._write() as conn:
                run_id: int = conn.execute(stmt).scalar_one()
        except IntegrityError as exc:  # the only constraint: the source foreign key
            raise UnknownRowError("source", source_id) from exc
        return run_id

    def record_run(self, source_id: str, stats: RunStats, *, started_at: datetime, finished_at: datetime) -> int:
        """Record a whole run in one INSERT (the pipeline records only runs that did something)."""
        values = {name: getattr(stats, name) for name in RunStats.__dataclass_fields__}
        stmt = run.insert().values(source_id=source_id, started_at=started_at, finished_at=finished_at, **values)
        try:
            with self._write() as conn:
                run_id: int = conn.execute(stmt.returning(run.c.id)).scalar_one()
        except IntegrityError as exc:
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
