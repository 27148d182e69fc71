"""story_key holds keys as signed 64-bit hashes (key_hash BIGINT) instead of their text

The blocking index is looked up for every new entry; integer keys make it smaller and its look-ups cheaper. The
foreign key on entry_id goes: its check per row was a quarter of writing an entry's keys (entries are never
deleted, and the keys are written for the entry just linked).
Existing keys are hashed as ``storage.stories.key_hash`` does (BLAKE2b, 8 bytes, big-endian, signed); the hash
is written out here so that this migration keeps its meaning when the application code changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5000


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def upgrade() -> None:
    _replace("key_hash", sa.BigInteger(), _hash)


def downgrade() -> None:
    # The text of a key cannot be recovered from its hash: the old index starts empty (entries stored later
    # are indexed again; older ones are no longer found as candidates).
    _replace("key", sa.Text(), None)


def _replace(column: str, kind: sa.types.TypeEngine[int] | sa.types.TypeEngine[str],
             convert: Callable[[str], int] | None) -> None:
    conn = op.get_bind()
    op.drop_index("ix_story_key_entry_id", "story_key")
    op.rename_table("story_key", "story_key_old")
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE story_key_old RENAME CONSTRAINT pk_story_key TO pk_story_key_old")
        if convert is not None:  # the text-keyed table has the foreign key, the hashed one not
            op.execute("ALTER TABLE story_key_old RENAME CONSTRAINT fk_story_key_entry_id_entry TO fk_story_key_old")
    new = op.create_table(
        "story_key",
        sa.Column(column, kind, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(column, "entry_id", name="pk_story_key"),
        *([] if convert is not None else [
            sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name="fk_story_key_entry_id_entry")
        ]),
    )
    if convert is not None:
        rows = conn.execute(sa.text("SELECT key, entry_id FROM story_key_old ORDER BY entry_id")).all()
        hashed = sorted({(convert(row[0]), row[1]) for row in rows})
        for start in range(0, len(hashed), _CHUNK):
            chunk = hashed[start : start + _CHUNK]
            conn.execute(new.insert(), [{column: key, "entry_id": entry_id} for key, entry_id in chunk])
    op.drop_table("story_key_old")
    op.create_index("ix_story_key_entry_id", "story_key", ["entry_id"])
