"""Adaptive polling wired to the store: each source's profile (relearned daily) and its next poll.

The planning itself is pure (`crawler.pipeline.schedule`); this module feeds it the publication times the
store holds and the bounds the config sets. It is also the one owner of "when is this source next due":
`Planner.next_poll` is the wait after a poll (the daemon's shared-schedule claim and its job times use it),
and `next_due` turns a source's stored state into the moment it runs next (`tidings status`, `tidings sources
list`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from crawler.config import Settings, Source
from crawler.pipeline.schedule import HISTORY, Plan, Policy, Profile, intervals, plan

if TYPE_CHECKING:
    from storage import SourceState

Rows = Iterable[tuple[str, str | None, datetime, datetime]]
"""(source id, published as stored, first seen, the source's first sighting: when its first entry was seen)."""
MIN_FLOOR = 1.0  # seconds: never poll faster than this, whatever the config says


def schedule_policy(source: Source, settings: Settings) -> Policy:
    """The source's budget (its interval) and bounds: the configured ones, else interval / 8 and x 4, never
    below the politeness floor (the per-host delay) unless the fixed interval itself is."""
    floor = max(MIN_FLOOR, settings.per_host_delay, *source.host_delays.values())
    low = min(source.interval, max(floor, settings.min_interval or source.interval / 8))
    high = max(source.interval, settings.max_interval or source.interval * 4)
    return Policy(source.interval, low, high, source.schedule)


def longest_wait(source: Source, settings: Settings) -> float:
    """The longest time between two polls: what `/healthz` and `tidings status` allow before calling it stale."""
    policy = schedule_policy(source, settings)
    return policy.max_interval if policy.mode == "adaptive" else policy.interval


def publication_moment(published: str | None, first_seen: datetime, timezone: ZoneInfo,
                       watched_since: datetime | None = None) -> datetime | None:
    """When an entry was published, as far as its hour of the week goes: its stored `published` when that has a
    time (ISO 8601 with an offset); for a date only (`2026-03-30`, what most government pages print), when it
    was first seen if that was on the same day in the source's time zone (polling found it that day, so the
    detection time is close to the hour), else None (a first run's backfill or a late find says nothing of the
    hour: counting the crawl's own time would make the hour of the first crawl look busy); without a date,
    when first seen if that was after `watched_since` (the end of the source's first run: what that run found
    had been published at any time before it), else None."""
    sighting = first_seen if watched_since is None or first_seen > watched_since else None
    if not published:
        return sighting
    try:
        moment = datetime.fromisoformat(published)
    except ValueError:
        return sighting
    if moment.tzinfo is not None:
        return moment
    return first_seen if first_seen.astimezone(timezone).date() == moment.date() else None


class Planner:
    """Profiles per source, relearned once a day from `load(since)` (the store's publication times)."""

    def __init__(self, settings: Settings, load: Callable[[datetime], Rows]) -> None:
        self._settings = settings
        self._load = load
        self._learned_at: datetime | None = None
        self._rows: dict[str, list[tuple[str | None, datetime]]] = {}
        self._watched: dict[str, datetime] = {}  # per source: the end of its first run (first sighting + run_timeout)
        self._tables: dict[str, tuple[Profile, tuple[float, ...]]] = {}

    def next_poll(self, source: Source, now: datetime) -> Plan:
        """How long to wait after a poll at `now`, and why."""
        policy = schedule_policy(source, self._settings)
        if policy.mode == "fixed":
            return plan(Profile(ZoneInfo("UTC"), (), 0), policy, now)
        if self._learned_at is None or self._learned_at.date() != now.date():
            self._relearn(now)
        if source.id not in self._tables:
            timezone = ZoneInfo(source.profile.model.timezone)
            profile = Profile.learn(self._moments_of(source.id, timezone), timezone)
            self._tables[source.id] = (profile, intervals(profile, policy))
        profile, table = self._tables[source.id]
        return plan(profile, policy, now, table)

    def _relearn(self, now: datetime) -> None:
        rows: dict[str, list[tuple[str | None, datetime]]] = {}
        watched: dict[str, datetime] = {}
        first_run = timedelta(seconds=self._settings.run_timeout)
        for source_id, published, first_seen, first_sighting in self._load(now - HISTORY):
            rows.setdefault(source_id, []).append((published, first_seen))
            watched[source_id] = first_sighting + first_run
        self._learned_at, self._rows, self._watched, self._tables = now, rows, watched, {}

    def _moments_of(self, source_id: str, timezone: ZoneInfo) -> list[datetime]:
        """The source's publication moments within the history window (see `publication_moment`)."""
        assert self._learned_at is not None  # relearned before the first table
        earliest, latest = self._learned_at - HISTORY, self._learned_at + timedelta(days=1)
        watched_since = self._watched.get(source_id)
        moments = (publication_moment(published, first_seen, timezone, watched_since)
                   for published, first_seen in self._rows.get(source_id, ()))
        return [moment for moment in moments if moment is not None and earliest <= moment <= latest]


@dataclass(frozen=True)
class Due:
    """When a source runs next, and why: `at` is None when it never ran (it is due now)."""

    at: datetime | None
    reason: str


def last_poll(state: SourceState | None) -> datetime | None:
    """The source's last poll, successful or not; None when it never ran."""
    if state is None:
        return None
    return max((moment for moment in (state.last_success_at, state.last_failure_at) if moment), default=None)


def next_due(source: Source, state: SourceState | None, planner: Planner, now: datetime) -> Due:
    """When `source` runs next: its last poll plus the planned wait after it (`Planner.next_poll`: the fixed
    interval, or the adaptive one), unless the stored due time is later (a failure's backoff; the shared
    schedule's claim is never later than the plan). `Due(None, ...)` when it never ran (the reason is the plan
    from `now`)."""
    last = last_poll(state)
    if state is None or last is None:
        return Due(None, planner.next_poll(source, now).reason)
    planned = planner.next_poll(source, last)
    by_plan = last + timedelta(seconds=planned.seconds)
    if state.next_due_at is not None and state.next_due_at > by_plan:
        failures = state.consecutive_failures
        why = f"backing off after {failures} failure{'s' if failures != 1 else ''}" if failures else planned.reason
        return Due(state.next_due_at, why)
    return Due(by_plan, planned.reason)
