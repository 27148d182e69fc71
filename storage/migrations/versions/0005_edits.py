"""edits you can see: version.analysis, the re-check schedule and removals on entry, run counters by class

Old "minor" versions become "cosmetic" (their analysis stays NULL); entries first seen within the default
re-check schedule (7 days) get their next re-check: first seen + the first step of the schedule still ahead.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default schedule when this migration was written (settings.recheck_after); later changes do not matter here.
_STEPS = tuple(timedelta(seconds=s) for s in (900, 3600, 3 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400))


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    with op.batch_alter_table("entry") as batch:
        batch.add_column(sa.Column("next_check_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True)))
        batch.add_column(_count("gone_checks"))
        batch.create_index("ix_entry_source_id_next_check_at", ["source_id", "next_check_at"])
    with op.batch_alter_table("version") as batch:
        batch.add_column(sa.Column("analysis", sa.Text()))
    with op.batch_alter_table("run") as batch:
        for name in ("cosmetic_edits", "removals", "restorations"):
            batch.add_column(_count(name))
    op.execute("UPDATE version SET change_class = 'cosmetic' WHERE change_class = 'minor'")
    _schedule_recent_entries()


def _schedule_recent_entries() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    entry = sa.table("entry", sa.column("id", sa.Integer()), sa.column("first_seen", sa.DateTime(timezone=True)),
                     sa.column("next_check_at", sa.DateTime(timezone=True)))
    now = datetime.now(UTC)
    since = now - _STEPS[-1]
    rows = bind.execute(sa.select(entry.c.id, entry.c.first_seen).where(
        entry.c.first_seen >= (since.replace(tzinfo=None) if sqlite else since))).all()
    for entry_id, first_seen in rows:
        seen = first_seen if first_seen.tzinfo else first_seen.replace(tzinfo=UTC)
        due = next((seen + step for step in _STEPS if seen + step > now), None)
        if due is not None:
            value = due.astimezone(UTC).replace(tzinfo=None) if sqlite else due
            bind.execute(sa.update(entry).where(entry.c.id == entry_id).values(next_check_at=value))


def downgrade() -> None:
    op.execute("UPDATE version SET change_class = 'minor' WHERE change_class = 'cosmetic'")
    with op.batch_alter_table("run") as batch:
        for name in ("restorations", "removals", "cosmetic_edits"):
            batch.drop_column(name)
    with op.batch_alter_table("version") as batch:
        batch.drop_column("analysis")
    with op.batch_alter_table("entry") as batch:
        batch.drop_index("ix_entry_source_id_next_check_at")
        for name in ("gone_checks", "removed_at", "next_check_at"):
            batch.drop_column(name)
