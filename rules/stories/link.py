"""Pairwise link evidence, the story to join, and blocking keys.

Precision first. Two entries are one story when one names the other as its alternate, when their URLs are the
same path in two languages of one site, when their texts are near-copies, or when they agree in time (the same
day, ±1) and share enough weighted language-independent anchors. Same-language texts that are not copies but
share much of their wording (two outlets rewriting one press release) add that overlap to the anchors.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta

from rules.stories import weights
from rules.stories.anchors import full_text, simplified_text
from rules.stories.model import Anchors, LinkEvidence, StoryDoc
from rules.stories.sketch import containment_of, jaccard, jaccard_of
from rules.stories.timing import (
    EVENT_WINDOW,
    PARTIAL_TIME,
    REPORTED_WITHIN,
    SEEN_TOGETHER,
    Facts,
    agreement,
    days_apart,
    event_days,
    facts_of,
    time_agreement,
)
from rules.stories.urls import canonical, parallel_key

__all__ = [  # the time rules live in rules.stories.timing; linking's callers find them here too
    "EVENT_WINDOW", "PARTIAL_TIME", "REPORTED_WITHIN", "SEEN_TOGETHER", "event_days", "time_agreement",
]

NEAR_DUPLICATE = 0.6
"""Estimated Jaccard of the shingle sets from which two same-language texts are copies."""
MIN_SHARED = 7.0
"""Weighted anchors two entries must share (a personal name is 3, an exact amount 2, a country 0.4)."""
MIN_COVER = 0.3
"""... and that share of the lighter entry's anchor weight."""
MIN_SPECIFIC = 2
"""... among them this many specific anchors (names or numbers of weight >= 1.2, or the wording overlap): a
shared date is not specific, every event of that day has it."""
TEXT_WEIGHT = 12.0
"""Weight of the same-language wording overlap (containment 0..1)."""
MIN_TEXT = 0.25
"""Below this containment, shared wording is the common phrasing of the language, not one source."""
NEAR_DUPLICATE_DAYS = 30
CANDIDATE_LIMIT = 40
"""Entries scored per new entry at most (:func:`rank_candidates`): bounds the cost of crowded keys."""
SEEN_EXTRA = 3.0
"""An agreement only on when two undated entries were first seen needs this much more shared weight."""
NUMBER_CONFLICT = 4.0
"""Both entries give specific numbers and share none (two events of one day: "US$50 million" vs "57 years")."""
PARTIAL_EXTRA = 3.0
"""An agreement on month and day alone (an undated entry) needs this much more shared weight."""


def link_score(a: StoryDoc, a_anchors: Anchors, b: StoryDoc, b_anchors: Anchors) -> LinkEvidence | None:
    """Why ``a`` and ``b`` are the same story, or None."""
    direct = _direct_link(a, b, a_anchors, b_anchors)
    if direct is not None:
        return direct
    fa, fb = facts_of(a_anchors), facts_of(b_anchors)
    overlap = _Overlap(a_anchors, b_anchors, fa, fb)
    near = _near_duplicate(a_anchors, b_anchors, fa, fb, overlap)
    if near is not None:
        return near
    window = agreement(a_anchors, b_anchors, fa, fb)
    if window is None:
        return None
    return _anchor_link(a, a_anchors, fa, b, b_anchors, fb, window, overlap)


class _Overlap:
    """The two sketches' shared hashes (same script only), and their Jaccard estimate computed at most once."""

    __slots__ = ("_a", "_b", "_fa", "_fb", "_jaccard", "both")

    def __init__(self, a: Anchors, b: Anchors, fa: Facts, fb: Facts) -> None:
        same = a.script == b.script and bool(a.sketch) and bool(b.sketch)
        self.both = fa.sketch & fb.sketch if same else frozenset()
        self._a, self._b, self._fa, self._fb = a, b, fa, fb
        self._jaccard: float | None = None

    def at_most(self) -> float:
        """An upper bound of :meth:`jaccard` (the estimate counts shared hashes among the k smallest)."""
        return len(self.both) / min(len(self._a.sketch), len(self._b.sketch))

    def jaccard(self) -> float:
        if self._jaccard is None:
            self._jaccard = jaccard_of(self._a.sketch, self._b.sketch, self._fa.sketch, self._fb.sketch)
        return self._jaccard


def choose_story(
    doc: StoryDoc, anchors: Anchors, candidates: Sequence[tuple[int, StoryDoc, Anchors]]
) -> tuple[int, LinkEvidence] | None:
    """The story ``doc`` joins (the one with the strongest link to any member), or None for a new story."""
    best: tuple[int, LinkEvidence] | None = None
    for story_id, other, other_anchors in candidates:
        if other.entry_id == doc.entry_id:
            continue
        evidence = link_score(doc, anchors, other, other_anchors)
        if evidence is not None and (best is None or evidence.score > best[1].score):
            best = (story_id, evidence)
    return best


def candidate_keys(anchors: Anchors) -> set[str]:
    """The keys a store indexes an entry under; a new entry's candidates are the entries indexed under one of
    its :func:`lookup_keys`. Event days times the heavy anchors, pairs of the smallest sketch hashes
    (near-copies, at any date), and month-day keys (see :func:`lookup_keys`). Each day is indexed once; the
    look-up asks for the day before and after too (so that days ±1 meet and each entry writes a third of the
    keys)."""
    keys = _sketch_keys(anchors)
    heavy = _heavy(anchors)
    keys.update(f"{day.isoformat()}|{anchor}" for day in _key_days(anchors) for anchor in heavy)
    rare = _heavy(anchors, weights.MONTH_DAY_KEY_WEIGHT)
    keys.update(f"md:{day:%m-%d}|{anchor}" for day in _dated_days(anchors) for anchor in rare)
    keys.update(f"nodate:{stamp}|{anchor}" for stamp in _partial_stamps(anchors) for anchor in rare)
    return keys


def lookup_keys(anchors: Anchors) -> set[str]:
    """The keys to look up for a new entry: those of :func:`candidate_keys` on the day before, the day and the
    day after, but for month-days: a dated entry looks for undated entries that write its month and day (±1)
    without a year (``nodate:``), an undated one for dated entries on that month and day ±1 (``md:``) and for
    other undated ones; so dated entries, nearly all of a store, never meet each other over all years of one
    month-day."""
    keys = _sketch_keys(anchors)
    heavy = _heavy(anchors)
    stamps = {near.isoformat() for day in _key_days(anchors) for near in _around(day)}
    keys.update(f"{stamp}|{anchor}" for stamp in stamps for anchor in heavy)
    rare = _heavy(anchors, weights.MONTH_DAY_KEY_WEIGHT)
    month_days = {f"{near:%m-%d}" for day in _dated_days(anchors) for near in _around(day)}
    keys.update(f"nodate:{stamp}|{anchor}" for stamp in month_days for anchor in rare)
    partial = _partial_stamps(anchors)
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


def _heavy(anchors: Anchors, least: float = weights.KEY_WEIGHT) -> list[str]:
    return sorted(anchor for anchor, weight in _weighted(anchors) if weight >= least)


def _partial_stamps(anchors: Anchors) -> set[str]:
    """Month-days an undated entry writes without a year."""
    return {value[2:] for value in anchors.dates if value.startswith("--")}


def _direct_link(a: StoryDoc, b: StoryDoc, a_anchors: Anchors, b_anchors: Anchors) -> LinkEvidence | None:
    url_a, url_b = canonical(a.url), canonical(b.url)
    if (a.alternates or b.alternates) and (
        url_b in {canonical(u) for u in a.alternates} or url_a in {canonical(u) for u in b.alternates}
    ):
        return LinkEvidence(1.0, "alternate_link", {"url": [a.url, b.url]})
    key_a, key_b = parallel_key(a.url), parallel_key(b.url)
    same_page = key_a is not None and key_a == key_b and url_a != url_b and a.language != b.language
    if same_page and a_anchors.day and b_anchors.day and (
        days_apart(facts_of(a_anchors), facts_of(b_anchors)) <= NEAR_DUPLICATE_DAYS
    ):
        return LinkEvidence(0.95, "parallel_url", {"url": [a.url, b.url]})
    return None


def _near_duplicate(a: Anchors, b: Anchors, fa: Facts, fb: Facts, overlap: _Overlap) -> LinkEvidence | None:
    # The cheap conditions first (they are a conjunction): the Jaccard estimate only where it can reach the bar.
    if not overlap.both or min(a.size, b.size) < 8 or overlap.at_most() < NEAR_DUPLICATE:
        return None
    if a.day and b.day and days_apart(fa, fb) > NEAR_DUPLICATE_DAYS:
        return None
    similarity = overlap.jaccard()
    if similarity < NEAR_DUPLICATE:
        return None
    return LinkEvidence(similarity, "near_duplicate", {"jaccard": [f"{similarity:.2f}"]})


def _weighted(anchors: Anchors) -> Iterable[tuple[str, float]]:
    for name in anchors.names:
        yield name, weights.name_weight(name)
    for number in anchors.numbers:
        yield f"#{number}", weights.number_weight(number)


def _anchor_link(
    a: StoryDoc, a_anchors: Anchors, fa: Facts, b: StoryDoc, b_anchors: Anchors, fb: Facts, window: str,
    overlap: _Overlap,
) -> LinkEvidence | None:
    shared = _shared_anchors(a, a_anchors, fa, b, b_anchors, fb)
    total, specific = _sum(shared)
    cover = total / max(1e-9, min(fa.own_weight, fb.own_weight))
    text = 0.0
    if overlap.both:
        text = containment_of(overlap.jaccard(), a_anchors.size, b_anchors.size)
        if text >= MIN_TEXT:
            total += TEXT_WEIGHT * text
            cover += text
            specific += 1
            shared["text"] = [f"containment {text:.2f}"]
    needed = MIN_SHARED + (PARTIAL_EXTRA if window.startswith(PARTIAL_TIME) else 0.0)
    needed += SEEN_EXTRA if window.startswith(SEEN_TOGETHER) else 0.0
    if "numbers" not in shared and fa.heavy_numbers and fb.heavy_numbers:
        needed += NUMBER_CONFLICT
        shared["conflict"] = ["specific numbers on both sides, none shared"]
    if total < needed or cover < MIN_COVER or specific < MIN_SPECIFIC:
        return None
    shared["time"] = [window]
    return LinkEvidence(total / (total + MIN_SHARED), "anchors", {k: sorted(v) for k, v in shared.items()})


def _shared_anchors(
    a: StoryDoc, a_anchors: Anchors, fa: Facts, b: StoryDoc, b_anchors: Anchors, fb: Facts
) -> dict[str, list[str]]:
    names = set(a_anchors.names & b_anchors.names)
    names.update(_chinese_names_in(fa, b, b_anchors) | _chinese_names_in(fb, a, a_anchors))
    names = {name for name in names if not any(name != other and name in other for other in names if " " in other)}
    shared: dict[str, list[str]] = {}
    if names:
        shared["names"] = sorted(names)
    numbers = {_rounded(number, a_anchors, b_anchors) for number in a_anchors.numbers & b_anchors.numbers}
    if numbers:
        shared["numbers"] = sorted(numbers)
    dates = set(fa.full_dates & fb.full_dates)
    dates.update((fa.partial & fb.full_month_days) | (fb.partial & fa.full_month_days))
    if dates:
        shared["dates"] = sorted(dates)
    concepts = a_anchors.concepts & b_anchors.concepts
    if concepts:
        shared["concepts"] = sorted(concepts)
    return shared


def _rounded(number: str, a: Anchors, b: Anchors) -> str:
    """A shared rounded amount (``~1.4e+10``) that one entry states exactly at that precision is ``≈1.4e+10``
    (see ``weights.ROUNDED``); when both state it exactly the exact form is shared as well."""
    if not number.startswith("~"):
        return number
    exact = number[1:]
    return f"≈{exact}" if (exact in a.numbers) != (exact in b.numbers) else number


def explain(a: StoryDoc, a_anchors: Anchors, b: StoryDoc, b_anchors: Anchors) -> dict[str, list[str]]:
    """What two entries share and how they agree in time, whether or not that makes a link (for reports)."""
    shared = _shared_anchors(a, a_anchors, facts_of(a_anchors), b, b_anchors, facts_of(b_anchors))
    total, specific = _sum(shared)
    window = time_agreement(a_anchors, b_anchors)
    shared["time"] = [window or "no agreement"]
    shared["weight"] = [f"{total:.1f}", f"specific {specific}"]
    if a_anchors.script == b_anchors.script:
        shared["text"] = [f"jaccard {jaccard(a_anchors.sketch, b_anchors.sketch):.2f}"]
    return shared


def needs_text(anchors: Anchors, other_anchors: Anchors) -> bool:
    """Whether :func:`link_score` of an entry with ``anchors`` reads the text of the other entry (the Chinese
    names the first gives in parentheses are looked for in the second's Chinese text); a store loads texts only
    for those candidates."""
    return (
        other_anchors.script == "han"
        and any(name.startswith("zh:") for name in anchors.names)
        and time_agreement(anchors, other_anchors) is not None
    )


def _chinese_names_in(names_of: Facts, other: StoryDoc, other_anchors: Anchors) -> set[str]:
    """Chinese names one entry gives in parentheses that the other (Chinese) entry writes."""
    if not names_of.zh_names or other_anchors.script != "han":
        return set()
    text = simplified_text(full_text(other))
    return {name for name in names_of.zh_names if name[3:] in text}


def _sum(shared: dict[str, list[str]]) -> tuple[float, int]:
    total = 0.0
    specific = 0
    for name in shared.get("names", ()):
        weight = weights.name_weight(name)
        total += weight
        specific += weight >= weights.KEY_WEIGHT
    for number in shared.get("numbers", ()):
        weight = weights.number_weight(number)
        total += weight
        specific += weight >= weights.KEY_WEIGHT
    total += weights.DATE * len(shared.get("dates", ()))
    total += weights.CONCEPT * len(shared.get("concepts", ()))
    return total, specific


