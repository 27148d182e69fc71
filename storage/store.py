"""The Store: one engine (SQLite or PostgreSQL) under the repositories of every aggregate."""

from __future__ import annotations

import io
from collections.abc import Iterable
from types import TracebackType
from typing import Any, BinaryIO, Self

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage import migrate
from storage.alerts import OutboxRepository
from storage.attachments import AttachmentRepository
from storage.engine import make_engine
from storage.entries import EntryRepository, UnitOfWork
from storage.errors import StoreOpenError
from storage.evidence import EvidenceRepository
from storage.health import HealthAlertRepository
from storage.history import HistoryRepository
from storage.http_state import HttpStateRepository
from storage.migrate import SCHEMA_REVISION, alembic_config
from storage.queries import ReadModelRepository
from storage.rechecks import RecheckRepository
from storage.runs import RunRepository
from storage.sources import SourceRepository
from storage.stories import StoryRepository

__all__ = ["SCHEMA_REVISION", "Store", "UnitOfWork", "alembic_config"]


class Store(
    SourceRepository,
    HttpStateRepository,
    EntryRepository,
    OutboxRepository,
    HealthAlertRepository,
    RunRepository,
    AttachmentRepository,
    EvidenceRepository,
    ReadModelRepository,
    StoryRepository,
    RecheckRepository,
    HistoryRepository,
):
    """The database behind tidings. Open with :meth:`open`; every method is its own transaction."""

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Self:
        """Connect to ``url`` (creating a SQLite file's directory) and migrate to head when ``upgrade``."""
        safe_url = make_url(url).render_as_string(hide_password=True)
        try:
            store = cls(make_engine(url), url)
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
        """Run the Alembic migrations to head (serialised across processes); cheap when already there."""
        migrate.upgrade(self._engine)

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at, or None for an empty database."""
        return migrate.schema_revision(self._engine)

    def evidence_warc(self, entry_ids: Iterable[int], out: BinaryIO) -> dict[str, Any]:
        """Write the evidence WARC of these entries to ``out``; returns its manifest (see storage.warc)."""
        from storage.warc import write_evidence

        return write_evidence(self, entry_ids, out)

    def evidence_bytes(self, entry_id: int) -> bytes:
        """One entry's evidence bundle as WARC bytes (what the web app offers for download)."""
        out = io.BytesIO()
        self.evidence_warc([entry_id], out)
        return out.getvalue()

    def close(self) -> None:
        """Release all connections."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
