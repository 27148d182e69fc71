"""Today's search plans against main's (tests/bench/search_before.py) and against the matcher over every entry, on a
generated set with CJK in both scripts, context-dependent Chinese folds, negations, groups, phrases, prefixes and
field filters: the same entries, in the same order, with the same highlighted titles and snippets, page by page.
Also: the web bench's one-transaction fill leaves the rows and the FTS5 index as the unit of work does."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.web.searching import Searcher, SearchPage, exclusion_forms, plan_of
from rules.defaults import DEFAULT_GROUPS
from rules.query import parse_query
from storage import Store
from storage.search import Excludes
from storage.view_records import TimelineFilter
from tests.bench.search_before import BeforeSearcher
from tests.bench.web import generate
from tests.test_search import brute_force
from tests.webdata import NOW, save

WORDS = ("臺灣", "台湾", "台灣", "日本", "日本人", "合作", "夥伴", "伙伴", "蕭乾", "乾燥", "干", "於單", "于",
         "人工智慧", "人工智能", "半導體", "半导体", "新南向", "外交部", "協議", "Taiwan", "Taiwanese", "Japan", "AI",
         "said", "ＡＩ", "cooperation", "cooperative", "partnership", "green", "energy", "semiconductor", "Vietnam",
         "kerja sama", "kemitraan", "éCOLE", "Café", "100%", "a_b")
QUERIES = ("臺灣 -日本", "台湾 -日本", "-日本", "合作 -夥伴", "@partnership -日本", "@ai AND 日本", "@ai -@partnership",
           "日本 -title:合作", "日本 -body:合作", "干 -乾", "乾 -干", "-(日本 OR 臺灣)", "title:日本 -body:臺灣",
           '"kerja sama" -日本', "cooperat* -Japan", "Japan OR -日本", "semiconductor*", "title:半導體",
           "body:半導體*", '"green energy"', "新南向 OR Vietnam", "lang:zh -日本", "source:cna -台灣", "@partnership",
           "Taiwan -Taiwanese", "café", "100%", "-(日本 AND 合作)", "NOT NOT 日本", "/日本.?人/ -協議", "日本人 -於",
           "蕭乾 -乾")
SOURCES = {"cna": "zh", "focustaiwan": "en", "nspp-id": "id"}


def corpus(store: Store, count: int = 160, seed: int = 8) -> None:
    """Titles repeated as the first line (the matcher's body leaves them out), dates, edits, shared times."""
    rng = random.Random(seed)
    for source in SOURCES:
        store.ensure_source(source, kind=source, settings_hash="h")
    for index in range(count):
        source = rng.choice(list(SOURCES))
        joiner = "" if SOURCES[source] == "zh" and rng.random() < 0.7 else " "
        title = joiner.join(rng.sample(WORDS, 3)) if rng.random() < 0.85 else ""
        body = [joiner.join(rng.sample(WORDS, rng.randint(2, 6))) + "。" for _ in range(rng.randint(1, 3))]
        when = NOW - timedelta(minutes=index // 2)  # pairs share a first-seen time: the id breaks the tie
        url = f"https://example.org/{source}/{index}"
        published = f"2026-05-{1 + index % 28:02d}"
        save(store, url, title, body, source=source, language=SOURCES[source], published=published, when=when)
        if index % 9 == 0:
            save(store, url, title, [*body, "補充：日本與臺灣合作。"], source=source, language=SOURCES[source],
                 published=published, when=when + timedelta(seconds=20))


def pages(searcher: Searcher, query: str, limit: int) -> list[SearchPage]:
    found, key = [], None
    while True:
        page = searcher.search(query, TimelineFilter(), before=key, limit=limit)
        found.append(page)
        if page.next_key is None:
            return found
        key = page.next_key


def shown(page: SearchPage) -> list[tuple[int, object, object, object]]:
    return [(hit.candidate.entry_id, hit.title, hit.snippet, hit.evidence) for hit in page.hits]


def test_new_plans_give_main_s_results_and_the_matcher_s(store: Store) -> None:
    corpus(store)
    new = Searcher(store, DEFAULT_GROUPS, {}, 100_000)
    old = BeforeSearcher(store, DEFAULT_GROUPS, {}, 100_000)
    for query in QUERIES:
        for limit in (7, 1000):
            now, before = pages(new, query, limit), pages(old, query, limit)
            assert [shown(page) for page in now] == [shown(page) for page in before], (query, limit)
            assert [page.next_key for page in now] == [page.next_key for page in before], (query, limit)
        everything = [hit.candidate.entry_id for page in pages(new, query, 1000) for hit in page.hits]
        assert everything == brute_force(store, query), query
    # 乾 folds to 干 alone but not in 蕭乾: an entry with 蕭乾 and no other 乾/干 matches "-乾", and stays
    assert brute_force(store, "臺灣 -日本") and brute_force(store, "蕭乾 -乾"), "the corpus exercises the negations"


def test_cjk_negations_become_exclusions_only_for_context_free_forms() -> None:
    plan = plan_of(parse_query("臺灣 -日本 -乾 -Japan", groups={}))
    assert plan is not None and Excludes(("日本",)) in plan.parts and Excludes(("干",)) in plan.parts  # type: ignore[union-attr]
    assert len(plan.parts) == 3  # type: ignore[union-attr]
    assert exclusion_forms("Japan") == () and exclusion_forms("日本 人") == ()
    assert plan_of(parse_query("-(日本 AND 合作)", groups={})) is None


def test_a_tight_plan_confirms_about_one_page(store: Store) -> None:
    corpus(store)
    page = Searcher(store, DEFAULT_GROUPS, {}, 100_000).search("-日本", TimelineFilter(), before=None, limit=5)
    old = BeforeSearcher(store, DEFAULT_GROUPS, {}, 100_000).search("-日本", TimelineFilter(), before=None, limit=5)
    assert shown(page) == shown(old) and page.scanned < old.scanned


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return {name: conn.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall()
                for name in ("entry", "version", "match")} | {
            "fts": conn.execute("SELECT rowid, title, body FROM entry_fts ORDER BY rowid").fetchall(),
            "fts_hits": conn.execute("SELECT rowid FROM entry_fts WHERE entry_fts MATCH '半導體' ORDER BY rowid")
            .fetchall()}


@pytest.mark.parametrize("count", [230])
def test_the_bench_fill_leaves_what_the_unit_of_work_leaves(tmp_path: Path, count: int) -> None:
    generate(f"sqlite:///{tmp_path / 'bulk.db'}", count, bulk=True)
    generate(f"sqlite:///{tmp_path / 'uow.db'}", count, bulk=False)
    bulk, uow = _rows(tmp_path / "bulk.db"), _rows(tmp_path / "uow.db")
    assert bulk == uow and len(bulk["entry"]) == count and len(bulk["version"]) > count and bulk["fts_hits"]
