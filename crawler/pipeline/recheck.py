"""Looking again at stored articles: the decaying schedule, and what a look finds (the page as before, an edit,
a removal, a restoration).

>>> from datetime import UTC, datetime, timedelta
>>> seen = datetime(2026, 1, 1, tzinfo=UTC)
>>> next_check(seen, seen + timedelta(minutes=20), (900.0, 3600.0)) - seen
datetime.timedelta(seconds=3600)
>>> next_check(seen, seen + timedelta(hours=2), (900.0, 3600.0)) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urljoin

from crawler.discover.listings import DiscoveredItem
from crawler.fetch.errors import HTTPStatusError
from crawler.fetch.values import Fetched
from crawler.pipeline.changes import document_of_text, queue_matches
from crawler.pipeline.context import SourceRun
from storage.dedup import canonical_url

GONE_STATUSES = frozenset({404, 410})


def next_check(first_seen: datetime, now: datetime, steps: Sequence[float]) -> datetime | None:
    """The first step of the schedule (seconds after first seen) still ahead of ``now``; None when done."""
    return next((first_seen + timedelta(seconds=step) for step in steps if first_seen + timedelta(seconds=step) > now),
                None)


def first_check(run: SourceRun) -> datetime | None:
    """When a new article of this run is looked at again first."""
    return next_check(run.now, run.now, run.options.recheck_after)


def is_gone_status(exc: Exception) -> bool:
    """404 or 410: the page is not there (a 5xx, 429 or network error never is a removal)."""
    return isinstance(exc, HTTPStatusError) and exc.status in GONE_STATUSES


def is_gone_redirect(run: SourceRun, item: DiscoveredItem, fetched: Fetched) -> bool:
    """The page now redirects to the site's home page or one of the source's list or discovery pages."""
    if not fetched.redirects:
        return False
    final = canonical_url(fetched.final_url)
    if final == canonical_url(item.url):
        return False
    listings = {canonical_url(run.source.base_url), canonical_url(urljoin(run.source.base_url, "/"))}
    listings.update(canonical_url(run.source.discovery_url(entry)) for entry in run.source.profile.discover)
    return final in listings


def looked(run: SourceRun, item: DiscoveredItem) -> None:
    """The page of a re-check item answered (200 or 304): schedule its next look."""
    row = run.rechecks.get(item.url)
    if row is None:
        return
    with run.store.unit_of_work() as uow:
        uow.schedule_recheck(row.entry_id, next_check(row.first_seen, run.now, run.options.recheck_after))


def back_unchanged(run: SourceRun, item: DiscoveredItem) -> None:
    """A removed entry's page answered 304 (its old copy is current again): restored."""
    row = run.rechecks.get(item.url)
    if row is None or row.removed_at is None:
        return
    with run.store.unit_of_work() as uow:
        if uow.record_back(row.entry_id, now=run.now) is not None:
            run.restored += 1


def gone(run: SourceRun, item: DiscoveredItem) -> None:
    """A re-check item's page is gone: a suspect the first time, removed (alerted once) the second time in a row,
    expected afterwards. Never an error line."""
    row = run.rechecks.get(item.url)
    if row is None:
        return
    upcoming = next_check(row.first_seen, run.now, run.options.recheck_after)
    stored = run.store.get_entry(row.entry_id) if row.removed_at is None else None
    with run.store.unit_of_work() as uow:
        outcome = uow.record_gone(row.entry_id, now=run.now, next_check_at=upcoming)
        if outcome.kind != "removed" or outcome.version_id is None:
            return
        run.removed += 1
        if stored is not None:  # the rules see the last text that was there
            document = document_of_text(run, stored.text, stored.title, stored.published, stored.language)
            run.alerts += queue_matches(run, uow, document, row.entry_id, outcome.version_id, "removed",
                                        story_id=uow.story_of(row.entry_id))
