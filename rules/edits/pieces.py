"""Helpers of edit analysis: sentence alignment, the cosmetic comparison of equal token runs, spans and clips.

>>> list(align(["a", "b", "c"], ["a", "c"]))
[('equal', 0, 1, 0, 1), ('delete', 1, 2, 1, 1), ('equal', 2, 3, 1, 2)]
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator, Sequence

from rules.edits.classify import separator_difference, token_difference
from rules.edits.model import EditClass
from rules.edits.segment import Sentence, Token

CONTEXT_CHARS = 600
REMOVED_SHARE = 0.5  # a sentence with less than half of its tokens kept counts as removed (added likewise)


def clip(text: str, limit: int = CONTEXT_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def span(text: str, tokens: Sequence[Token]) -> str:
    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def pair_cosmetics(old_text: str, old_tokens: Sequence[Token], old_span: tuple[int, int], new_text: str,
                    new_tokens: Sequence[Token], new_span: tuple[int, int], *, tail_spaces: bool = True,
                    ) -> Iterator[tuple[EditClass, str, str, int, int]]:
    """Cosmetic differences between two spans whose tokens compare equal one to one, with the sentences where
    they are."""
    old_at, new_at = old_span[0], new_span[0]
    for old_token, new_token in zip(old_tokens, new_tokens, strict=True):
        old_sep, new_sep = old_text[old_at : old_token.start], new_text[new_at : new_token.start]
        for cls in sorted(separator_difference(old_sep, new_sep)):
            yield cls, old_sep, new_sep, old_token.sentence, new_token.sentence
        token_cls = token_difference(old_token.raw, new_token.raw)
        if token_cls is not None:
            yield token_cls, old_token.raw, new_token.raw, old_token.sentence, new_token.sentence
        old_at, new_at = old_token.end, new_token.end
    old_sep, new_sep = old_text[old_at : old_span[1]], new_text[new_at : new_span[1]]
    last_old = old_tokens[-1].sentence if old_tokens else 0
    last_new = new_tokens[-1].sentence if new_tokens else 0
    for cls in sorted(separator_difference(old_sep, new_sep)):
        if tail_spaces or cls != "whitespace":
            yield cls, old_sep, new_sep, last_old, last_new


def align(old: list[str], new: list[str]) -> Iterator[tuple[str, int, int, int, int]]:
    """SequenceMatcher opcodes, after taking off the common head and tail (the usual edit touches one place)."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    if head:
        yield "equal", 0, head, 0, head
    middle_old, middle_new = old[head : len(old) - tail], new[head : len(new) - tail]
    if middle_old or middle_new:
        junk = len(middle_old) + len(middle_new) > 4000
        matcher = difflib.SequenceMatcher(None, middle_old, middle_new, autojunk=junk)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            yield tag, i1 + head, i2 + head, j1 + head, j2 + head
    if tail:
        yield "equal", len(old) - tail, len(old), len(new) - tail, len(new)


def joined(keys: Sequence[str]) -> str:
    return "\x1f".join(key for key in keys if key)


def size(sentences: Sequence[Sentence]) -> int:
    return sum(sentence.key.count("\x1f") + 1 for sentence in sentences if sentence.key)


def mostly_gone(tokens: Sequence[Token], kept: Sequence[bool]) -> set[int]:
    total: Counter[int] = Counter(t.sentence for t in tokens)
    still: Counter[int] = Counter(t.sentence for t, k in zip(tokens, kept, strict=True) if k)
    return {sentence for sentence, count in total.items() if still[sentence] < REMOVED_SHARE * count}
