"""What story scoring keeps to go fast gives the answers it gave without it: the Jaccard estimate from kept sets,
the facts kept on an anchors object (no part of its value), decoded anchors shared, and the day-month date
pattern's lookahead (the same matches)."""

from __future__ import annotations

import random
from datetime import date

import regex

from rules.stories import Anchors, event_days
from rules.stories.dates import _DAY_MONTH
from rules.stories.sketch import containment, jaccard
from rules.stories.timing import facts_of


def _reference_jaccard(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The estimate as first written: of the k smallest of the union, the share in both."""
    if not a or not b:
        return 0.0
    k = min(len(a), len(b))
    union = sorted(set(a) | set(b))[:k]
    both = set(a) & set(b)
    return sum(1 for value in union if value in both) / k


def test_jaccard_equals_the_reference_estimate() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        pool = [rng.randrange(1, 400) for _ in range(rng.randrange(1, 200))]
        a = tuple(sorted(set(rng.sample(pool, min(len(pool), rng.randrange(0, 70))))))
        b = tuple(sorted(set(rng.sample(pool, min(len(pool), rng.randrange(0, 70))))))
        assert jaccard(a, b) == _reference_jaccard(a, b)
        j = _reference_jaccard(a, b)
        size_a, size_b = len(a) * 3, len(b) * 2
        expected = 0.0 if not size_a or not size_b else min(1.0, j * (size_a + size_b) / (1 + j) / min(size_a, size_b))
        assert containment(a, size_a, b, size_b) == expected


def test_facts_are_kept_on_the_object_and_are_no_part_of_its_value() -> None:
    anchors = Anchors(names=frozenset({"p:lin-chia-lung", "zh:林佳龙"}), numbers=frozenset({"5e+07"}),
                      dates=frozenset({"2025-03-10", "--03-11"}), day="2025-03-12", published=True, sketch=(3, 1, 2))
    text = anchors.to_json()
    before = hash(anchors)
    facts = facts_of(anchors)
    assert facts_of(anchors) is facts
    assert facts.days == (date(2025, 3, 10), date(2025, 3, 12)) and facts.zh_names == ("zh:林佳龙",)
    assert facts.partial == {"--03-11"} and facts.full_month_days == {"--03-10"} and facts.heavy_numbers
    assert hash(anchors) == before and anchors.to_json() == text and "facts" not in repr(anchors)
    assert Anchors.from_json(text) == anchors
    assert Anchors.from_json(text) is Anchors.from_json(text)  # one decoded value per text
    days = event_days(anchors)
    days.add(date(2000, 1, 1))  # the caller's own set: the kept facts do not change
    assert event_days(anchors) == {date(2025, 3, 10), date(2025, 3, 12)}


def test_the_day_month_lookahead_changes_no_match() -> None:
    unguarded = regex.compile(_DAY_MONTH.pattern.removeprefix(r"(?=\d)"), _DAY_MONTH.flags)
    assert unguarded.pattern != _DAY_MONTH.pattern
    rng = random.Random(3)
    pieces = ["1", "2", "3", "0", "12", "31", "2026", " ", "\n", "\xa0", "-", "–", "s.d.", "sampai", "y", "al", "de",
              "Januari", "jan", "NOV", "noviembre", "st", "th", ",", ".", "x", "٣", "२", "é"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        assert [(m.span(), m.groups()) for m in _DAY_MONTH.finditer(text)] == [
            (m.span(), m.groups()) for m in unguarded.finditer(text)]
