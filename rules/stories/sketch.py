"""Shingles and a bottom-k MinHash sketch for same-language near-duplicates.

Shingles are character 4-grams of CJK runs and word 3-grams of other text, after folding (NFKC, case, width,
Traditional→Simplified). The sketch keeps the ``K`` smallest 64-bit hashes of the shingle set: one hash per
shingle (cheap in pure Python), and the Jaccard similarity of two sets is estimated from their two sketches.

>>> a = sketch_of(shingles("外交部長林佳龍與數位發展部長林宜敬今日在外交部召開雙部長會議"))
>>> b = sketch_of(shingles("外交部长林佳龙与数位发展部长林宜敬今日在外交部召开双部长会议"))
>>> jaccard(a, b)
1.0
"""

from __future__ import annotations

import functools
import hashlib

import regex

from rules.text import fold, is_cjk

K = 64
_CJK_RUN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]+")
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_LETTERS = regex.compile(r"\p{L}+")  # what str.isalpha counts


def shingles(text: str) -> frozenset[str]:
    """Character 4-grams of CJK runs (shorter runs whole) and word 3-grams of the rest."""
    folded = fold(text).text
    found: set[str] = set()
    if folded and max(folded) < _FIRST_CJK:  # no CJK run, no word starting with a CJK character
        words = _WORD.findall(folded)
    else:
        for run in _CJK_RUN.findall(folded):
            if len(run) < 4:
                found.add(run)
            found.update(run[i : i + 4] for i in range(len(run) - 3))
        words = [word for word in _WORD.findall(_CJK_RUN.sub(" ", folded)) if not _cjk_start(word[0])]
    found.update(map(" ".join, zip(words, words[1:], words[2:], strict=False)))  # the word 3-grams
    return frozenset(found)


_FIRST_CJK = "\u1100"
"""No character below it is CJK (:func:`rules.text.is_cjk`) or in ``_CJK_RUN``'s scripts (tested)."""


_cjk_start = functools.lru_cache(maxsize=4096)(is_cjk)


def script_of(text: str) -> str:
    """"han" when CJK characters outnumber Latin letters, else "latin"."""
    runs = _CJK_RUN.findall(text)  # regex passes: a per-character loop costs ms on long texts
    if not runs:
        return "latin"  # no CJK character can outnumber the letters (letters need not be counted)
    cjk = sum(map(len, runs))
    return "han" if cjk * 2 > sum(map(len, _LETTERS.findall(text))) else "latin"


def _hash(gram: str) -> int:
    """One shingle's hash: the first 63 bits of its 8-byte BLAKE2b (:func:`sketch_of` computes it inline)."""
    return int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest(), "big") >> 1


_BLAKE2B_8 = hashlib.blake2b(digest_size=8)


def sketch_of(grams: frozenset[str], k: int = K) -> tuple[int, ...]:
    """The ``k`` smallest hashes of ``grams``, ascending (63-bit, so they fit a signed BIGINT or JSON)."""
    copy, from_bytes = _BLAKE2B_8.copy, int.from_bytes  # no call of _hash per shingle
    hashes: list[int] = []
    for data in map(str.encode, grams):
        digest = copy()  # a copy of the empty hash: a third cheaper than constructing one
        digest.update(data)
        hashes.append(from_bytes(digest.digest(), "big") >> 1)
    hashes.sort()
    return tuple(hashes[:k])


def jaccard(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the two sets behind bottom-k sketches ``a`` and ``b``."""
    return jaccard_of(a, b, frozenset(a), frozenset(b))


def jaccard_of(
    a: tuple[int, ...], b: tuple[int, ...], set_a: frozenset[int], set_b: frozenset[int],
    both: frozenset[int] | None = None,
) -> float:
    """:func:`jaccard` given the sketches' sets (scoring keeps them) and, if at hand, their intersection: of the
    ``k`` smallest hashes of the union, the share both sketches hold."""
    if not a or not b:
        return 0.0
    both = set_a & set_b if both is None else both
    if not both:
        return 0.0
    k = min(len(a), len(b))
    return len(both.intersection(sorted(set_a | set_b)[:k])) / k


def containment(a: tuple[int, ...], size_a: int, b: tuple[int, ...], size_b: int) -> float:
    """Estimated share of the smaller set that the other one contains."""
    return containment_of(jaccard(a, b), size_a, size_b)


def containment_of(j: float, size_a: int, size_b: int) -> float:
    """:func:`containment` given the sketches' :func:`jaccard` ``j``."""
    if not size_a or not size_b:
        return 0.0
    shared = j * (size_a + size_b) / (1 + j)
    return min(1.0, shared / min(size_a, size_b))
