"""Pairwise link evidence, the story to join, and blocking keys.

Precision first. Two entries are one story when one names the other as its alternate, when their URLs are the
same path in two languages of one site, when their texts are near-copies, or when they agree in time (the same
day, ±1) and share enough weighted language-independent anchors. Same-language texts that are not copies but
share much of their wording (two outlets rewriting one press release) add that overlap to the anchors.
"""

from __future__ import annotations

from collections.abc import Sequence

from rules.stories import weights
from rules.stories.anchors import full_text, simplified_text
from rules.stories.keys import CANDIDATE_LIMIT, candidate_keys, lookup_keys, rank_candidates
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

__all__ = [  # the time rules live in rules.stories.timing, the keys in rules.stories.keys; callers find them here
    "CANDIDATE_LIMIT", "EVENT_WINDOW", "PARTIAL_TIME", "REPORTED_WITHIN", "SEEN_TOGETHER", "candidate_keys",
    "event_days", "lookup_keys", "rank_candidates", "time_agreement",
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
SEEN_EXTRA = 3.0
"""An agreement only on when two undated entries were first seen needs this much more shared weight."""
NUMBER_CONFLICT = 4.0
"""Both entries give specific numbers and share none (two events of one day: "US$50 million" vs "57 years")."""
PARTIAL_EXTRA = 3.0
"""An agreement on month and day alone (an undated entry) needs this much more shared weight."""


_NONE_SHARED: frozenset[int] = frozenset()


def link_score(a: StoryDoc, a_anchors: Anchors, b: StoryDoc, b_anchors: Anchors) -> LinkEvidence | None:
    """Why ``a`` and ``b`` are the same story, or None."""
    return _Scorer(a, a_anchors).score(b, b_anchors)


class _Scorer:
    """One entry's side of its pairs, read once: :func:`choose_story` scores a new entry against tens of
    candidates. :meth:`score` is :func:`link_score` of the entry and one other."""

    __slots__ = ("_anchors", "_doc", "_facts", "_key")

    def __init__(self, doc: StoryDoc, anchors: Anchors) -> None:
        self._doc, self._anchors, self._facts = doc, anchors, facts_of(anchors)
        self._key = parallel_key(doc.url)

    def score(self, b: StoryDoc, b_anchors: Anchors, floor: float | None = None) -> LinkEvidence | None:
        """The pair's evidence, or None; with ``floor`` (the best score so far), also None for an anchor link
        that cannot score above it (``choose_story`` keeps the first of equal scores)."""
        a, a_anchors, fa = self._doc, self._anchors, self._facts
        # No alternates and another page key (or none): _direct_link finds nothing, the URLs need not be read.
        if a.alternates or b.alternates or (self._key is not None and parallel_key(b.url) == self._key):
            direct = _direct_link(a, b, a_anchors, b_anchors)
            if direct is not None:
                return direct
        fb = facts_of(b_anchors)
        overlap = _Overlap(a_anchors, b_anchors, fa, fb)
        near = _near_duplicate(a_anchors, b_anchors, fa, fb, overlap)
        if near is not None:
            return near
        if not (fa.zh_names or fb.zh_names) and fa.specific.isdisjoint(fb.specific):
            return None  # no shared anchor can be specific: _may_link's bound fails (specific + 1 < MIN_SPECIFIC)
        window = agreement(a_anchors, b_anchors, fa, fb)
        if window is None:
            return None
        return _anchor_link(a, a_anchors, fa, b, b_anchors, fb, window, overlap, floor)


class _Overlap:
    """The two sketches' shared hashes (same script only; a pair's near-copy check reads them, and so does its
    anchor link), and their Jaccard estimate computed at most once."""

    __slots__ = ("_a", "_b", "_fa", "_fb", "_jaccard", "both")

    def __init__(self, a: Anchors, b: Anchors, fa: Facts, fb: Facts) -> None:
        self._a, self._b, self._fa, self._fb = a, b, fa, fb
        self._jaccard: float | None = None
        same = a.script == b.script and bool(a.sketch) and bool(b.sketch)
        self.both: frozenset[int] = fa.sketch & fb.sketch if same else _NONE_SHARED

    def at_most(self) -> float:
        """An upper bound of :meth:`jaccard` (the estimate counts shared hashes among the k smallest)."""
        return len(self.both) / min(len(self._a.sketch), len(self._b.sketch))

    def jaccard(self) -> float:
        if self._jaccard is None:
            a, b = self._a.sketch, self._b.sketch
            self._jaccard = jaccard_of(a, b, self._fa.sketch, self._fb.sketch, self.both or None)
        return self._jaccard


def choose_story(
    doc: StoryDoc, anchors: Anchors, candidates: Sequence[tuple[int, StoryDoc, Anchors]]
) -> tuple[int, LinkEvidence] | None:
    """The story ``doc`` joins (the one with the strongest link to any member), or None for a new story."""
    best: tuple[int, LinkEvidence] | None = None
    scorer = _Scorer(doc, anchors)
    for story_id, other, other_anchors in candidates:
        if other.entry_id == doc.entry_id:
            continue
        evidence = scorer.score(other, other_anchors, None if best is None else best[1].score)
        if evidence is not None and (best is None or evidence.score > best[1].score):
            best = (story_id, evidence)
    return best


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
    # The cheap conditions first (they are a conjunction): the shared hashes only for texts long enough and near
    # enough in time, the Jaccard estimate only where it can reach the bar.
    if min(a.size, b.size) < 8 or (a.day and b.day and days_apart(fa, fb) > NEAR_DUPLICATE_DAYS):
        return None
    if not overlap.both or overlap.at_most() < NEAR_DUPLICATE:
        return None
    similarity = overlap.jaccard()
    if similarity < NEAR_DUPLICATE:
        return None
    return LinkEvidence(similarity, "near_duplicate", {"jaccard": [f"{similarity:.2f}"]})


def _anchor_link(
    a: StoryDoc, a_anchors: Anchors, fa: Facts, b: StoryDoc, b_anchors: Anchors, fb: Facts, window: str,
    overlap: _Overlap, floor: float | None = None,
) -> LinkEvidence | None:
    conflict = fa.heavy_numbers and fb.heavy_numbers and not a_anchors.numbers & b_anchors.numbers
    bound = _may_link(a, a_anchors, fa, b, b_anchors, fb, _needed(window, conflict), overlap)
    if bound is None:
        return None
    if floor is not None and (bound + _SLACK) / (bound + _SLACK + MIN_SHARED) <= floor:
        return None  # the score grows with the shared weight: even its bound does not beat the best so far
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
    needed = _needed(window, conflict)
    if conflict:  # no shared number: "numbers" is not in shared
        shared["conflict"] = ["specific numbers on both sides, none shared"]
    if total < needed or cover < MIN_COVER or specific < MIN_SPECIFIC:
        return None
    shared["time"] = [window]
    return LinkEvidence(total / (total + MIN_SHARED), "anchors", {k: sorted(v) for k, v in shared.items()})


def _needed(window: str, conflict: bool) -> float:
    """The shared weight a link needs: more for a month-day without a year, for undated entries seen together,
    and when both give specific numbers and share none."""
    needed = MIN_SHARED + (PARTIAL_EXTRA if window.startswith(PARTIAL_TIME) else 0.0)
    needed += SEEN_EXTRA if window.startswith(SEEN_TOGETHER) else 0.0
    return needed + NUMBER_CONFLICT if conflict else needed


_SLACK = 1e-6
""":func:`_may_link` adds the weights in another order than the exact sum does: a margin for float rounding."""


def _may_link(
    a: StoryDoc, a_anchors: Anchors, fa: Facts, b: StoryDoc, b_anchors: Anchors, fb: Facts, needed: float,
    overlap: _Overlap,
) -> float | None:
    """An upper bound of the pair's shared weight (wording included) if the pair can pass :func:`_anchor_link`'s
    bars, else None; decided from upper bounds of its shared weight, specific anchors and cover: the shared sets'
    intersections without the sub-name filter, sorting or evidence, the
    dates of each kind counted apart, and the wording overlap from :meth:`_Overlap.at_most` (the containment
    grows with the Jaccard estimate), its exact estimate left to the pairs that may link. Most pairs cannot."""
    names = a_anchors.names & b_anchors.names
    if fa.zh_names or fb.zh_names:
        names = names | _chinese_names_in(fa, b, b_anchors) | _chinese_names_in(fb, a, a_anchors)
    numbers = a_anchors.numbers & b_anchors.numbers
    if numbers:
        numbers = frozenset(_rounded(number, a_anchors, b_anchors) for number in numbers)
    name_weights = [weights.name_weight(name) for name in names]
    number_weights = [weights.number_weight(number) for number in numbers]
    dates = (len(fa.full_dates & fb.full_dates) + len(fa.partial & fb.full_month_days)
             + len(fb.partial & fa.full_month_days))
    total = (sum(name_weights) + sum(number_weights) + weights.DATE * dates
             + weights.CONCEPT * len(a_anchors.concepts & b_anchors.concepts))
    specific = sum(1 for weight in name_weights if weight >= weights.KEY_WEIGHT)
    specific += sum(1 for weight in number_weights if weight >= weights.KEY_WEIGHT)
    own = max(1e-9, min(fa.own_weight, fb.own_weight))
    if total + TEXT_WEIGHT < needed - _SLACK or specific + 1 < MIN_SPECIFIC or total / own + 1.0 < MIN_COVER - _SLACK:
        return None  # not even with every word shared
    cover = total / own
    if overlap.both:
        text = containment_of(overlap.at_most(), a_anchors.size, b_anchors.size)
        if text >= MIN_TEXT - _SLACK:
            total += TEXT_WEIGHT * text
            cover += text
            specific += 1
    if total >= needed - _SLACK and cover >= MIN_COVER - _SLACK and specific >= MIN_SPECIFIC:
        return total
    return None


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
        and bool(facts_of(anchors).zh_names)  # the names that start with "zh:", found once per anchors
        and time_agreement(anchors, other_anchors) is not None
    )


def may_need_text(anchors: Anchors) -> bool:
    """False when :func:`needs_text` is False for an entry with ``anchors`` and every other entry (it gives no
    Chinese name in parentheses): then no candidate needs to be asked."""
    return bool(facts_of(anchors).zh_names)


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


