"""Subscribing by URL: find a page's feed, else watch the page as a list; OPML in and out.

The feed is found, in order: the URL is itself a feed; the page names one (`<link rel="alternate"
type="application/rss+xml">` or Atom); one of the usual paths on its site answers with a feed (/feed, /rss.xml,
/atom.xml, ...). With none, the page itself becomes a list page (its article links). The source is written to the
config file with everything else in it kept (`crawler.configedit`).

>>> source_name("https://www.example.org/news/", set())
'example-org'
>>> source_name("https://www.example.org/news/", {"example-org"})
'example-org-2'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import feedparser
import listparser
from selectolax.lexbor import LexborHTMLParser

from crawler.config import Config
from crawler.configedit import add_source
from crawler.errors import FetchError, TidingsError
from crawler.fetch.client import Fetcher
from crawler.fetch.values import FetchPolicy

COMMON_PATHS = ("/feed", "/feed/", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/rss/index.xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+xml", "application/xml", "text/xml")
LIST_LINKS = "main a[href], article a[href], #content a[href], .content a[href]"


class SubscribeError(TidingsError):
    """The URL could not be read or turned into a source; the message names the URL."""


@dataclass(frozen=True)
class Found:
    """What a URL turned out to offer: a feed (``kind`` "rss") or a list page (``kind`` "list")."""

    kind: str
    url: str
    title: str | None


@dataclass(frozen=True)
class Subscription:
    name: str
    found: Found


def source_name(url: str, taken: set[str]) -> str:
    """A source id from the URL's host (without www.), unique among ``taken``."""
    host = (urlsplit(url).hostname or "source").removeprefix("www.")
    base = re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")[:50] or "source"
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def _feed_title(content: bytes) -> str | bool | None:
    """The feed's title ('' when it has none), or False when ``content`` is not a feed."""
    parsed = feedparser.parse(content)
    if not parsed.get("version"):
        return False
    return str(parsed.feed.get("title") or "")


def _alternates(content: bytes, base: str) -> list[str]:
    tree = LexborHTMLParser(content.decode("utf-8", errors="replace"))
    found = []
    for link in tree.css("link[href]"):
        rel = (link.attributes.get("rel") or "").lower().split()
        kind = (link.attributes.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            found.append(urljoin(base, (link.attributes.get("href") or "").strip()))
    return found


def _list_selector(content: bytes) -> str:
    tree = LexborHTMLParser(content.decode("utf-8", errors="replace"))
    return LIST_LINKS if tree.css_first(LIST_LINKS) is not None else "a[href]"


async def _try_feed(fetcher: Fetcher, url: str) -> Found | None:
    try:
        fetched = await fetcher.fetch(url)
    except FetchError:
        return None
    title = _feed_title(fetched.content)
    return None if title is False else Found("rss", fetched.final_url, str(title) or None)


async def find_source(url: str, fetcher: Fetcher) -> Found:
    """What to watch for ``url``: its feed if it has one, else the page as a list page."""
    try:
        page = await fetcher.fetch(url)
    except FetchError as exc:
        raise SubscribeError(f"{url}: cannot read the page: {exc}") from None
    title = _feed_title(page.content)
    if title is not False:
        return Found("rss", page.final_url, str(title) or None)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.final_url))
    candidates = [*_alternates(page.content, page.final_url), *(origin + path for path in COMMON_PATHS)]
    for candidate in dict.fromkeys(candidates):
        found = await _try_feed(fetcher, candidate)
        if found is not None:
            return found
    heading = LexborHTMLParser(page.content.decode("utf-8", errors="replace")).css_first("title")
    return Found("list", page.final_url, heading.text(strip=True) if heading else None)


def source_values(found: Found, page: bytes | None = None) -> dict[str, Any]:
    """The `[sources.<name>]` table for what was found."""
    if found.kind == "rss":
        values: dict[str, Any] = {"feed": found.url}
    else:
        link = _list_selector(page) if page is not None else "a[href]"
        values = {"discover": [{"name": "list", "kind": "list", "url": found.url, "link": link}]}
    if found.title:
        values["name"] = found.title[:100]
    return values


def fetch_policy_of(config: Config) -> FetchPolicy:
    settings = config.settings
    return FetchPolicy(user_agent=settings.user_agent, read_timeout=settings.request_timeout,
                       total_timeout=settings.request_timeout * 2, max_body_bytes=settings.max_body_bytes,
                       allow_private_networks=settings.allow_private_networks,
                       respect_robots=settings.respect_robots, retries=0, per_host_delay=0.0)


async def subscribe(url: str, config_path: Path, *, config: Config, name: str | None = None,
                    fetcher: Fetcher | None = None) -> Subscription:
    """Find what to watch at ``url`` and add it to the config file as a new source."""
    async with Fetcher(fetch_policy_of(config)) if fetcher is None else _borrowed(fetcher) as client:
        found = await find_source(url, client)
        page = None if found.kind == "rss" else (await client.fetch(found.url)).content
    chosen = name or source_name(found.url, set(config.sources))
    add_source(config_path, chosen, source_values(found, page))
    return Subscription(chosen, found)


class _borrowed:
    """A caller's fetcher as a context manager that does not close it."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher

    async def __aenter__(self) -> Fetcher:
        return self.fetcher

    async def __aexit__(self, *exc: object) -> None:
        return None


# --- OPML ---------------------------------------------------------------------------------------------------


def read_opml(content: bytes | str) -> list[Found]:
    """The feeds an OPML file lists (listparser), each with its title."""
    parsed = listparser.parse(content)
    if parsed.get("bozo") and not parsed.get("feeds"):
        raise SubscribeError(f"not an OPML subscription list: {parsed.get('bozo_exception')}")
    return [Found("rss", str(feed["url"]), str(feed.get("title") or "") or None) for feed in parsed["feeds"]]


def import_opml(content: bytes | str, config_path: Path, *, config: Config) -> list[Subscription]:
    """Add every feed of an OPML file that is not already a source's feed; returns what was added."""
    known = {values.get("feed") for values in _feeds_of(config).values()}
    taken, added = set(config.sources), []
    for found in read_opml(content):
        if found.url in known:
            continue
        name = source_name(found.url, taken)
        add_source(config_path, name, source_values(found))
        taken.add(name)
        known.add(found.url)
        added.append(Subscription(name, found))
    return added


def _feeds_of(config: Config) -> Mapping[str, dict[str, str]]:
    result = {}
    for source_id, source in config.sources.items():
        feeds = [source.discovery_url(entry) for entry in source.profile.discover if entry.kind == "rss"]
        pages = [source.discovery_url(entry) for entry in source.profile.discover if entry.kind != "rss"]
        result[source_id] = {"feed": feeds[0] if feeds else "", "page": pages[0] if pages else source.base_url}
    return result


def export_opml(config: Config, *, title: str = "tidings sources") -> str:
    """An OPML 2.0 document of the configured sources (feeds as xmlUrl; list-only sources by htmlUrl)."""
    root = ElementTree.Element("opml", version="2.0")
    ElementTree.SubElement(ElementTree.SubElement(root, "head"), "title").text = title
    body = ElementTree.SubElement(root, "body")
    for source_id, urls in sorted(_feeds_of(config).items()):
        attributes = {"text": config.sources[source_id].profile.model.name or source_id, "title": source_id}
        attributes |= {"type": "rss", "xmlUrl": urls["feed"]} if urls["feed"] else {}
        attributes["htmlUrl"] = urls["page"]
        ElementTree.SubElement(body, "outline", attributes)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def names(subscriptions: Iterable[Subscription]) -> list[str]:
    return [subscription.name for subscription in subscriptions]
