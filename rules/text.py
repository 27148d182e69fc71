"""Text folding for matching: NFKC, casefold, Traditional→Simplified Chinese, whitespace runs to one space.

``fold`` keeps a map from every folded character back to the original text, so evidence offsets always
point into the text the user sees.

>>> folded = fold("ＡＩ  夥伴")
>>> folded.text
'ai 伙伴'
>>> folded.original_span(3, 5)
(4, 6)
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import opencc
import regex

from rules.charclasses import (
    COMPOSING,
    bmp,
    class_of,
    class_of_ranges,
    clustered,
    composing_class,
    hard,
    nfkc,
    ranges_of,
    run_places,
    shipped,
    two_spaces,
    wide_chars,
)

_HAN = regex.compile(r"\p{Han}")
_OTHER_WHITESPACE = "\n\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"
_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0x31F0, 0x31FF),  # Katakana extensions
    (0x3400, 0x4DBF),  # Han extension A
    (0x4E00, 0x9FFF),  # Han
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # Han compatibility
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3134F),  # Han extensions B-G
)


@dataclass(frozen=True)
class Folded:
    """A folded text and, unless folding kept every offset, a sparse map back to the original.

    The map lists pieces: each starts at a folded offset (``marks``) and is either a plain run, whose folded
    characters map one-to-one onto ``original[start:end]``, or a special cluster, all of whose folded
    characters come from the whole ``original[start:end]`` (``ﬁ`` → ``fi``, ``e`` + accent → ``é``, a run of
    whitespace → one space). Only the few places where the two texts diverge cost an entry.

    >>> Folded("ab").original_span(0, 2)
    (0, 2)
    >>> Folded("a b", (0, 1, 2), ((0, 1, True), (1, 3, False), (3, 4, True))).original_span(1, 3)
    (1, 4)
    """

    text: str
    marks: tuple[int, ...] = ()
    pieces: tuple[tuple[int, int, bool], ...] = ()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the folded slice ``[start, end)`` to the original text."""
        if not self.marks:
            return start, end
        return self._piece_of(start)[0], self._piece_of(end - 1)[1]

    def _piece_of(self, index: int) -> tuple[int, int]:
        """Where folded character ``index`` came from: ``(start, end)`` in the original."""
        piece = bisect.bisect_right(self.marks, index) - 1
        start, end, plain = self.pieces[piece]
        if not plain:
            return start, end
        offset = start + index - self.marks[piece]
        return offset, offset + 1


def is_cjk(char: str) -> bool:
    """Han, Kana or Hangul: scripts without spaces between words.

    >>> is_cjk("合"), is_cjk("a")
    (True, False)
    """
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


@functools.lru_cache(maxsize=4096)
def is_word_char(char: str) -> bool:
    """A letter or digit of a script that separates words with spaces (Latin, Cyrillic, ...).

    >>> is_word_char("a"), is_word_char("7"), is_word_char("-"), is_word_char("合")
    (True, True, False, False)
    """
    return char.isalnum() and not is_cjk(char)


class _WordChars(dict[str, bool]):
    """``is_word_char`` as a dict that fills itself: one C-level lookup per character checked."""

    def __missing__(self, char: str) -> bool:
        found = self[char] = is_word_char(char)
        return found


WORD_CHARS: dict[str, bool] = _WordChars()
"""``WORD_CHARS[char]`` is ``is_word_char(char)`` (for the matcher's per-hit boundary checks)."""

WORD_RUN = re.compile(f"[^\\W_{class_of_ranges(_CJK_RANGES)}]*")
"""A run of ``is_word_char`` characters (the standard library's ``\\w`` is ``str.isalnum()`` or "_"): where a
prefix's word ends, in one C-level match instead of a call per character."""


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Fold Traditional Chinese to Simplified; other text is returned unchanged.

    >>> to_simplified("夥伴關係")
    '伙伴关系'
    """
    if _HAN.search(text) is None:
        return text
    return str(_t2s().convert(text))


def fold(text: str) -> Folded:
    """Fold ``text`` for matching and keep the offset map (see the module docstring).

    Most text folds character by character apart from a few places ("…", "ﬁ", runs of whitespace): one
    whole-text fold plus a search for those places builds the sparse map. Text with combining marks, Hangul
    jamo, characters outside the BMP or a fold that is not character-local is folded cluster by cluster.
    """
    if text.isascii():
        whole = _spaces(text.lower())
        if "  " not in whole:
            return Folded(whole)
        return _fold_sparse(text, whole, changing=False, wide=False) or _fold_in_pieces(text)
    first = wide_chars().search(text)  # one scan where most Latin text needs two
    wide = first is not None
    # Each class contains the next (wide, clustered, COMPOSING): the next scan starts at the first hit
    clustered_at = clustered().search(text, first.start()) if first is not None else None
    if clustered_at is not None:
        fast = _fold_one_to_one(text, clustered_at.start())
        return Folded(fast) if fast is not None and "  " not in fast else _fold_in_pieces(text)
    normal = nfkc(text).casefold()
    whole = _spaces(to_simplified(normal) if wide else normal)
    if len(whole) == len(text) and "  " not in whole:
        return Folded(whole)
    return _fold_sparse(text, whole, changing=len(whole) != len(text), wide=wide) or _fold_in_pieces(text)


def _fold_sparse(text: str, whole: str, changing: bool, wide: bool) -> Folded | None:
    """The sparse map of the character-local fold ``whole`` of ``text``; None if it may not be local. Without
    a ``wide`` character (``rules.charclasses.wide_chars``) nothing in ``text`` is ``hard``."""
    if wide and hard().search(text) is not None:
        return None
    places = run_places(text, whole, changing or wide) if _may_run(text, whole) else []
    if changing:
        places = sorted(places + [(found.start(), found.end(), False) for found in _changes().finditer(text)])
    pieces = _Pieces()
    done = position = 0  # in the original, in ``whole``
    for start, end, run in places:
        if start > done:
            pieces.add(whole[position:position + start - done], done, start, plain=True)
            position += start - done
        folded = " " if run else _fold_cluster(text[start])
        pieces.add(" " if folded.isspace() else folded, start, end, plain=False)
        position += end - start if run else len(folded)
        done = end
    if len(whole) - position != len(text) - done:
        return None
    if not places:
        return Folded(whole)
    if done < len(text):
        pieces.add(whole[position:], done, len(text), plain=True)
    return pieces.folded()


def _may_run(text: str, whole: str) -> bool:
    """Whether ``text`` may hold a run of whitespace: every whitespace character but U+1680 folds to a space
    on its own, so a run in ``text`` leaves two spaces in its character-local fold ``whole``."""
    return "  " in whole or "\u1680" in text


def fold_term(term: str) -> str:
    """Fold a query or group term the same way as the text, without its outer spaces.

    >>> fold_term(" Kerja  SAMA ")
    'kerja sama'
    """
    return fold(term).text.strip(" ")


def _spaces(text: str) -> str:
    """Every other whitespace character as a space (one ``replace`` per character present beats ``translate``)."""
    for char in _OTHER_WHITESPACE:
        if char in text:
            text = text.replace(char, " ")
    return text


def _fold_one_to_one(text: str, start: int = 0) -> str | None:
    """The fold of ``text`` if it is one character per character, else None (``start``: no composing
    character before it)."""
    if text.isascii():
        return _spaces(text.lower())
    if COMPOSING.search(text, start) is not None:
        return None
    normal = nfkc(text)
    if len(normal) != len(text):
        return None
    folded = to_simplified(normal.casefold())
    if len(folded) != len(text):
        return None
    return _spaces(folded)


@functools.lru_cache(maxsize=65536)
def _fold_cluster(cluster: str) -> str:
    folded = to_simplified(unicodedata.normalize("NFKC", cluster).casefold())
    return "".join(" " if char.isspace() else char for char in folded)


def changing_codes() -> Iterator[int]:
    """The BMP characters whose fold is not one character (``ﬁ``, ``ß``, ``…``, ...)."""
    return (code for code in bmp() if len(_fold_cluster(chr(code))) != 1)


@functools.lru_cache(maxsize=1024)
def _special(present: frozenset[str]) -> tuple[regex.Pattern[str], re.Pattern[str]]:
    """Where folding is not one-to-one (clusters with marks, the ``present`` changing characters, whitespace
    runs), and a guide that finds their neighbourhood without trying every position.

    A class of only the changing characters a text holds is much faster than one of all 1,252. The guide is a
    standard-library class of marks, jamo, the present characters and every character outside the BMP
    (several times faster to scan than ``regex``'s alternation); ``_hints`` adds whitespace runs.
    """
    members = "".join(regex.escape(char) for char in sorted(present))
    changing = f"|[{members}]" if members else ""
    full = regex.compile(rf"(?s:.[\p{{M}}\u1160-\u11FF\uD7B0-\uD7FF]+){changing}|\s{{2,}}")
    guide = re.compile(f"[{composing_class()}\U00010000-\U0010FFFF{class_of(ord(char) for char in sorted(present))}]")
    return full, guide


def _hints(guide: re.Pattern[str], text: str) -> Iterator[int]:
    """The starts of the guide's hits and of whitespace runs, in order (two standard-library scans, merged)."""
    starts = [found.start() for found in guide.finditer(text)]
    spaces = [found.start() for found in two_spaces().finditer(text)]
    return iter(sorted(starts + spaces) if spaces else starts)


def _specials(text: str) -> Iterator[regex.Match[str]]:
    """The matches of the full pattern, as ``finditer`` would give them.

    Every match has a hint at its start or the character after it (a cluster's first mark), so searching
    from just before the next hint that ends past the last match finds the same matches; hints in order of
    position may be more than needed (any character outside the BMP), never fewer.
    """
    full, guide = _special(frozenset(_changes().findall(text)))
    done = 0
    for hint in _hints(guide, text):
        if hint < done:  # every hint is one character long (a run's is its first character)
            continue
        found = full.search(text, max(done, hint - 1))
        if found is None:
            return
        yield found
        done = found.end()


@functools.cache
def _changes() -> re.Pattern[str]:
    return re.compile(f"[{class_of_ranges(shipped('CHANGING') or ranges_of(changing_codes()))}]")


class _Pieces:
    """The folded text and its sparse map, built piece by piece."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.marks: list[int] = []
        self.pieces: list[tuple[int, int, bool]] = []
        self.length = 0

    def add(self, folded: str, start: int, end: int, plain: bool) -> None:
        self.chars.append(folded)
        self.marks.append(self.length)
        self.pieces.append((start, end, plain))
        self.length += len(folded)

    def folded(self) -> Folded:
        return Folded("".join(self.chars), tuple(self.marks), tuple(self.pieces))


def _fold_in_pieces(text: str) -> Folded:
    pieces = _Pieces()
    specials = list(_specials(text))
    gaps = [(done.end() if done else 0, special.start())
            for done, special in zip([None, *specials], specials, strict=False)]
    gaps.append((specials[-1].end() if specials else 0, len(text)))
    plain = _fold_gaps([text[start:end] for start, end in gaps])
    for (start, end), piece, special in zip(gaps, plain, [*specials, None], strict=True):
        _append_plain(text, start, end, piece, pieces)
        if special is not None:
            folded = _fold_cluster(special.group())
            pieces.add(" " if folded.isspace() else folded, special.start(), special.end(), plain=False)
    return pieces.folded()


_GAP = "\ue000"  # a private-use character: no decomposition, case or OpenCC mapping, composes with nothing


def _fold_gaps(gaps: list[str]) -> list[str | None]:
    """``_fold_one_to_one`` of each text between special places, in one NFKC, casefold and OpenCC pass.

    The texts are joined by a character that every step keeps as it is and that nothing composes with or
    continues a phrase over, so the joined fold, cut at it, is each text's fold; where a text holds the
    character or composing marks, each is folded on its own.
    """
    joined = _GAP.join(gaps)
    if len(gaps) < 2 or joined.count(_GAP) != len(gaps) - 1 or COMPOSING.search(joined) is not None:
        return [_fold_one_to_one(gap) for gap in gaps]
    normal = nfkc(joined)
    folded = _spaces(to_simplified(normal.casefold()))
    normals, folds = normal.split(_GAP), folded.split(_GAP)
    if len(normals) != len(gaps) or len(folds) != len(gaps):
        return [_fold_one_to_one(gap) for gap in gaps]
    return [fold if len(gap) == len(normal) == len(fold) else None
            for gap, normal, fold in zip(gaps, normals, folds, strict=True)]


def _append_plain(text: str, start: int, end: int, piece: str | None, pieces: _Pieces) -> None:
    if start == end:
        return
    if piece is None or len(piece) != end - start:
        for char, char_start, char_end in _fold_by_cluster(text[start:end]):
            pieces.add(char, start + char_start, start + char_end, plain=False)
        return
    pieces.add(piece, start, end, plain=True)


def _clusters(text: str) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not _continues_cluster(text[index]):
            bounds.append((start, index))
            start = index
    return bounds


def _continues_cluster(char: str) -> bool:
    return unicodedata.combining(char) != 0 or COMPOSING.match(char) is not None


def _fold_by_cluster(text: str) -> list[tuple[str, int, int]]:
    """Each folded character with the cluster it came from; a space run keeps one space spanning the run."""
    chars: list[tuple[str, int, int]] = []
    for start, end in _clusters(text):
        for char in _fold_cluster(text[start:end]):
            if char == " " and chars and chars[-1][0] == " ":
                chars[-1] = (" ", chars[-1][1], end)
                continue
            chars.append((char, start, end))
    return chars
