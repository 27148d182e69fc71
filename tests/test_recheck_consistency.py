"""A re-check reads a page as its first look did: no false edit when nothing changed.

MOFA's English sources take each article's text from the open-data export (with the time of day) and re-check
it on its page (which prints only the day); the replica's generated articles share sentences, as real press
releases share set phrases. Before, the page's reading lost the shared sentences (they counted as the source's
template once two other pages carried them) and the time of day, so every re-checked article became a
substantive edit ("date", "paragraph removed") with an alert.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.drivers.crawl import CrawlSummary, crawl
from crawler.extract.article import Article
from crawler.extract.dates import ArticleDate
from crawler.pipeline.articles import keep_stored_time
from crawler.pipeline.wiring import select_sources
from storage import Store
from tests.sites import ReplicaServer

RULES = '''
[rules.watch]
query = "@ai OR @partnership"
on = "any"
channels = ["console"]
'''


def run(config_path: Path, database_url: str, source: str, now: datetime, *, recheck: bool) -> CrawlSummary:
    config = load_config(config_path)
    with Store.open(database_url) as store:
        return asyncio.run(crawl(config, store, select_sources(config, (source,)), console=io.StringIO(), now=now,
                                 recheck_all=recheck))


@pytest.mark.parametrize("source", ["mofa-en", "moda-en"])
def test_a_recheck_of_unchanged_pages_finds_no_edit(source: str, database_url: str, tmp_path: Path) -> None:
    with ReplicaServer(port=0, articles=12) as replica:
        config = replica.write_config(tmp_path / "replica.toml", database_url, RULES)
        now = datetime.now(UTC)
        first = run(config, database_url, source, now, recheck=False)
        assert first.total("new") >= 10
        again = run(config, database_url, source, now + timedelta(minutes=20), recheck=True)
    [report] = again.reports
    assert report.requests >= 10  # the pages were fetched again
    assert (again.total("edited"), again.total("alerts")) == (0, 0), report


def test_a_page_printing_only_the_day_keeps_the_stored_time_of_that_day() -> None:
    stored = ArticleDate(datetime(2026, 6, 17, 11, 19, tzinfo=UTC), has_time=True)  # 19:19 in Taipei
    day = ArticleDate(datetime.fromisoformat("2026-06-17T00:00+08:00"), has_time=False)
    other_day = ArticleDate(datetime.fromisoformat("2026-06-18T00:00+08:00"), has_time=False)
    page = Article("https://x.tw/1", "T", day, ("Text.",))
    assert keep_stored_time(page, stored).published == stored
    moved = Article("https://x.tw/1", "T", other_day, ("Text.",))
    assert keep_stored_time(moved, stored).published == other_day  # another day is the page's word
    assert keep_stored_time(page, None).published == day
