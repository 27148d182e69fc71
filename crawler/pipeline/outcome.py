"""The end of a run, and its one owner: the run record, the source's state (failures, backoff) and the
health alerts (one when a source starts failing, one when it recovers)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from crawler.pipeline.context import SourceRun
from crawler.pipeline.values import RunOptions
from storage import RunStats, StorageError, Store
from storage.records import HealthState

log = logging.getLogger(__name__)


def finish(run: SourceRun) -> None:
    """Record the run (unless it was idle), the source's result with the lease given back, and any health alert.

    An idle poll (nothing new, edited or duplicated, no error) writes only the source row: its last success
    is what `tidings status` and `/healthz` read; the run table keeps the runs that did something. When the
    database refuses (a full disk), the run's report says so in one line and the lease is given back if it can
    be (else it expires, or is taken over at once once this process is gone).
    """
    try:
        _record(run)
    except StorageError as exc:
        run.fail_database(f"the run's outcome could not be recorded: {exc}")
        try:
            run.store.release_source(run.source.id, run.options.owner)
        except StorageError:
            log.debug("source %s: the lease could not be released either; it expires by itself", run.source.id)


def _record(run: SourceRun) -> None:
    report = run.report()
    error = "; ".join(report.errors[:5]) or None
    if (report.new or report.edited or report.duplicates or report.removed or report.restored or report.errors
            or report.failed):
        stats = RunStats(
            requests=report.requests, bytes=report.bytes, not_modified=report.not_modified, new_entries=report.new,
            edits=report.edited, duplicates=report.duplicates, errors=len(report.errors), error=error,
            degraded=report.degraded, cosmetic_edits=report.cosmetic, removals=report.removed,
            restorations=report.restored,
        )
        run.store.record_run(run.source.id, stats, started_at=run.now, finished_at=datetime.now(UTC))
    _record_result(run, error)


def _record_result(run: SourceRun, error: str | None) -> None:
    source_id, store, options = run.source.id, run.store, run.options
    failures = run.claimed.consecutive_failures + 1 if run.failed else 0
    next_due = run.now + timedelta(seconds=backoff(run.source.interval, failures, options.backoff_max))
    state = store.record_source_result(
        source_id, ok=not run.failed, error=error if run.failed else None, degraded=run.degraded, now=run.now,
        next_due_at=_next_due(next_due, options.next_due) if run.failed else options.next_due,
        release_owner=options.owner,
    )
    _health_alerts(store, source_id, state.consecutive_failures, state.health_alerted, error, run.now, options)


def _next_due(backed_off: datetime, claimed: datetime | None) -> datetime:
    """A failure's backoff, never earlier than the turn the run claimed on the shared schedule."""
    return backed_off if claimed is None else max(backed_off, claimed)


def backoff(interval: float, failures: int, cap: float) -> float:
    """After the n-th failure in a row, wait interval * 2**(n-1), at most `cap`.

    >>> backoff(60, 3, 3600)
    240.0
    >>> backoff(60, 0, 3600)
    60.0
    """
    return float(min(cap, interval * 2 ** max(0, failures - 1)))


def _health_alerts(
    store: Store, source_id: str, failures: int, alerted: bool, error: str | None, now: datetime, options: RunOptions
) -> None:
    """One alert when a source starts failing (after K runs in a row), one when it recovers; never one per run."""
    if not options.admin_channels:
        return
    state: HealthState
    if failures >= options.failure_alert_after and not alerted:
        state = "failing"
    elif failures == 0 and alerted:
        state = "recovered"
    else:
        return
    for channel in options.admin_channels:
        store.enqueue_health_alert(source_id=source_id, channel=channel, state=state, error=error, now=now)
    store.set_health_alerted(source_id, state == "failing")
