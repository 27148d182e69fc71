"""The frozen values of attachments and evidence (raw responses) that cross the storage boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

Headers = tuple[tuple[str, str], ...]
KeepRaw = Literal["all", "latest", "none"]
AttachmentOutcomeKind = Literal["new", "edited", "unchanged", "removed", "missing"]
KEEP_RAW: tuple[KeepRaw, ...] = get_args(KeepRaw)


@dataclass(frozen=True)
class RawResponseRecord:
    """One HTTP exchange as received: the body is as it came over the wire (before content decoding) unless
    ``body_decoded`` says the transport only had the decoded body."""

    url: str
    method: str
    request_headers: Headers
    http_version: str
    status: int
    reason: str
    headers: Headers
    body: bytes
    body_decoded: bool = False
    fetched_at: datetime = field(kw_only=True)


@dataclass(frozen=True)
class RawResponseRow:
    """A stored raw response, body decompressed, with the SHA-256 of the body as received."""

    id: int
    record: RawResponseRecord
    sha256: str
    body_size: int
    stored_size: int


@dataclass(frozen=True)
class AttachmentRecord:
    """One fetched attachment of an entry, with its extracted text (empty for a scan: ``has_text`` False)."""

    entry_id: int
    url: str
    name: str
    content_type: str | None
    kind: str
    size: int
    content_hash: str
    text: str
    has_text: bool
    fetched_at: datetime = field(kw_only=True)
    raw_response_id: int | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class AttachmentOutcome:
    """What saving (or missing) an attachment did. ``previous_text`` is the text the edit replaced."""

    kind: AttachmentOutcomeKind
    attachment_id: int
    version_id: int | None = None
    change_class: str | None = None
    previous_text: str | None = None


@dataclass(frozen=True)
class AttachmentRow:
    """An attachment with its current version's text."""

    id: int
    entry_id: int
    url: str
    name: str
    content_type: str | None
    kind: str
    size: int
    content_hash: str
    has_text: bool
    text: str
    first_seen: datetime
    last_seen: datetime
    removed_at: datetime | None
    version_count: int


@dataclass(frozen=True)
class AttachmentVersionRow:
    id: int
    attachment_id: int
    content_hash: str
    text: str
    size: int
    content_type: str | None
    has_text: bool
    fetched_at: datetime
    change_class: str
    raw_response_id: int | None


@dataclass(frozen=True)
class VacuumReport:
    """What ``db vacuum`` removed: raw responses and the bytes they took (compressed, as stored)."""

    deleted: int
    freed_bytes: int
    kept: int
    kept_bytes: int
