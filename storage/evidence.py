"""The evidence behind every stored version: raw HTTP responses, compressed at rest (zstd), with their SHA-256.

Retention (``keep_raw``): "all" keeps every raw response, "latest" only those of each entry's current version and
each attachment's current version, "none" none; ``raw_max_bytes`` caps the stored (compressed) total, dropping the
oldest first. :meth:`EvidenceRepository.vacuum_raw` applies both (``tidings db vacuum``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import zstandard
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from storage.engine import Database
from storage.errors import InvalidValueError, UnknownRowError
from storage.evidence_records import KEEP_RAW, Headers, RawResponseRecord, RawResponseRow, VacuumReport
from storage.prepared import driver_once
from storage.schema import attachment, attachment_version, entry, raw_response, version

CODEC = "zstd"
IDENTITY = "identity"
_LEVEL = 10  # ~2 ms per 100 KiB page; HTML shrinks 5-8x
_DELETE_CHUNK = 500


def _headers_json(headers: Headers) -> str:
    return json.dumps([list(pair) for pair in headers], ensure_ascii=False)


def _headers(text: str) -> Headers:
    return tuple((str(name), str(value)) for name, value in json.loads(text))


def _row(row: Any) -> RawResponseRow:
    body = zstandard.ZstdDecompressor().decompress(row.body) if row.body_codec == CODEC else bytes(row.body)
    record = RawResponseRecord(
        url=row.url, method=row.method, request_headers=_headers(row.request_headers), http_version=row.http_version,
        status=row.status, reason=row.reason, headers=_headers(row.headers), body=body,
        body_decoded=bool(row.body_decoded), fetched_at=row.fetched_at,
    )
    return RawResponseRow(row.id, record, row.sha256, row.body_size, row.stored_size)


_INSERT_RAW = insert(raw_response).returning(raw_response.c.id)
RAW_VALUE_COLUMNS = tuple(column.name for column in raw_response.c if column.name != "id")
_insert_raw = driver_once(lambda _name: _INSERT_RAW, RAW_VALUE_COLUMNS)  # a new article's: on the cursor
_LINK_VERSION_RAW = (
    update(version).where(version.c.id == bindparam("version_id")).values(raw_response_id=bindparam("raw_id"))
)
_LINK_ATTACHMENT_RAW = (
    update(attachment_version)
    .where(attachment_version.c.id == bindparam("version_id"))
    .values(raw_response_id=bindparam("raw_id"))
)
_compressors = threading.local()  # a ZstdCompressor is not thread-safe; one per thread, made once


def _compress(body: bytes) -> bytes:
    compressor = getattr(_compressors, "zstd", None)
    if compressor is None:
        compressor = _compressors.zstd = zstandard.ZstdCompressor(level=_LEVEL)
    return bytes(compressor.compress(body))


def insert_raw_response(conn: Connection, rec: RawResponseRecord) -> int:
    """Store ``rec`` compressed; returns its id. The SHA-256 is of the body exactly as received."""
    return int(_insert_raw(conn).scalar_one(conn, raw_values(rec)))


def raw_values(rec: RawResponseRecord) -> dict[str, Any]:
    """The `raw_response` row of ``rec`` (without its id): the body compressed unless that makes it larger."""
    compressed = _compress(rec.body)
    codec = CODEC if len(compressed) < len(rec.body) else IDENTITY  # a gzip page or a PDF: as it came
    stored = compressed if codec == CODEC else rec.body
    return {
        "url": rec.url, "method": rec.method, "request_headers": _headers_json(rec.request_headers),
        "http_version": rec.http_version, "status": rec.status, "reason": rec.reason,
        "headers": _headers_json(rec.headers), "body": stored, "body_codec": codec,
        "body_size": len(rec.body), "stored_size": len(stored), "body_decoded": rec.body_decoded,
        "sha256": hashlib.sha256(rec.body).hexdigest(), "fetched_at": rec.fetched_at,
    }


def link_version_raw(conn: Connection, version_id: int, raw_response_id: int) -> None:
    """The version's text came from this response."""
    conn.execute(_LINK_VERSION_RAW, {"version_id": version_id, "raw_id": raw_response_id})


class EvidenceWrites:
    """Inside a unit of work: store a raw response and point a version (or attachment version) at it."""

    _conn: Connection

    def add_raw_response(self, rec: RawResponseRecord) -> int:
        """Store ``rec`` compressed; returns its id. The SHA-256 is of the body exactly as received."""
        return insert_raw_response(self._conn, rec)

    def link_version_raw(self, version_id: int, raw_response_id: int) -> None:
        """The version's text came from this response (a revert to an older text points at the newest one)."""
        link_version_raw(self._conn, version_id, raw_response_id)

    def raw_of_version(self, version_id: int) -> int | None:
        """The id of the raw response behind a version (None: none kept)."""
        found = self._conn.execute(select(version.c.raw_response_id).where(version.c.id == version_id)).scalar()
        return None if found is None else int(found)

    def link_attachment_raw(self, attachment_version_id: int, raw_response_id: int) -> None:
        """The attachment version's file came from this response."""
        self._conn.execute(_LINK_ATTACHMENT_RAW, {"version_id": attachment_version_id, "raw_id": raw_response_id})


class EvidenceRepository(Database):
    """Reading raw responses back, and applying retention."""

    def raw_response(self, raw_response_id: int) -> RawResponseRow:
        """One raw response, decompressed."""
        with self._read() as conn:
            row = conn.execute(select(raw_response).where(raw_response.c.id == raw_response_id)).first()
        if row is None:
            raise UnknownRowError("raw_response", raw_response_id)
        return _row(row)

    def raw_stats(self) -> tuple[int, int, int]:
        """(raw responses, body bytes as received, bytes stored compressed)."""
        query = select(
            func.count(), func.coalesce(func.sum(raw_response.c.body_size), 0),
            func.coalesce(func.sum(raw_response.c.stored_size), 0),
        )
        with self._read() as conn:
            count, body, stored = conn.execute(query).one()
        return int(count), int(body), int(stored)

    def vacuum_raw(self, keep: str, max_bytes: int = 0) -> VacuumReport:
        """Drop the raw responses that ``keep`` ("all", "latest", "none") and the ``max_bytes`` cap (0: none) do
        not keep; the versions stay, their ``raw_response_id`` becomes NULL."""
        if keep not in KEEP_RAW:
            raise InvalidValueError("keep_raw", keep, KEEP_RAW)
        with self._write() as conn:
            doomed = _doomed(conn, keep, max_bytes)
            freed = _delete(conn, doomed)
            kept, kept_bytes = conn.execute(
                select(func.count(), func.coalesce(func.sum(raw_response.c.stored_size), 0))
            ).one()
        return VacuumReport(len(doomed), freed, int(kept), int(kept_bytes))


def _latest_ids(conn: Connection) -> set[int]:
    entries = select(version.c.raw_response_id).join(entry, entry.c.current_version_id == version.c.id)
    files = select(attachment_version.c.raw_response_id).join(
        attachment, attachment.c.current_version_id == attachment_version.c.id
    )
    return {int(rid) for rid in [*conn.scalars(entries), *conn.scalars(files)] if rid is not None}


def _doomed(conn: Connection, keep: str, max_bytes: int) -> list[int]:
    rows = conn.execute(
        select(raw_response.c.id, raw_response.c.stored_size).order_by(raw_response.c.fetched_at, raw_response.c.id)
    ).all()
    if keep == "none":
        return [row.id for row in rows]
    latest = _latest_ids(conn) if keep == "latest" else None
    doomed = [row.id for row in rows if latest is not None and row.id not in latest]
    if max_bytes > 0:
        gone = set(doomed)
        total = sum(row.stored_size for row in rows if row.id not in gone)
        for row in rows:  # oldest first
            if total <= max_bytes:
                break
            if row.id not in gone:
                doomed.append(row.id)
                total -= row.stored_size
    return doomed


def _delete(conn: Connection, ids: list[int]) -> int:
    freed = 0
    for start in range(0, len(ids), _DELETE_CHUNK):
        chunk = ids[start : start + _DELETE_CHUNK]
        conn.execute(update(version).where(version.c.raw_response_id.in_(chunk)).values(raw_response_id=None))
        conn.execute(
            update(attachment_version)
            .where(attachment_version.c.raw_response_id.in_(chunk))
            .values(raw_response_id=None)
        )
        freed += int(
            conn.execute(
                select(func.coalesce(func.sum(raw_response.c.stored_size), 0)).where(raw_response.c.id.in_(chunk))
            ).scalar_one()
        )
        conn.execute(delete(raw_response).where(raw_response.c.id.in_(chunk)))
    return freed
