"""initial schema: source, http_state, entry, version, match, alert, run

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _count(name: str, type_: type[sa.Integer] = sa.Integer) -> sa.Column[int]:
    return sa.Column(name, type_(), nullable=False, server_default="0")


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("settings_hash", sa.Text(), nullable=False),
        _ts("last_success_at"),
        _ts("last_failure_at"),
        _count("consecutive_failures"),
        sa.Column("last_error", sa.Text()),
        _ts("next_due_at"),
        sa.Column("lease_owner", sa.Text()),
        _ts("lease_until"),
        sa.Column("degraded", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("health_alerted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id", name="pk_source"),
    )
    op.create_table(
        "http_state",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("body_hash", sa.String(64)),
        _ts("fetched_at", nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_http_state"),
    )
    op.create_table(
        "entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("language", sa.Text()),
        sa.Column("title", sa.Text()),
        sa.Column("author", sa.Text()),
        sa.Column("published", sa.Text()),
        sa.Column("updated", sa.Text()),
        _ts("first_seen", nullable=False),
        _ts("last_seen", nullable=False),
        sa.Column("current_version_id", sa.Integer()),
        sa.Column("fingerprint", sa.BigInteger()),
        sa.Column("duplicate_of", sa.Integer()),
        sa.Column("story_id", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_entry"),
        sa.UniqueConstraint("canonical_url", name="uq_entry_canonical_url"),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name="fk_entry_source_id_source"),
        sa.ForeignKeyConstraint(["duplicate_of"], ["entry.id"], name="fk_entry_duplicate_of_entry"),
    )
    op.create_index("ix_entry_source_id", "entry", ["source_id"])
    op.create_index("ix_entry_first_seen", "entry", ["first_seen"])
    op.create_table(
        "version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _ts("fetched_at", nullable=False),
        sa.Column("change_class", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_version"),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name="fk_version_entry_id_entry"),
        sa.UniqueConstraint("entry_id", "content_hash", name="uq_version_entry_id_content_hash"),
    )
    op.create_index("ix_version_content_hash", "version", ["content_hash"])
    op.create_table(
        "match",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_match"),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name="fk_match_entry_id_entry"),
        sa.ForeignKeyConstraint(["version_id"], ["version.id"], name="fk_match_version_id_version"),
        sa.UniqueConstraint("version_id", "rule", name="uq_match_version_id_rule"),
    )
    op.create_index("ix_match_entry_id", "match", ["entry_id"])
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("match_id", sa.Integer()),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        _count("attempts"),
        _ts("next_attempt_at"),
        sa.Column("claimed_by", sa.Text()),
        _ts("claimed_until"),
        sa.Column("last_error", sa.Text()),
        _ts("sent_at"),
        _ts("created_at", nullable=False),
        sa.Column("payload", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_alert"),
        sa.ForeignKeyConstraint(["match_id"], ["match.id"], name="fk_alert_match_id_match"),
        sa.UniqueConstraint("match_id", "channel", name="uq_alert_match_id_channel"),
    )
    op.create_index("ix_alert_status_next_attempt_at", "alert", ["status", "next_attempt_at"])
    op.create_table(
        "run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        _ts("started_at", nullable=False),
        _ts("finished_at"),
        _count("requests"),
        _count("bytes", sa.BigInteger),
        _count("not_modified"),
        _count("new_entries"),
        _count("edits"),
        _count("duplicates"),
        _count("errors"),
        sa.Column("error", sa.Text()),
        sa.Column("degraded", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id", name="pk_run"),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name="fk_run_source_id_source"),
    )
    op.create_index("ix_run_source_id", "run", ["source_id"])


def downgrade() -> None:
    for table in ("run", "alert", "match", "version", "entry", "http_state", "source"):
        op.drop_table(table)
