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
from rules.stories.sketch import containment, jaccard
from rules.stories.urls import canonical, parallel_key

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
EVENT_WINDOW = 1
REPORTED_WITHIN = 7
SEEN_TOGETHER = "first seen together, undated"
SEEN_EXTRA = 3.0
"""An agreement only on when two undated entries were first seen needs this much more shared weight."""
NUMBER_CONFLICT = 4.0
"""Both entries give specific numbers and share none (two events of one day: "US$50 million" vs "57 years")."""
PARTIAL_TIME = "month-day without year"
PARTIAL_EXTRA = 3.0
"""An agreement on month and day alone (an undated entry) needs this much more shared weight."""


def link_score(a: StoryDoc, a_anchors: Anchors, b: StoryDoc, b_anchors: Anchors) -> LinkEvidence | None:
    """Why ``a`` and ``b`` are the same story, or None."""
    direct = _direct_link(a, b, a_anchors, b_anchors)
    if direct is not None:
        return direct
    near = _near_duplicate(a_anchors, b_anchors)
    if near is not None:
        return near
    window = time_agreement(a_anchors, b_anchors)
    if window is None:
        return None
    return _anchor_link(a, a_anchors, b, b_anchors, window)


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


def event_days(anchors: Anchors) -> set[date]:
    """The days the entry may report: its publication day and the days its text names in the week before;
    for an entry without a publication day, the days its text names, else the day it was first seen."""
    if anchors.day is None:
        return set()
    day = date.fromisoformat(anchors.day)
    mentioned = {date.fromisoformat(value) for value in anchors.dates if not value.startswith("--")}
    if anchors.published:
        return {day} | {d for d in mentioned if day - timedelta(days=REPORTED_WITHIN) <= d < day}
    return mentioned or {day}


def time_agreement(a: Anchors, b: Anchors) -> str | None:
    """How the two entries agree in time ("published ±1", "event day ...", "month-day ... (no year)"), or None."""
    if a.day is None or b.day is None:
        return None
    if a.published and b.published:
        if _days_apart(a, b) <= EVENT_WINDOW:
            return f"published {a.day} / {b.day}"
        return _shared_recent_date(a, b)
    days_a, days_b = event_days(a), event_days(b)
    for x in sorted(days_a):
        for y in sorted(days_b):
            if abs((x - y).days) <= EVENT_WINDOW:
                return f"event day {x.isoformat()} / {y.isoformat()}"
    return (_month_day_agreement(a, days_b) or _month_day_agreement(b, days_a)
            or _seen_together(a, b))


def _seen_together(a: Anchors, b: Anchors) -> str | None:
    """Two entries without a publication date, one of them naming no date at all, first seen within a day of
    each other: nothing places them apart (the other's dates may be of the same event); weak evidence, so the
    link needs :data:`SEEN_EXTRA` more shared weight."""
    if a.published or b.published or (a.dates and b.dates) or _days_apart(a, b) > EVENT_WINDOW:
        return None
    return f"{SEEN_TOGETHER} {a.day} / {b.day}"


def _month_day_agreement(undated: Anchors, other_days: set[date]) -> str | None:
    partial = {value[2:] for value in undated.dates if value.startswith("--")}
    if undated.published or not partial:
        return None
    for day in sorted(other_days):
        for near in (day - timedelta(days=1), day, day + timedelta(days=1)):
            if f"{near:%m-%d}" in partial:
                return f"{PARTIAL_TIME} {near:%m-%d} / {day.isoformat()}"
    return None


def _shared_recent_date(a: Anchors, b: Anchors) -> str | None:
    own = {date.fromisoformat(a.day or ""), date.fromisoformat(b.day or "")}
    shared = sorted((event_days(a) & event_days(b)) - own)
    return f"both name {shared[-1].isoformat()}" if shared else None


def _direct_link(a: StoryDoc, b: StoryDoc, a_anchors: Anchors, b_anchors: Anchors) -> LinkEvidence | None:
    url_a, url_b = canonical(a.url), canonical(b.url)
    if (a.alternates or b.alternates) and (
        url_b in {canonical(u) for u in a.alternates} or url_a in {canonical(u) for u in b.alternates}
    ):
        return LinkEvidence(1.0, "alternate_link", {"url": [a.url, b.url]})
    key_a, key_b = parallel_key(a.url), parallel_key(b.url)
    same_page = key_a is not None and key_a == key_b and url_a != url_b and a.language != b.language
    if same_page and a_anchors.day and b_anchors.day and _days_apart(a_anchors, b_anchors) <= NEAR_DUPLICATE_DAYS:
        return LinkEvidence(0.95, "parallel_url", {"url": [a.url, b.url]})
    return None


def _days_apart(a: Anchors, b: Anchors) -> int:
    return abs((date.fromisoformat(a.day or "") - date.fromisoformat(b.day or "")).days)


def _near_duplicate(a: Anchors, b: Anchors) -> LinkEvidence | None:
    if a.script != b.script or not a.sketch or not b.sketch or _disjoint(a.sketch, b.sketch):
        return None
    similarity = jaccard(a.sketch, b.sketch)
    if similarity < NEAR_DUPLICATE or min(a.size, b.size) < 8:
        return None
    if a.day and b.day and _days_apart(a, b) > NEAR_DUPLICATE_DAYS:
        return None
    return LinkEvidence(similarity, "near_duplicate", {"jaccard": [f"{similarity:.2f}"]})


def _weighted(anchors: Anchors) -> Iterable[tuple[str, float]]:
    for name in anchors.names:
        yield name, weights.name_weight(name)
    for number in anchors.numbers:
        yield f"#{number}", weights.number_weight(number)


def _anchor_link(a: StoryDoc, a_anchors: Anchors, b: StoryDoc, b_anchors: Anchors, window: str) -> LinkEvidence | None:
    shared = _shared_anchors(a, a_anchors, b, b_anchors)
    total, specific = _sum(shared)
    cover = total / max(1e-9, min(_own_weight(a_anchors), _own_weight(b_anchors)))
    text = 0.0
    if a_anchors.script == b_anchors.script and not _disjoint(a_anchors.sketch, b_anchors.sketch):
        text = containment(a_anchors.sketch, a_anchors.size, b_anchors.sketch, b_anchors.size)
        if text >= MIN_TEXT:
            total += TEXT_WEIGHT * text
            cover += text
            specific += 1
            shared["text"] = [f"containment {text:.2f}"]
    needed = MIN_SHARED + (PARTIAL_EXTRA if window.startswith(PARTIAL_TIME) else 0.0)
    needed += SEEN_EXTRA if window.startswith(SEEN_TOGETHER) else 0.0
    if "numbers" not in shared and _heavy_numbers(a_anchors) and _heavy_numbers(b_anchors):
        needed += NUMBER_CONFLICT
        shared["conflict"] = ["specific numbers on both sides, none shared"]
    if total < needed or cover < MIN_COVER or specific < MIN_SPECIFIC:
        return None
    shared["time"] = [window]
    return LinkEvidence(total / (total + MIN_SHARED), "anchors", {k: sorted(v) for k, v in shared.items()})


def _shared_anchors(a: StoryDoc, a_anchors: Anchors, b: StoryDoc, b_anchors: Anchors) -> dict[str, list[str]]:
    names = set(a_anchors.names & b_anchors.names)
    names.update(_chinese_names_in(a_anchors, b, b_anchors) | _chinese_names_in(b_anchors, a, a_anchors))
    names = {name for name in names if not any(name != other and name in other for other in names if " " in other)}
    shared: dict[str, list[str]] = {}
    if names:
        shared["names"] = sorted(names)
    numbers = {_rounded(number, a_anchors, b_anchors) for number in a_anchors.numbers & b_anchors.numbers}
    if numbers:
        shared["numbers"] = sorted(numbers)
    dates = {value for value in a_anchors.dates & b_anchors.dates if not value.startswith("--")}
    dates.update(_month_days_met(a_anchors, b_anchors) | _month_days_met(b_anchors, a_anchors))
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


def _month_days_met(undated: Anchors, other: Anchors) -> set[str]:
    """Month-days an undated entry writes without a year that the other entry names with one."""
    partial = {value for value in undated.dates if value.startswith("--")}
    if not partial:
        return set()
    return {f"--{value[5:]}" for value in other.dates if not value.startswith("--") and f"--{value[5:]}" in partial}


def explain(a: StoryDoc, a_anchors: Anchors, b: StoryDoc, b_anchors: Anchors) -> dict[str, list[str]]:
    """What two entries share and how they agree in time, whether or not that makes a link (for reports)."""
    shared = _shared_anchors(a, a_anchors, b, b_anchors)
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


def _chinese_names_in(names_of: Anchors, other: StoryDoc, other_anchors: Anchors) -> set[str]:
    """Chinese names one entry gives in parentheses that the other (Chinese) entry writes."""
    wanted = [name for name in names_of.names if name.startswith("zh:")]
    if not wanted or other_anchors.script != "han":
        return set()
    text = simplified_text(full_text(other))
    return {name for name in wanted if name[3:] in text}


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


def _heavy_numbers(anchors: Anchors) -> bool:
    return any(weights.number_weight(number) >= weights.KEY_WEIGHT for number in anchors.numbers)


def _disjoint(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return set(a).isdisjoint(b)


def _own_weight(anchors: Anchors) -> float:
    return _own_weight_of(anchors.names, anchors.numbers, anchors.dates)


@functools.lru_cache(maxsize=65536)
def _own_weight_of(names: frozenset[str], numbers: frozenset[str], dates: frozenset[str]) -> float:
    full_dates = sum(1 for value in dates if not value.startswith("--"))
    return (sum(map(weights.name_weight, names)) + sum(map(weights.number_weight, numbers))
            + weights.DATE * full_dates)
