"""The values that cross the unit of work's boundary: the options of a run and the report of what it did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler.config import Settings
from crawler.settings import DEFAULT_RECHECK_AFTER


@dataclass(frozen=True)
class RunOptions:
    """Knobs of one run that are not part of the source."""

    owner: str = "tidings"
    backfill: int = 0
    lease_seconds: float = 60.0
    run_timeout: float = 600.0
    recheck_after: tuple[float, ...] = DEFAULT_RECHECK_AFTER
    recheck_budget: int = 20
    recheck_all: bool = False  # `crawl --recheck`: the newest stored pages now, whatever their schedule
    failure_alert_after: int = 3
    admin_channels: tuple[str, ...] = ()
    backoff_max: float = 6 * 3600.0
    next_due: datetime | None = None  # the shared schedule's next due time this run claimed (the daemon's turn)
    fetch_attachments: bool = True
    max_attachment_bytes: int = 20 * 1024 * 1024
    keep_raw: str = "all"
    alert_existing: bool = False  # alert on the first run of a source too (no baseline)
    story_hold: float = 600.0
    max_alert_age: float = 3 * 86400.0

    @classmethod
    def from_settings(
        cls, settings: Settings, *, owner: str, backfill: int = 0, alert_existing: bool = False,
        recheck_all: bool = False,
    ) -> RunOptions:
        return cls(
            owner=owner,
            backfill=backfill,
            alert_existing=alert_existing,
            recheck_all=recheck_all,
            story_hold=settings.story_hold,
            max_alert_age=settings.max_alert_age,
            lease_seconds=settings.lease,
            run_timeout=settings.run_timeout,
            recheck_after=settings.recheck_after,
            recheck_budget=settings.recheck_budget,
            failure_alert_after=settings.failure_alert_after,
            admin_channels=settings.admin_channels,
            backoff_max=settings.source_backoff_max,
            fetch_attachments=settings.fetch_attachments,
            max_attachment_bytes=settings.max_attachment_bytes,
            keep_raw=settings.keep_raw,
        )


@dataclass(frozen=True)
class RunReport:
    """What one run of one source did. `failed` means the source itself failed (see `errors`).

    `timed_out` is set when the run was cut off by `RunOptions.run_timeout` (then `failed` is set too).
    `edited` counts every edit, `cosmetic` the cosmetic ones among them; `removed` and `restored` count pages
    found taken down (twice in a row) and back again; `rechecked` the stored pages fetched again.
    `undated` names the new or edited entries stored without a publication date (neither the page, its listing
    nor its URL shows one).
    """

    source_id: str
    new: int = 0
    edited: int = 0
    cosmetic: int = 0
    removed: int = 0
    restored: int = 0
    rechecked: int = 0
    unchanged: int = 0
    duplicates: int = 0
    alerts: int = 0
    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    errors: tuple[str, ...] = ()
    undated: tuple[str, ...] = ()  # URLs of entries stored without a publication date
    failed: bool = False
    degraded: bool = False
    skipped: str | None = None
    timed_out: bool = False
    held: tuple[tuple[str, int], ...] = ()
    """Matches not alerted, by reason (baseline, backfill, too old)."""

    def line(self, seconds: float) -> str:
        """The run in one log line, as operators read it.

        >>> RunReport("cna", new=3, edited=1, not_modified=12).line(1.23)
        'source cna: 3 new, 1 edited, 12 not modified, 0 errors in 1.2s'
        >>> RunReport("cna", skipped="another process (h:1:2) is running this source").line(0.01)
        'source cna: skipped: another process (h:1:2) is running this source'
        """
        if self.skipped:
            return f"source {self.source_id}: skipped: {self.skipped}"
        verdict = " (timed out)" if self.timed_out else " (failed)" if self.failed else ""
        undated = f", {len(self.undated)} undated" if self.undated else ""
        return (f"source {self.source_id}: {self.new} new, {self.edited} edited, {self.not_modified} not modified, "
                f"{len(self.errors)} errors{undated} in {seconds:.1f}s{verdict}")
