"""The `attachment:` field: an article's files as one searchable text, and a hit mapped back to its file.

>>> files = (AttachmentText("https://x.tw/a.pdf", "a.pdf", "alpha"), AttachmentText("https://x.tw/b.pdf", "b", "beta"))
>>> locate(9, 13, files, gap=2)
(1, 2, 6)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CONTEXT_CHARS = 120  # each side of a hit, for the alert's snippet


@dataclass(frozen=True)
class AttachmentText:
    """A file of the article (PDF, DOCX, ...) as rules see it: its URL, link text and extracted text."""

    url: str
    name: str
    text: str


def locate(start: int, end: int, files: Sequence[AttachmentText], *, gap: int) -> tuple[int, int, int]:
    """(file index, start, end in that file's text) of a span of the joined field text."""
    offset = 0
    for index, item in enumerate(files):
        if start < offset + len(item.text) + gap or index == len(files) - 1:
            return index, start - offset, end - offset
        offset += len(item.text) + gap
    raise ValueError("no attachments to locate a hit in")


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """The hit with up to `width` characters each side, on one line.

    >>> context("one two three", 4, 7, width=2)
    '…e two t…'
    """
    low, high = max(0, start - width), min(len(text), end + width)
    snippet = " ".join(text[low:high].split())
    return ("…" if low else "") + snippet + ("…" if high < len(text) else "")
