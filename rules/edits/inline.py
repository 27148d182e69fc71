"""A readable diff of two texts for people: lines aligned first, then the changed lines diffed by word (Latin
scripts) or by character (CJK), spaces and punctuation kept as their own pieces.

>>> inline_diff("Exports rose 3% in May.", "Exports rose 5% in May!")
[('equal', 'Exports rose '), ('delete', '3'), ('insert', '5'), ('equal', '% in May'), ('delete', '.'), ('insert', '!')]
>>> inline_diff("日本與台灣", "韓國與台灣")
[('delete', '日本'), ('insert', '韓國'), ('equal', '與台灣')]
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Literal

import regex

from rules.edits.segment import TOKEN

Piece = Literal["equal", "delete", "insert"]
Segment = tuple[Piece, str]
_PIECE = regex.compile(rf"{TOKEN.pattern}|\s+|.", regex.V1 | regex.DOTALL)


def pieces(text: str) -> list[str]:
    """Words, single CJK characters, runs of spaces, and every other character alone; they join back to ``text``."""
    return [match.group() for match in _PIECE.finditer(text)]


def inline_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn ``old`` into ``new``; adjacent segments of one kind are merged."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_part, new_part = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            segments.append(("equal", old_part))
        else:
            segments.extend(_token_diff(old_part, new_part))
    return _merged(segments)


def _token_diff(old: str, new: str) -> Iterator[Segment]:
    old_pieces, new_pieces = pieces(old), pieces(new)
    matcher = difflib.SequenceMatcher(None, old_pieces, new_pieces, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            yield "equal", "".join(old_pieces[i1:i2])
            continue
        if i2 > i1:
            yield "delete", "".join(old_pieces[i1:i2])
        if j2 > j1:
            yield "insert", "".join(new_pieces[j1:j2])


def _merged(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for kind, text in segments:
        if not text:
            continue
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged
