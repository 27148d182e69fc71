"""Schema migrations: Alembic configured in code, run to head once per database (serialised across processes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SCHEMA_REVISION = "0007"  # the head of storage/migrations/versions; a test keeps the two equal
_UPGRADE_LOCK = 7361626  # a PostgreSQL advisory lock: concurrent daemons starting migrate one at a time


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """An Alembic config built in code (no alembic.ini); ``connection`` is used by env.py when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def upgrade(engine: Engine) -> None:
    """Run the migrations to head; a database already at SCHEMA_REVISION costs one query (Alembic not imported)."""
    if schema_revision(engine) == SCHEMA_REVISION:
        return
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_UPGRADE_LOCK})")
        command.upgrade(alembic_config(conn), "head")
