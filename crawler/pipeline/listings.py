"""Stage 1 of a run: read the source's listings (conditional GET) and choose the articles to fetch."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from crawler.discover.listings import DiscoveredItem, PageRequest, page_request, parse_listing
from crawler.errors import TidingsError
from crawler.extract.profile import DiscoveryModel
from crawler.pipeline.context import SourceRun, state_key
from storage.dedup import canonical_url

RECHECK_CAP = 50
MAX_PAGES = 1000


async def candidates(run: SourceRun) -> list[DiscoveredItem]:
    """New articles from every listing (at most the source's `max_articles`, or `--backfill N`), then the
    stored articles whose edit re-check is due."""
    items = await _discover(run)
    limit = run.options.backfill or run.source.max_articles
    rechecks = [DiscoveredItem(url=url) for url in _recheck_due(run)]
    return _new_items(items, run)[:limit] + rechecks


async def _discover(run: SourceRun) -> list[DiscoveredItem]:
    items: list[DiscoveredItem] = []
    for entry in run.source.profile.discover:
        if entry.backfill and not run.options.backfill:
            continue
        items.extend(await _discover_entry(run, entry))
    return items


async def _discover_entry(run: SourceRun, entry: DiscoveryModel) -> list[DiscoveredItem]:
    url = run.source.discovery_url(entry)
    if not run.options.backfill or not entry.paginated:
        return await _listing_page(run, entry, page_request(entry, url, entry.start_page)) or []
    return await _paginate(run, entry, url)


async def _paginate(run: SourceRun, entry: DiscoveryModel, url: str) -> list[DiscoveredItem]:
    """Walk a paginated listing until `--backfill N` items are found or a page brings nothing new."""
    found: list[DiscoveredItem] = []
    seen: set[str] = set()
    for page in range(entry.start_page, entry.start_page + MAX_PAGES):
        items = await _listing_page(run, entry, page_request(entry, url, page), conditional=False)
        fresh = [item for item in items or [] if item.url not in seen]
        if not fresh:
            break
        found.extend(fresh)
        seen.update(item.url for item in fresh)
        if len(found) >= run.options.backfill:
            break
    return found


async def _listing_page(
    run: SourceRun, entry: DiscoveryModel, request: PageRequest, conditional: bool = True
) -> list[DiscoveredItem] | None:
    key = state_key(request)
    try:
        fetched = await run.fetch(request, key if conditional else None)
        if fetched.not_modified:
            return []
        items = parse_listing(
            fetched.content, url=fetched.final_url, kind=entry.kind, entry=entry, charset=fetched.charset,
            timezone=run.source.profile.model.timezone,
        )
    except TidingsError as exc:
        run.fail_source(str(exc))
        return None
    run.memory.defer(key, fetched)
    return items


def _new_items(items: Iterable[DiscoveredItem], run: SourceRun) -> list[DiscoveredItem]:
    """Items whose URL is not stored yet; items that carry their full text are always compared."""
    items = _one_per_article(items)
    known = run.store.known_urls(canonical_url(item.url) for item in items if item.content_html is None)
    return [item for item in items if item.content_html is not None or canonical_url(item.url) not in known]


def _one_per_article(items: Iterable[DiscoveredItem]) -> list[DiscoveredItem]:
    """One item per canonical URL, in first-seen order, preferring the one that carries its text.

    A feed and a list API (or an export and a list page) often name the same article; reading it twice would
    fetch it twice and, when the two texts differ, store a false edit.
    """
    chosen: dict[str, DiscoveredItem] = {}
    for item in items:
        key = canonical_url(item.url)
        if key not in chosen or (chosen[key].content_html is None and item.content_html is not None):
            chosen[key] = item
    return list(chosen.values())


def _recheck_due(run: SourceRun) -> list[str]:
    """Stored pages of this source, recent enough to be edited, not checked for `edit_recheck` seconds."""
    if run.options.backfill:
        return []
    return run.store.recheck_due(
        run.source.id,
        since=run.now - timedelta(seconds=run.options.edit_window),
        checked_before=run.now - timedelta(seconds=run.options.edit_recheck),
        limit=RECHECK_CAP,
    )
