"""Adaptive polling: when a source publishes, and when to poll it next (pure; the daemon uses it).

A source's publication times (stored, in its time zone) give a rate for each of the 168 hours of the week,
smoothed over the neighbouring hours. The daily request budget of the fixed interval is then spread so that
the poll rate follows the publication rate to the power 0.75: for Poisson arrivals the square root minimises
the mean publish → detection delay for a given number of requests (Δ ∝ 1/√λ), a rate proportional to λ
favours the typical item (the median); 0.75 sits between, and `max_interval` bounds the rare night item.
Intervals stay within [min_interval, max_interval]; too little history means the fixed interval.

>>> from datetime import datetime, timedelta
>>> tz = ZoneInfo("Asia/Taipei")
>>> monday = datetime(2026, 3, 2, 10, 0, tzinfo=tz)
>>> history = [monday + timedelta(days=day, minutes=17 * n) for day in range(5) for n in range(20)]
>>> profile = Profile.learn(history, tz)
>>> policy = Policy(interval=600, min_interval=60, max_interval=2400)
>>> busy = plan(profile, policy, monday + timedelta(days=7, hours=1))
>>> night = plan(profile, policy, monday + timedelta(days=7, hours=14))
>>> busy.seconds < 600 < night.seconds <= 2400, busy.reason
(True, 'weekday 11:00 is busy')
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

HOURS = 168
MIN_HISTORY = 20  # publication times needed before the schedule adapts
HISTORY = timedelta(weeks=4)  # learn from whole weeks: a partial week would favour the hours already past
SMOOTHING = (0.25, 0.5, 0.25)  # weights of the hour before, the hour, the hour after
EXPONENT = 0.75  # poll rate ∝ publication rate ** EXPONENT (see above)
PRIOR = 0.05  # of the mean hourly rate, added everywhere: an hour never seen is unlikely, not impossible
Mode = Literal["adaptive", "fixed"]


@dataclass(frozen=True)
class Policy:
    """The fixed interval (which sets the request budget) and the bounds of an adaptive one, in seconds."""

    interval: float
    min_interval: float
    max_interval: float
    mode: Mode = "adaptive"


@dataclass(frozen=True)
class Plan:
    """When to poll next, and why (for `tidings sources list`)."""

    seconds: float
    reason: str
    adapted: bool = True  # False: the fixed interval (by choice, or while learning)


@dataclass(frozen=True)
class Profile:
    """Relative publication rates per hour of the week (Monday 00:00 = 0) in the source's time zone."""

    timezone: ZoneInfo
    rates: tuple[float, ...]  # mean 1.0; empty when there is too little history
    items: int

    @classmethod
    def learn(cls, published: Iterable[datetime], timezone: ZoneInfo) -> Profile:
        counts = [0.0] * HOURS
        items = 0
        for moment in published:
            counts[hour_of_week(moment, timezone)] += 1
            items += 1
        if items < MIN_HISTORY:
            return cls(timezone, (), items)
        smooth = [sum(weight * counts[(hour + offset) % HOURS] for offset, weight in zip((-1, 0, 1), SMOOTHING,
                                                                                       strict=True))
                  for hour in range(HOURS)]
        mean = sum(smooth) / HOURS
        rates = [value / mean + PRIOR for value in smooth]
        scale = sum(rates) / HOURS
        return cls(timezone, tuple(rate / scale for rate in rates), items)


def hour_of_week(moment: datetime, timezone: ZoneInfo) -> int:
    local = moment.astimezone(timezone)
    return local.weekday() * 24 + local.hour


def intervals(profile: Profile, policy: Policy) -> tuple[float, ...]:
    """The poll interval for each hour of the week: Δ ∝ rate ** -EXPONENT, clamped, with the fixed budget."""
    if policy.mode == "fixed" or not profile.rates:
        return (policy.interval,) * HOURS
    low, high = policy.min_interval, max(policy.min_interval, policy.max_interval)
    roots = [float(rate**EXPONENT) for rate in profile.rates]
    budget = HOURS / policy.interval  # polls per second, summed over the hours

    def spent(scale: float) -> float:
        return sum(1 / min(high, max(low, scale / root)) for root in roots)

    lo, hi = 1e-6, 1e9
    for _ in range(100):  # spent() falls as the scale grows: bisect for the budget
        mid = math.sqrt(lo * hi)
        bounds = (lo, mid) if spent(mid) < budget else (mid, hi)
        if bounds == (lo, hi):  # converged (~60 steps): every further step would give these bounds again
            break
        lo, hi = bounds
    return tuple(min(high, max(low, hi / root)) for root in roots)


def plan(profile: Profile, policy: Policy, now: datetime, table: tuple[float, ...] | None = None) -> Plan:
    """The next poll: when one request's share of the budget has been earned from `now` on.

    Walking hour by hour keeps a long night interval from sleeping through the start of a busy morning.
    """
    table = table or intervals(profile, policy)
    if policy.mode == "fixed" or not profile.rates:
        why = "fixed interval" if policy.mode == "fixed" else f"learning ({profile.items} of {MIN_HISTORY} items)"
        return Plan(policy.interval, why, adapted=False)
    credit, waited, moment = 1.0, 0.0, now
    while credit > 1e-9 and waited < policy.max_interval:
        hour = hour_of_week(moment, profile.timezone)
        local = moment.astimezone(profile.timezone)
        left = 3600 - (local.minute * 60 + local.second + local.microsecond / 1e6)
        step = min(left, credit * table[hour])
        credit -= step / table[hour]
        waited += step
        moment += timedelta(seconds=step)
    seconds = min(max(waited, policy.min_interval), max(policy.min_interval, policy.max_interval))
    return Plan(seconds, describe(profile, now + timedelta(seconds=seconds)))


def describe(profile: Profile, moment: datetime) -> str:
    """'weekday 10:00 is busy', 'Sunday 03:00 is quiet'."""
    local = moment.astimezone(profile.timezone)
    day = "weekday" if local.weekday() < 5 else local.strftime("%A")
    rate = profile.rates[hour_of_week(moment, profile.timezone)]
    word = "busy" if rate >= 1.5 else "quiet" if rate <= 0.5 else "usual"
    return f"{day} {local.hour:02d}:00 is {word}"
