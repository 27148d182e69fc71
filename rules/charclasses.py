"""The character classes text folding is built on, computed once per process from the Unicode database.

Combining marks and conjoining Hangul jamo are the only characters NFKC composes with their neighbour; without
them, NFKC is character-by-character and equal lengths mean a one-to-one map (``rules.text.fold``'s fast path).

>>> bool(hard().match("\u0301")), bool(hard().match("a"))
(True, False)
>>> [found.span() for found in runs().finditer("a  b c")]
[(1, 3)]
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

import regex

COMPOSING = regex.compile(r"[\p{M}\u1160-\u11FF\uD7B0-\uD7FF]")


@functools.cache
def composing_class() -> str:
    """Every BMP character of ``COMPOSING``, for a standard-library class (the guide adds all other planes)."""
    return class_of(code for code in bmp() if COMPOSING.match(chr(code)))


@functools.cache
def two_spaces() -> re.Pattern[str]:
    """A character of ``regex``'s ``\\s`` followed by another: the start of every whitespace run."""
    everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    spaces = class_of(ord(found.group()) for found in regex.finditer(r"\s", everything))
    return re.compile(f"[{spaces}](?=[{spaces}])")


# Regex's \s: the whitespace a run of which folds to one space (not \x1c-\x1f, which str.isspace() counts).
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def class_of(codes: Iterator[int]) -> str:
    """The characters of ``codes`` as the inside of a standard-library class."""
    return "".join(re.escape(chr(code)) for code in codes)


def bmp() -> Iterator[int]:
    """Every code point of the BMP above ASCII, surrogates excepted."""
    return (code for code in range(0x80, 0x10000) if not 0xD800 <= code <= 0xDFFF)


def composes(char: str) -> bool:
    """Whether NFKC may join ``char`` to the character before it (marks, jamo, ``ﾞ``, compatibility jamo)."""
    if COMPOSING.match(char) is not None:
        return True
    lead = unicodedata.normalize("NFKD", char)[:1]
    return bool(lead) and (unicodedata.combining(lead) != 0 or COMPOSING.match(lead) is not None
                           or lead in _secondaries())


@functools.cache
def _secondaries() -> frozenset[str]:
    """Starters that canonical composition joins to a preceding character (Hangul vowels and tails, ...)."""
    found = set()
    for code in bmp():
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<") and unicodedata.combining(chr(int(parts[1], 16))) == 0:
            found.add(chr(int(parts[1], 16)))
    return frozenset(found)


@functools.cache
def clustered() -> re.Pattern[str]:
    """Text that ``_fold_in_pieces`` folds cluster by cluster: marks, jamo, or characters outside the BMP."""
    return re.compile(f"[{composing_class()}\U00010000-\U0010FFFF]")


@functools.cache
def hard() -> re.Pattern[str]:
    """A character NFKC may join to the one before it (see ``composes``)."""
    return re.compile(f"[{class_of(code for code in bmp() if composes(chr(code)))}]")


@functools.cache
def runs() -> re.Pattern[str]:
    """A run of two or more whitespace characters (folded to one space)."""
    return re.compile(f"[{WHITE_SPACE}]{{2,}}")
