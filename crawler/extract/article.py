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
