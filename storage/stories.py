"""Stories: which story each entry belongs to, why (the link's evidence), and the blocking index of candidates.

Storage does not interpret anchors or keys (they are computed by ``rules.stories``); it keeps them, finds the
entries indexed under some keys, and keeps ``entry.story_id`` equal to the entry's ``story_link`` row.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Float,
    Integer,
    String,
    Text,
    any_,
    bindparam,
    cast,
    delete,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import RowMapping

from storage.engine import Database
from storage.errors import UnknownRowError
from storage.keyset import older_than
from storage.prepared import DriverStatement
from storage.records import StoryCandidate, StoryLinkRecord, StoryMember, StoryRow
from storage.schema import entry, story, story_key, story_link, version

_CHUNK = 500  # keys per IN (...) query


@functools.lru_cache(maxsize=16384)
def key_hash(key: str) -> int:
    """The signed 64-bit integer a blocking key is stored under (BLAKE2b, 8 bytes, big-endian).

    Two keys with one hash only put an extra candidate before the scoring, which decides links on anchors.
    """
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def _one_of(column: Any, name: str, dialect: str) -> Any:
    """``column`` is one of the integers passed as parameter ``name``: one array parameter on PostgreSQL, one
    JSON list on SQLite (an IN list of bound values costs more CPU to bind than the look-up takes)."""
    if dialect == "postgresql":
        return column == any_(_bigint_array(name))
    values: Any = select(literal_column("value")).select_from(func.json_each(bindparam(name, type_=String)))
    return column.in_(values.scalar_subquery())


@functools.cache
def _lookups(dialect: str) -> tuple[Any, Any, Any]:
    """The statements of a candidate look-up, built once per dialect: entry ids under the keys, the
    candidates' rows, their texts."""
    ids = select(story_key.c.key_hash, story_key.c.entry_id).where(_one_of(story_key.c.key_hash, "hashes", dialect))
    candidates = (
        select(
            entry.c.id, story_link.c.story_id, entry.c.language, entry.c.title, entry.c.published,
            entry.c.url, entry.c.source_id, story_link.c.anchors,
        )
        .join(story_link, story_link.c.entry_id == entry.c.id)
        .where(_one_of(entry.c.id, "ids", dialect), story_link.c.anchors.is_not(None))
        .order_by(entry.c.id.desc())
    )
    texts = (
        select(entry.c.id, version.c.text)
        .join(version, version.c.id == entry.c.current_version_id)
        .where(_one_of(entry.c.id, "ids", dialect))
    )
    return ids, candidates, texts


_KEY_COLUMNS = ("key_hash", "entry_id")
_LINK_COLUMNS = ("entry_id", "story_id", "score", "reason", "evidence", "linked_by", "anchors", "created_at")


@dataclass(frozen=True)
class _Driver:
    """A link's statements compiled for one dialect, run on the connection's cursor (``DriverStatement``)."""

    ids: DriverStatement
    candidates: DriverStatement
    texts: DriverStatement
    insert_link: DriverStatement
    insert_keys: DriverStatement
    set_story: DriverStatement
    new_story: DriverStatement
    one_link: DriverStatement | None
    """PostgreSQL's one statement for all of a link's writes (:func:`_one_link`); None on SQLite."""


_DRIVERS: dict[str, _Driver] = {}


def _driver(conn: Connection) -> _Driver:
    found = _DRIVERS.get(conn.dialect.name)
    if found is None:
        dialect, name = conn.dialect, conn.dialect.name
        ids, candidates, texts = _lookups(name)
        found = _DRIVERS[name] = _Driver(
            DriverStatement.compile(ids, dialect), DriverStatement.compile(candidates, dialect),
            DriverStatement.compile(texts, dialect), DriverStatement.compile(_INSERT_LINK, dialect, _LINK_COLUMNS),
            DriverStatement.compile(_insert_keys(name), dialect, None if name == "postgresql" else _KEY_COLUMNS),
            DriverStatement.compile(_SET_STORY, dialect),
            DriverStatement.compile(_NEW_STORY, dialect),
            DriverStatement.compile(_one_link(), dialect) if name == "postgresql" else None,
        )
    return found


def _bigint_array(name: str) -> Any:
    """Parameter ``name``, an array literal (``{1,2,3}``) cast to BIGINT[] by PostgreSQL: psycopg dumps a list of
    integers in Python, ~2 µs an element (half the client's CPU of a 60-key look-up); a string it passes as is."""
    from sqlalchemy.dialects import postgresql  # not imported on SQLite (see storage.prepared.dialect_insert)

    return cast(bindparam(name, type_=String), postgresql.ARRAY(BigInteger))


def _ints(conn: Connection, values: Sequence[int]) -> str:
    """The parameter value :func:`_one_of` expects on ``conn``'s dialect: an array literal, or a JSON list."""
    joined = ",".join(map(str, values))
    return "{" + joined + "}" if conn.dialect.name == "postgresql" else "[" + joined + "]"


_STORY_OF = select(entry.c.story_id).where(entry.c.id == bindparam("entry_id"))
_LINKED_STORY = select(story_link.c.story_id).where(story_link.c.entry_id == bindparam("entry_id"))
_INSERT_LINK = story_link.insert()
_SET_STORY = (
    update(entry).where(entry.c.id == bindparam("entry_id")).values(story_id=bindparam("story_id"))
)
_NEW_STORY = story.insert().from_select(
    ["title", "first_entry_id", "first_seen"],
    select(entry.c.title, entry.c.id, bindparam("now", type_=story.c.first_seen.type)).where(
        entry.c.id == bindparam("entry_id")
    ),
).returning(story.c.id)


@functools.cache
def _insert_keys(dialect: str) -> Any:
    """INSERT of an entry's keys, a key already there skipped: on PostgreSQL from one parameter (``hashes``, see
    :func:`_ints`), on SQLite one row of ``key_hash``, ``entry_id`` per execution (``DriverStatement.run_many``)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        rows = select(func.unnest(_bigint_array("hashes")), bindparam("entry_id"))
        insert: Any = postgresql.insert(story_key)
        return insert.from_select(["key_hash", "entry_id"], rows).on_conflict_do_nothing(
            index_elements=["key_hash", "entry_id"]
        )
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(story_key).on_conflict_do_nothing(index_elements=["key_hash", "entry_id"])


_ONE_LINK_SQL = """
WITH new_story AS (
    INSERT INTO story (title, first_entry_id, first_seen)
    SELECT entry.title, entry.id, CAST(:now AS TIMESTAMPTZ) FROM entry
    WHERE entry.id = CAST(:entry_id AS INTEGER) AND CAST(:story_id AS INTEGER) IS NULL
    RETURNING story.id
), chosen AS (
    SELECT id FROM new_story
    UNION ALL SELECT CAST(:story_id AS INTEGER) WHERE CAST(:story_id AS INTEGER) IS NOT NULL
), link AS (
    INSERT INTO story_link (entry_id, story_id, score, reason, evidence, linked_by, anchors, created_at)
    SELECT CAST(:entry_id AS INTEGER), chosen.id, CAST(:score AS DOUBLE PRECISION), CAST(:reason AS TEXT),
           CAST(:evidence AS TEXT), 'auto', CAST(:anchors AS TEXT), CAST(:now AS TIMESTAMPTZ)
    FROM chosen
), keys AS (
    INSERT INTO story_key (key_hash, entry_id)
    SELECT unnest(CAST(:hashes AS BIGINT[])), CAST(:entry_id AS INTEGER)
    ON CONFLICT (key_hash, entry_id) DO NOTHING
), entry_story AS (
    UPDATE entry SET story_id = chosen.id FROM chosen WHERE entry.id = CAST(:entry_id AS INTEGER)
)
SELECT id FROM chosen
"""


@functools.cache
def _one_link() -> Any:
    """PostgreSQL: a link's writes in one statement (data-modifying CTEs): the new story if there is none to join
    (titled after its entry), the link row, the entry's keys, the entry's story; returns the story id. Each
    statement costs ~120 µs of psycopg's client CPU; these were three or four. SQLite has no data-modifying CTE."""
    return text(_ONE_LINK_SQL).bindparams(
        bindparam("now", type_=story.c.first_seen.type), bindparam("entry_id", type_=Integer),
        bindparam("story_id", type_=Integer), bindparam("score", type_=Float), bindparam("reason", type_=Text),
        bindparam("evidence", type_=Text), bindparam("anchors", type_=Text), bindparam("hashes", type_=String),
    ).columns(story.c.id)


class StoryWrites:
    """The unit of work's part: link the entry it stores to a story, in the same transaction."""

    _conn: Connection

    def story_postings(self, keys: Collection[str], *, exclude: int) -> dict[str, list[int]]:
        """The linked or not entries indexed under each of ``keys`` (``exclude`` left out); keys under which
        nothing is indexed are left out. One look-up of the keys' hashes."""
        by_hash = {key_hash(key): key for key in keys}
        wanted = sorted(by_hash)
        ids_under_keys = _driver(self._conn).ids
        postings: dict[str, list[int]] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = _ints(self._conn, wanted[start : start + _CHUNK])
            for hashed, entry_id in ids_under_keys.rows(self._conn, {"hashes": chunk}):
                if entry_id != exclude:
                    postings.setdefault(by_hash[hashed], []).append(entry_id)
        return postings

    def story_candidates(self, entry_ids: Collection[int]) -> list[StoryCandidate]:
        """What linking reads of each of ``entry_ids`` that has anchors (newest first)."""
        if not entry_ids:
            return []
        rows = _driver(self._conn).candidates.rows(self._conn, {"ids": _ints(self._conn, sorted(entry_ids))})
        return [StoryCandidate(*row) for row in rows]

    def story_texts(self, entry_ids: Collection[int]) -> dict[int, str]:
        """The current text of each of ``entry_ids`` (the few candidates whose scoring reads it)."""
        if not entry_ids:
            return {}
        return dict(_driver(self._conn).texts.rows(self._conn, {"ids": _ints(self._conn, sorted(entry_ids))}))

    def story_of(self, entry_id: int) -> int | None:
        """The story an entry belongs to, or None."""
        return self._conn.execute(_STORY_OF, {"entry_id": entry_id}).scalar()

    def link_story(self, rec: StoryLinkRecord, *, now: datetime, inserted: bool = False) -> int:
        """Put the entry into ``rec.story_id`` (or a new story); index its keys; returns the story id.

        An entry already linked (a racing writer, or a person's decision) keeps its story; ``inserted``: the
        entry was inserted by this transaction, so nothing can have linked it yet (one query fewer).
        """
        existing = None if inserted else self._conn.execute(_LINKED_STORY, {"entry_id": rec.entry_id}).scalar()
        if existing is not None:
            self.update_story_anchors(rec.entry_id, anchors=rec.anchors, keys=rec.keys)
            return int(existing)
        driver = _driver(self._conn)
        if driver.one_link is not None:
            hashes = sorted({key_hash(key) for key in rec.keys})
            ((found,),) = driver.one_link.rows(self._conn, {
                "now": now, "entry_id": rec.entry_id, "story_id": rec.story_id, "score": rec.score,
                "reason": rec.reason, "evidence": rec.evidence, "anchors": rec.anchors,
                "hashes": _ints(self._conn, hashes),
            })
            return int(found)
        story_id = rec.story_id if rec.story_id is not None else self._new_story(rec.entry_id, now)
        driver.insert_link.rows(self._conn, {
            "entry_id": rec.entry_id, "story_id": story_id, "score": rec.score, "reason": rec.reason,
            "evidence": rec.evidence, "linked_by": "auto", "anchors": rec.anchors, "created_at": now,
        })
        self._index(rec.entry_id, rec.keys)
        driver.set_story.rows(self._conn, {"entry_id": rec.entry_id, "story_id": story_id})
        return story_id

    def update_story_anchors(self, entry_id: int, *, anchors: str | None, keys: Iterable[str]) -> None:
        """An edited entry's new anchors and keys; its story stays (linking is done once per entry)."""
        self._conn.execute(update(story_link).where(story_link.c.entry_id == entry_id).values(anchors=anchors))
        self._conn.execute(delete(story_key).where(story_key.c.entry_id == entry_id))
        self._index(entry_id, keys)

    def _new_story(self, entry_id: int, now: datetime) -> int:
        """A story titled after its first entry (one INSERT ... SELECT)."""
        (found,) = _driver(self._conn).new_story.rows(self._conn, {"entry_id": entry_id, "now": now})
        return int(found[0])

    def _index(self, entry_id: int, keys: Iterable[str]) -> None:
        hashes = sorted({key_hash(key) for key in keys})
        if not hashes:
            return
        insert = _driver(self._conn).insert_keys
        if self._conn.dialect.name == "postgresql":
            insert.rows(self._conn, {"hashes": _ints(self._conn, hashes), "entry_id": entry_id})
        else:
            insert.run_many(self._conn, [(hashed, entry_id) for hashed in hashes])



def _member(row: RowMapping) -> StoryMember:
    return StoryMember(**{name: row[name] for name in StoryMember.__dataclass_fields__})


def _members_query(story_ids: Sequence[int]) -> Any:
    return (
        select(
            story_link.c.story_id, entry.c.id.label("entry_id"), entry.c.title, entry.c.url, entry.c.source_id,
            entry.c.language, entry.c.published, entry.c.first_seen, story_link.c.reason, story_link.c.score,
            story_link.c.evidence, story_link.c.linked_by,
        )
        .join(entry, entry.c.id == story_link.c.entry_id)
        .where(story_link.c.story_id.in_(list(story_ids)))
        .order_by(entry.c.first_seen, entry.c.id)
    )


class StoryRepository(Database):
    """Reading stories, and a person's split and join (``linked_by = "user"``: automatic linking keeps them)."""

    def list_stories(self, *, since: datetime | None = None, limit: int | None = 50,
                     before: tuple[datetime, int] | None = None, min_members: int = 1) -> list[StoryRow]:
        """Stories with at least ``min_members`` members, newest first by first seen; ``before`` is the
        (first seen, id) of the last story of the previous page."""
        members = select(func.count()).where(story_link.c.story_id == story.c.id).scalar_subquery()
        query = (select(story).where(members >= max(1, min_members))
                 .order_by(story.c.first_seen.desc(), story.c.id.desc()).limit(limit))
        if since is not None:
            query = query.where(story.c.first_seen >= since)
        if before is not None:
            query = query.where(older_than(story, before))
        with self._read() as conn:
            stories = conn.execute(query).all()
            rows = conn.execute(_members_query([row.id for row in stories])).all() if stories else []
        by_story: dict[int, list[StoryMember]] = {}
        for row in rows:
            by_story.setdefault(row.story_id, []).append(_member(row._mapping))
        return [StoryRow(row.id, row.title, row.first_seen, tuple(by_story.get(row.id, ()))) for row in stories]

    def get_story(self, story_id: int) -> StoryRow | None:
        """One story with its members, or None."""
        with self._read() as conn:
            row = conn.execute(select(story).where(story.c.id == story_id)).first()
            if row is None:
                return None
            members = conn.execute(_members_query([story_id])).all()
        return StoryRow(row.id, row.title, row.first_seen, tuple(_member(m._mapping) for m in members))

    def split_entry(self, entry_id: int, *, now: datetime) -> int:
        """Take an entry out of its story into a new one of its own; returns the new story's id."""
        with self._write() as conn:
            old = self._linked_story(conn, entry_id)
            title = conn.execute(select(entry.c.title).where(entry.c.id == entry_id)).scalar()
            stmt = story.insert().values(title=title, first_entry_id=entry_id, first_seen=now).returning(story.c.id)
            new_id = int(conn.execute(stmt).scalar_one())
            self._relink(conn, entry_id, new_id, {"split_from": old}, now)
        return new_id

    def join_entry(self, entry_id: int, story_id: int, *, now: datetime) -> None:
        """Move an entry into ``story_id``."""
        with self._write() as conn:
            if conn.execute(select(story.c.id).where(story.c.id == story_id)).first() is None:
                raise UnknownRowError("story", story_id)
            old = self._linked_story(conn, entry_id)
            self._relink(conn, entry_id, story_id, {"moved_from": old}, now)

    @staticmethod
    def _linked_story(conn: Connection, entry_id: int) -> int | None:
        if conn.execute(select(entry.c.id).where(entry.c.id == entry_id)).first() is None:
            raise UnknownRowError("entry", entry_id)
        return conn.execute(select(entry.c.story_id).where(entry.c.id == entry_id)).scalar()

    @staticmethod
    def _relink(conn: Connection, entry_id: int, story_id: int, why: dict[str, Any], now: datetime) -> None:
        anchors = conn.execute(select(story_link.c.anchors).where(story_link.c.entry_id == entry_id)).scalar()
        conn.execute(delete(story_link).where(story_link.c.entry_id == entry_id))
        conn.execute(story_link.insert().values(
            entry_id=entry_id, story_id=story_id, score=1.0, reason="user", evidence=json.dumps(why),
            linked_by="user", anchors=anchors, created_at=now,
        ))
        conn.execute(update(entry).where(entry.c.id == entry_id).values(story_id=story_id))
