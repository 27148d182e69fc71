"""The per-page path made cheaper (issue #16) and unchanged in what it does: boilerplate found by joined patterns,
save_article's reads and (PostgreSQL) writes in fewer round trips, a pool that pings only idle connections."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from crawler.extract import cleanup
from crawler.extract.profile import builtin_profiles
from storage import ArticleRecord, Store
from storage.dedup import canonical_url
from storage.engine import ping_when_idle
from storage.evidence_records import RawResponseRecord
from tests.conftest import PG_ENV
from tests.test_cleanup import UNIVERSAL_BOILERPLATE

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PROFILE_PATTERNS = sorted({p for profile in builtin_profiles().values() for p in profile.page_rules("").boilerplate})
LINES = [*UNIVERSAL_BOILERPLATE, "Real text.", "0:00 / 0:00 and more", "Go Topless", "Download the report here",
         "Copyright 2026 MOFA", *PROFILE_PATTERNS, *(f"{line} " for line in PROFILE_PATTERNS)]


def _any_universal(line: str) -> bool:
    return any(pattern.fullmatch(line) for pattern in cleanup.UNIVERSAL_BOILERPLATE)


def _any_profile(patterns: tuple[str, ...], line: str) -> bool:
    for pattern in patterns:
        found = cleanup._profile_pattern(pattern)
        if found(line) if isinstance(found, cleanup._ExactLine) else found.search(line):
            return True
    return False


@pytest.mark.parametrize("line", LINES)
def test_the_joined_universal_pattern_matches_where_one_of_them_does(line: str) -> None:
    assert (cleanup._UNIVERSAL.fullmatch(line) is not None) == _any_universal(line)


@given(st.text(alphabet="Go Top/:0123456789下載 ©All rights reserved.", max_size=30))
def test_the_joined_universal_pattern_on_any_short_line(line: str) -> None:
    assert (cleanup._UNIVERSAL.fullmatch(line) is not None) == _any_universal(line)


@pytest.mark.parametrize("line", LINES)
def test_a_profiles_joined_boilerplate_matches_where_one_of_its_entries_does(line: str) -> None:
    patterns = tuple(PROFILE_PATTERNS)
    assert cleanup._profile_boilerplate(patterns)(line) == _any_profile(patterns, line)


@pytest.mark.parametrize("patterns", [(r"(ab)\1", "x+y"), (r"(?P<n>a)(?P=n)", "b+"), ("(?i)abc", "d.e")])
def test_patterns_that_cannot_be_joined_are_searched_one_by_one(patterns: tuple[str, ...]) -> None:
    assert cleanup._one_of([re.compile(p) for p in patterns]) is None
    matches = cleanup._profile_boilerplate(patterns)
    for line in ("abab", "aa", "ABC", "xxy", "bb", "dze", "nothing"):
        assert matches(line) == _any_profile(patterns, line)


def _article(url: str, body: str) -> ArticleRecord:
    return ArticleRecord(source_id="s", url=url, canonical_url=canonical_url(url), title="T", text=f"T\n{body}",
                         fetched_at=NOW)


def _raw(url: str) -> RawResponseRecord:
    return RawResponseRecord(url, "GET", (("User-Agent", "t"),), "HTTP/1.1", 200, "OK",
                             (("Content-Type", "text/html"),), b"<p>body</p>" * 20, fetched_at=NOW)


def test_new_entries_point_at_their_first_version_and_its_raw_response(store: Store) -> None:
    """The first version of a new entry (with or without its raw response, an original or a duplicate) is stored
    alike on every database: PostgreSQL writes it with one statement, SQLite with three."""
    store.ensure_source("s", kind="custom", settings_hash="h")
    with store.unit_of_work() as uow:
        kept = uow.save_article(_article("https://x.tw/1", "one"), now=NOW, raw=_raw("https://x.tw/1"))
        bare = uow.save_article(_article("https://x.tw/2", "two"), now=NOW)
        twin = uow.save_article(_article("https://x.tw/3", "one"), now=NOW, raw=_raw("https://x.tw/3"))
        shared = uow.add_raw_response(_raw("https://x.tw/export"))  # one export carrying several texts
        carried = [uow.save_article(_article(f"https://x.tw/e/{n}", f"export {n}"), now=NOW, raw=shared)
                   for n in range(2)]
    assert (kept.kind, bare.kind, twin.kind) == ("new", "new", "duplicate")
    assert [store.entry_versions(o.entry_id)[0].raw_response_id for o in carried] == [shared, shared]
    for outcome, has_raw in ((kept, True), (bare, False), (twin, True), *((o, True) for o in carried)):
        [only] = store.entry_versions(outcome.entry_id)
        assert only.id == outcome.version_id and only.change_class == "initial" and only.analysis is None
        assert (only.raw_response_id is not None) == has_raw
        assert store.get_entry(outcome.entry_id) is not None  # joined to its current version
    raw_id = store.entry_versions(kept.entry_id)[0].raw_response_id or 0
    assert store.raw_response(raw_id).record == _raw("https://x.tw/1")


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set")
def test_the_pool_pings_only_an_idle_connection_and_replaces_a_dead_one(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a server database's pool")
    from sqlalchemy import create_engine

    engine = create_engine(database_url, pool_use_lifo=True)
    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counted(connection: object) -> bool:
        pings.append(connection)
        return ping(connection)  # type: ignore[arg-type]

    engine.dialect.do_ping = counted  # type: ignore[method-assign,assignment]
    ping_when_idle(engine, idle=3600.0)  # nothing is idle that long: no ping
    try:
        for _ in range(3):
            with engine.begin() as conn:
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert pings == []
        ping_when_idle(engine, idle=0.0)  # now every pooled connection counts as idle
        other = create_engine(database_url)
        with other.begin() as killer:
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.dispose()
        with engine.begin() as conn:  # the dead connection was pinged at checkout and replaced
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
        assert len(pings) == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set")
def test_a_driver_statement_on_a_lost_connection_invalidates_it(database_url: str) -> None:
    """A statement run on the driver's cursor (storage.prepared.DriverStatement) treats a lost connection as
    Connection.execute does: the error says the connection was invalidated, and the pool never hands it out again
    (no ping is there to catch it: nothing counts as idle here)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a server database's connection")
    from sqlalchemy import bindparam, create_engine, select
    from sqlalchemy.exc import DBAPIError

    from storage.prepared import DriverStatement
    from storage.schema import entry

    engine = create_engine(database_url, pool_use_lifo=True, pool_size=1)
    ping_when_idle(engine, idle=3600.0)
    other = create_engine(database_url)
    try:
        statement = DriverStatement.compile(select(entry.c.id).where(entry.c.id == bindparam("id")), engine.dialect)
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            with other.begin() as killer:
                killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(DBAPIError) as lost:
                statement.rows(conn, {"id": 1})
            assert lost.value.connection_invalidated
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    finally:
        other.dispose()
        engine.dispose()
