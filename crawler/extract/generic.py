"""The generic path: trafilatura's main text, the title from the page, the date only from article metadata.

>>> page = "<html><body><h1>Big news</h1><article><p>" + "Words here. " * 30 + "</p></article></body></html>"
>>> extract_generic(page, "https://x.test/a").title
'Big news'
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from crawler.extract.blocks import block_paragraphs, trafilatura_paragraphs
from crawler.extract.budget import SLOW_PATH_MAX_CHARS
from crawler.extract.dates import ArticleDate, parse_date, plausible

PUBLISHED_META = (
    'meta[property="article:published_time"]',
    'meta[name="article:published_time"]',
    'meta[itemprop="datePublished"]',
    'meta[property="og:published_time"]',
    'meta[name="pubdate"]',
    'meta[name="publishdate"]',
    'meta[name="date"]',
    'meta[name="DC.date.issued"]',
)
PUBLISHED_ELEMENTS = (
    '[itemprop="datePublished"][datetime]',
    "article time[datetime]",
    "time[pubdate][datetime]",
)
JSON_LD = 'script[type="application/ld+json"]'
# Measured on AEB (tests/bench/extraction.py): F1 is flat for shares 0.3-0.55; precision alone 0.960, this 0.965.
MIN_PRECISE_SHARE = 0.5


@dataclass(frozen=True)
class GenericResult:
    """What the generic path found; paragraphs are not yet cleaned."""

    title: str | None
    paragraphs: tuple[str, ...]
    published: ArticleDate | None
    author: str | None


def extract_generic(
    html: str, url: str, *, tree: LexborHTMLParser | None = None, tz: str = "Asia/Taipei"
) -> GenericResult:
    """Main text by trafilatura: its precise reading, unless that misses most of what its recall reading finds."""
    page = tree if tree is not None else LexborHTMLParser(html)
    if len(html) > SLOW_PATH_MAX_CHARS:  # trafilatura is superlinear on huge pages: the linear block reader
        paragraphs = block_paragraphs(page.body)
        return GenericResult(page_title(page), tuple(paragraphs), metadata_published(page, tz=tz), None)
    document = _trafilatura(html, url, favor_precision=True)
    paragraphs = _paragraphs(document)
    # The recall reading cannot hold more text than the page: when the precise one already has the share of the
    # page's text that it would need against any recall reading, the second trafilatura call cannot change it.
    if _chars(paragraphs) < MIN_PRECISE_SHARE * _page_chars(page):
        recall = _paragraphs(_trafilatura(html, url, favor_recall=True))
        if _chars(paragraphs) < MIN_PRECISE_SHARE * _chars(recall):
            paragraphs = recall
    return GenericResult(
        title=page_title(page, document),
        paragraphs=tuple(paragraphs),
        published=metadata_published(page, tz=tz),
        author=getattr(document, "author", None) or None,
    )


def _chars(paragraphs: list[str]) -> int:
    return sum(map(len, paragraphs))


def _page_chars(page: LexborHTMLParser) -> int:
    """The characters of the page's visible text, spaces folded (an upper bound of any reading's text)."""
    body = page.body or page.root
    return len(" ".join(body.text(separator=" ").split())) if body is not None else 0


def _trafilatura(html: str, url: str, *, favor_precision: bool = False, favor_recall: bool = False) -> Any:
    import trafilatura  # 0.35 s to import: only pages without a profile (or redesigned ones) need it

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=favor_precision,
        favor_recall=favor_recall,
    )


def _paragraphs(document: Any) -> list[str]:
    if document is None or document.body is None:
        return []
    return trafilatura_paragraphs(document.body)


def page_title(page: LexborHTMLParser, document: Any = None) -> str | None:
    """The single `<h1>`, else trafilatura's title, else `og:title`, else `<title>`."""
    headings = [text for node in page.css("h1") if (text := " ".join(node.text().split()))]
    if len(set(headings)) == 1:
        return headings[0]
    for candidate in (getattr(document, "title", None), _meta(page, 'meta[property="og:title"]')):
        if candidate:
            return " ".join(str(candidate).split())
    title = page.css_first("title")
    return (" ".join(title.text().split()) or None) if title is not None else None


def metadata_published(page: LexborHTMLParser, *, tz: str = "Asia/Taipei") -> ArticleDate | None:
    """The article's own date from its metadata; never a date printed somewhere on the page, nor a placeholder."""
    for raw in _published_values(page):
        found = plausible(parse_date(raw, tz=tz))
        if found is not None:
            return found
    return None


def _published_values(page: LexborHTMLParser) -> Iterator[str]:
    for selector in PUBLISHED_META:
        if value := _meta(page, selector):
            yield value
    for selector in PUBLISHED_ELEMENTS:
        for node in page.css(selector):
            yield str(node.attributes.get("datetime") or node.attributes.get("content") or "")
    yield from _json_ld_dates(page)


def _meta(page: LexborHTMLParser, selector: str) -> str | None:
    node = page.css_first(selector)
    value = node.attributes.get("content") if node is not None else None
    return value.strip() if value and value.strip() else None


def _json_ld_dates(page: LexborHTMLParser) -> Iterator[str]:
    for node in page.css(JSON_LD):
        try:
            data = json.loads(node.text())
        except ValueError:
            continue
        yield from _find_key(data, "datePublished")


def _find_key(data: object, key: str) -> Iterator[str]:
    if isinstance(data, dict):
        if isinstance(data.get(key), str):
            yield data[key]
        for value in data.values():
            yield from _find_key(value, key)
    elif isinstance(data, list):
        for item in data:
            yield from _find_key(item, key)
