"""Issue 11, item 11: every entry has its publication date when the page, its listing or its URL shows one.

A date inside an element the profile removes is read before the removal; a listing's or feed's date reaches the
entry when the page has none (and stays on a re-check); the URL's day is the last resort; the crawl summary names
what is still undated. End to end: a real crawl of every built-in source on the replica dates every entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.cli.output import crawl_summary
from crawler.discover.listings import DiscoveredItem
from crawler.drivers.crawl import CrawlSummary
from crawler.drivers.dispatch import DispatchReport
from crawler.extract.article import Article
from crawler.extract.dates import date_from_url, parse_date
from crawler.extract.page import extract
from crawler.extract.profile import PageRules
from crawler.pipeline.articles import entry_date
from crawler.pipeline.values import RunReport
from storage import ArticleRecord, Store
from tests.sites import ReplicaServer
from tests.test_crawl_e2e import REPLICA_CONFIG, SITES, same_article

INFO_BOX_PAGE = """<html><body><main><div class="pageTitle"><h2>Title</h2></div>
<div class="articleInfo"><ul><li>建立日期:2026-06-18</li><li>更新日期:2026-06-19</li></ul></div>
<div class="cpArticle"><p>本文第一段。</p><p>本文第二段。</p></div></main></body></html>"""
INFO_BOX_RULES = PageRules(
    title=("div.pageTitle h2",), body=("div.cpArticle",), remove=("div.articleInfo",),
    date_regex=(r"建立日期\s*[:：]\s*(\d{4}-\d{1,2}-\d{1,2})",),
    updated_regex=(r"更新日期\s*[:：]\s*(\d{4}-\d{1,2}-\d{1,2})",), date_formats=("%Y-%m-%d",),
)


def test_a_date_inside_a_removed_element_is_read_before_the_removal() -> None:
    article = extract(INFO_BOX_PAGE, "https://x.test/press/1", INFO_BOX_RULES).article
    assert article.published is not None and article.published.iso() == "2026-06-18"
    assert article.updated is not None and article.updated.iso() == "2026-06-19"
    assert not any("建立日期" in paragraph for paragraph in article.paragraphs)


def test_a_date_in_what_the_profile_keeps_wins_over_one_in_a_removed_element() -> None:
    page = INFO_BOX_PAGE.replace("<p>本文第一段。</p>", "<p>建立日期:2026-06-20</p><p>本文第一段。</p>")
    article = extract(page, "https://x.test/press/1", INFO_BOX_RULES).article
    assert article.published is not None and article.published.iso() == "2026-06-20"


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://www.cna.com.tw/news/aipl/202510090017.aspx", "2025-10-09"),
        ("https://focustaiwan.tw/politics/202510090017", "2025-10-09"),
        ("https://blog.example/2025/10/09/a-post/", "2025-10-09"),
        ("https://blog.example/2025-10-09-a-post", "2025-10-09"),
        ("https://x.tw/news?date=2025-10-09&id=3", "2025-10-09"),
        ("https://x.tw/news?date=20251009", "2025-10-09"),
    ],
)
def test_the_url_names_the_day(url: str, day: str) -> None:
    found = date_from_url(url)
    assert found is not None and found.iso() == day and not found.has_time


@pytest.mark.parametrize(
    "url",
    ["https://moda.gov.tw/press/press-releases/49993", "https://x.tw/news.php?post=339993&unit=370",
     "https://x.tw/2025/13/40/", "https://x.tw/a/12345678901234"],
)
def test_an_id_or_an_impossible_day_is_no_date(url: str) -> None:
    assert date_from_url(url) is None


def _undated(url: str) -> Article:
    return Article(url=url, title="T", published=None, paragraphs=("Body.",))


def test_the_page_date_wins_then_the_listing_then_the_url() -> None:
    page_date, listing_date = parse_date("2026-01-02"), parse_date("2026-01-03")
    url = "https://x.tw/2026/01/04/post"
    dated = Article(url=url, title="T", published=page_date, paragraphs=("Body.",))
    assert entry_date(dated, DiscoveredItem(url, published=listing_date), "Asia/Taipei") == page_date
    assert entry_date(_undated(url), DiscoveredItem(url, published=listing_date), "Asia/Taipei") == listing_date
    by_url = entry_date(_undated(url), DiscoveredItem(url), "Asia/Taipei")
    assert by_url is not None and by_url.iso() == "2026-01-04"
    assert entry_date(_undated("https://x.tw/p/1"), DiscoveredItem("https://x.tw/p/1"), "Asia/Taipei") is None


def test_the_store_gives_back_the_dates_a_recheck_keeps(store: Store) -> None:
    now = datetime(2026, 1, 5, tzinfo=UTC)
    store.ensure_source("s", kind="s", settings_hash="h")
    for url, published in (("https://x.tw/1", "2026-01-02"), ("https://x.tw/2", None)):
        record = ArticleRecord(source_id="s", url=url, canonical_url=url, title="T", text=f"T\n{url}\n",
                               language="en", author=None, published=published, updated=None, fetched_at=now)
        with store.unit_of_work() as uow:
            uow.save_article(record, now=now)
    assert store.published_of(["https://x.tw/1", "https://x.tw/2", "https://x.tw/3"]) == {
        "https://x.tw/1": "2026-01-02"
    }


def test_the_crawl_summary_names_the_undated_entries(capsys: pytest.CaptureFixture[str]) -> None:
    report = RunReport(source_id="blog", new=2, undated=("https://x.tw/p/1",))
    crawl_summary(CrawlSummary(reports=(report,), dispatch=DispatchReport()))
    captured = capsys.readouterr()
    assert "1 without a publication date" in captured.out
    assert "blog: 1 entries stored without a publication date" in captured.err and "https://x.tw/p/1" in captured.err


# --- end to end: the replica ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(port=0, articles=8) as server:
        yield server


def test_every_entry_of_every_builtin_source_on_the_replica_has_its_publication_date(
    replica: ReplicaServer, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDINGS_REPLICA_URL", replica.base_url)
    monkeypatch.setenv("TIDINGS_REPLICA_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["-c", str(REPLICA_CONFIG), "crawl"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "without a publication date" not in result.stdout + result.stderr
    truth = {same_article(a["url"]): str(a["published"]) for site in SITES for a in replica.articles(site)}
    with Store.open(database_url) as store:
        entries = store.list_entries(limit=None, include_duplicates=True)
    assert {entry.source_id for entry in entries} == set(SITES)
    undated = [entry.url for entry in entries if not entry.published]
    assert undated == []
    wrong = [(e.url, e.published, truth[same_article(e.url)]) for e in entries
             if same_article(e.url) in truth and (e.published or "")[:10] != truth[same_article(e.url)][:10]]
    assert wrong == []
