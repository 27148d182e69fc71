"""Read one fetched page as an article: decode, extract with the source's profile (or generic), language.

Shared by the unit of work and by `tidings check`, which reads a page without storing it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from dataclasses import replace

from crawler.config import Source
from crawler.errors import ExtractError
from crawler.extract.budget import PAGE_SECONDS
from crawler.extract.decode import decode_html
from crawler.extract.language import UNDETERMINED, article_language
from crawler.extract.links import attachment_links
from crawler.extract.page import Extraction, extract
from crawler.extract.template import TemplateMemory
from crawler.fetch.values import Fetched

_HTML_TYPES = {"text/html", "application/xhtml+xml", "text/plain", None}


async def extract_within_budget(
    fetched: Fetched,
    source: Source | None,
    *,
    memory: TemplateMemory | None = None,
    keep: frozenset[str] = frozenset(),
    seconds: float = PAGE_SECONDS,
) -> Extraction:
    """`extract_page` in a worker thread, cut off after `seconds`: no page can stall a source or the event loop.

    As `asyncio.wait_for(asyncio.to_thread(...))` (the caller's context variables, the default executor), without
    the task wait_for would wrap the call in: one timer and one executor future per page."""
    call = functools.partial(contextvars.copy_context().run, extract_page, fetched, source, memory=memory, keep=keep)
    try:
        async with asyncio.timeout(seconds):
            return await asyncio.get_running_loop().run_in_executor(None, call)
    except TimeoutError:
        raise ExtractError(fetched.final_url, f"reading the page took over {seconds:g} s (the per-page budget); "
                                              "skipped: a page that size or shape is not an article") from None


def extract_page(
    fetched: Fetched, source: Source | None, *, memory: TemplateMemory | None = None, keep: frozenset[str] = frozenset()
) -> Extraction:
    """Decode and extract one fetched page with the source's profile (or the generic path).

    `memory` is the source's template memory (its run's, see `crawler.extract.template`); without it (`tidings
    check`, a lone page) no line goes for being repeated on other pages; lines in `keep` never go for that.
    """
    if fetched.content_type not in _HTML_TYPES:
        raise ExtractError(fetched.final_url, f"not an HTML page (Content-Type: {fetched.content_type})")
    html = decode_html(fetched.content, url=fetched.final_url, http_charset=fetched.charset).text
    selectors = source.profile.page_rules(fetched.final_url) if source else None
    # a custom source without selectors: the generic path is the plan, not a fallback
    rules = selectors if selectors is not None and selectors.body else None
    language = source.language if source and source.language != UNDETERMINED else None
    extraction = extract(html, fetched.final_url, rules, language=language, memory=memory, keep=keep)
    if language is None:
        detected = article_language(html, extraction.article.body)
        extraction = replace(extraction, article=replace(extraction.article, language=detected))
    links = attachment_links(
        html, fetched.final_url, body=selectors.body if selectors else (),
        selectors=selectors.attachments if selectors else (),
    )
    return replace(extraction, links=links)
