"""The sparse offset map of `rules.text.fold`: every folded character maps back to where it came from."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.match import Document, Matcher, RuleSpec
from rules.text import _changes, _special, _specials, fold

# Letters, CJK (Traditional and Simplified), ligatures, combining marks, Hangul jamo, "…", odd whitespace.
_ALPHABET = st.sampled_from([*"aAbZ臺台灣湾夥伙 \t\n\u3000\u00a0ﬁßİ…\u0301\u0308\u1161\u11a8ＡＩé", "  ",
                             *"\u1680\u2000\x85\x1c\u064e\ufe0f\U0001f642ﾞ"])
TEXTS = st.lists(_ALPHABET, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_every_folded_character_maps_into_the_original_in_order(text: str) -> None:
    folded = fold(text)
    previous = (0, 0)
    for index in range(len(folded.text)):
        start, end = folded.original_span(index, index + 1)
        assert 0 <= start < end <= len(text)
        assert (start, end) >= previous
        previous = (start, end)
        piece = fold(text[start:end]).text
        assert folded.text[index] in piece or folded.text[index] == " "


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_the_guided_search_finds_what_the_full_pattern_finds(text: str) -> None:
    full, _ = _special(frozenset(_changes().findall(text)))
    assert [found.span() for found in _specials(text)] == [found.span() for found in full.finditer(text)]


@settings(max_examples=200, deadline=None)
@given(TEXTS, TEXTS)
def test_evidence_offsets_point_at_the_matched_original_text(before: str, after: str) -> None:
    body = f"{before} 臺灣 AI 夥伴 {after}"
    matcher = Matcher.compile([RuleSpec("r", '台湾 OR AI OR "伙伴"')], {})
    (match,) = matcher.match(Document("", body))
    for evidence in match.evidence:
        assert body[evidence.start:evidence.end] == evidence.text
        # A combining mark (or a Hangul vowel or final jamo, which extends the cluster before it) belongs to the
        # character before it, so a span may carry one the term has not.
        assert _base(fold(evidence.text).text) == _base(fold(evidence.term).text)


def _base(text: str) -> str:
    # A variation selector (U+FE0F) is a nonspacing mark of combining class 0: it belongs to the character before.
    kept = (char for char in text if not unicodedata.combining(char) and unicodedata.category(char) != "Mn"
            and not "\u1160" <= char <= "\u11ff")
    return "".join(kept).strip()
