"""Adaptive polling wired to the store: each source's profile (relearned daily) and its next poll.

The planning itself is pure (`crawler.pipeline.schedule`); this module feeds it the publication times the
store holds and the bounds the config sets. The daemon asks after every run; `tidings sources list` asks
once to explain the schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.config import Settings, Source
from crawler.pipeline.schedule import HISTORY, Plan, Policy, Profile, intervals, plan

Rows = Iterable[tuple[str, str | None, datetime]]  # (source id, published as stored, first seen)
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


def publication_moment(published: str | None, first_seen: datetime) -> datetime:
    """When an entry was published: its stored `published` (ISO 8601 with an offset), else when first seen."""
    if published:
        try:
            moment = datetime.fromisoformat(published)
        except ValueError:
            return first_seen
        if moment.tzinfo is not None:
            return moment
    return first_seen


class Planner:
    """Profiles per source, relearned once a day from `load(since)` (the store's publication times)."""

    def __init__(self, settings: Settings, load: Callable[[datetime], Rows]) -> None:
        self._settings = settings
        self._load = load
        self._day: date | None = None
        self._moments: dict[str, list[datetime]] = {}
        self._tables: dict[str, tuple[Profile, tuple[float, ...]]] = {}

    def next_poll(self, source: Source, now: datetime) -> Plan:
        """How long to wait after a poll at `now`, and why."""
        policy = schedule_policy(source, self._settings)
        if policy.mode == "fixed":
            return plan(Profile(ZoneInfo("UTC"), (), 0), policy, now)
        if self._day != now.date():
            self._relearn(now)
        if source.id not in self._tables:
            timezone = ZoneInfo(source.profile.model.timezone)
            profile = Profile.learn(self._moments.get(source.id, ()), timezone)
            self._tables[source.id] = (profile, intervals(profile, policy))
        profile, table = self._tables[source.id]
        return plan(profile, policy, now, table)

    def _relearn(self, now: datetime) -> None:
        since = now - HISTORY
        moments: dict[str, list[datetime]] = {}
        for source_id, published, first_seen in self._load(since):
            moment = publication_moment(published, first_seen)
            if since <= moment <= now + timedelta(days=1):
                moments.setdefault(source_id, []).append(moment)
        self._day, self._moments, self._tables = now.date(), moments, {}
