"""The stories' blocking index in the database (SQLite and PostgreSQL): keys stored as 64-bit hashes, postings
per key, candidates without their texts and the texts of the few that need them, and migration 0006 that hashes
the keys an older database holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
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


def _links_written(store: Store, entry_ids: list[int]) -> list[tuple[object, ...]]:
    """Each entry's link, story and keys, with story ids and entry ids as their order in ``entry_ids``."""
    from sqlalchemy import bindparam, select

    from storage.schema import entry, story, story_key, story_link

    with store.unit_of_work() as uow:
        conn = uow._conn
        ids: Any = bindparam("ids", expanding=True)
        links = conn.execute(select(story_link).where(story_link.c.entry_id.in_(ids)).order_by(story_link.c.entry_id),
                             {"ids": entry_ids}).all()
        stories = {row.id: row for row in conn.execute(select(story)).all()}
        keys = conn.execute(select(story_key).where(story_key.c.entry_id.in_(ids)), {"ids": entry_ids}).all()
        on_entry = dict(conn.execute(select(entry.c.id, entry.c.story_id).where(entry.c.id.in_(ids)),
                                     {"ids": entry_ids}).all())
    first_of = {link.story_id: entry_ids.index(stories[link.story_id].first_entry_id) for link in links}
    written: list[tuple[object, ...]] = []
    for link in links:
        home = stories[link.story_id]
        written.append((entry_ids.index(link.entry_id), first_of[link.story_id], home.title, home.first_seen,
                        link.score, link.reason, link.evidence, link.linked_by, link.anchors, link.created_at,
                        on_entry[link.entry_id] == link.story_id,
                        sorted(key for key, owner in keys if owner == link.entry_id)))
    return written


def test_a_links_writes_in_one_statement_are_those_of_the_separate_ones(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a link's writes are one statement (a new story, the link, its keys, the entry's story); they
    write what the separate statements (SQLite's) write: a new story titled after its entry, a joined story, an
    entry without keys."""
    import dataclasses

    from storage import stories

    def link_three(store: Store, tag: str) -> list[int]:
        first = _stored(store, f"{tag}-first", frozenset({"2026-03-12|p:lin", "nd:1:2"}), linked=False)
        second = _stored(store, f"{tag}-second", frozenset(), linked=False)
        third = _stored(store, f"{tag}-third", frozenset(), linked=False)
        with store.unit_of_work() as uow:
            keys = frozenset({"2026-03-12|p:lin", "nd:1:2"})
            story_id = uow.link_story(StoryLinkRecord(first, None, "new", None, None, '{"a":1}', keys), now=NOW,
                                      inserted=True)
            joined = uow.link_story(StoryLinkRecord(second, story_id, "anchors", 0.75, '{"why":[]}', "{}",
                                                    frozenset({"2026-03-12|p:lin"})), now=NOW, inserted=True)
            assert joined == story_id
            alone = uow.link_story(StoryLinkRecord(third, None, "new", None, None, None, frozenset()), now=NOW)
            assert alone != story_id
        return [first, second, third]

    with Store.open(database_url) as store:
        store.ensure_source("site", kind="custom", settings_hash="x")
        with store.unit_of_work() as uow:
            driver, dialect = stories._driver(uow._conn), uow._conn.dialect.name
        assert (driver.one_link is not None) == (dialect == "postgresql")
        one = _links_written(store, link_three(store, "one"))
        monkeypatch.setitem(stories._DRIVERS, dialect, dataclasses.replace(driver, one_link=None))
        separate = _links_written(store, link_three(store, "separate"))
    # the titles differ by the tag; the rest must be equal
    assert [row[:2] + row[3:] for row in one] == [row[:2] + row[3:] for row in separate]
    assert [row[2] for row in one] == ["one-first", "one-first", "one-third"]
    assert one[0][-1] == sorted({key_hash("2026-03-12|p:lin"), key_hash("nd:1:2")}) and one[2][-1] == []


def test_run_many_writes_each_set_of_values(database_url: str) -> None:
    """``DriverStatement.run_many`` (SQLite's key rows): one row per set of values, a key already there skipped, a
    driver error raised as SQLAlchemy's; a named paramstyle (psycopg) is refused."""
    from sqlalchemy import insert, select
    from sqlalchemy.exc import DBAPIError

    from storage.prepared import DriverStatement
    from storage.schema import story_key
    from storage.stories import _KEY_COLUMNS, _insert_keys

    with Store.open(database_url) as store, store.unit_of_work() as uow:
        conn = uow._conn
        if conn.dialect.name == "postgresql":
            named = DriverStatement.compile(insert(story_key), conn.dialect, _KEY_COLUMNS)
            with pytest.raises(ValueError, match="positional"):
                named.run_many(conn, [(1, 1)])
            return
        keys = DriverStatement.compile(_insert_keys("sqlite"), conn.dialect, _KEY_COLUMNS)
        keys.run_many(conn, [(-5, 1), (7, 1), (7, 2)])
        keys.run_many(conn, [(7, 1), (9, 1)])  # (7, 1) is there: skipped
        keys.run_many(conn, [])
        rows = conn.execute(select(story_key).order_by(story_key.c.entry_id, story_key.c.key_hash)).all()
        assert [tuple(row) for row in rows] == [(-5, 1), (7, 1), (9, 1), (7, 2)]
        plain = DriverStatement.compile(insert(story_key), conn.dialect, _KEY_COLUMNS)
        with pytest.raises(DBAPIError):
            plain.run_many(conn, [(9, 1)])  # no ON CONFLICT: the primary key refuses it
