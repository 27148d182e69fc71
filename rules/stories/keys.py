"""Blocking keys: the keys a store indexes an entry under, the keys a new entry looks up, and which of the
entries found there are scored (the candidates of :func:`rules.stories.link.choose_story`)."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta

from rules.stories import weights
from rules.stories.model import Anchors
from rules.stories.timing import event_days

CANDIDATE_LIMIT = 40
"""Entries scored per new entry at most (:func:`rank_candidates`): bounds the cost of crowded keys."""


def candidate_keys(anchors: Anchors) -> set[str]:
    """The keys a store indexes an entry under; a new entry's candidates are the entries indexed under one of
    its :func:`lookup_keys`. Event days times the heavy anchors, pairs of the smallest sketch hashes
    (near-copies, at any date), and month-day keys (see :func:`lookup_keys`). Each day is indexed once; the
    look-up asks for the day before and after too (so that days ±1 meet and each entry writes a third of the
    keys)."""
    return _indexed(_Pieces(anchors))


def lookup_keys(anchors: Anchors) -> set[str]:
    """The keys to look up for a new entry: those of :func:`candidate_keys` on the day before, the day and the
    day after, but for month-days: a dated entry looks for undated entries that write its month and day (±1)
    without a year (``nodate:``), an undated one for dated entries on that month and day ±1 (``md:``) and for
    other undated ones; so dated entries, nearly all of a store, never meet each other over all years of one
    month-day."""
    return _looked_up(_Pieces(anchors))


def blocking_keys(anchors: Anchors) -> tuple[set[str], set[str]]:
    """``(candidate_keys(anchors), lookup_keys(anchors))``, their common pieces computed once (a new entry needs
    both)."""
    pieces = _Pieces(anchors)
    return _indexed(pieces), _looked_up(pieces)


class _Pieces:
    """What both kinds of keys are made of: the heavy and the rare anchors, the days. (Each set of keys starts
    from its own sketch keys: a set's order is that of its own insertions.)"""

    __slots__ = ("anchors", "dated", "days", "heavy", "partial", "rare")

    def __init__(self, anchors: Anchors) -> None:
        weighted = list(_weighted(anchors))
        self.anchors = anchors
        self.heavy = sorted(anchor for anchor, weight in weighted if weight >= weights.KEY_WEIGHT)
        self.rare = sorted(anchor for anchor, weight in weighted if weight >= weights.MONTH_DAY_KEY_WEIGHT)
        self.days = _key_days(anchors)
        self.dated = _dated_days(anchors)
        self.partial = _partial_stamps(anchors)


def _indexed(pieces: _Pieces) -> set[str]:
    keys = _sketch_keys(pieces.anchors)
    heavy, rare = pieces.heavy, pieces.rare
    keys.update(f"{day.isoformat()}|{anchor}" for day in pieces.days for anchor in heavy)
    keys.update(f"md:{day:%m-%d}|{anchor}" for day in pieces.dated for anchor in rare)
    keys.update(f"nodate:{stamp}|{anchor}" for stamp in pieces.partial for anchor in rare)
    return keys


def _looked_up(pieces: _Pieces) -> set[str]:
    keys = _sketch_keys(pieces.anchors)
    heavy, rare = pieces.heavy, pieces.rare
    stamps = {near.isoformat() for day in pieces.days for near in _around(day)}
    keys.update(f"{stamp}|{anchor}" for stamp in stamps for anchor in heavy)
    month_days = {f"{near:%m-%d}" for day in pieces.dated for near in _around(day)}
    keys.update(f"nodate:{stamp}|{anchor}" for stamp in month_days for anchor in rare)
    partial = pieces.partial
    keys.update(f"nodate:{stamp}|{anchor}" for stamp in partial for anchor in rare)
    near = {stamp for value in partial for stamp in _month_days_around(value)}
    keys.update(f"md:{stamp}|{anchor}" for stamp in near for anchor in rare)
    return keys


def rank_candidates(postings: Mapping[str, Collection[int]], limit: int = CANDIDATE_LIMIT) -> list[int]:
    """The entries to score, at most ``limit``: ``postings`` maps each looked-up key to the entries indexed
    under it. An entry gains 1/n for a key shared with n entries (a rare key says more than a crowded one: a
    minister's name on the day of a busy visit, or on one month-day over every year), so a crowded key alone
    does not push out an entry met under rarer ones; ties go to the newest (highest id)."""
    score: dict[int, float] = {}
    for found in postings.values():
        share = 1.0 / len(found)
        for entry_id in found:
            score[entry_id] = score.get(entry_id, 0.0) + share
    if len(score) <= limit:
        return sorted(score, reverse=True)
    return sorted(score, key=lambda entry_id: (-score[entry_id], -entry_id))[:limit]


def _sketch_keys(anchors: Anchors) -> set[str]:
    return {f"nd:{a}:{b}" for i, a in enumerate(anchors.sketch[:6]) for b in anchors.sketch[i + 1 : 6]}


def _key_days(anchors: Anchors) -> list[date]:
    """Event days (the first four), and for an entry without a publication date the day it was first seen
    (see :data:`SEEN_TOGETHER`)."""
    days = sorted(event_days(anchors))[:4]
    if not anchors.published and anchors.day is not None:
        days.append(date.fromisoformat(anchors.day))
    return days


def _dated_days(anchors: Anchors) -> set[date]:
    """Event days that are dates (published, or named in the text), not the day an undated entry was seen."""
    return event_days(anchors) if anchors.published or _full_dates(anchors) else set()


def _full_dates(anchors: Anchors) -> bool:
    return any(not value.startswith("--") for value in anchors.dates)


def _around(day: date) -> tuple[date, date, date]:
    return day - timedelta(days=1), day, day + timedelta(days=1)


@functools.lru_cache(maxsize=1024)
def _month_days_around(month_day: str) -> frozenset[str]:
    """``"03-01"`` → the month-days a day before, on and after it in a leap and a common year."""
    month, day = (int(part) for part in month_day.split("-"))
    found = {month_day}
    for year in (2000, 2001):
        try:
            found.update(f"{near:%m-%d}" for near in _around(date(year, month, day)))
        except ValueError:  # 02-29 in a common year
            continue
    return frozenset(found)


def _partial_stamps(anchors: Anchors) -> set[str]:
    """Month-days an undated entry writes without a year."""
    return {value[2:] for value in anchors.dates if value.startswith("--")}


def _weighted(anchors: Anchors) -> Iterable[tuple[str, float]]:
    for name in anchors.names:
        yield name, weights.name_weight(name)
    for number in anchors.numbers:
        yield f"#{number}", weights.number_weight(number)
