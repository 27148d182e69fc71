"""The fold's fast paths give what the original fold gave: the same text and the same offset of every character.

``tests/bench/rules_before`` is main's matcher before this work (verbatim), folding included.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.charclasses import WIDE, nfkc
from rules.text import _GAP, Folded, fold
from tests.bench.rules_before.text import fold as former_fold

# Latin, CJK (Traditional, Simplified), full-width forms, ligatures, combining marks (Latin, Arabic), Hangul jamo,
# Arabic presentation forms, "…", whitespace runs, the character the fold joins texts with, any other character.
_PICKED = st.sampled_from([*"aAbZz9 -臺台灣湾夥伙合作，：（）；？！％＃０Ａｚ\u3000\u00a0ﬁßİ…\u0301\u0308\u0653\u0654",
                           *"\u064b\u0650\u0627\u0628ﺑﻻ\u1100\u1161\u11a8한\t\n\r\x85\u2028\u1680\u2000\ufe0f\U0001f642ﾞ\U0001d165\U000e0100",
                           "  ", "\n\n", _GAP])
_CHARS = st.one_of(_PICKED, _PICKED, _PICKED, st.characters(blacklist_categories=("Cs",)))
TEXTS = st.lists(_CHARS, max_size=80).map("".join)


def _map(folded: Folded) -> list[tuple[int, int]]:
    return [folded.original_span(index, index + 1) for index in range(len(folded.text))]


@settings(max_examples=1500, deadline=None)
@given(TEXTS)
def test_fold_equals_the_former_fold_with_the_same_offsets(text: str) -> None:
    folded, former = fold(text), former_fold(text)
    assert folded.text == former.text
    assert _map(folded) == _map(former)


@settings(max_examples=1500, deadline=None)
@given(TEXTS)
def test_nfkc_is_unicodedata_nfkc(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_the_wide_forms_are_replaced_by_their_compatibility_decompositions() -> None:
    assert len(WIDE) == 33
    for wide, narrow in WIDE:
        assert unicodedata.normalize("NFKD", wide) == narrow
    assert unicodedata.normalize("NFKD", "…") == "..."


def test_the_gap_character_is_kept_by_every_step_and_composes_with_nothing() -> None:
    assert unicodedata.normalize("NFKC", "e" + _GAP + "\u0301") == "e" + _GAP + "\u0301"
    assert fold("臺灣" + _GAP + "夥伴").text == "台湾" + _GAP + "伙伴"
    assert fold(_GAP).text == _GAP.casefold() == _GAP
