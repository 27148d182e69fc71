"""Fixtures: a Store (and its URL) on SQLite always, on PostgreSQL when TIDINGS_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from storage import Store

PG_ENV = "TIDINGS_TEST_DATABASE_URL"

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set"),
        ],
    ),
]


def reset_postgres(url: str) -> None:
    """Drop every table (alembic_version included) so that a test starts from an empty database."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database: a SQLite file in tmp_path, or the (reset) PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'tidings.sqlite'}"
    url = os.environ[PG_ENV]
    reset_postgres(url)
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An open, migrated Store on each database."""
    opened = Store.open(database_url)
    try:
        yield opened
    finally:
        opened.close()
