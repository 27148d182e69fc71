"""Classifying one changed run of tokens, and the cosmetic differences between tokens that compare equal.

A run is what a word-level (Latin) or character-level (CJK) diff reports as replaced, deleted or inserted.
Substantive wins, in this order: date, number, negation, modality, entity, quote, wording; a run is cosmetic
only if it is a re-spacing of the same letters or a typo fixed.

>>> from rules.edits.segment import Token, normalise
>>> def token(key, raw=None, position=1): return Token(0, 0, key, raw or key, 0, position, False)
>>> classify_run([token("will"), token("sign")], [token("discussed")], RunContext())
'modality'
>>> classify_run([token("goverment")], [token("government")], RunContext())
'typo'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import regex

from rules.edits.lexicon import (
    CJK_DATE_UNITS,
    CJK_NOT_FUNCTION_WORDS,
    CJK_NUMERALS,
    CJK_PLACES,
    DATE_WORDS,
    LATIN_PLACES,
    MODALS,
    NEGATIONS,
    NUMBER_WORDS,
    words,
)
from rules.edits.model import EditClass
from rules.edits.segment import Token, normalise

_PRIORITY: tuple[EditClass, ...] = ("date", "number", "negation", "modality", "entity", "quote", "wording")
_NEGATIVE_PREFIXES = ("non-", "non", "un", "in", "im", "il", "ir", "dis", "a", "anti", "ketidak", "tidak", "tak")
_ENDINGS = words("s es ed d ing er ers est ly ies ied y ion ions nya kan an i lah kah pun") | {""}
_AMBIGUOUS_DATE_WORDS = frozenset({"may", "march", "sun", "sat", "wed"})
_CJK_DATE = regex.compile(
    r"[0-9０-９零〇一二三四五六七八九十百千兩两廿卅]+\s*[年月日號号時时點点分]|星期.|禮拜.|[週周][一二三四五六日末]"
    r"|[今昨明前後后去][天日年晚]|[上下中]午|凌晨|傍晚|民國|西元"
)
_SPACE = regex.compile(r"[\s\u00A0\u200B\u3000\uFEFF]+")
_MARKS = regex.compile(r"[\s\u00A0\u200B\uFEFF\p{P}\p{Sk}\p{Sm}]+")
_CJK_COMPOUND = regex.compile("|".join(sorted(CJK_NOT_FUNCTION_WORDS, key=len, reverse=True)))
_CJK_PLACE = regex.compile("|".join(regex.escape(term) for term in sorted(CJK_PLACES, key=len, reverse=True)))


@dataclass
class RunContext:
    """What the classifier may ask about the versions: the sentence around a token, quotes, vocabulary."""

    sentence_text: Callable[[str, Token], str] = lambda side, token: ""
    in_quote: Callable[[str, Token], bool] = lambda side, token: False
    old_vocabulary: Callable[[], Collection[str]] = lambda: ()
    new_vocabulary: Callable[[], Collection[str]] = lambda: ()
    neighbours: Callable[[str, Token], tuple[str, str]] = lambda side, token: ("", "")
    span_text: Callable[[str, Sequence[Token]], str] = lambda side, tokens: " ".join(t.raw for t in tokens)
    sentence_start: Callable[[str, Token], int] = lambda side, token: 0
    title_case: bool = False
    _spans: dict[tuple[str, int, str], list[tuple[int, int]]] = field(default_factory=dict)

    def spans(self, side: str, token: Token, pattern: regex.Pattern[str]) -> list[tuple[int, int]]:
        """Matches of ``pattern`` in the sentence of ``token``, as offsets into the token's sentence text."""
        cache_key = (side, token.sentence, pattern.pattern)
        if cache_key not in self._spans:
            text = unicodedata.normalize("NFKC", self.sentence_text(side, token))
            self._spans[cache_key] = [match.span() for match in pattern.finditer(text)]
        return self._spans[cache_key]


def classify_run(old: Sequence[Token], new: Sequence[Token], context: RunContext) -> EditClass:
    """The class of a changed run: ``old`` tokens replaced by ``new`` ones (either may be empty)."""
    return classify_run_fully(old, new, context)[0]


def classify_run_fully(old: Sequence[Token], new: Sequence[Token], context: RunContext,
                       ) -> tuple[EditClass, frozenset[EditClass]]:
    """The class of a changed run and every substantive class that applies to it (a number inside a quote:
    ``("number", {"number", "quote"})``)."""
    cosmetic = cosmetic_run(old, new, context)
    if cosmetic is not None:
        return cosmetic, frozenset({cosmetic})
    found: set[EditClass] = set()
    for side, tokens in (("old", old), ("new", new)):
        for token in tokens:
            found.update(_token_classes(side, token, context))
    if len(old) == 1 and len(new) == 1 and _negative_affix(old[0].key, new[0].key):
        found.add("negation")
    primary: EditClass = next((name for name in _PRIORITY if name in found), "wording")
    return primary, frozenset(found | {primary})


def cosmetic_run(old: Sequence[Token], new: Sequence[Token], context: RunContext) -> EditClass | None:
    """"whitespace" (the same text spaced otherwise), "punctuation" (other punctuation between the same letters and
    digits, or hyphens and apostrophes dropped), "typo", or None."""
    if not old or not new:
        return None
    old_text, new_text = normalise(context.span_text("old", old)), normalise(context.span_text("new", new))
    if _SPACE.sub("", old_text) == _SPACE.sub("", new_text):
        return "whitespace"
    if _MARKS.sub("·", old_text) == _MARKS.sub("·", new_text):
        return "punctuation"
    if _loose(old_text) == _loose(new_text):
        return "punctuation"
    if len(old) == 1 and len(new) == 1 and is_typo_fix(old[0], new[0], context):
        return "typo"
    return None


def _loose(text: str) -> str:
    return str(_SPACE.sub("", text)).replace("-", "").replace("'", "")


def _token_classes(side: str, token: Token, context: RunContext) -> set[EditClass]:
    key = token.key
    found: set[EditClass] = set()
    if _is_number(token):
        found.add("date" if _is_date_number(side, token, context) else "number")
    if _is_date_word(token) or (token.cjk and _inside(context.spans(side, token, _CJK_DATE), side, token, context)):
        found.add("date")
    function_word = not token.cjk or not _inside(context.spans(side, token, _CJK_COMPOUND), side, token, context)
    if function_word and (key in NEGATIONS or key.endswith("n't")):
        found.add("negation")
    if function_word and (key in MODALS or key.endswith("'ll")):
        found.add("modality")
    if _is_entity(side, token, context):
        found.add("entity")
    if context.in_quote(side, token):
        found.add("quote")
    return found


def _is_number(token: Token) -> bool:
    key = token.key
    if any(char.isdigit() for char in key) or key in NUMBER_WORDS or key in CJK_NUMERALS:
        return True
    return (len(key) == 1 and unicodedata.category(key) == "Sc") or key in {"%", "‰"}


def _is_date_word(token: Token) -> bool:
    if token.key not in DATE_WORDS:
        return False
    return token.key not in _AMBIGUOUS_DATE_WORDS or (token.raw[:1].isupper() and token.position > 0)


def _is_date_number(side: str, token: Token, context: RunContext) -> bool:
    key = token.key
    if regex.fullmatch(r"(?:19|20)\d\d", key) or regex.fullmatch(r"\d{1,4}[:/-]\d{1,2}(?:[:/-]\d{1,4})?", key):
        return True
    before, after = context.neighbours(side, token)
    for word in (before, after):
        if (word in DATE_WORDS and word not in _AMBIGUOUS_DATE_WORDS) or word in CJK_DATE_UNITS:
            return True
    return False


def _is_entity(side: str, token: Token, context: RunContext) -> bool:
    if token.cjk:
        return _inside(context.spans(side, token, _CJK_PLACE), side, token, context)
    key, raw = token.key, token.raw
    if key in LATIN_PLACES or any(part in LATIN_PLACES for part in key.split("-") if len(part) > 2):
        return True
    if context.title_case:
        return False
    letters = [char for char in raw if char.isalpha()]
    acronym = len(letters) >= 2 and all(char.isupper() for char in letters)
    return acronym or (raw[:1].isupper() and token.position > 0)


def _inside(spans: list[tuple[int, int]], side: str, token: Token, context: RunContext) -> bool:
    if not spans:
        return False
    offset = _offset_in_sentence(side, token, context)
    return any(start <= offset < end for start, end in spans)


def _offset_in_sentence(side: str, token: Token, context: RunContext) -> int:
    # CJK tokens are single characters and NFKC keeps CJK text one-to-one, so the offset carries over.
    return token.start - context.sentence_start(side, token)


def is_typo_fix(old: Token, new: Token, context: RunContext) -> bool:
    """A one- or two-character fix inside a word of 4+ letters that makes no number, negation, modal or name.

    >>> from rules.edits.segment import Token, normalise
    >>> def token(key): return Token(0, 0, key, key, 0, 1, False)
    >>> is_typo_fix(token("cooperaton"), token("cooperation"), RunContext())
    True
    >>> is_typo_fix(token("increase"), token("decrease"), RunContext())
    False
    """
    a, b = old.key, new.key
    if old.cjk or new.cjk or len(b) < 4 or len(a) < 3 or abs(len(a) - len(b)) > 2:
        return False
    for token in (old, new):
        if _is_number(token) or token.key in NEGATIONS or token.key in MODALS or token.key.endswith("n't"):
            return False
    if a in LATIN_PLACES or a in DATE_WORDS or _negative_affix(a, b):
        return False  # a known name or date changed, or a negative prefix
    distance = edit_distance(a, b)
    if distance > 2:
        return False
    prefix = _common_prefix(a, b)
    suffix = _common_prefix(a[prefix:][::-1], b[prefix:][::-1])
    middle_a, middle_b = a[prefix : len(a) - suffix], b[prefix : len(b) - suffix]
    slip = _doubled(a, b, prefix, middle_a, middle_b) or (len(middle_a) == 2 and middle_a == middle_b[::-1])
    named = not context.title_case and any(
        (token.raw[:1].isupper() and token.position > 0) or sum(c.isupper() for c in token.raw) >= 2
        for token in (old, new)
    )
    if named:
        # Names and acronyms: one slip only; in a short name a changed letter may be another name (Chen, Chan):
        # a fix only if the fixed name was already in use and the old one is gone.
        if distance > 1 or (prefix == 0 and not slip):
            return False
        if slip or len(b) >= 5 or len(middle_a) != len(middle_b):
            return True
        return b in context.old_vocabulary() and a not in context.new_vocabulary()
    if slip:
        return True
    if distance == 2 and len(b) < 6:
        return False
    if prefix == 0 and (distance > 1 or len(b) < 5 or len(middle_a) == len(middle_b)):
        return False  # a changed first letter makes another word (bat, cat)
    if suffix == 0 and middle_a in _ENDINGS and middle_b in _ENDINGS:
        # A word that differs by an ending (signed, signs): a fix only if the fixed form was already in use and
        # the old form is gone.
        return b in context.old_vocabulary() and a not in context.new_vocabulary()
    return True


def _doubled(a: str, b: str, prefix: int, middle_a: str, middle_b: str) -> bool:
    """One letter typed twice, or a double letter typed once (``tetapii``, ``begining``)."""
    if {len(middle_a), len(middle_b)} != {0, 1}:
        return False
    letter, word = (middle_a, a) if middle_a else (middle_b, b)
    return word[prefix - 1 : prefix] == letter or word[prefix + 1 : prefix + 2] == letter


def _negative_affix(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(short) < 3:
        return False
    return any(long == prefix + short for prefix in _NEGATIVE_PREFIXES) or long == short + "less"


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein with adjacent transpositions).

    >>> edit_distance("goverment", "government"), edit_distance("form", "from")
    (1, 1)
    """
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def token_difference(old: str, new: str) -> EditClass | None:
    """The cosmetic class of two raw tokens with equal keys: width, case, or punctuation (apostrophes, dashes).

    >>> token_difference("12", "１２"), token_difference("Taiwan", "TAIWAN"), token_difference("it's", "it’s")
    ('width', 'case', 'punctuation')
    """
    if old == new:
        return None
    old_nfkc, new_nfkc = unicodedata.normalize("NFKC", old), unicodedata.normalize("NFKC", new)
    if old_nfkc == new_nfkc:
        return "width"
    if old_nfkc.casefold() == new_nfkc.casefold():
        return "case"
    return "punctuation"




def separator_difference(old: str, new: str, *, line_breaks: bool = True) -> set[EditClass]:
    """The cosmetic classes between two separators (the text between tokens).

    >>> sorted(separator_difference(", ", "，")), sorted(separator_difference(" ", "\\u00a0")), \
sorted(separator_difference(". ", ".\\n"))
    (['punctuation', 'whitespace'], ['whitespace'], ['split_merge'])
    """
    if old == new:
        return set()
    found: set[EditClass] = set()
    breaks = ("\n" in old) != ("\n" in new)
    if breaks and line_breaks:
        found.add("split_merge")
    old_bare, new_bare = _SPACE.sub("", old), _SPACE.sub("", new)
    if old_bare != new_bare:
        found.add("punctuation")
    if not breaks and _SPACE.findall(old) != _SPACE.findall(new):
        found.add("whitespace")
    return found
