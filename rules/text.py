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

import functools
import unicodedata
from dataclasses import dataclass

import opencc
import regex

# Combining marks and conjoining Hangul jamo are the only characters NFKC composes with their neighbour;
# without them, NFKC is character-by-character and equal lengths mean a one-to-one map.
_COMPOSING = regex.compile(r"[\p{M}\u1160-\u11FF\uD7B0-\uD7FF]")
_HAN = regex.compile(r"\p{Han}")
_WHITESPACE_TO_SPACE = {ord(c): " " for c in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"}
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
    """A folded text and, unless folding kept every offset, where each folded character came from.

    >>> Folded("ab", None, None).original_span(0, 2)
    (0, 2)
    """

    text: str
    starts: tuple[int, ...] | None
    ends: tuple[int, ...] | None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the folded slice ``[start, end)`` to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


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
    """Fold ``text`` for matching and keep the offset map (see the module docstring)."""
    fast = _fold_one_to_one(text)
    if fast is not None and "  " not in fast:
        return Folded(fast, None, None)
    return _fold_in_pieces(text)


def fold_term(term: str) -> str:
    """Fold a query or group term the same way as the text, without its outer spaces.

    >>> fold_term(" Kerja  SAMA ")
    'kerja sama'
    """
    return fold(term).text.strip(" ")


def _fold_one_to_one(text: str) -> str | None:
    if text.isascii():
        return text.lower().translate(_WHITESPACE_TO_SPACE)
    if _COMPOSING.search(text) is not None:
        return None
    normal = unicodedata.normalize("NFKC", text)
    if len(normal) != len(text):
        return None
    folded = to_simplified(normal.casefold())
    if len(folded) != len(text):
        return None
    return folded.translate(_WHITESPACE_TO_SPACE)


@functools.lru_cache(maxsize=65536)
def _fold_cluster(cluster: str) -> str:
    folded = to_simplified(unicodedata.normalize("NFKC", cluster).casefold())
    return "".join(" " if char.isspace() else char for char in folded)


@functools.cache
def _special() -> regex.Pattern[str]:
    """Where folding is not one-to-one: clusters with marks, characters that fold to 0 or 2+, whitespace runs."""
    changing = [chr(code) for code in range(0x80, 0x10000)
                if not 0xD800 <= code <= 0xDFFF and len(_fold_cluster(chr(code))) != 1]
    members = "".join(regex.escape(char) for char in changing)
    return regex.compile(rf"(?s:.[\p{{M}}\u1160-\u11FF\uD7B0-\uD7FF]+)|[{members}]|\s{{2,}}")


def _fold_in_pieces(text: str) -> Folded:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0
    for special in _special().finditer(text):
        _append_plain(text, done, special.start(), chars, starts, ends)
        folded = _fold_cluster(special.group())
        folded = " " if folded.isspace() else folded
        chars.append(folded)
        starts.extend([special.start()] * len(folded))
        ends.extend([special.end()] * len(folded))
        done = special.end()
    _append_plain(text, done, len(text), chars, starts, ends)
    return Folded("".join(chars), tuple(starts), tuple(ends))


def _append_plain(text: str, start: int, end: int, chars: list[str], starts: list[int], ends: list[int]) -> None:
    if start == end:
        return
    piece = _fold_one_to_one(text[start:end])
    if piece is None or len(piece) != end - start:
        folded = _fold_by_cluster(text[start:end])
        chars.append(folded.text)
        starts.extend(start + offset for offset in folded.starts or ())
        ends.extend(start + offset for offset in folded.ends or ())
        return
    chars.append(piece)
    starts.extend(range(start, end))
    ends.extend(range(start + 1, end + 1))


def _clusters(text: str) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not _continues_cluster(text[index]):
            bounds.append((start, index))
            start = index
    return bounds


def _continues_cluster(char: str) -> bool:
    return unicodedata.combining(char) != 0 or _COMPOSING.match(char) is not None


def _fold_by_cluster(text: str) -> Folded:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _clusters(text):
        for char in _fold_cluster(text[start:end]):
            if char == " " and chars and chars[-1] == " ":
                ends[-1] = end
                continue
            chars.append(char)
            starts.append(start)
            ends.append(end)
    return Folded("".join(chars), tuple(starts), tuple(ends))
