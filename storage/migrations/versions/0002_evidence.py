"""evidence and attachments: raw_response, version.raw_response_id, attachment, attachment_version

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "raw_response",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("request_headers", sa.Text(), nullable=False),
        sa.Column("http_version", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("body_codec", sa.Text(), nullable=False),
        sa.Column("body_size", sa.BigInteger(), nullable=False),
        sa.Column("stored_size", sa.BigInteger(), nullable=False),
        sa.Column("body_decoded", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("sha256", sa.String(64), nullable=False),
        _ts("fetched_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_raw_response"),
    )
    with op.batch_alter_table("version") as batch:
        batch.add_column(sa.Column("raw_response_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_version_raw_response_id_raw_response", "raw_response", ["raw_response_id"], ["id"])
    op.create_index("ix_version_raw_response_id", "version", ["raw_response_id"])
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text()),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("has_text", sa.Boolean(), nullable=False),
        sa.Column("current_version_id", sa.Integer()),
        _ts("first_seen", nullable=False),
        _ts("last_seen", nullable=False),
        sa.Column("missing_count", sa.Integer(), nullable=False, server_default="0"),
        _ts("removed_at"),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name="fk_attachment_entry_id_entry"),
        sa.PrimaryKeyConstraint("id", name="pk_attachment"),
        sa.UniqueConstraint("entry_id", "url", name="uq_attachment_entry_id_url"),
    )
    op.create_index("ix_attachment_entry_id", "attachment", ["entry_id"])
    op.create_table(
        "attachment_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.Text()),
        sa.Column("has_text", sa.Boolean(), nullable=False),
        _ts("fetched_at", nullable=False),
        sa.Column("change_class", sa.Text(), nullable=False),
        sa.Column("raw_response_id", sa.Integer()),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["attachment.id"], name="fk_attachment_version_attachment_id_attachment"
        ),
        sa.ForeignKeyConstraint(
            ["raw_response_id"], ["raw_response.id"], name="fk_attachment_version_raw_response_id_raw_response"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_attachment_version"),
        sa.UniqueConstraint("attachment_id", "content_hash", name="uq_attachment_version_attachment_id_content_hash"),
    )
    op.create_index("ix_attachment_version_raw_response_id", "attachment_version", ["raw_response_id"])


def downgrade() -> None:
    op.drop_index("ix_attachment_version_raw_response_id", table_name="attachment_version")
    op.drop_table("attachment_version")
    op.drop_index("ix_attachment_entry_id", table_name="attachment")
    op.drop_table("attachment")
    op.drop_index("ix_version_raw_response_id", table_name="version")
    with op.batch_alter_table("version") as batch:
        batch.drop_constraint("fk_version_raw_response_id_raw_response", type_="foreignkey")
        batch.drop_column("raw_response_id")
    op.drop_table("raw_response")
