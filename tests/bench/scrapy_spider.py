"""The minimal Scrapy + trafilatura spider a user would write instead of tidings (what `bench.crawl` compares with).

    scrapy runspider tests/bench/scrapy_spider.py -a entries=entries.json -O articles.jsonl

`entries.json` lists the same discovery URLs tidings uses (feeds, list pages, JSON list APIs, open-data exports),
each `{"source", "kind", "url", "method", "form", "json", "items", "link", "title", "content", "paginated"}`; a
`{page}` in the URL or body is the page number. The spider walks each paginated entry until a page brings no new
link, follows every article link, extracts it with trafilatura and writes one JSON line per article. Open-data
exports carry the full text, so their items are written without a page fetch (as tidings does). Only Scrapy,
trafilatura and the standard library: no tidings code.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import scrapy
import trafilatura
from parsel import Selector
from scrapy.http import JsonRequest, Response


def fill_page(value: Any, page: int) -> Any:
    if isinstance(value, dict):
        return {key: fill_page(item, page) for key, item in value.items()}
    if isinstance(value, str):
        return page if value == "{page}" else (int(value) if value.isdigit() else value.replace("{page}", str(page)))
    return value


def dotted(data: Any, path: str | None) -> Any:
    for key in (path or "").split("."):
        if key:
            data = data.get(key, []) if isinstance(data, dict) else []
    return data


class ReplicaSpider(scrapy.Spider):
    name = "replica"
    custom_settings: ClassVar[dict[str, Any]] = {
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "AUTOTHROTTLE_ENABLED": False,
        "RETRY_TIMES": 1,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "USER_AGENT": "bench-scrapy/1.0",
        "FEED_EXPORT_ENCODING": "utf-8",
    }

    def __init__(self, entries: str, **kw: Any) -> None:
        super().__init__(**kw)
        with open(entries, encoding="utf-8") as handle:
            self.entries: list[dict[str, Any]] = json.load(handle)
        self.seen: dict[int, set[str]] = {i: set() for i in range(len(self.entries))}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for index, entry in enumerate(self.entries):
            yield self.listing(index, entry.get("start_page", 1))

    def listing(self, index: int, page: int) -> scrapy.Request:
        entry = self.entries[index]
        url = entry["url"].replace("{page}", str(page))
        meta = {"index": index, "page": page}
        if entry.get("json") is not None:
            return JsonRequest(
                url, data=fill_page(entry["json"], page), callback=self.parse_listing, meta=meta, dont_filter=True
            )
        if entry.get("form") is not None:
            form = {key: value.replace("{page}", str(page)) for key, value in entry["form"].items()}
            return scrapy.FormRequest(url, formdata=form, callback=self.parse_listing, meta=meta, dont_filter=True)
        return scrapy.Request(
            url, method=entry.get("method", "GET"), callback=self.parse_listing, meta=meta, dont_filter=True
        )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        index, page = response.meta["index"], response.meta["page"]
        entry = self.entries[index]
        fresh = 0
        for link, content, title in self.links(entry, response):
            url = response.urljoin(link)
            if url in self.seen[index]:
                continue
            self.seen[index].add(url)
            fresh += 1
            if content is not None:  # an open-data export: the text is in the listing
                text = "\n".join(filter(None, (t.strip() for t in Selector(text=content).xpath("//text()").getall())))
                yield {"url": url, "source": entry["source"], "title": title, "text": text}
            else:
                yield response.follow(url, callback=self.parse_article, cb_kwargs={"source": entry["source"]})
        if entry.get("paginated") and fresh:
            yield self.listing(index, page + 1)

    def links(self, entry: dict[str, Any], response: Response) -> Iterator[tuple[str, str | None, str | None]]:
        kind = entry["kind"]
        if kind in ("rss", "atom", "feed"):
            for link in response.xpath("//*[local-name()='item']/*[local-name()='link']/text()").getall():
                yield link.strip(), None, None
            for link in response.xpath("//*[local-name()='entry']/*[local-name()='link']/@href").getall():
                yield link.strip(), None, None
        elif kind == "list":
            for item in response.css(entry["items"]):
                href = item.css(f"{entry['link']}::attr(href)").get()
                if href:
                    yield href, None, None
        else:  # json_api, opendata_json
            items = dotted(json.loads(response.text), entry.get("items"))
            for item in items if isinstance(items, list) else []:
                link = item.get(entry["link"]) if isinstance(item, dict) else None
                if link:
                    content = item.get(entry["content"]) if entry.get("content") else None
                    yield link, content, item.get(entry.get("title") or "")

    def parse_article(self, response: Response, source: str) -> Iterator[dict[str, Any]]:
        result = trafilatura.extract(response.text, url=response.url, output_format="json", with_metadata=True)
        data = json.loads(result) if result else {}
        yield {
            "url": response.url,
            "source": source,
            "title": data.get("title"),
            "date": data.get("date"),
            "text": data.get("text"),
        }
