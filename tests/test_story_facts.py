"""What story scoring keeps to go fast gives the answers it gave without it: the Jaccard estimate from kept sets,
the facts kept on an anchors object (no part of its value), decoded anchors shared, and the day-month date
pattern's lookahead (the same matches), and the bound under which a pair's evidence is not built."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
import regex

from rules.stories import Anchors, StoryDoc, event_days
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


def _random_anchors(rng: random.Random, day: str) -> Anchors:
    names = ["p:lin-chia-lung", "zh:林佳龙", "c:us", "o:mofa", "budi santoso", "santoso", "hawaii josh green",
             "josh green", "KDEI", "AI", "taipei", "governor", "abac", "zh:章溥帝"]
    numbers = ["5.7%", "1.442e+10", "~1.4e+10", "2000", "13", "77", "2026", "3", "≈1.4e+10", "~5e+07", "5e+07"]
    dates = ["2026-03-10", "2026-03-11", "2026-03-12", "--03-11", "--03-12", "2025-03-12"]
    concepts = ["trade", "health", "visit", "security"]
    pool = list(range(1, 120))
    return Anchors(
        names=frozenset(rng.sample(names, rng.randrange(0, 8))),
        numbers=frozenset(rng.sample(numbers, rng.randrange(0, 6))),
        dates=frozenset(rng.sample(dates, rng.randrange(0, 4))),
        concepts=frozenset(rng.sample(concepts, rng.randrange(0, 4))),
        day=day, published=rng.random() < 0.7,
        sketch=tuple(sorted(rng.sample(pool, rng.randrange(0, 64)))), size=rng.randrange(0, 200),
        script=rng.choice(["latin", "latin", "han"]), language="en",
    )


def test_the_shared_weight_bound_rejects_only_pairs_that_cannot_link(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scoring skips a pair's evidence when an upper bound of its shared weight, specific anchors and cover
    (``link._may_link``) is under the bars: on random pairs every link (score and evidence) is the one scoring
    gives without the bound, and the bound does skip pairs."""
    from rules.stories import link

    rng = random.Random(11)
    seen = datetime(2026, 3, 12, 8, tzinfo=UTC)
    pairs = []
    for index in range(6000):
        day_a, day_b = rng.choice(["2026-03-12", "2026-03-11"]), rng.choice(["2026-03-12", "2026-03-13"])
        docs = [StoryDoc(index * 2 + side, "en", "林佳龙 章溥帝 title", "body", None, seen, f"https://s{side}.example/{index}",
                         f"s{side}") for side in (0, 1)]
        pairs.append((docs[0], _random_anchors(rng, day_a), docs[1], _random_anchors(rng, day_b)))
    with_bound = [link.link_score(a, aa, b, ba) for a, aa, b, ba in pairs]
    skipped = sum(1 for a, aa, b, ba in pairs if not link._may_link(
        a, aa, facts_of(aa), b, ba, facts_of(ba), link.MIN_SHARED, link._Overlap(aa, ba, facts_of(aa), facts_of(ba))))
    monkeypatch.setattr(link, "_may_link", lambda *args: True)
    without = [link.link_score(a, aa, b, ba) for a, aa, b, ba in pairs]
    assert with_bound == without
    linked = sum(1 for found in without if found is not None and found.reason == "anchors")
    assert linked > 100 and skipped > 1000  # both sides of the bar are exercised


def test_dates_and_the_undated_text_in_one_scan_equal_the_two_functions() -> None:
    """``dates_and_rest`` (anchors' one scan of the date patterns) gives what ``mentioned_dates`` and
    ``strip_dates`` give, on random strings of date pieces in every script the patterns read."""
    from rules.stories.dates import dates_and_rest, mentioned_dates, strip_dates

    rng = random.Random(5)
    pieces = ["1", "2", "12", "20", "31", "2026", "2025", "-", "/", ".", " ", "\n", ",", "Jan.", "January", "nov",
              "Desember", "de", "noviembre", "to", "and", "sampai", "st", "th", "Monday", "Selasa", "年", "月", "日",
              "号", "今", "昨", "（", "）", "(", ")", "民國", "114", "十", "二十", "三", "至", "週四", "星期五", "本",
              "x", "Taipei", "林", "12月", "3日", "2026-01-20", "Dec. 1", "20 Januari 2026", "1月19日"]
    for index in range(10000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 16)))
        ref = date(2026, 1 + index % 12, 1 + index % 28)
        for partial in (False, True):
            assert dates_and_rest(text, ref, partial) == (mentioned_dates(text, ref, partial), strip_dates(text))


def test_anchors_need_the_first_seen_time_a_candidate_may_leave_out() -> None:
    """A stored candidate's ``StoryDoc`` has no first-seen time (scoring reads its anchors); computing anchors
    needs one (the day of an undated entry)."""
    from rules.stories import anchors_of

    undated = StoryDoc(1, "en", "Lin Chia-lung in Taipei", "He met Budi Santoso.", None, None, "https://s.example/1",
                       "s")
    with pytest.raises(ValueError, match="first_seen"):
        anchors_of(undated)
    seen = datetime(2026, 3, 12, 8, tzinfo=UTC)
    assert anchors_of(StoryDoc(1, "en", undated.title, undated.text, None, seen, undated.url, "s")).day == "2026-03-12"


def test_the_inlined_sketch_hash_is_the_shingle_hash() -> None:
    from rules.stories.sketch import _hash, shingles, sketch_of

    words = " ".join(f"word{index}" for index in range(100))
    grams = shingles(f"外交部長林佳龍與數位發展部長林宜敬今日在外交部召開雙部長會議 and {words}")
    assert sketch_of(grams) == tuple(sorted(map(_hash, grams))[:64]) and len(sketch_of(grams)) == 64
    assert sketch_of(grams, k=5) == tuple(sorted(map(_hash, grams))[:5]) and sketch_of(frozenset()) == ()


def _reference_choice(doc: StoryDoc, anchors: Anchors, candidates: list[tuple[int, StoryDoc, Anchors]]) -> object:
    """``choose_story`` as first written: every candidate's ``link_score``, the first of the highest scores."""
    from rules.stories import link_score

    best = None
    for story_id, other, other_anchors in candidates:
        if other.entry_id == doc.entry_id:
            continue
        evidence = link_score(doc, anchors, other, other_anchors)
        if evidence is not None and (best is None or evidence.score > best[1].score):
            best = (story_id, evidence)
    return best


def test_choosing_a_story_skips_only_candidates_that_cannot_win() -> None:
    """``choose_story`` reads the new entry's side once and leaves out candidates whose bound cannot beat the
    best link so far: the same story and evidence as scoring every candidate in full."""
    from rules.stories import choose_story

    rng = random.Random(5)
    seen = datetime(2026, 3, 12, 8, tzinfo=UTC)
    chose = 0
    for index in range(400):
        def doc(entry_id: int, url: str) -> StoryDoc:
            return StoryDoc(entry_id, "en", "林佳龙 章溥帝 title", "body", None, seen, url, "s")

        new = doc(index * 100, rng.choice([f"https://moda.gov.tw/en/press/{index}.html", f"https://n.example/{index}"]))
        anchors = _random_anchors(rng, "2026-03-12")
        candidates = [
            (rng.randrange(1, 6), doc(index * 100 + n, rng.choice([f"https://moda.gov.tw/press/{index}.html",
                                                                    f"https://o.example/{index}/{n}"])),
             _random_anchors(rng, rng.choice(["2026-03-11", "2026-03-12", "2026-03-13"])))
            for n in range(1, rng.randrange(2, 40))
        ]
        expected = _reference_choice(new, anchors, candidates)
        assert choose_story(new, anchors, candidates) == expected
        chose += expected is not None
    assert chose > 100


def test_the_latin_only_shortcuts_change_no_anchor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shingles, the script and the parenthesised Chinese names skip their CJK passes on a text that cannot hold
    CJK (no code point below ``_FIRST_CJK`` is CJK) or Han: the same values as the full passes."""
    from rules.stories import names, sketch
    from rules.text import is_cjk

    assert not any(is_cjk(chr(code)) or sketch._CJK_RUN.match(chr(code)) for code in range(ord(sketch._FIRST_CJK)))
    rng = random.Random(13)
    pieces = ["Lin Chia-lung", " (林佳龍)", "(", ")", "（", "）", "Budi", " ", "\n", "外交部", "〆", "ー", "é", "Ⅻ",
              "ÉCOLE", "a b c", "x", "1", "한국", "カナ", "ß", "İ", "Dr. ", "章溥帝", "met", "."]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 14))) for _ in range(5000)]
    fast = [(sketch.shingles(t), sketch.script_of(t), names.parenthesised_chinese(t)) for t in texts]
    monkeypatch.setattr(sketch, "_FIRST_CJK", "\0")
    monkeypatch.setattr(names, "has_han", bool)  # "has Han" for every text that is not empty
    full = [(sketch.shingles(t), _script_counted(t), names.parenthesised_chinese(t)) for t in texts]
    assert fast == full


def _script_counted(text: str) -> str:
    """``script_of`` as first written: both counts, always."""
    from rules.stories.sketch import _CJK_RUN, _LETTERS

    cjk = sum(map(len, _CJK_RUN.findall(text)))
    return "han" if cjk * 2 > sum(map(len, _LETTERS.findall(text))) else "latin"
