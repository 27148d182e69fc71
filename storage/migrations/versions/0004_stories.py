"""stories: story, story_link, story_key (blocking index), alert_match; alert uid, story, thread and follow-up

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Existing alerts get a uid and their match in alert_match; existing entries stay without a story (story_id NULL)
until they are stored again: their anchors were never computed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "story",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("first_entry_id", sa.Integer()),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_story"),
        sa.ForeignKeyConstraint(["first_entry_id"], ["entry.id"], name="fk_story_first_entry_id_entry"),
    )
    op.create_table(
        "story_link",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text()),
        sa.Column("linked_by", sa.Text(), nullable=False),
        sa.Column("anchors", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_story_link"),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name="fk_story_link_entry_id_entry"),
        sa.ForeignKeyConstraint(["story_id"], ["story.id"], name="fk_story_link_story_id_story"),
    )
    op.create_index("ix_story_link_story_id", "story_link", ["story_id"])
    op.create_table(
        "story_key",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "entry_id", name="pk_story_key"),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name="fk_story_key_entry_id_entry"),
    )
    op.create_index("ix_story_key_entry_id", "story_key", ["entry_id"])
    op.create_index("ix_entry_story_id", "entry", ["story_id"])
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("uid", sa.Text()))
        batch.add_column(sa.Column("story_id", sa.Integer()))
        batch.add_column(sa.Column("thread_key", sa.Text()))
        batch.add_column(sa.Column("follow_up_of", sa.Integer()))
        batch.create_unique_constraint("uq_alert_uid", ["uid"])
        batch.create_unique_constraint("uq_alert_thread_key", ["thread_key"])
        batch.create_foreign_key("fk_alert_follow_up_of_alert", "alert", ["follow_up_of"], ["id"])
        batch.create_index("ix_alert_story_id", ["story_id"])
        batch.create_index("ix_alert_follow_up_of", ["follow_up_of"])
    op.create_table(
        "alert_match",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", "match_id", name="pk_alert_match"),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"], name="fk_alert_match_alert_id_alert"),
        sa.ForeignKeyConstraint(["match_id"], ["match.id"], name="fk_alert_match_match_id_match"),
        sa.UniqueConstraint("match_id", "channel", name="uq_alert_match_match_id_channel"),
    )
    _upgrade_rows()


def _upgrade_rows() -> None:
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM alert"))]
    for alert_id in ids:
        conn.execute(sa.text("UPDATE alert SET uid = :uid WHERE id = :id"), {"uid": str(uuid.uuid4()), "id": alert_id})
    conn.execute(sa.text(
        "INSERT INTO alert_match (alert_id, match_id, channel) SELECT id, match_id, channel FROM alert "
        "WHERE match_id IS NOT NULL"
    ))


def downgrade() -> None:
    op.drop_table("alert_match")
    with op.batch_alter_table("alert") as batch:
        batch.drop_index("ix_alert_follow_up_of")
        batch.drop_index("ix_alert_story_id")
        batch.drop_constraint("fk_alert_follow_up_of_alert", type_="foreignkey")
        batch.drop_constraint("uq_alert_thread_key", type_="unique")
        batch.drop_constraint("uq_alert_uid", type_="unique")
        for column in ("follow_up_of", "thread_key", "story_id", "uid"):
            batch.drop_column(column)
    op.drop_index("ix_entry_story_id", "entry")
    op.drop_table("story_key")
    op.drop_table("story_link")
    op.drop_table("story")
