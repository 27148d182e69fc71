"""The exception tree of the ``rules`` package.

Every error names the rule it concerns; syntax errors also carry the 0-based character position.

>>> str(QuerySyntaxError("ai", 7, "a term or '(' after AND"))
"rule 'ai': position 7: expected a term or '(' after AND"
"""

from __future__ import annotations

from collections.abc import Iterable


class RulesError(Exception):
    """Base class of every error raised by ``rules``."""


class QuerySyntaxError(RulesError):
    """A rule's query is not valid in the rule language.

    >>> str(QuerySyntaxError("r", 0, "one of title, body", problem="unknown field 'x'"))
    "rule 'r': position 0: unknown field 'x'; expected one of title, body"
    """

    def __init__(self, rule: str, position: int, expected: str, *, problem: str = "") -> None:
        self.rule = rule
        self.position = position
        self.expected = expected
        self.problem = problem
        detail = f"{problem}; expected {expected}" if problem else f"expected {expected}"
        super().__init__(f"rule {rule!r}: position {position}: {detail}")


class UnknownGroupError(RulesError):
    """A query refers to ``@name`` but no concept group of that name exists.

    >>> str(UnknownGroupError("r", "aj", ["ai", "partnership"]))
    "rule 'r': unknown group '@aj'; known groups: @ai, @partnership"
    """

    def __init__(self, rule: str, group: str, known: Iterable[str], *, position: int | None = None) -> None:
        self.rule = rule
        self.group = group
        self.known = tuple(sorted(known))
        self.position = position
        listed = ", ".join(f"@{name}" for name in self.known) or "(none)"
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"rule {rule!r}: unknown group '@{group}'{where}; known groups: {listed}")
