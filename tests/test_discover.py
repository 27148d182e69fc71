"""Discovery: every kind of listing the target sites publish, parsed into candidate articles."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from crawler.discover.listings import DiscoveredItem, page_request, parse_listing
from crawler.errors import DiscoveryError
from crawler.extract.profile import DiscoveryModel, builtin_profiles
from tests.shared import CORPUS as SHARED_CORPUS
from tests.shared import needs_shared
from tests.sites import ReplicaServer

CORPUS = SHARED_CORPUS / "taiwan-text"


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(port=0, articles=5) as server:
        yield server


def entry(profile: str, name: str) -> DiscoveryModel:
    return next(e for e in builtin_profiles()[profile].discover if e.name == name)


def fetch(url: str, **kwargs: object) -> httpx.Response:
    response = httpx.request(str(kwargs.pop("method", "GET")), url, **kwargs)  # type: ignore[arg-type]
    response.raise_for_status()
    return response


@needs_shared
def test_the_real_moda_list_fragment() -> None:
    html = (CORPUS / "moda_press_list_snippet.html").read_bytes()
    url = "https://moda.gov.tw/press/press-releases/372"
    items = parse_listing(html, url=url, kind="list", entry=entry("moda-zh", "list"))
    assert [item.url for item in items] == [
        "https://moda.gov.tw/press/press-releases/20702",
        "https://moda.gov.tw/press/press-releases/20684",
    ]
    assert items[0].title == "數發部訪查屏東通訊建設 實現偏鄉數位平權並提升離島通訊韌性"
    assert items[1].published is not None and items[1].published.iso() == "2026-09-22"


def test_focus_taiwan_rss(replica: ReplicaServer) -> None:
    url = replica.url("feeds.feedburner.com/rsscna/engnews")
    items = parse_listing(fetch(url).content, url=url, kind="rss")
    assert items and all(item.url.startswith(replica.url("focustaiwan.tw/")) for item in items)
    assert items[0].published is not None and items[0].published.value.utcoffset().total_seconds() == 8 * 3600


def test_cna_json_api_by_post(replica: ReplicaServer) -> None:
    api = entry("cna", "api")
    request = page_request(api, replica.url("www.cna.com.tw/cna2018api/api/WNewsList"), 1)
    assert request.method == "POST" and request.json_body["pageidx"] == 1
    response = fetch(request.url, method="POST", json=request.json_body)
    items = parse_listing(response.content, url=request.url, kind="json_api", entry=api)
    assert items and all(".aspx" in item.url and item.title for item in items)


def test_mofa_open_data_json_carries_the_full_text(replica: ReplicaServer) -> None:
    news = entry("mofa-en", "news")
    url = replica.url(f"en.mofa.gov.tw/{news.url}")
    items = parse_listing(fetch(url).content, url=url, kind="opendata_json", entry=news)
    assert items and all(item.content_html and "<p" in item.content_html for item in items)
    assert all(item.published is not None and item.published.has_time for item in items)


def test_mofa_open_data_xml_in_utf16(replica: ReplicaServer) -> None:
    url = replica.url("en.mofa.gov.tw/OpenData.aspx?SN=A90B362827D4859C")
    content = fetch(url).content
    assert content[:2] in (b"\xff\xfe", b"\xfe\xff")  # really UTF-16
    xml_entry = DiscoveryModel(
        name="xml", kind="opendata_xml", url=url, link="Source", title="title", date="Date", content="Text"
    )
    items = parse_listing(content, url=url, kind="opendata_xml", entry=xml_entry)
    assert items and all("News_Content.aspx" in item.url and item.title for item in items)
    assert all(item.content_html and "<p" in item.content_html for item in items)


def test_nspp_list_pages(replica: ReplicaServer) -> None:
    listing = entry("nspp-id", "list")
    url = replica.url("nspp.mofa.gov.tw/nsppid/list_tt.php?unit=434&page=1")
    items = parse_listing(fetch(url).content, url=url, kind="list", entry=listing)
    assert items and all("news.php?post=" in item.url for item in items)
    assert len({item.url for item in items}) == len(items)


def test_sitemaps() -> None:
    sitemap = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://blog.example/2026/01/27/a/</loc><lastmod>2026-01-27T08:00:00+08:00</lastmod></url>
  <url><loc>https://blog.example/2026/01/28/b/</loc></url>
</urlset>"""
    items = parse_listing(sitemap, url="https://blog.example/sitemap.xml", kind="sitemap")
    assert items == [
        DiscoveredItem("https://blog.example/2026/01/27/a/", published=items[0].published),
        DiscoveredItem("https://blog.example/2026/01/28/b/"),
    ]
    assert items[0].published is not None and items[0].published.iso() == "2026-01-27T08:00+08:00"


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("rss", b"<html><body>not a feed</body></html>", "not an RSS or Atom feed"),
        ("json_api", b"{not json", "could not read this json_api listing"),
        ("sitemap", b"<urlset><url><loc>x", "could not read this sitemap listing"),
    ],
)
def test_broken_listings_raise_an_error_naming_the_url(kind: str, content: bytes, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message) as caught:
        parse_listing(content, url="https://example.org/listing", kind=kind)
    assert caught.value.url == "https://example.org/listing"


def test_a_json_path_that_is_not_a_list_says_where() -> None:
    api = entry("cna", "api")
    with pytest.raises(DiscoveryError, match=r"ResultData\.Items"):
        parse_listing(b'{"ResultData": {"Items": {}}}', url="https://x/api", kind="json_api", entry=api)
