"""Find article URLs in what a discovery entry returns: RSS/Atom, list pages, JSON list APIs, open-data
exports (JSON, and UTF-16 XML), sitemaps. Pure parsing: the pipeline fetches, this module reads.

>>> feed = b'<rss version="2.0"><channel><item><title>T</title><link>https://x.tw/a/1</link></item></channel></rss>'
>>> [item.url for item in parse_listing(feed, url="https://x.tw/feed", kind="rss")]
['https://x.tw/a/1']
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from crawler.errors import DiscoveryError
from crawler.extract.profile import DiscoveryKind, DiscoveryModel

if TYPE_CHECKING:  # feedparser, selectolax, decoding and cleanup load when a listing is parsed, not on a 304
    from xml.etree import ElementTree

    from selectolax.lexbor import LexborNode

    from crawler.extract.dates import ArticleDate
    from crawler.fetch.values import Fetched


@dataclass(frozen=True)
class DiscoveredItem:
    """A candidate article: its URL, what the listing says of it, and its full HTML text when the listing has it.

    ``recheck`` marks a stored article fetched again on its re-check schedule (not found in a listing), so that
    a 404 is news about a stored entry, not a broken link. ``listing`` is the response an item's ``content_html``
    came in (an open-data export): the evidence behind its text, as a page's own response is behind a page's.
    """

    url: str
    title: str | None = None
    published: ArticleDate | None = None
    content_html: str | None = None
    recheck: bool = False
    listing: Fetched | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class PageRequest:
    """One request of a discovery entry: page 1 for a normal run, further pages for a backfill."""

    url: str
    method: str = "GET"
    form: Mapping[str, str] | None = None
    json_body: Any = None


def page_request(entry: DiscoveryModel, url: str, page: int) -> PageRequest:
    """Fill `{page}` in the entry's URL, form or JSON body.

    >>> page_request(DiscoveryModel(name="l", kind="list", url="x"), "https://a.tw/l?page={page}", 3).url
    'https://a.tw/l?page=3'
    """
    return PageRequest(
        url=url.replace("{page}", str(page)),
        method=entry.method,
        form={key: value.replace("{page}", str(page)) for key, value in entry.form.items()} if entry.form else None,
        json_body=_fill_page(entry.json_body, page) if entry.json_body is not None else None,
    )


def _fill_page(value: Any, page: int) -> Any:
    if isinstance(value, dict):
        return {key: _fill_page(item, page) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_page(item, page) for item in value]
    if value == "{page}":
        return page
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def parse_listing(
    content: bytes,
    *,
    url: str,
    kind: DiscoveryKind,
    entry: DiscoveryModel | None = None,
    charset: str | None = None,
    timezone: str = "Asia/Taipei",
) -> list[DiscoveredItem]:
    """Parse one fetched listing into items, in the listing's order. Raises DiscoveryError naming the URL."""
    entry = entry or DiscoveryModel(name=kind, kind=kind, url=url)
    parser = _PARSERS.get(kind)
    if parser is None:
        raise DiscoveryError(url, f"unknown discovery kind {kind!r}")
    from xml.etree.ElementTree import ParseError

    try:
        items = parser(content, url, entry, charset, timezone)
    except DiscoveryError:
        raise
    except (ValueError, KeyError, TypeError, ParseError) as exc:
        raise DiscoveryError(url, f"could not read this {kind} listing: {exc}") from exc
    return _unique(items)


def _unique(items: list[DiscoveredItem]) -> list[DiscoveredItem]:
    seen: set[str] = set()
    unique = []
    for item in items:
        if item.url not in seen:
            seen.add(item.url)
            unique.append(item)
    return unique


def _parse_rss(
    content: bytes, url: str, entry: DiscoveryModel, charset: str | None, tz: str
) -> list[DiscoveredItem]:
    import feedparser

    feed = feedparser.parse(content, response_headers={"content-location": url} if url else None)
    if feed.bozo and not feed.entries and not _is_empty_feed(feed):
        raise DiscoveryError(url, f"not an RSS or Atom feed ({feed.get('bozo_exception')})")
    items: list[DiscoveredItem] = []
    for feed_entry in feed.entries:
        link = feed_entry.get("link") or ""
        if not link:
            continue
        date_text = feed_entry.get("published") or feed_entry.get("updated") or ""
        items.append(DiscoveredItem(
            url=urljoin(url, link),
            title=_clean(feed_entry.get("title")),
            published=_date(date_text, tz),
        ))
    return items


def _is_empty_feed(feed: Any) -> bool:
    """A well-formed RSS or Atom document with no items (a new or emptied blog): zero items, not an error.

    feedparser flags it only because no Content-Type reached it, or its declared encoding was overridden.
    """
    import feedparser

    harmless = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
    return bool(feed.get("version")) and isinstance(feed.get("bozo_exception"), harmless)


def _parse_list(
    content: bytes, url: str, entry: DiscoveryModel, charset: str | None, tz: str
) -> list[DiscoveredItem]:
    from selectolax.lexbor import LexborHTMLParser

    from crawler.extract.decode import decode_html

    html = decode_html(content, url=url, http_charset=charset).text
    tree = LexborHTMLParser(html)
    rows = tree.css(entry.items) if entry.items else [tree.root] if tree.root else []
    items: list[DiscoveredItem] = []
    for row in rows:
        items.extend(_list_row_items(row, url, entry, tz))
    return items


def _list_row_items(row: LexborNode, url: str, entry: DiscoveryModel, tz: str) -> Iterator[DiscoveredItem]:
    links = row.css(entry.link or "a[href]")
    if not links and row.tag == "a":
        links = [row]
    date_node = row.css_first(entry.date) if entry.date else None
    published = _date(date_node.text(strip=True), tz) if date_node else None
    title_node = row.css_first(entry.title) if entry.title else None
    for link in links[:1] if entry.items else links:
        href = (link.attributes.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        title = title_node.text(strip=True) if title_node else (link.attributes.get("title") or link.text(strip=True))
        yield DiscoveredItem(url=urljoin(url, href), title=_clean(title), published=published)


def _parse_json_api(
    content: bytes, url: str, entry: DiscoveryModel, charset: str | None, tz: str
) -> list[DiscoveredItem]:
    from crawler.extract.decode import decode_text

    data = json.loads(decode_text(content, url=url, http_charset=charset).text)
    records = _dig(data, entry.items or "")
    if not isinstance(records, list):
        where = entry.items or "the top level"
        raise DiscoveryError(url, f"expected a list at {where!r}, found {type(records).__name__}")
    return [item for record in records if (item := _record_item(record, url, entry, tz))]


def _record_item(record: Any, url: str, entry: DiscoveryModel, tz: str) -> DiscoveredItem | None:
    if not isinstance(record, Mapping):
        return None
    link = str(record.get(entry.link or "url") or "").strip()
    if not link:
        return None
    date_text = str(record.get(entry.date or "date") or "")
    content_html = record.get(entry.content) if entry.content else None
    return DiscoveredItem(
        url=urljoin(url, link),
        title=_clean(record.get(entry.title or "title")),
        published=_date(date_text, tz),
        content_html=str(content_html) if content_html else None,
    )


def _dig(data: Any, path: str) -> Any:
    for key in filter(None, path.split(".")):
        if not isinstance(data, Mapping) or key not in data:
            raise KeyError(f"no key {key!r} on the path {path!r}")
        data = data[key]
    return data


def _parse_opendata_xml(
    content: bytes, url: str, entry: DiscoveryModel, charset: str | None, tz: str
) -> list[DiscoveredItem]:
    root = _xml_root(content, url, charset)
    records = [{column.get("name") or column.tag: column.text or "" for column in data} for data in root]
    return [item for record in records if (item := _record_item(record, url, entry, tz))]


def _xml_root(content: bytes, url: str, charset: str | None) -> ElementTree.Element:
    """Decode (honouring a UTF-16 declaration or BOM) and parse an XML document."""
    from xml.etree import ElementTree

    from crawler.extract.decode import decode_text

    text = decode_text(content, url=url, http_charset=charset).text
    return ElementTree.fromstring(_without_declaration(text))


def _without_declaration(text: str) -> str:
    """ElementTree refuses a str that still declares an encoding; the text is already decoded."""
    stripped = text.lstrip("\ufeff \r\n\t")
    if stripped.startswith("<?xml"):
        return stripped[stripped.index("?>") + 2 :]
    return stripped


def _parse_sitemap(
    content: bytes, url: str, entry: DiscoveryModel, charset: str | None, tz: str
) -> list[DiscoveredItem]:
    root = _xml_root(content, url, charset)
    items: list[DiscoveredItem] = []
    for node in root:
        loc = _child_text(node, "loc")
        if loc:
            lastmod = _child_text(node, "lastmod")
            published = _date(lastmod, tz)
            items.append(DiscoveredItem(url=urljoin(url, loc), published=published))
    return items


def _child_text(node: ElementTree.Element, name: str) -> str:
    for child in node:
        if child.tag.rsplit("}", 1)[-1] == name:
            return (child.text or "").strip()
    return ""


def _date(text: str | None, tz: str) -> ArticleDate | None:
    from crawler.extract.dates import parse_date  # with the rest of the parsing: not on a 304

    return parse_date(text, tz=tz) if text else None


def _clean(value: Any) -> str | None:
    from crawler.extract.cleanup import MAX_TITLE_CHARS, fold

    if value is None:
        return None
    text = fold(str(value)[: MAX_TITLE_CHARS * 4])[:MAX_TITLE_CHARS]
    return text or None


_PARSERS = {
    "rss": _parse_rss,
    "list": _parse_list,
    "json_api": _parse_json_api,
    "opendata_json": _parse_json_api,
    "opendata_xml": _parse_opendata_xml,
    "sitemap": _parse_sitemap,
}
