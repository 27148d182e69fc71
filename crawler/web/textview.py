"""Text for the pages: the body inside a seed-schema text, highlighted evidence, inline diffs, inert strings.

>>> [(s.text, s.mark) for s in highlight("AI and ai", [(0, 2)])]
[('AI', True), (' and ai', False)]
>>> inert("a\\u202eb")
'a[U+202E]b'
>>> safe_url("javascript:alert(1)"), safe_url("https://x.tw/a")
('', 'https://x.tw/a')
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# Bidirectional controls (embeddings, overrides, isolates) and marks: shown by name, never obeyed.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INERT = {ord(char): f"[U+{ord(char):04X}]" for char in BIDI_CONTROLS}
DIFF_CHAR_LIMIT = 4000  # longer changed lines are diffed as whole lines (difflib is quadratic)


def inert(value: Any) -> Any:
    """``value`` with bidi controls made visible (strings only): a title cannot reorder the page around it."""
    return value.translate(_INERT) if isinstance(value, str) else value


def safe_url(url: str | None) -> str:
    """``url`` when it is http(s), else '' (no ``javascript:`` or ``data:`` link ever reaches a page)."""
    if not url:
        return ""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url.strip() if scheme in ("http", "https") else ""




@dataclass(frozen=True)
class Segment:
    text: str
    mark: bool = False


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> list[Segment]:
    """``text`` cut into plain and marked segments (overlapping spans merged)."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    segments, at = [], 0
    for start, end in merged:
        if start > at:
            segments.append(Segment(text[at:start]))
        segments.append(Segment(text[start:end], True))
        at = end
    if at < len(text):
        segments.append(Segment(text[at:]))
    return segments


def paragraphs(text: str, spans: Iterable[tuple[int, int]]) -> list[list[Segment]]:
    """Highlighted ``text`` split into its lines (paragraphs); a mark across a line break is split too."""
    result: list[list[Segment]] = [[]]
    for segment in highlight(text, spans):
        pieces = segment.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                result.append([])
            if piece:
                result[-1].append(Segment(piece, segment.mark))
    return result


@dataclass(frozen=True)
class DiffLine:
    """One line of an inline diff: ``kind`` is "same", "added", "removed" or "changed" (with word marks)."""

    kind: str
    old: tuple[Segment, ...] = ()
    new: tuple[Segment, ...] = ()


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """An inline diff of two seed-schema texts, line by line; changed lines marked character by character."""
    old_lines, new_lines = old.rstrip("\n").split("\n"), new.rstrip("\n").split("\n")
    result: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            result += [DiffLine("same", new=(Segment(line),)) for line in new_lines[j1:j2]]
        elif op == "replace" and i2 - i1 == j2 - j1:
            result += [_changed(a, b) for a, b in zip(old_lines[i1:i2], new_lines[j1:j2], strict=True)]
        else:
            result += [DiffLine("removed", old=(Segment(line, True),)) for line in old_lines[i1:i2]]
            result += [DiffLine("added", new=(Segment(line, True),)) for line in new_lines[j1:j2]]
    return result


def _changed(old: str, new: str) -> DiffLine:
    if len(old) + len(new) > DIFF_CHAR_LIMIT:
        return DiffLine("changed", (Segment(old, True),), (Segment(new, True),))
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    old_spans = [(i1, i2) for op, i1, i2, _, _ in matcher.get_opcodes() if op != "equal"]
    new_spans = [(j1, j2) for op, _, _, j1, j2 in matcher.get_opcodes() if op != "equal"]
    return DiffLine("changed", tuple(highlight(old, old_spans)), tuple(highlight(new, new_spans)))


def diff_summary(lines: Sequence[DiffLine]) -> dict[str, int]:
    """How many lines were added, removed and changed."""
    counts = {"added": 0, "removed": 0, "changed": 0}
    for line in lines:
        if line.kind in counts:
            counts[line.kind] += 1
    return counts


def unified(old: str, new: str) -> str:
    """A unified diff (for the API)."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        "previous", "this version", n=1))
