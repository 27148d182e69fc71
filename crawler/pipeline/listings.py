"""Stage 1 of a run: read the source's listings (conditional GET) and choose the articles to fetch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from crawler.discover.listings import DiscoveredItem, PageRequest, page_request, parse_listing
from crawler.errors import TidingsError
from crawler.extract.profile import DiscoveryModel
from crawler.pipeline.context import SourceRun, state_key
from storage.dedup import canonical_url

MAX_PAGES = 1000


async def candidates(run: SourceRun) -> list[DiscoveredItem]:
    """New articles from every listing (at most the source's `max_articles`, or `--backfill N`), then the
    stored articles whose edit re-check is due."""
    items = _new_items(await _discover(run), run)[: run.options.backfill or run.source.max_articles]
    taken = {canonical_url(item.url) for item in items}
    return items + [item for item in _recheck_due(run) if canonical_url(item.url) not in taken]


async def _discover(run: SourceRun) -> list[DiscoveredItem]:
    entries = [entry for entry in run.source.profile.discover if run.options.backfill or not entry.backfill]
    polled = [state_key(request) for entry in entries if (request := _polled_page(run, entry)) is not None]
    if len(polled) > 1:  # the validators of all the source's listings in one query, not one each
        run.memory.preload(polled)
    items: list[DiscoveredItem] = []
    for entry in entries:
        items.extend(await _discover_entry(run, entry))
    return items


def _polled_page(run: SourceRun, entry: DiscoveryModel) -> PageRequest | None:
    """The one page of `entry` a run reads (conditionally), or None when a backfill walks its pages."""
    if run.options.backfill and entry.paginated:
        return None
    return page_request(entry, run.source.discovery_url(entry), entry.start_page)


async def _discover_entry(run: SourceRun, entry: DiscoveryModel) -> list[DiscoveredItem]:
    request = _polled_page(run, entry)
    if request is not None:
        return await _listing_page(run, entry, request) or []
    return await _paginate(run, entry, run.source.discovery_url(entry))


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
    return [replace(item, listing=fetched) if item.content_html is not None else item for item in items]


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


def _with_stored_dates(run: SourceRun, items: list[DiscoveredItem]) -> list[DiscoveredItem]:
    """Re-check items carry the stored date: a page without one keeps what its listing said when it was new."""
    if not items:
        return items
    from crawler.extract.dates import parse_date  # only when a re-check is due

    tz = run.source.profile.model.timezone
    dates = run.store.published_of(item.url for item in items)
    return [replace(item, published=parse_date(dates[item.url], tz=tz)) if item.url in dates else item
            for item in items]


def _recheck_due(run: SourceRun) -> list[DiscoveredItem]:
    """Stored pages of this source whose re-check is due, most overdue first, at most `recheck_budget` (none
    in a backfill: a run never turns into both)."""
    if run.options.backfill:
        return []
    due = run.store.recheck_due(run.source.id, now=run.now, limit=run.options.recheck_budget,
                                every=run.options.recheck_all)
    run.rechecks.update({row.url: row for row in due})
    return _with_stored_dates(run, [DiscoveredItem(url=row.url, recheck=True) for row in due])
