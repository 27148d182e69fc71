"""Whether a stored match is alerted, and into which thread of the outbox it goes.

Quiet by default: the first run of a source is a baseline (stored and matched, not alerted), `--backfill` never
alerts, and an article published longer ago than `max_alert_age` is not news. A held-back match is counted by
reason for the crawl summary. Alerted matches join their story's thread on each channel (one message per story
and channel; later members and edits become follow-ups), or their entry's when the rule says `per = "article"`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from crawler.pipeline.context import SourceRun
from crawler.pipeline.rulebook import Route
from storage import UnitOfWork

BASELINE, BACKFILL, TOO_OLD = "baseline", "backfill", "too old"


def queue_match(
    run: SourceRun, uow: UnitOfWork, match_id: int, route: Route, *, entry_id: int, story_id: int | None,
    published: str | None,
) -> int:
    """Queue the match on each of the route's channels; 0 (and the reason counted) when it is held back."""
    reason = held_reason(run, published)
    if reason is not None:
        run.held[reason] += 1
        return 0
    thread = _thread(route, entry_id, story_id)
    queued = 0
    for channel in route.channels:
        queued += uow.enqueue_alert(
            match_id, channel, mode=route.mode, due_at=route.due_at(run.now), now=run.now, thread=thread,
            story_id=story_id, hold=run.options.story_hold,
        )
    return queued


def held_reason(run: SourceRun, published: str | None) -> str | None:
    """Why a match of this run is not alerted, or None."""
    if run.options.backfill:
        return BACKFILL
    if run.baseline:
        return BASELINE
    if is_too_old(published, run.now, run.options.max_alert_age):
        return TOO_OLD
    return None


def is_too_old(published: str | None, now: datetime, max_age: float) -> bool:
    """Published before ``now - max_age``; a date without a time counts until the end of its day; no date or
    an unreadable one is never too old.

    >>> now = datetime(2026, 6, 10, tzinfo=UTC)
    >>> is_too_old("2026-06-01", now, 3 * 86400), is_too_old("2026-06-07", now, 3 * 86400), is_too_old(None, now, 1)
    (True, False, False)
    """
    moment = _moment(published)
    return moment is not None and moment < now - timedelta(seconds=max_age)


def _moment(published: str | None) -> datetime | None:
    if not published:
        return None
    try:
        if len(published) == 10:
            return datetime.combine(date.fromisoformat(published) + timedelta(days=1), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(published)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _thread(route: Route, entry_id: int, story_id: int | None) -> str | None:
    if route.mode == "digest":
        return None
    if route.per == "article" or story_id is None:
        return f"entry:{entry_id}"
    return f"story:{story_id}"
