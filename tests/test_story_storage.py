"""The stories' blocking index in the database (SQLite and PostgreSQL): keys stored as 64-bit hashes, postings
per key, candidates without their texts and the texts of the few that need them, and migration 0006 that hashes
the keys an older database holds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from storage import ArticleRecord, Store, StoryLinkRecord
from storage.engine import make_engine
from storage.migrate import alembic_config
from storage.stories import key_hash

NOW = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)


def _stored(store: Store, name: str, keys: frozenset[str], *, linked: bool = True) -> int:
    rec = ArticleRecord("site", f"https://site.example/{name}", f"https://site.example/{name}", name,
                        f"{name}\nbody of {name}\n", language="en", published="2026-03-12", fetched_at=NOW)
    with store.unit_of_work() as uow:
        entry_id = uow.save_article(rec, now=NOW).entry_id
        if linked:
            uow.link_story(StoryLinkRecord(entry_id, None, "new", anchors="{}", keys=keys), now=NOW)
    return entry_id


def test_postings_candidates_and_texts(database_url: str) -> None:
    with Store.open(database_url) as store:
        store.ensure_source("site", kind="custom", settings_hash="x")
        first = _stored(store, "first", frozenset({"2026-03-12|p:lin", "2026-03-12|#5e+07"}))
        second = _stored(store, "second", frozenset({"2026-03-12|p:lin"}))
        with store.unit_of_work() as uow:
            postings = uow.story_postings({"2026-03-12|p:lin", "2026-03-12|#5e+07", "absent"}, exclude=second)
            assert postings == {"2026-03-12|p:lin": [first], "2026-03-12|#5e+07": [first]}
            found = uow.story_postings({"2026-03-12|p:lin"}, exclude=0)
            assert sorted(found["2026-03-12|p:lin"]) == [first, second]
            candidates = uow.story_candidates([first, second])
            assert [c.entry_id for c in candidates] == [second, first]  # newest first
            assert candidates[1].anchors == "{}" and candidates[1].title == "first"
            assert uow.story_candidates([]) == []
            assert uow.story_texts([first]) == {first: "first\nbody of first\n"}
            assert uow.story_texts([]) == {}
            # re-linking an entry replaces its keys
            uow.update_story_anchors(first, anchors="{}", keys=["2026-03-13|p:lin"])
            assert uow.story_postings({"2026-03-12|#5e+07"}, exclude=0) == {}
            assert uow.story_postings({"2026-03-13|p:lin"}, exclude=0) == {"2026-03-13|p:lin": [first]}


def test_the_migration_hashes_the_stored_keys(database_url: str) -> None:
    from alembic import command

    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0005")
            conn.execute(text("INSERT INTO source (id, kind, settings_hash) VALUES ('site', 'custom', 'x')"))
            conn.execute(text(
                "INSERT INTO entry (id, canonical_url, url, source_id, first_seen, last_seen) "
                "VALUES (1, 'u1', 'u1', 'site', :now, :now)"), {"now": NOW.replace(tzinfo=None)})
            for key in ("2026-03-12|p:lin", "nd:1:2", "md:03-12|林佳龍"):
                conn.execute(text("INSERT INTO story_key (key, entry_id) VALUES (:key, 1)"), {"key": key})
            command.upgrade(alembic_config(conn), "head")
            rows = sorted(conn.execute(text("SELECT key_hash, entry_id FROM story_key")).all())
    finally:
        engine.dispose()
    expected = sorted((key_hash(key), 1) for key in ("2026-03-12|p:lin", "nd:1:2", "md:03-12|林佳龍"))
    assert [tuple(row) for row in rows] == expected


def test_driver_statements_give_what_execute_gives(database_url: str) -> None:
    """The link's statements run on the driver's cursor (``DriverStatement``): the rows and the values written are
    those of ``Connection.execute`` (the datetime column converted alike), and a driver error is SQLAlchemy's."""
    import pytest
    from sqlalchemy import bindparam, literal_column, select, table
    from sqlalchemy.exc import DBAPIError

    from storage.prepared import DriverStatement
    from storage.schema import entry
    from storage.stories import _driver, _ints, _lookups

    with Store.open(database_url) as store:
        store.ensure_source("site", kind="custom", settings_hash="x")
        ids = [_stored(store, name, frozenset({f"2026-03-12|{name}"})) for name in ("a", "b", "c")]
        with store.unit_of_work() as uow:
            conn = uow._conn
            core = _lookups(conn.dialect.name)[1]
            expected = [tuple(row) for row in conn.execute(core, {"ids": _ints(conn, ids)})]
            got = list(_driver(conn).candidates.rows(conn, {"ids": _ints(conn, ids)}))
            assert got == expected and len(got) == 3
            seen = select(entry.c.id, entry.c.first_seen).where(entry.c.id == bindparam("id"))
            (row,) = DriverStatement.compile(seen, conn.dialect).rows(conn, {"id": ids[0]})
            assert row == tuple(conn.execute(seen, {"id": ids[0]}).one())
            assert row[1] == NOW and row[1].tzinfo is not None  # first_seen, as the column type reads it
            created = conn.execute(text("SELECT created_at FROM story_link WHERE entry_id = :e"), {"e": ids[0]})
            assert created.scalar() is not None
            written = conn.execute(text("SELECT count(*) FROM story_key WHERE entry_id = :e"), {"e": ids[0]})
            assert written.scalar() == 1
            missing = select(literal_column("nothing")).select_from(table("no_such_table"))
            broken = DriverStatement.compile(missing.where(literal_column("1") == bindparam("x")), conn.dialect)
            with pytest.raises(DBAPIError):
                broken.rows(conn, {"x": 1})
