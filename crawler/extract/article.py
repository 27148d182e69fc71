"""The article as it crosses from extraction to storage: a frozen value in the seed schema."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extract.dates import ArticleDate


@dataclass(frozen=True)
class Article:
    """One extracted article.

    `to_text()` gives the seed schema of DESIGN.md: title line (if any), date line (if any),
    then one paragraph per line.
    """

    url: str
    title: str | None
    published: ArticleDate | None
    paragraphs: tuple[str, ...]
    updated: ArticleDate | None = None
    language: str | None = None
    author: str | None = None

    def to_text(self) -> str:
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
        if self.published is not None:
            lines.append(self.published.iso())
        lines.extend(self.paragraphs)
        return "\n".join(lines) + "\n"

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def seed_body(text: str, title: str | None, published: str | None) -> str:
    """The body of a seed-schema text (what the matcher sees): the title line and the date line taken off.

    >>> seed_body("T\\n2026-01-02\\nA\\nB\\n", "T", "2026-01-02")
    'A\\nB'
    """
    lines = text.rstrip("\n").split("\n")
    if title and lines and lines[0] == title:
        lines = lines[1:]
    if published and lines and lines[0] == published:
        lines = lines[1:]
    return "\n".join(lines)
