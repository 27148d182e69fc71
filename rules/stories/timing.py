"""When an entry speaks of, and how two entries agree in time; and what scoring reads of an entry's anchors for
every pair (``Facts``), derived once per anchors value instead of once per pair.

A new entry is scored against tens of candidates, and a candidate against every new entry near it in time: the
days, the sets and the weights below were recomputed for each pair (parsing ISO days, building sets), which was
most of the cost of scoring.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

from rules.stories import weights
from rules.stories.model import Anchors

EVENT_WINDOW = 1
REPORTED_WITHIN = 7
SEEN_TOGETHER = "first seen together, undated"
PARTIAL_TIME = "month-day without year"


@dataclass(frozen=True, slots=True)
class Facts:
    """What pairwise scoring reads of one entry's anchors, each computed once.

    ``day``: the reference day; ``days``: the event days (:func:`event_days`), ascending; ``sketch``: the
    sketch as a set; ``full_dates``: named dates with a year; ``partial``: month-days written without one
    (``--MM-DD``); ``full_month_days``: the full dates' month-days in that form; ``zh_names``: the Chinese names
    given beside a Latin form; ``heavy_numbers``: a number at least as heavy as a key; ``own_weight``: the
    weight of all the entry's names, numbers and full dates; ``specific``: the names and (``#``) numbers that can
    count as specific when shared (at least as heavy as a key, or a rounded amount, which weighs as much when
    one side states it exactly): two entries that share none of them cannot link on anchors.
    """

    day: date | None
    days: tuple[date, ...]
    day_set: frozenset[date]
    sketch: frozenset[int]
    full_dates: frozenset[str]
    partial: frozenset[str]
    full_month_days: frozenset[str]
    zh_names: tuple[str, ...]
    heavy_numbers: bool
    own_weight: float
    specific: frozenset[str]


_FACTS = "_facts"


def facts_of(anchors: Anchors) -> Facts:
    """The :class:`Facts` of ``anchors``, computed once per ``Anchors`` object and kept on it: derived data of a
    frozen value, not a field (its equality, hash and JSON ignore it). Kept on the object, not in a cache keyed
    by the value: an equal copy (the same anchors decoded again) would be compared field by field on every look-up.
    """
    found: Facts | None = anchors.__dict__.get(_FACTS)
    if found is None:
        found = _facts(anchors)
        object.__setattr__(anchors, _FACTS, found)
    return found


def _facts(anchors: Anchors) -> Facts:
    full = frozenset(value for value in anchors.dates if not value.startswith("--"))
    days = _event_days(anchors, full)
    return Facts(
        day=date.fromisoformat(anchors.day) if anchors.day is not None else None,
        days=tuple(sorted(days)),
        day_set=frozenset(days),
        sketch=frozenset(anchors.sketch),
        full_dates=full,
        partial=frozenset(value for value in anchors.dates if value.startswith("--")),
        full_month_days=frozenset(f"--{value[5:]}" for value in full),
        zh_names=tuple(name for name in anchors.names if name.startswith("zh:")),
        heavy_numbers=any(weights.number_weight(number) >= weights.KEY_WEIGHT for number in anchors.numbers),
        own_weight=_own_weight_of(anchors.names, anchors.numbers, anchors.dates),
        specific=_specific_of(anchors.names, anchors.numbers),
    )


def _specific_of(names: frozenset[str], numbers: frozenset[str]) -> frozenset[str]:
    heavy = {name for name in names if weights.name_weight(name) >= weights.KEY_WEIGHT}
    heavy.update(f"#{number}" for number in numbers
                 if number.startswith("~") or weights.number_weight(number) >= weights.KEY_WEIGHT)
    return frozenset(heavy)


def _event_days(anchors: Anchors, full_dates: frozenset[str]) -> set[date]:
    if anchors.day is None:
        return set()
    day = date.fromisoformat(anchors.day)
    mentioned = {date.fromisoformat(value) for value in full_dates}
    if anchors.published:
        return {day} | {d for d in mentioned if day - timedelta(days=REPORTED_WITHIN) <= d < day}
    return mentioned or {day}


def event_days(anchors: Anchors) -> set[date]:
    """The days the entry may report: its publication day and the days its text names in the week before;
    for an entry without a publication day, the days its text names, else the day it was first seen."""
    return set(facts_of(anchors).day_set)


@functools.lru_cache(maxsize=65536)
def _own_weight_of(names: frozenset[str], numbers: frozenset[str], dates: frozenset[str]) -> float:
    full_dates = sum(1 for value in dates if not value.startswith("--"))
    return (sum(map(weights.name_weight, names)) + sum(map(weights.number_weight, numbers))
            + weights.DATE * full_dates)


def days_apart(a: Facts, b: Facts) -> int:
    """Days between the two reference days (both known)."""
    return abs(((a.day or date.min) - (b.day or date.min)).days)


def time_agreement(a: Anchors, b: Anchors) -> str | None:
    """How the two entries agree in time ("published ±1", "event day ...", "month-day ... (no year)"), or None."""
    return agreement(a, b, facts_of(a), facts_of(b))


def agreement(a: Anchors, b: Anchors, fa: Facts, fb: Facts) -> str | None:
    """:func:`time_agreement` given both entries' facts."""
    if a.day is None or b.day is None:
        return None
    if a.published and b.published:
        if days_apart(fa, fb) <= EVENT_WINDOW:
            return f"published {a.day} / {b.day}"
        return _shared_recent_date(fa, fb)
    for x in fa.days:
        for y in fb.days:
            if abs((x - y).days) <= EVENT_WINDOW:
                return f"event day {x.isoformat()} / {y.isoformat()}"
    return (_month_day_agreement(a, fa, fb.days) or _month_day_agreement(b, fb, fa.days)
            or _seen_together(a, b, fa, fb))


def _seen_together(a: Anchors, b: Anchors, fa: Facts, fb: Facts) -> str | None:
    """Two entries without a publication date, one of them naming no date at all, first seen within a day of
    each other: nothing places them apart (the other's dates may be of the same event); weak evidence, so the
    link needs more shared weight (``link.SEEN_EXTRA``)."""
    if a.published or b.published or (a.dates and b.dates) or days_apart(fa, fb) > EVENT_WINDOW:
        return None
    return f"{SEEN_TOGETHER} {a.day} / {b.day}"


def _month_day_agreement(undated: Anchors, facts: Facts, other_days: tuple[date, ...]) -> str | None:
    if undated.published or not facts.partial:
        return None
    for day in other_days:
        for near in (day - timedelta(days=1), day, day + timedelta(days=1)):
            if f"--{near:%m-%d}" in facts.partial:
                return f"{PARTIAL_TIME} {near:%m-%d} / {day.isoformat()}"
    return None


def _shared_recent_date(a: Facts, b: Facts) -> str | None:
    own = {a.day, b.day}
    shared = sorted((a.day_set & b.day_set) - own)
    return f"both name {shared[-1].isoformat()}" if shared else None
