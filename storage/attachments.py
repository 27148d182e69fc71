"""Attachments: the files an entry links to (PDF, DOCX, ...), each with versions like an entry's.

A changed file is a new attachment version (an edit of its entry); a file that answers 404 or 410 on
:data:`REMOVAL_AFTER` checks in a row is removed (``removed_at``); one that comes back is live again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.engine import RowMapping

from storage.engine import Database
from storage.errors import UnknownRowError
from storage.evidence_records import AttachmentOutcome, AttachmentRecord, AttachmentRow, AttachmentVersionRow
from storage.prepared import dialect_insert
from storage.rechecks import add_marker
from storage.schema import attachment, attachment_version, entry

REMOVAL_AFTER = 2  # 404/410 answers in a row before a file counts as removed (one can be a hiccup)
Classify = Callable[[str, str], str]  # (old text, new text) -> "minor" | "substantive"


def _current(conn: Connection, entry_id: int, url: str) -> RowMapping | None:
    query = (
        select(attachment, attachment_version.c.text)
        .outerjoin(attachment_version, attachment_version.c.id == attachment.c.current_version_id)
        .where(attachment.c.entry_id == entry_id, attachment.c.url == url)
    )
    row = conn.execute(query).first()
    return None if row is None else row._mapping


class AttachmentWrites:
    """Inside a unit of work: save a fetched attachment, or note that it is missing."""

    _conn: Connection

    def save_attachment(self, rec: AttachmentRecord, *, now: datetime, classify: Classify) -> AttachmentOutcome:
        """A new attachment, a new version of it (``classify`` says how the text changed), or nothing new."""
        existing = _current(self._conn, rec.entry_id, rec.url)
        if existing is None:
            return self._insert_file(rec, now)
        attachment_id: int = existing["id"]
        if existing["content_hash"] == rec.content_hash:
            self._touch_file(attachment_id, now)
            return AttachmentOutcome("unchanged", attachment_id, existing["current_version_id"])
        old_text = existing["text"] or ""
        change = classify(old_text, rec.text)
        version_id = self._add_file_version(attachment_id, rec, change)
        self._conn.execute(
            update(attachment).where(attachment.c.id == attachment_id).values(
                **_file_values(rec, now), current_version_id=version_id, missing_count=0, removed_at=None
            )
        )
        return AttachmentOutcome("edited", attachment_id, version_id, change, previous_text=old_text)

    def attachment_missing(self, entry_id: int, url: str, *, now: datetime) -> AttachmentOutcome | None:
        """The file answered 404/410: removed on the REMOVAL_AFTER-th time in a row; None if never stored."""
        existing = _current(self._conn, entry_id, url)
        if existing is None:
            return None
        attachment_id, missing = existing["id"], existing["missing_count"] + 1
        removed = missing >= REMOVAL_AFTER and existing["removed_at"] is None
        values: dict[str, Any] = {"missing_count": missing}
        if removed:
            values["removed_at"] = now
        self._conn.execute(update(attachment).where(attachment.c.id == attachment_id).values(**values))
        return AttachmentOutcome("removed" if removed else "missing", attachment_id, existing["current_version_id"])

    def record_file_edit(self, entry_id: int, analysis: Mapping[str, Any], *, now: datetime) -> int:
        """The entry's files changed (or were taken down) while its page's text did not: a "files" marker version
        that carries ``analysis`` (the edit of the files) and takes the edit's matches; its id."""
        return add_marker(self._conn, entry_id, "files", now, analysis)

    def _touch_file(self, attachment_id: int, now: datetime) -> None:
        self._conn.execute(
            update(attachment)
            .where(attachment.c.id == attachment_id)
            .values(last_seen=now, missing_count=0, removed_at=None)
        )

    def _insert_file(self, rec: AttachmentRecord, now: datetime) -> AttachmentOutcome:
        values = {**_file_values(rec, now), "entry_id": rec.entry_id, "url": rec.url, "first_seen": now}
        stmt = dialect_insert(self._conn.dialect.name, attachment).values(**values)
        attachment_id = self._conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["entry_id", "url"]).returning(attachment.c.id)
        ).scalar()
        if attachment_id is None:  # a concurrent run stored it first
            existing = _current(self._conn, rec.entry_id, rec.url)
            if existing is None:
                raise UnknownRowError("attachment", (rec.entry_id, rec.url))
            return AttachmentOutcome("unchanged", existing["id"], existing["current_version_id"])
        version_id = self._add_file_version(attachment_id, rec, "initial")
        self._conn.execute(
            update(attachment).where(attachment.c.id == attachment_id).values(current_version_id=version_id)
        )
        return AttachmentOutcome("new", attachment_id, version_id, "initial")

    def _add_file_version(self, attachment_id: int, rec: AttachmentRecord, change_class: str) -> int:
        values = {
            "attachment_id": attachment_id, "content_hash": rec.content_hash, "text": rec.text, "size": rec.size,
            "content_type": rec.content_type, "has_text": rec.has_text, "fetched_at": rec.fetched_at,
            "change_class": change_class, "raw_response_id": rec.raw_response_id,
        }
        stmt = dialect_insert(self._conn.dialect.name, attachment_version).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["attachment_id", "content_hash"],
            set_={"raw_response_id": rec.raw_response_id, "fetched_at": rec.fetched_at},
        )  # a file back to an older content: that version is current again, with the newest evidence
        return int(self._conn.execute(stmt.returning(attachment_version.c.id)).scalar_one())


def _file_values(rec: AttachmentRecord, now: datetime) -> dict[str, Any]:
    return {
        "name": rec.name, "content_type": rec.content_type, "kind": rec.kind, "size": rec.size,
        "content_hash": rec.content_hash, "has_text": rec.has_text, "last_seen": now,
    }


def _attachment_select() -> Any:
    other = attachment_version.alias("other_version")
    count = select(func.count()).select_from(other).where(other.c.attachment_id == attachment.c.id).scalar_subquery()
    return select(attachment, attachment_version.c.text, count.label("version_count")).outerjoin(
        attachment_version, attachment_version.c.id == attachment.c.current_version_id
    )


def _attachment_row(row: RowMapping) -> AttachmentRow:
    return AttachmentRow(**{name: row[name] for name in AttachmentRow.__dataclass_fields__})


class AttachmentRepository(Database):
    """Reading attachments: what the web app lists under an entry, what the crawler re-checks."""

    def entry_attachments(self, entry_id: int, *, include_removed: bool = True) -> list[AttachmentRow]:
        """The attachments of an entry with their current text, in the order they were first seen."""
        query = _attachment_select().where(attachment.c.entry_id == entry_id).order_by(attachment.c.id)
        if not include_removed:
            query = query.where(attachment.c.removed_at.is_(None))
        with self._read() as conn:
            return [_attachment_row(row._mapping) for row in conn.execute(query)]

    def attachment_versions(self, attachment_id: int) -> list[AttachmentVersionRow]:
        """Every version of one attachment, oldest first."""
        query = select(attachment_version).where(attachment_version.c.attachment_id == attachment_id)
        with self._read() as conn:
            rows = conn.execute(query.order_by(attachment_version.c.id)).all()
        return [
            AttachmentVersionRow(**{name: row._mapping[name] for name in AttachmentVersionRow.__dataclass_fields__})
            for row in rows
        ]

    def attachments_by_url(self, canonical_url: str) -> tuple[int | None, int | None, list[AttachmentRow]]:
        """The entry stored for a canonical URL (id, current version id) and its live attachments: what a page
        that did not change still has to re-check."""
        query = select(entry.c.id, entry.c.current_version_id).where(entry.c.canonical_url == canonical_url)
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None, None, []
        return int(row.id), row.current_version_id, self.entry_attachments(int(row.id), include_removed=False)
