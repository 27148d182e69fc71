"""The generic path: one trafilatura reading cut to its article text, the title from the page, the date from metadata.

>>> page = "<html><body><h1>Big news</h1><article><p>" + "Words here. " * 30 + "</p></article></body></html>"
>>> extract_generic(page, "https://x.test/a").title
'Big news'
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from selectolax.lexbor import LexborHTMLParser

from crawler.extract.blocks import SKIPPED_TAGS, Block, block_paragraphs, html_blocks, trafilatura_blocks
from crawler.extract.budget import SLOW_PATH_MAX_CHARS
from crawler.extract.dates import ArticleDate, parse_date, plausible
from crawler.extract.density import NEUTRAL_WEIGHT, article_span, reading_words, value, words
from crawler.extract.roles import not_article
from crawler.extract.streams import before_record_stream

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
# trafilatura's reading is the one kept, unless the page's own reading holds this many times more article text:
# then trafilatura chose a side box (or found nothing) and the page's own reading is the article.
OWN_READING_RATIO = 10.0
CONTINUED_PARAGRAPH_WORDS = 25.0  # a continuation holds at least one paragraph this long (not just a caption)
# The page's own reading includes <noscript>: on some pages the content sits inside it
PAGE_SKIPPED = SKIPPED_TAGS - {"noscript"}


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
    """Main text in one pass: trafilatura's recall reading, cut to the span of blocks that is article text."""
    page = tree if tree is not None else LexborHTMLParser(html)
    if len(html) > SLOW_PATH_MAX_CHARS:  # trafilatura is superlinear on huge pages: the linear block reader
        paragraphs = block_paragraphs(page.body)
        return GenericResult(page_title(page), tuple(paragraphs), metadata_published(page, tz=tz), None)
    return GenericResult(
        title=page_title(page),
        paragraphs=tuple(block.text for block in article_blocks(html, url, page)),
        published=metadata_published(page, tz=tz),
        author=_meta(page, 'meta[name="author"]'),
    )


def article_blocks(html: str, url: str, page: LexborHTMLParser) -> list[Block]:
    """Two readings, one result: trafilatura's, and the page's own blocks (comment threads, navigation and side
    boxes skipped by their tags and class words), each cut to its article span and before any record stream.

    trafilatura's is the cleaner one and is kept, continued by the page's own blocks that follow its last
    paragraph in the same container (an article split into chunks around an advert, of which trafilatura read
    the first); the page's own reading replaces it only when it holds `OWN_READING_RATIO` times more article
    text, i.e. when trafilatura settled on a side box or a footer.
    """
    page_blocks = html_blocks(page.body, skipped=PAGE_SKIPPED, skip=not_article)
    chosen = before_record_stream(article_span(_with_page_links(_trafilatura_blocks(html, url), page_blocks)))
    own = before_record_stream(article_span(page_blocks))
    if reading_words(own) > OWN_READING_RATIO * reading_words(chosen):
        return own
    return chosen + continuation(chosen, own)


def continuation(chosen: Sequence[Block], own: Sequence[Block]) -> list[Block]:
    """The page's own blocks that continue `chosen` past its last paragraph, in the same container.

    The container of `chosen`'s last paragraph (the element around it, e.g. an article chunk) is the evidence:
    blocks inside an element of the same tags and classes at the same place continue the article; a neutral line
    elsewhere (an "Advertisement" label) is stepped over; an article-like block elsewhere, a heading or a link
    list ends the continuation, which counts only when it holds a real paragraph (a caption or a byline left
    after the text is not a continuation).

    >>> chunk, ad = "article/div.chunk/p.", "article/div.ad/p."
    >>> first = Block("First paragraph, long enough to count, with commas, and a full stop here.", container=chunk)
    >>> later = Block("Second chunk, " + "long enough to count as a paragraph, with commas, " * 3 + "and a stop.",
    ...               container=chunk)
    >>> [b.text[:6] for b in continuation([first], [first, Block("Advertisement", container=ad), later])]
    ['Second']
    """
    texts = {block.text for block in chosen}
    last = max((index for index, block in enumerate(own) if block.text in texts), default=None)
    if last is None or not own[last].container:
        return []
    section = own[last].container.rpartition("/")[0] + "/"
    tail: list[Block] = []
    for block in own[last + 1 :]:
        item = value(block)
        if block.heading or item < 0:
            break
        if block.container.startswith(section):
            tail.append(block)
        elif item > NEUTRAL_WEIGHT * words(block.text):
            break
    return tail if any(value(block) >= CONTINUED_PARAGRAPH_WORDS for block in tail) else []


def _with_page_links(blocks: Sequence[Block], page_blocks: Sequence[Block]) -> list[Block]:
    """trafilatura's paragraphs with the link text the page's own reading counted in the same paragraph.

    (Asking trafilatura for its links costs a URL resolution per link and changes which text it chooses.)
    """
    links = {block.text: block for block in page_blocks if block.links}
    out = []
    for block in blocks:
        same = links.get(block.text)
        out.append(replace(block, link_chars=same.link_chars, links=same.links) if same is not None else block)
    return out


def _trafilatura_blocks(html: str, url: str) -> list[Block]:
    """One trafilatura call: its fast recall reading (links are counted on the page's own blocks)."""
    import trafilatura  # 0.35 s to import: only pages without a profile (or redesigned ones) need it

    document = trafilatura.bare_extraction(
        html,
        url=url,
        fast=True,
        favor_recall=True,
        include_comments=False,
        include_tables=True,
        include_links=False,
    )
    body = getattr(document, "body", None)
    return trafilatura_blocks(body) if body is not None else []


def page_title(page: LexborHTMLParser) -> str | None:
    """The single `<h1>`, else `og:title`, else `<title>`."""
    headings = [text for node in page.css("h1") if (text := " ".join(node.text().split()))]
    if len(set(headings)) == 1:
        return headings[0]
    if candidate := _meta(page, 'meta[property="og:title"]'):
        return " ".join(candidate.split())
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
