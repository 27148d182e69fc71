"""The evidence behind a new version: the raw HTTP response it was read from, kept per `keep_raw`.

A page's own response is kept with its version. An article taken whole from an open-data export has no page of
its own: the export's response is its evidence, stored once per fetch and shared by every article of that fetch
(``SourceRun.listing_raw``), and only once the unit of work that stored it committed.
"""

from __future__ import annotations

from datetime import datetime

from crawler.fetch.values import Fetched
from crawler.pipeline.context import SourceRun
from storage import SaveOutcome, UnitOfWork
from storage.evidence_records import RawResponseRecord


def keep_raw(run: SourceRun, uow: UnitOfWork, fetched: Fetched | None) -> int | None:
    """Store the raw response behind a new version (unless keep_raw = "none"); its id."""
    record = raw_to_keep(run, fetched)
    return None if record is None else uow.add_raw_response(record)


def raw_to_keep(run: SourceRun, fetched: Fetched | None) -> RawResponseRecord | None:
    """The raw response to keep behind a new version, or None (keep_raw = "none", or no response)."""
    if fetched is None or fetched.raw is None or run.options.keep_raw == "none":
        return None
    return raw_record(fetched, run.now)


def evidence_to_keep(
    run: SourceRun, fetched: Fetched | None, listing: Fetched | None
) -> RawResponseRecord | int | None:
    """The raw response behind an article's new version: the page's own, or, for an article taken whole from an
    open-data export (``listing``), that export's: its stored id once one article of the run has stored it."""
    if fetched is not None or listing is None:
        return raw_to_keep(run, fetched)
    shared = run.listing_raw.get(id(listing))
    return shared[1] if shared is not None else raw_to_keep(run, listing)


def stored_listing_raw(run: SourceRun, uow: UnitOfWork, listing: Fetched | None, outcome: SaveOutcome) -> int | None:
    """The export's raw response id, when this article's unit of work just stored it behind a new version; the
    caller shares it (:func:`share_listing_raw`) once the unit of work committed: a rolled-back insert is not."""
    if listing is None or id(listing) in run.listing_raw or outcome.version_id is None:
        return None
    if outcome.kind not in ("new", "duplicate", "edited"):  # nothing was stored: the version is an older one
        return None
    return uow.raw_of_version(outcome.version_id)


def share_listing_raw(run: SourceRun, listing: Fetched | None, raw_id: int | None) -> None:
    if listing is not None and raw_id is not None:
        run.listing_raw[id(listing)] = (listing, raw_id)


def raw_record(fetched: Fetched, now: datetime) -> RawResponseRecord:
    raw = fetched.raw
    assert raw is not None
    return RawResponseRecord(
        url=raw.url, method=raw.method, request_headers=raw.request_headers, http_version=raw.http_version,
        status=raw.status, reason=raw.reason, headers=raw.headers, body=raw.body, body_decoded=raw.body_decoded,
        fetched_at=now,
    )
