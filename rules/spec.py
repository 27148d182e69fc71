"""The value that names a rule, kept apart from the matcher so that the config can hold rules cheaply.

>>> RuleSpec("ai", "@ai")
RuleSpec(name='ai', query='@ai', sources=(), languages=())
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSpec:
    """A named query, optionally limited to sources/tags and languages (empty = all)."""

    name: str
    query: str
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
