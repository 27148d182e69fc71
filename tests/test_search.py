"""The search index: it never loses a match (index + matcher == matcher over everything), SQLite and PostgreSQL
return the same results on the same data, it follows edits, and the migration indexes existing rows."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.web.searching import Searcher, document_of
from rules.defaults import DEFAULT_GROUPS
from rules.match import Matcher, RuleSpec
from storage import Store
from storage.engine import make_engine
from storage.search import AllOf, Contains, is_search_object, like_pattern
from storage.view_records import TimelineFilter
from tests.conftest import PG_ENV, reset_postgres
from tests.webdata import NOW, save

QUERIES = ("日本", "台湾", "人工智慧", "@ai", "@partnership", "@ai AND 日本", "Japan OR 日本", "AI -Japan",
           "title:合作", "body:semiconductor*", '"kerja sama"', "said", "100%", "a_b", "ＡＩ", "kerja*", "lang:id AI",
           "NOT Taiwan", "/[0-9]+億/", "source:mofa-en")
WORDS = ["Taiwan", "Japan", "AI", "artificial intelligence", "cooperation", "partnership", "said", "chips",
         "semiconductors", "kerja sama", "kemitraan", "100%", "a_b", "ＡＩ", "臺灣", "台灣", "日本", "人工智慧",
         "合作", "夥伴", "半導體", "5億", "外交部", "新南向", "Indonesia", "ministry"]
LANGUAGES = {"cna": "zh", "focustaiwan": "en", "mofa-en": "en", "nspp-id": "id"}


def corpus(store: Store, count: int = 120, seed: int = 3) -> None:
    rng = random.Random(seed)
    for source in LANGUAGES:
        store.ensure_source(source, kind=source, settings_hash="h")
    for index in range(count):
        source = rng.choice(list(LANGUAGES))
        words = rng.sample(WORDS, 4)
        title = " ".join(words[:2]) if rng.random() < 0.9 else ""
        body = [" ".join(rng.sample(WORDS, 5)) + ".", " ".join(words[2:]) + "."]
        when = NOW - timedelta(minutes=index)
        save(store, f"https://example.org/{source}/{index}", title, body, source=source, language=LANGUAGES[source],
             published=f"2026-05-{1 + index % 28:02d}", when=when)
        if index % 7 == 0:  # an edit: the index must follow the current text
            save(store, f"https://example.org/{source}/{index}", title, [*body, "Edited: 日本 AI partnership."],
                 source=source, language=LANGUAGES[source], published=f"2026-05-{1 + index % 28:02d}",
                 when=when + timedelta(seconds=30))


def searcher(store: Store, scan_limit: int = 100_000) -> Searcher:
    return Searcher(store, DEFAULT_GROUPS, {}, scan_limit)


def found(store: Store, query: str, limit: int = 1000) -> list[int]:
    page = searcher(store).search(query, TimelineFilter(), before=None, limit=limit)
    return [hit.candidate.entry_id for hit in page.hits]


def brute_force(store: Store, query: str) -> list[int]:
    matcher = Matcher.compile([RuleSpec("q", query)], DEFAULT_GROUPS)
    everything = store.search_candidates(None, TimelineFilter(), before=None, limit=100_000)
    return [c.entry_id for c in everything if matcher.match(document_of(c, {}))]


def test_the_index_never_loses_a_match(store: Store) -> None:
    corpus(store)
    for query in QUERIES:
        assert found(store, query) == brute_force(store, query), query
    assert found(store, "日本"), "the corpus has Chinese hits"


def test_dense_terms_scanned_instead_of_looked_up_give_the_same_results(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus(store)
    import storage.search

    monkeypatch.setattr(storage.search, "DENSE", 0)  # no query counts as dense: the FTS5 query drives every plan
    looked_up = {query: found(store, query) for query in QUERIES}
    monkeypatch.setattr(storage.search, "DENSE", 1_000_000)  # every query found at all is dense: LIKE everywhere
    assert {query: found(store, query) for query in QUERIES} == looked_up
    assert looked_up == {query: brute_force(store, query) for query in QUERIES}


def test_pages_follow_each_other_without_gaps(store: Store) -> None:
    corpus(store)
    everything = found(store, "@ai")
    seen, key = [], None
    while True:
        page = searcher(store).search("@ai", TimelineFilter(), before=key, limit=7)
        seen += [hit.candidate.entry_id for hit in page.hits]
        if page.next_key is None:
            break
        key = page.next_key
    assert seen == everything and len(everything) > 14


def test_a_scan_limit_stops_a_page_and_its_cursor_goes_on(store: Store) -> None:
    corpus(store)
    small = searcher(store, scan_limit=100)
    page = small.search("NOT Taiwan", TimelineFilter(), before=None, limit=1000)
    assert not page.complete and page.scanned == 100 and page.next_key is not None
    rest = small.search("NOT Taiwan", TimelineFilter(), before=page.next_key, limit=1000)
    assert [h.candidate.entry_id for h in page.hits + rest.hits] == found(store, "NOT Taiwan")


def test_the_index_follows_titles_and_edits(store: Store) -> None:
    store.ensure_source("cna", kind="cna", settings_hash="h")
    entry_id = save(store, "https://x.tw/1", "原標題", ["第一段落文字。"]).entry_id
    assert found(store, "第一段落") == [entry_id] and found(store, "原標題") == [entry_id]
    save(store, "https://x.tw/1", "新標題", ["改寫後的段落。"], when=NOW + timedelta(hours=1))
    assert found(store, "第一段落") == [] and found(store, "原標題") == []
    assert found(store, "改寫後") == [entry_id] and found(store, "新標題") == [entry_id]


def test_like_patterns_escape_wildcards() -> None:
    assert like_pattern("100%") == "%100\\%%" and like_pattern("a_b") == "%a\\_b%"
    assert is_search_object("entry_fts_data") and is_search_object("ix_version_text_trgm")
    assert not is_search_object("entry")
    assert AllOf((Contains(("x",)),)).parts[0].fields == ("title", "body")


@pytest.fixture
def both() -> Iterator[tuple[Store, Store]]:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set: the SQLite/PostgreSQL parity test needs PostgreSQL")
    reset_postgres(url)
    sqlite = Store.open("sqlite://")
    postgres = Store.open(url)
    try:
        yield sqlite, postgres
    finally:
        sqlite.close()
        postgres.close()


@pytest.mark.postgres
def test_sqlite_and_postgresql_return_the_same_results(both: tuple[Store, Store]) -> None:
    sqlite, postgres = both
    corpus(sqlite, 200)
    corpus(postgres, 200)
    for query in QUERIES:
        on_sqlite, on_postgres = found(sqlite, query), found(postgres, query)
        assert on_sqlite == on_postgres, query
    for days_ago in (0, 10):
        flt = TimelineFilter(published_from=f"2026-05-{1 + days_ago:02d}", source_id="cna")
        pages = [searcher(s).search("@ai OR 日本", flt, before=None, limit=50) for s in (sqlite, postgres)]
        assert [h.candidate.entry_id for h in pages[0].hits] == [h.candidate.entry_id for h in pages[1].hits]


def _at_revision(url: str, revision: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
    finally:
        engine.dispose()


def test_the_migration_indexes_existing_rows(database_url: str, tmp_path: Path) -> None:
    from sqlalchemy import text

    _at_revision(database_url, "0001")
    engine = make_engine(database_url)  # rows as revision 0001's code wrote them (today's needs today's schema)
    naive = NOW.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")  # as SQLAlchemy writes SQLite times
    seen: object = naive if database_url.startswith("sqlite") else NOW
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO source (id, kind, settings_hash) VALUES ('cna', 'cna', 'h')"))
            conn.execute(text("INSERT INTO entry (id, canonical_url, url, source_id, title, first_seen, last_seen, "
                              "current_version_id) VALUES (1, :url, :url, 'cna', '升級前的文章', :seen, :seen, 1)"),
                         {"url": "https://x.tw/old", "seen": seen})
            conn.execute(text("INSERT INTO version (id, entry_id, content_hash, text, fetched_at, change_class) "
                              "VALUES (1, 1, 'h', :text, :seen, 'initial')"),
                         {"text": "升級前的文章\n遷移之前已經存在的段落。", "seen": seen})
    finally:
        engine.dispose()
    entry_id = 1
    with Store.open(database_url) as upgraded:
        assert found(upgraded, "遷移之前") == [entry_id] and found(upgraded, "升級前") == [entry_id]


def test_search_documents_drop_the_title_and_date_lines(store: Store) -> None:
    store.ensure_source("cna", kind="cna", settings_hash="h")
    save(store, "https://x.tw/2", "Title", ["Body line."], published="2026-05-01")
    [candidate] = store.search_candidates(None, TimelineFilter(), before=None, limit=10)
    document: Any = document_of(candidate, {"cna": ("news",)})
    assert document.body == "Body line." and document.title == "Title" and document.tags == ("news",)
