"""The fold's one-scan test for Latin text: below ``HAN_FROM`` nothing is Han or folds to Han."""

from __future__ import annotations

import unicodedata

import regex

from rules.charclasses import COMPOSING, HAN_FROM, clustered, wide_chars
from rules.text import Folded, fold
from tests.bench.rules_before.text import fold as former_fold

_HAN = regex.compile(r"\p{Han}")


def _map(folded: Folded) -> list[tuple[int, int]]:
    return [folded.original_span(index, index + 1) for index in range(len(folded.text))]


def test_no_character_below_han_from_is_or_folds_to_han() -> None:
    below = "".join(chr(code) for code in range(HAN_FROM) if not 0xD800 <= code <= 0xDFFF)
    assert _HAN.search(below) is None
    folded = "".join(unicodedata.normalize("NFKC", char).casefold() for char in below)
    assert _HAN.search(folded) is None


def test_text_without_a_wide_character_folds_without_opencc() -> None:
    assert wide_chars().search("naïve — “AI” 50 °C ½ Ⅻ") is None  # precomposed: no marks, nothing from U+2E80
    assert fold("“AI” ½ Ⅻ").text == "“ai” 1⁄2 xii"
    assert wide_chars().search("臺") is not None and fold("臺灣").text == "台湾"
    assert wide_chars().search("e\u0301") is not None and fold("e\u0301").text == "é"


def test_whitespace_runs_are_found_where_the_fold_has_two_spaces() -> None:
    for text in [
        "a\x1c b",
        "a\x1c  b",
        "a \x1c b",
        "a\x1c\x1d b",
        "x\u00a0\u2000y  z",
        "a\u1680 b",
        "a  \x85\u2028b",
        "’ \x1f\t\n“",
        "“a”\x1e  ",
        "  ",
        "\x1c\x1c",
        "é \x1c  x",
    ]:
        folded, former = fold(text), former_fold(text)
        assert folded.text == former.text and _map(folded) == _map(former), text


def test_each_scan_of_the_fold_looks_for_a_subset_of_the_one_before() -> None:
    """``fold`` starts the ``clustered`` scan at the first wide character and the COMPOSING one at the first
    clustered character: each class holds the next."""
    everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    composing, cluster = set(COMPOSING.findall(everything)), set(clustered().findall(everything))
    assert composing <= cluster <= set(wide_chars().findall(everything))
