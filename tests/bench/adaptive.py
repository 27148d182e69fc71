"""Adaptive polling vs a fixed interval: a month of office-hours publishing replayed in simulated time.

    python -m tests.bench.adaptive [--quick]

Publication times are drawn for one source: on weekdays a Poisson stream from 08:00 to 19:00 Asia/Taipei (the
busy hours of MOFA, MODA and CNA), plus a few evening (19:00–23:00) and weekend items. Four weeks of history
come first (what the store would hold), then four weeks are replayed. The fixed schedule polls every
`interval` seconds from a random phase; the adaptive one asks `crawler.pipeline.schedule.plan` (the code the
daemon runs) after every poll, relearning the profile each midnight from the four weeks before it.
An item is detected by the first poll at or after its publication. Both spend the same requests per day:
the output shows each side's count. `--quick` replays one week instead of four, over five seeds instead of 20.
"""

from __future__ import annotations

import argparse
import bisect
import random
import statistics
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.pipeline.schedule import HISTORY, Policy, Profile, intervals, plan

TZ = ZoneInfo("Asia/Taipei")
START = datetime(2026, 3, 2, tzinfo=TZ)  # a Monday
WEEK = timedelta(days=7)
PER_OFFICE_HOUR = 2.0  # items per weekday hour, 08:00-19:00
PER_EVENING = 0.6  # items per weekday evening, 19:00-23:00
PER_WEEKEND_DAY = 1.0  # items per weekend day, 09:00-21:00
POLICY = Policy(interval=600, min_interval=75, max_interval=2400)


def publications(start: datetime, weeks: int, rng: random.Random) -> list[datetime]:
    """Poisson publication times over `weeks` weeks from `start`."""
    times: list[datetime] = []
    for day in range(weeks * 7):
        midnight = start + timedelta(days=day)
        windows = [(8, 19, PER_OFFICE_HOUR * 11), (19, 23, PER_EVENING)] if midnight.weekday() < 5 else \
            [(9, 21, PER_WEEKEND_DAY)]
        for first, last, mean in windows:
            for _ in range(_poisson(mean, rng)):
                times.append(midnight + timedelta(hours=rng.uniform(first, last)))
    return sorted(times)


def _poisson(mean: float, rng: random.Random) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def fixed_polls(start: datetime, end: datetime, rng: random.Random) -> list[datetime]:
    moment = start + timedelta(seconds=rng.uniform(0, POLICY.interval))
    polls = []
    while moment < end:
        polls.append(moment)
        moment += timedelta(seconds=POLICY.interval)
    return polls


def adaptive_polls(start: datetime, end: datetime, history: list[datetime]) -> list[datetime]:
    polls, moment, day = [], start, None
    table: tuple[float, ...] = ()
    profile = Profile.learn([], TZ)
    while moment < end:
        if moment.date() != day:  # relearn each midnight from the four weeks before (as the daemon does)
            day = moment.date()
            window = history[bisect.bisect_left(history, moment - HISTORY): bisect.bisect_left(history, moment)]
            profile = Profile.learn(window, TZ)
            table = intervals(profile, POLICY)
        polls.append(moment)
        moment += timedelta(seconds=plan(profile, POLICY, moment, table).seconds)
    return polls


def delays(items: list[datetime], polls: list[datetime]) -> list[float]:
    found = []
    for item in items:
        index = bisect.bisect_left(polls, item)
        if index < len(polls):
            found.append((polls[index] - item).total_seconds())
    return found


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(quick: bool) -> None:
    weeks, seeds = (1, 5) if quick else (4, 20)
    results: dict[str, dict[str, list[float]]] = {"fixed": {}, "adaptive": {}}
    for seed in range(seeds):
        rng = random.Random(seed)
        everything = publications(START - 4 * WEEK, 4 + weeks, rng)
        end = START + weeks * WEEK
        replayed = [moment for moment in everything if START <= moment < end - timedelta(hours=1)]
        runs = (("fixed", fixed_polls(START, end, rng)), ("adaptive", adaptive_polls(START, end, everything)))
        for name, polls in runs:
            found = delays(replayed, polls)
            side = results[name]
            side.setdefault("delays", []).extend(found)
            side.setdefault("requests", []).append(len(polls) / (weeks * 7))
            side.setdefault("items", []).append(len(replayed))
    print(f"adaptive polling, {weeks} week(s) replayed x {seeds} seeds, fixed interval {POLICY.interval:.0f} s, "
          f"adaptive within {POLICY.min_interval:.0f}-{POLICY.max_interval:.0f} s")
    print("| schedule | requests/day | items | median delay | p95 delay | mean delay | max delay |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, side in results.items():
        found = side["delays"]
        print(f"| {name} | {statistics.mean(side['requests']):.1f} | {sum(side['items']):.0f} | "
              f"{statistics.median(found):.0f} s | {percentile(found, 0.95):.0f} s | {statistics.mean(found):.0f} s | "
              f"{max(found):.0f} s |")
    fixed, adaptive = results["fixed"]["delays"], results["adaptive"]["delays"]
    print(f"median {statistics.median(fixed) / statistics.median(adaptive):.2f}x lower, "
          f"p95 {percentile(fixed, 0.95) / percentile(adaptive, 0.95):.2f}x lower")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one week over five seeds")
    run(parser.parse_args().quick)


if __name__ == "__main__":
    main()
