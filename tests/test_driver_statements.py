"""The store path's statements on the driver's cursor (issue #16, branch pagecpu3): a new entry's look-up and
writes, the validators and match rows run through ``storage.prepared.DriverStatement``, on one kept cursor per
DBAPI connection, and store the same rows as ``Connection.execute`` did."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError

from storage import ArticleRecord, Store
from storage.dedup import canonical_url
from storage.evidence_records import RawResponseRecord
from storage.prepared import _CURSOR, DriverStatement, driver_once
from storage.records import MatchRecord
from storage.schema import entry, source

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def seeded(store: Store) -> Iterator[Store]:
    store.ensure_source("s", kind="html", settings_hash="h")
    yield store


def _record(url: str, text: str) -> ArticleRecord:
    return ArticleRecord(source_id="s", url=url, canonical_url=canonical_url(url), title="T", text=text,
                         language="en", author=None, published="2026-12-01", updated=None, fetched_at=NOW)


def _raw(url: str) -> RawResponseRecord:
    return RawResponseRecord(url=url, method="GET", request_headers=(("Accept", "*/*"),), http_version="HTTP/1.1",
                             status=200, reason="OK", headers=(("Content-Type", "text/html"),),
                             body=b"<p>body</p>" * 20, fetched_at=NOW)


def test_a_new_entry_its_validators_and_matches_are_stored_as_before(seeded: Store) -> None:
    with seeded.unit_of_work() as uow:
        new = uow.save_article(_record("https://x.tw/1", "T\nOne text."), now=NOW, raw=_raw("https://x.tw/1"))
        uow.put_http_state("https://x.tw/1", etag='"e"', last_modified=None, body_hash="a" * 64, status=200,
                           fetched_at=NOW)
        assert new.version_id is not None
        match_id = uow.add_match(MatchRecord(new.entry_id, new.version_id, "r", "new", [{"term": "t"}]), now=NOW)
        again = uow.add_match(MatchRecord(new.entry_id, new.version_id, "r", "new", [{"term": "t"}]), now=NOW)
    with seeded.unit_of_work() as uow:
        duplicate = uow.save_article(_record("https://x.tw/2", "T\nOne text."), now=NOW)
        same = uow.save_article(_record("https://x.tw/1", "T\nOne text."), now=NOW)
        uow.put_http_state("https://x.tw/1", etag=None, last_modified="x", body_hash=None, status=304,
                           fetched_at=NOW)
    assert new.kind == "new" and match_id is not None and again is None
    assert duplicate.kind == "duplicate" and duplicate.duplicate_of == new.entry_id
    assert same.kind == "unchanged" and same.entry_id == new.entry_id
    [version] = seeded.entry_versions(new.entry_id)
    assert version.id == new.version_id and version.change_class == "initial"
    assert version.raw_response_id is not None
    assert seeded.raw_response(version.raw_response_id).record == _raw("https://x.tw/1")
    state = seeded.get_http_state("https://x.tw/1")
    assert state is not None and (state.etag, state.last_modified, state.status) == (None, "x", 304)
    assert state.fetched_at == NOW
    stored = seeded.get_entry(new.entry_id)
    assert stored is not None and stored.first_seen == NOW and stored.text == "T\nOne text."


def test_statements_of_one_connection_share_a_cursor_and_an_error_drops_it(seeded: Store) -> None:
    lookup = DriverStatement.compile(select(source.c.id).where(source.c.id == bindparam("id")).limit(1),
                                     seeded._engine.dialect)
    assert lookup.fixed  # the LIMIT's own literal, bound from the compiled statement
    with seeded._engine.begin() as conn:
        assert lookup.rows(conn, {"id": "s"}) == [("s",)]
        kept = conn.connection.info[_CURSOR]
        assert lookup.scalar(conn, {"id": "nothing"}) is None
        assert conn.connection.info[_CURSOR] is kept
    insert = driver_once(lambda _name: entry.insert(), ("id", "source_id", "url", "canonical_url", "first_seen",
                                                         "last_seen"))
    with pytest.raises(DBAPIError), seeded._engine.begin() as conn:
        values = {"id": 1, "source_id": "missing", "url": "u", "canonical_url": "u", "first_seen": NOW,
                  "last_seen": NOW}
        insert(conn).rows(conn, values)  # no such source: a foreign key error
    with seeded._engine.begin() as conn:
        left = conn.connection.info.get(_CURSOR)
        assert left is None or left[1] is not kept[1]  # the failed statement's cursor was closed and forgotten
        assert lookup.first(conn, {"id": "s"}) == ("s",)  # a fresh cursor serves
