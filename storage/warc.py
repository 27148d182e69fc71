"""Evidence bundles as WARC files (warcio): what a page and its attachments said, and when, checkable by anyone.

Per entry, in order: for every version the request and response records of the fetch it came from (the body
exactly as the server sent it), a ``resource`` record with its seed-schema text and, from the second version on,
one with the unified diff to the previous text; the same for every attachment version (its extracted text as the
resource); last a ``metadata`` record holding the manifest (URLs, fetch times, SHA-256 of every body and text,
every record's id and digests, the tidings version). Digests are SHA-256 (``sha256:`` base32, as WARC allows),
so `warcio check` verifies them and a reader can compare them with the manifest.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from storage.evidence_records import AttachmentRow, AttachmentVersionRow, RawResponseRow
from storage.records import EntryRow, VersionRow

# Framing the body no longer has (de-chunked by the HTTP client; or decoded by an in-memory transport): kept
# under another name so that a WARC reader does not undo it a second time.
_HOP_HEADERS = {"transfer-encoding"}
MANIFEST_URI = "urn:tidings:manifest"


class EvidenceSource(Protocol):
    """The store reads a bundle needs (the Store has them all)."""

    def get_entry(self, entry_id: int) -> EntryRow | None: ...
    def entry_versions(self, entry_id: int) -> list[VersionRow]: ...
    def entry_attachments(self, entry_id: int, *, include_removed: bool = True) -> list[AttachmentRow]: ...
    def attachment_versions(self, attachment_id: int) -> list[AttachmentVersionRow]: ...
    def raw_response(self, raw_response_id: int) -> RawResponseRow: ...


class _Sha256Writer(WARCWriter):  # type: ignore[misc]
    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass
class _Bundle:
    writer: _Sha256Writer
    records: list[Any]
    manifest: list[dict[str, Any]]


def tidings_version() -> str:
    try:
        return version("tidings")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


def write_evidence(source: EvidenceSource, entry_ids: Iterable[int], out: BinaryIO) -> dict[str, Any]:
    """Write the WARC of ``entry_ids`` to ``out`` (gzip per record); returns the manifest it holds."""
    bundle = _Bundle(_Sha256Writer(out, gzip=True, warc_version="1.1"), [], [])
    entries = []
    for entry_id in entry_ids:
        row = source.get_entry(entry_id)
        if row is None:
            continue
        entries.append(_entry(bundle, source, row))
    manifest = {
        "tidings_version": tidings_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "digest_algorithm": "sha256",
        "entries": entries,
        "records": bundle.manifest,
    }
    bundle.writer.write_record(_warcinfo(bundle.writer))
    for record in bundle.records:
        bundle.writer.write_record(record)
    body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    meta = bundle.writer.create_warc_record(
        MANIFEST_URI, "metadata", payload=io.BytesIO(body), length=len(body), warc_content_type="application/json"
    )
    bundle.writer.write_record(meta)
    return manifest


def _warcinfo(writer: _Sha256Writer) -> Any:
    info = {"software": f"tidings/{tidings_version()}", "format": "WARC File Format 1.1",
            "description": "tidings evidence bundle: raw responses, texts, diffs and a manifest"}
    return writer.create_warcinfo_record("tidings-evidence.warc.gz", info)


def _entry(bundle: _Bundle, source: EvidenceSource, row: EntryRow) -> dict[str, Any]:
    versions = source.entry_versions(row.id)
    described = []
    previous: str | None = None
    for ver in versions:
        where = {"entry_id": row.id, "version_id": ver.id}
        raw = _exchange(bundle, source, ver.raw_response_id, where)
        text_uri = f"urn:tidings:entry:{row.id}:version:{ver.id}:text"
        _resource(bundle, text_uri, ver.text, ver.fetched_at, "text/plain; charset=utf-8", where)
        if previous is not None:
            diff = _diff(previous, ver.text, ver.id)
            _resource(bundle, f"urn:tidings:entry:{row.id}:version:{ver.id}:diff", diff, ver.fetched_at,
                      "text/x-diff; charset=utf-8", where)
        previous = ver.text
        described.append({
            "version_id": ver.id, "fetched_at": ver.fetched_at.isoformat(), "change_class": ver.change_class,
            "content_hash": ver.content_hash, "text_sha256": _sha(ver.text.encode()), "raw": raw,
        })
    files = [_attachment(bundle, source, row.id, item) for item in source.entry_attachments(row.id)]
    return {"id": row.id, "url": row.url, "source": row.source_id, "title": row.title, "versions": described,
            "attachments": files}


def _attachment(bundle: _Bundle, source: EvidenceSource, entry_id: int, item: AttachmentRow) -> dict[str, Any]:
    described = []
    for ver in source.attachment_versions(item.id):
        where = {"entry_id": entry_id, "attachment_id": item.id, "attachment_version_id": ver.id}
        raw = _exchange(bundle, source, ver.raw_response_id, where)
        uri = f"urn:tidings:attachment:{item.id}:version:{ver.id}:text"
        _resource(bundle, uri, ver.text, ver.fetched_at, "text/plain; charset=utf-8", where)
        described.append({
            "version_id": ver.id, "fetched_at": ver.fetched_at.isoformat(), "change_class": ver.change_class,
            "content_hash": ver.content_hash, "has_text": ver.has_text, "raw": raw,
        })
    return {"id": item.id, "url": item.url, "name": item.name, "kind": item.kind,
            "removed_at": item.removed_at.isoformat() if item.removed_at else None, "versions": described}


def _exchange(
    bundle: _Bundle, source: EvidenceSource, raw_id: int | None, where: dict[str, Any]
) -> dict[str, Any] | None:
    """The request and response records of one stored raw response (None when retention dropped it)."""
    if raw_id is None:
        return None
    raw = source.raw_response(raw_id)
    rec, date = raw.record, _warc_date(raw.record.fetched_at)
    status_line = f"{rec.status} {rec.reason}".strip()
    response_headers = StatusAndHeaders(
        status_line, _headers(rec.headers, rec.body_decoded), protocol=_protocol(rec.http_version)
    )
    response = bundle.writer.create_warc_record(
        rec.url, "response", payload=io.BytesIO(rec.body), length=len(rec.body), http_headers=response_headers,
        warc_headers_dict={"WARC-Date": date},
    )
    parts = urlsplit(rec.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = StatusAndHeaders(
        f"{rec.method} {target} {_protocol(rec.http_version)}", list(rec.request_headers), is_http_request=True
    )
    request = bundle.writer.create_warc_record(
        rec.url, "request", payload=io.BytesIO(b""), length=0, http_headers=request_headers,
        warc_headers_dict={"WARC-Date": date,
                           "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
    )
    _add(bundle, response, where, rec.body)
    _add(bundle, request, where, b"")
    return {"url": rec.url, "status": rec.status, "sha256": raw.sha256, "size": raw.body_size,
            "fetched_at": rec.fetched_at.isoformat(), "body_decoded": rec.body_decoded}


def _resource(bundle: _Bundle, uri: str, text: str, when: datetime, ctype: str, where: dict[str, Any]) -> None:
    body = text.encode("utf-8")
    record = bundle.writer.create_warc_record(
        uri, "resource", payload=io.BytesIO(body), length=len(body), warc_content_type=ctype,
        warc_headers_dict={"WARC-Date": _warc_date(when)},
    )
    _add(bundle, record, where, body)


def _add(bundle: _Bundle, record: Any, where: dict[str, Any], payload: bytes) -> None:
    bundle.writer.ensure_digest(record, block=True, payload=True)
    headers = record.rec_headers
    bundle.records.append(record)
    bundle.manifest.append({
        **where, "type": record.rec_type, "uri": headers.get_header("WARC-Target-URI"),
        "record_id": headers.get_header("WARC-Record-ID"), "date": headers.get_header("WARC-Date"),
        "payload_digest": headers.get_header("WARC-Payload-Digest"),
        "block_digest": headers.get_header("WARC-Block-Digest"), "payload_sha256": _sha(payload),
    })


def _headers(headers: Sequence[tuple[str, str]], decoded: bool) -> list[tuple[str, str]]:
    renamed = _HOP_HEADERS | ({"content-encoding"} if decoded else set())
    return [(f"X-Tidings-Orig-{name}" if name.lower() in renamed else name, value) for name, value in headers]


def _protocol(http_version: str) -> str:
    return http_version if http_version.startswith("HTTP/") else "HTTP/1.1"


def _warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _diff(old: str, new: str, version_id: int) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), "previous", f"version {version_id}"
    )
    return "".join(lines)
