"""Reading a version for edit analysis: the seed schema's lines, boilerplate lines, sentences and tokens.

A version is a title line, optionally an ISO date line, then one paragraph per line. The body is the kept
paragraphs joined with ``\\n``; sentences tile each paragraph (a sentence owns the spaces after it), and tokens are
words of Latin-like scripts, single CJK characters, and currency or percent signs.

>>> version = read_version("Title\\n2025-12-02\\nDr. Lin met Kung. They signed 1.5 deals.")
>>> version.title, version.date, [s.text(version.body) for s in version.sentences]
('Title', '2025-12-02', ['Dr. Lin met Kung. ', 'They signed 1.5 deals.'])
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import regex

from rules.edits.lexicon import ABBREVIATIONS, BOILERPLATE_WORDS, CJK_BOILERPLATE, COPYRIGHT

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u3005-\u3007"
_WORD = rf"[[\p{{L}}\p{{M}}\p{{N}}]--[{_CJK}]]"
_JOIN = r"(?:[-\u2010-\u2015'\u2019\uFF07\uFF0D]|(?<=\p{Nd})[.,:/\uFF0C\uFF0E\uFF1A](?=\p{Nd}))"
TOKEN = regex.compile(rf"{_WORD}+(?:{_JOIN}{_WORD}+)*|[{_CJK}]|[\p{{Sc}}%\u2030\uFF05]", regex.V1)
_CJK_CHAR = regex.compile(rf"[{_CJK}]", regex.V1)
_DATE_LINE = regex.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:(?:T\s*|\s+)\d{1,2}\s*:\s*\d{2}(?:\s*:\s*\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?",
    regex.ASCII,
)
_TERMINATORS = regex.compile(
    r"[.!?;\u3002\uFF01\uFF1F\uFF1B\uFF0E\uFF61\u2026]+[\"'\u201D\u2019\u300D\u300F)\]\uFF09\u3011]*"
)
_OPENERS = "\"'\u201C\u2018\u300C\u300E(\uFF08[\u3010\u00AB"
_QUOTE_MARKS = regex.compile("[\u201C\u201D\u201E\u300C\u300D\u300E\u300F\u00AB\u00BB\"\uFF02]")
_CLOSES = {"\u201C": "\u201D", "\u201E": "\u201D", "\u300C": "\u300D", "\u300E": "\u300F", "\u00AB": "\u00BB"}
_KEY_MAP = str.maketrans({"\u2019": "'", "\u2018": "'", **{chr(c): "-" for c in range(0x2010, 0x2016)}})


def normalise(text: str) -> str:
    """NFKC, casefold, one form of apostrophe and dash: the comparison form of a token or a sentence.

    >>> normalise("Ｔａｉｗａｎ’s １２")
    "taiwan's 12"
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_KEY_MAP)


def is_cjk_char(char: str) -> bool:
    """Han, Kana or Hangul (one character).

    >>> is_cjk_char("日"), is_cjk_char("J")
    (True, False)
    """
    return _CJK_CHAR.match(char) is not None


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: its span in the body (with the spaces after it), its paragraph and its comparison key."""

    start: int
    end: int
    paragraph: int
    first_in_paragraph: bool
    key: str

    def text(self, body: str) -> str:
        return body[self.start : self.end]


@dataclass(frozen=True, slots=True)
class Token:
    """A token of a sentence: its span in the body, its comparison key and where it stands."""

    start: int
    end: int
    key: str
    raw: str
    sentence: int
    position: int  # index of the token in its sentence
    cjk: bool


@dataclass
class Version:
    """One version of a page, read for comparison."""

    title: str
    date: str
    body: str
    sentences: list[Sentence]
    paragraphs: list[tuple[int, int, int]]  # (start, end, index of the line among the body lines)
    boilerplate: list[str]
    _quotes: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    _cache: dict[str, Counter[int]] = field(default_factory=dict)

    def paragraph_text(self, paragraph: int) -> str:
        start, end, _ = self.paragraphs[paragraph]
        return self.body[start:end]

    def sentence_count(self, paragraph: int) -> int:
        if "counts" not in self._cache:
            self._cache["counts"] = Counter(sentence.paragraph for sentence in self.sentences)
        return self._cache["counts"][paragraph]

    def line_of(self, paragraph: int) -> int:
        """The index of the paragraph among the body lines of the version (boilerplate lines count)."""
        return self.paragraphs[paragraph][2]

    def tokens(self, sentence: int) -> list[Token]:
        item = self.sentences[sentence]
        return [
            Token(match.start(), match.end(), normalise(match.group()), match.group(), sentence, index,
                  is_cjk_char(match.group()[0]))
            for index, match in enumerate(TOKEN.finditer(self.body, item.start, item.end))
        ]

    def in_quote(self, sentence: int, offset: int) -> bool:
        """Whether ``offset`` of the body lies between quotation marks of its paragraph."""
        paragraph = self.sentences[sentence].paragraph
        if paragraph not in self._quotes:
            self._quotes[paragraph] = _quote_spans(self.body, *self.paragraphs[paragraph][:2])
        return any(start <= offset < end for start, end in self._quotes[paragraph])


def read_version(text: str) -> Version:
    """Split a text in the seed schema into title, date, boilerplate lines and sentences."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    title = lines[0] if lines else ""
    rest = [line for line in lines[1:] if line]
    date = ""
    for index, line in enumerate(rest):  # the date line is the second line; boilerplate before it is skipped
        if _DATE_LINE.fullmatch(unicodedata.normalize("NFKC", line).strip()):
            date, rest = line, rest[:index] + rest[index + 1 :]
        if date or not is_boilerplate(line):
            break
    kept: list[tuple[str, int]] = []
    boilerplate: list[str] = []
    for index, line in enumerate(rest):
        (boilerplate.append(line) if is_boilerplate(line) else kept.append((line, index)))
    body_parts: list[str] = []
    paragraphs: list[tuple[int, int, int]] = []
    offset = 0
    for line, index in kept:
        paragraphs.append((offset, offset + len(line), index))
        body_parts.append(line)
        offset += len(line) + 1
    body = "\n".join(body_parts)
    sentences = [
        Sentence(start, end, number, start == paragraphs[number][0], sentence_key(body[start:end]))
        for number, (p_start, p_end, _) in enumerate(paragraphs)
        for start, end in split_sentences(body, p_start, p_end)
    ]
    return Version(title, date, body, sentences, paragraphs, boilerplate)


def sentence_key(text: str) -> str:
    """The tokens of a text, normalised, joined: equal keys mean the texts differ at most cosmetically.

    >>> sentence_key("“Japan,” he said.") == sentence_key('"JAPAN" he said')
    True
    """
    return "\x1f".join(TOKEN.findall(normalise(text)))


def split_sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentence spans tiling ``text[start:end]`` (one paragraph); see the module docstring.

    >>> body = "Kung met the U.S. envoy on Dec. 2 at No. 5. Both signed; 雙方同意。下一步"
    >>> [body[s:e] for s, e in split_sentences(body, 0, len(body))]
    ['Kung met the U.S. envoy on Dec. 2 at No. 5. ', 'Both signed; ', '雙方同意。', '下一步']
    """
    begin = start
    for match in _TERMINATORS.finditer(text, start, end):
        after = match.end()
        while after < end and text[after] in " \t\u00A0\u3000":
            after += 1
        if after >= end:
            break
        if _is_boundary(text, start, match.start(), match.group(), after):
            yield begin, after
            begin = after
    if begin < end:
        yield begin, end


def _is_boundary(text: str, paragraph_start: int, at: int, marks: str, after: int) -> bool:
    folded = unicodedata.normalize("NFKC", marks)
    previous = text[at - 1] if at > paragraph_start else ""
    following = unicodedata.normalize("NFKC", text[after])[:1]
    spaced = after > at + len(marks)
    cjk_around = is_cjk_char(previous or " ") or is_cjk_char(following)
    if any(mark in marks for mark in "\u3002\uFF01\uFF1F\uFF1B\uFF61"):
        return True
    if "!" in folded or "?" in folded:
        return spaced or cjk_around
    if cjk_around:
        return True
    if ";" in folded or not spaced:
        return False
    if not (following.isupper() or following.isdigit() or following in _OPENERS or is_cjk_char(following)):
        return False
    word = regex.search(r"[\p{L}\p{N}]+$", text[max(paragraph_start, at - 12) : at])
    if word is None:
        return True
    before = word.group()
    return not (before in ABBREVIATIONS or (len(before) == 1 and before.isalpha()))


def _quote_spans(body: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    opened: tuple[str, int] | None = None
    for match in _QUOTE_MARKS.finditer(body, start, end):
        mark = match.group()
        if opened is None:
            if mark in _CLOSES or mark in "\"\uFF02":
                opened = (mark, match.end())
            continue
        opener, since = opened
        if mark == _CLOSES.get(opener) or (opener in "\"\uFF02" and mark in "\"\uFF02"):
            spans.append((since, match.start()))
            opened = None
    if opened is not None:  # a quotation that runs on to the next paragraph (news style)
        spans.append((opened[1], end))
    return spans


_CJK_BOILERPLATE = tuple(normalise(phrase) for phrase in CJK_BOILERPLATE)


def is_boilerplate(line: str) -> bool:
    """A line the clean-up should have removed: share/print/back-to-top links, copyright notices.

    >>> is_boilerplate("Share this"), is_boilerplate("回上頁"), is_boilerplate("Copyright © 2025 CNA")
    (True, True, True)
    >>> is_boilerplate("Taiwan will share data")
    False
    """
    folded = normalise(line).strip()
    if not folded or len(folded) > 200:
        return False
    words = TOKEN.findall(folded)
    if len(words) > 40:
        return False
    if COPYRIGHT.search(folded) is not None and len(words) <= 20 and "\u3002" not in folded.rstrip("\u3002"):
        return True
    for phrase in _CJK_BOILERPLATE:
        folded = folded.replace(phrase, " ")
    words = TOKEN.findall(folded)
    if not words:
        return True
    if len(words) > 8 or all(word.isdigit() for word in words):
        return False
    return all(word in BOILERPLATE_WORDS or word.isdigit() for word in words)
