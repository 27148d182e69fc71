"""Adaptive polling: the same budget as the fixed interval, spent where a source publishes, within bounds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.config import load_config
from crawler.drivers.planner import Planner, publication_moment, schedule_policy
from crawler.pipeline.schedule import HOURS, MIN_HISTORY, Policy, Profile, intervals, plan

TAIPEI = ZoneInfo("Asia/Taipei")
MONDAY = datetime(2026, 3, 2, tzinfo=TAIPEI)


def office_hours(count: int, seed: int = 1) -> list[datetime]:
    rng = random.Random(seed)
    return [MONDAY + timedelta(days=rng.randrange(28) // 7 * 7 + rng.randrange(5), hours=rng.uniform(8, 19))
            for _ in range(count)]


def test_the_budget_is_the_fixed_intervals_and_busy_hours_get_more_of_it() -> None:
    profile = Profile.learn(office_hours(400), TAIPEI)
    policy = Policy(interval=600, min_interval=75, max_interval=2400)
    table = intervals(profile, policy)
    assert sum(3600 / seconds for seconds in table) == pytest.approx(HOURS * 6)
    assert all(75 <= seconds <= 2400 for seconds in table)
    assert table[10] < 600 < table[3]  # Monday 10:00 busy, Monday 03:00 quiet
    assert table[5 * 24 + 10] == 2400  # Saturday 10:00: nothing was ever published then


def test_walking_the_week_polls_as_often_as_the_fixed_interval() -> None:
    profile = Profile.learn(office_hours(400), TAIPEI)
    policy = Policy(interval=600, min_interval=75, max_interval=2400)
    table, moment, polls = intervals(profile, policy), MONDAY + timedelta(weeks=4), 0
    while moment < MONDAY + timedelta(weeks=5):
        moment += timedelta(seconds=plan(profile, policy, moment, table).seconds)
        polls += 1
    assert abs(polls - 7 * 144) <= 2


def test_a_night_interval_does_not_sleep_through_the_morning() -> None:
    profile = Profile.learn(office_hours(400), TAIPEI)
    policy = Policy(interval=600, min_interval=75, max_interval=2400)
    at = MONDAY + timedelta(weeks=4, hours=7, minutes=55)
    assert plan(profile, policy, at).seconds < 1000
    assert plan(profile, policy, at).reason.startswith("weekday 08:00 is ")


def test_fixed_mode_and_too_little_history_keep_the_interval() -> None:
    policy = Policy(interval=600, min_interval=75, max_interval=2400)
    learning = plan(Profile.learn(office_hours(MIN_HISTORY - 1), TAIPEI), policy, MONDAY)
    assert (learning.seconds, learning.adapted, learning.reason) == (600, False, "learning (19 of 20 items)")
    fixed = plan(Profile.learn(office_hours(400), TAIPEI), Policy(600, 75, 2400, "fixed"), MONDAY)
    assert (fixed.seconds, fixed.reason) == (600, "fixed interval")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 28 * 24 * 60 - 1), min_size=MIN_HISTORY, max_size=300),
       st.floats(30, 3600), st.integers(0, 7 * 24 * 60))
def test_plans_stay_within_the_bounds(minutes: list[int], interval: float, at: int) -> None:
    profile = Profile.learn([MONDAY + timedelta(minutes=m) for m in minutes], TAIPEI)
    policy = Policy(interval, interval / 8, interval * 4)
    planned = plan(profile, policy, MONDAY + timedelta(weeks=4, minutes=at))
    assert interval / 8 - 1e-6 <= planned.seconds <= interval * 4 + 1e-6


def test_bounds_come_from_the_config_and_respect_the_politeness_floor() -> None:
    config = load_config(None)
    source = config.sources["cna"]
    policy = schedule_policy(source, config.settings)
    assert (policy.interval, policy.min_interval, policy.max_interval) == (600, 75, 2400)
    slow_host = config.settings.model_copy(update={"per_host_delay": 120.0})
    assert schedule_policy(source, slow_host).min_interval == 120


def test_the_planner_learns_from_published_else_first_seen() -> None:
    seen = datetime(2026, 3, 30, 12, tzinfo=UTC)
    taipei = ZoneInfo("Asia/Taipei")
    assert publication_moment("2026-03-30T10:00:00+08:00", seen, taipei) == datetime(2026, 3, 30, 2, tzinfo=UTC)
    assert publication_moment(None, seen, taipei) == publication_moment("30 March", seen, taipei) == seen
    source = load_config(None).sources["cna"]
    rows = [("cna", moment.isoformat(), moment, MONDAY) for moment in office_hours(300)]
    planner = Planner(load_config(None).settings, lambda since: rows)
    busy = planner.next_poll(source, MONDAY + timedelta(weeks=4, hours=10))
    night = planner.next_poll(source, MONDAY + timedelta(weeks=4, hours=2))
    assert busy.adapted and busy.seconds < 600 < night.seconds
    assert busy.reason == "weekday 10:00 is busy" and night.reason.endswith("is quiet")


def _intervals_with_100_steps(profile: Profile, policy: Policy) -> tuple[float, ...]:
    """`intervals` as first written: always 100 bisection steps (it now stops when the bounds stop moving)."""
    import math

    if policy.mode == "fixed" or not profile.rates:
        return (policy.interval,) * HOURS
    low, high = policy.min_interval, max(policy.min_interval, policy.max_interval)
    roots = [float(rate**0.75) for rate in profile.rates]
    budget = HOURS / policy.interval
    lo, hi = 1e-6, 1e9
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if sum(1 / min(high, max(low, mid / root)) for root in roots) < budget else (mid, hi)
    return tuple(min(high, max(low, hi / root)) for root in roots)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, HOURS - 1), min_size=MIN_HISTORY, max_size=400),
       st.floats(60, 7200), st.floats(1, 600), st.floats(600, 86400))
def test_intervals_stop_bisecting_at_the_same_bounds(hours: list[int], interval: float, low: float,
                                                      high: float) -> None:
    tz = ZoneInfo("Asia/Taipei")
    monday = datetime(2026, 3, 2, tzinfo=tz)
    profile = Profile.learn([monday + timedelta(hours=hour, minutes=7) for hour in hours], tz)
    policy = Policy(interval=interval, min_interval=low, max_interval=high)
    assert intervals(profile, policy) == _intervals_with_100_steps(profile, policy)


def test_a_date_only_publication_counts_its_first_sighting_only_on_that_day() -> None:
    taipei = ZoneInfo("Asia/Taipei")
    that_evening = datetime(2026, 3, 30, 12, tzinfo=UTC)  # 20:00 in Taipei, the day it was published
    assert publication_moment("2026-03-30", that_evening, taipei) == that_evening
    backfill = datetime(2026, 4, 20, 3, tzinfo=UTC)  # found weeks later: the crawl's hour, not the publisher's
    assert publication_moment("2026-03-30", backfill, taipei) is None
    next_morning_in_taipei = datetime(2026, 3, 30, 17, tzinfo=UTC)  # still the 30th in UTC, the 31st in Taipei
    assert publication_moment("2026-03-30", next_morning_in_taipei, taipei) is None


def test_a_backfill_of_dated_pages_teaches_the_planner_nothing() -> None:
    source = load_config(None).sources["mofa-zh"]
    crawled = MONDAY + timedelta(weeks=4, hours=1)  # one first run stored 40 pages published over four weeks
    rows = [("mofa-zh", (MONDAY + timedelta(days=day % 28)).date().isoformat(), crawled, crawled)
            for day in range(40)]
    planner = Planner(load_config(None).settings, lambda since: rows)
    after = planner.next_poll(source, crawled + timedelta(minutes=5))
    assert not after.adapted and after.reason.startswith("learning (0 of")


def test_a_first_run_of_undated_pages_teaches_the_planner_nothing_and_later_finds_do() -> None:
    """Pages without a date count when tidings first saw them, but not those its first run found: they were
    published at any time before it (a generic site's backfill made the first crawl's hour look busy)."""
    source = load_config(None).sources["cna"]
    started = MONDAY + timedelta(weeks=2, hours=1)  # Monday 01:00 in Taipei: the first run finds 40 pages
    first_run = [("cna", None, started + timedelta(seconds=2 * n), started) for n in range(40)]
    planner = Planner(load_config(None).settings, lambda since: first_run)
    assert planner.next_poll(source, started + timedelta(hours=1)).reason.startswith("learning (0 of")
    later = [("cna", None, moment, started) for moment in office_hours(300) if moment > started + timedelta(hours=1)]
    planner = Planner(load_config(None).settings, lambda since: first_run + later)
    assert planner.next_poll(source, MONDAY + timedelta(weeks=4, hours=10)).reason == "weekday 10:00 is busy"
    assert planner.next_poll(source, MONDAY + timedelta(weeks=4, hours=1)).reason.endswith("is quiet")
    watched_since = started + timedelta(minutes=10)
    assert publication_moment(None, started + timedelta(minutes=5), TAIPEI, watched_since) is None
    assert publication_moment(None, started + timedelta(hours=2), TAIPEI, watched_since) == started + timedelta(hours=2)
