"""Tables (SQLAlchemy Core). The Alembic migrations must describe the same schema (a test checks it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every dialect (SQLite stores naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; the store needs aware UTC times")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_alert_uid() -> str:
    """A globally unique alert id (not the per-database row counter): receivers deduplicate on it."""
    return str(uuid4())


def _ts(name: str, *, nullable: bool = True) -> Column[datetime]:
    return Column(name, UTCDateTime(), nullable=nullable)


source = Table(
    "source",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("settings_hash", Text, nullable=False),
    _ts("last_success_at"),
    _ts("last_failure_at"),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    _ts("next_due_at"),
    Column("lease_owner", Text),
    _ts("lease_until"),
    Column("degraded", Boolean, nullable=False, server_default=false()),
    Column("health_alerted", Boolean, nullable=False, server_default=false()),
)

http_state = Table(
    "http_state",
    metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", String(64)),
    _ts("fetched_at", nullable=False),
    Column("status", Integer, nullable=False),
)

entry = Table(
    "entry",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("canonical_url", Text, nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("source_id", Text, ForeignKey("source.id"), nullable=False, index=True),
    Column("language", Text),
    Column("title", Text),
    Column("author", Text),
    Column("published", Text),
    Column("updated", Text),
    _ts("first_seen", nullable=False),
    _ts("last_seen", nullable=False),
    Column("current_version_id", Integer),
    Column("fingerprint", BigInteger),
    Column("duplicate_of", Integer, ForeignKey("entry.id")),
    Column("story_id", Integer, index=True),
    _ts("next_check_at"),
    _ts("removed_at"),
    Column("gone_checks", Integer, nullable=False, server_default="0"),
    Index("ix_entry_first_seen", "first_seen"),
    Index("ix_entry_source_id_next_check_at", "source_id", "next_check_at"),
    Index("ix_entry_source_id_first_seen", "source_id", "first_seen"),  # a source's timeline, newest first
)

version = Table(
    "version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("entry.id"), nullable=False),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("text", Text, nullable=False),
    _ts("fetched_at", nullable=False),
    Column("change_class", Text, nullable=False),
    Column("raw_response_id", Integer, ForeignKey("raw_response.id"), index=True),
    Column("analysis", Text),
    UniqueConstraint("entry_id", "content_hash"),
)

raw_response = Table(
    "raw_response",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("request_headers", Text, nullable=False),
    Column("http_version", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("headers", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("body_codec", Text, nullable=False),
    Column("body_size", BigInteger, nullable=False),
    Column("stored_size", BigInteger, nullable=False),
    Column("body_decoded", Boolean, nullable=False, server_default=false()),
    Column("sha256", String(64), nullable=False),
    _ts("fetched_at", nullable=False),
)

attachment = Table(
    "attachment",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("entry.id"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("content_type", Text),
    Column("kind", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("has_text", Boolean, nullable=False),
    Column("current_version_id", Integer),
    _ts("first_seen", nullable=False),
    _ts("last_seen", nullable=False),
    Column("missing_count", Integer, nullable=False, server_default="0"),
    _ts("removed_at"),
    UniqueConstraint("entry_id", "url"),
)

attachment_version = Table(
    "attachment_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("attachment_id", Integer, ForeignKey("attachment.id"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("content_type", Text),
    Column("has_text", Boolean, nullable=False),
    _ts("fetched_at", nullable=False),
    Column("change_class", Text, nullable=False),
    Column("raw_response_id", Integer, ForeignKey("raw_response.id"), index=True),
    UniqueConstraint("attachment_id", "content_hash"),
)

match = Table(
    "match",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("entry.id"), nullable=False, index=True),
    Column("version_id", Integer, ForeignKey("version.id"), nullable=False),
    Column("rule", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    _ts("created_at", nullable=False),
    UniqueConstraint("version_id", "rule"),
)

alert = Table(
    "alert",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("match_id", Integer, ForeignKey("match.id")),
    Column("channel", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    _ts("next_attempt_at"),
    Column("claimed_by", Text),
    _ts("claimed_until"),
    Column("last_error", Text),
    _ts("sent_at"),
    _ts("created_at", nullable=False),
    Column("payload", Text),
    Column("uid", Text, unique=True, default=new_alert_uid),
    Column("story_id", Integer, index=True),
    Column("thread_key", Text, unique=True),
    Column("follow_up_of", Integer, ForeignKey("alert.id"), index=True),
    UniqueConstraint("match_id", "channel"),
    Index("ix_alert_status_next_attempt_at", "status", "next_attempt_at"),
)

alert_match = Table(
    "alert_match",
    metadata,
    Column("alert_id", Integer, ForeignKey("alert.id"), primary_key=True),
    Column("match_id", Integer, ForeignKey("match.id"), primary_key=True),
    Column("channel", Text, nullable=False),
    UniqueConstraint("match_id", "channel"),
)
"""Every match an outbox row carries (a story's message gathers the matches of several rules and members)."""

story = Table(
    "story",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text),
    Column("first_entry_id", Integer, ForeignKey("entry.id")),
    _ts("first_seen", nullable=False),
)

story_link = Table(
    "story_link",
    metadata,
    Column("entry_id", Integer, ForeignKey("entry.id"), primary_key=True),
    Column("story_id", Integer, ForeignKey("story.id"), nullable=False, index=True),
    Column("score", Float),
    Column("reason", Text, nullable=False),
    Column("evidence", Text),
    Column("linked_by", Text, nullable=False),
    Column("anchors", Text),
    _ts("created_at", nullable=False),
)
"""An entry's membership of its story: why (evidence, score, reason), by whom ("auto" or "user"), and the
entry's story anchors (JSON, computed once)."""

story_key = Table(
    "story_key",
    metadata,
    Column("key_hash", BigInteger, primary_key=True),
    Column("entry_id", Integer, primary_key=True, index=True),
)
"""The blocking index: an entry under each of its candidate keys (a key is stored as its signed 64-bit hash,
``storage.stories.key_hash``); a new entry's candidates are found here. No foreign key on entry_id: its check
per key row was a quarter of writing the keys, the rows are written by ``link_story`` for the entry it links, and
entries are never deleted."""

run = Table(
    "run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", Text, ForeignKey("source.id"), nullable=False, index=True),
    _ts("started_at", nullable=False),
    _ts("finished_at"),
    Column("requests", Integer, nullable=False, server_default="0"),
    Column("bytes", BigInteger, nullable=False, server_default="0"),
    Column("not_modified", Integer, nullable=False, server_default="0"),
    Column("new_entries", Integer, nullable=False, server_default="0"),
    Column("edits", Integer, nullable=False, server_default="0"),
    Column("duplicates", Integer, nullable=False, server_default="0"),
    Column("errors", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("degraded", Boolean, nullable=False, server_default=false()),
    Column("cosmetic_edits", Integer, nullable=False, server_default="0"),
    Column("removals", Integer, nullable=False, server_default="0"),
    Column("restorations", Integer, nullable=False, server_default="0"),
)
