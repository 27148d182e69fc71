"""Rules as bits of Python integers: which AND-of-ORs rules hold for a document, decided in a few C-level steps.

A rule of positive clauses (each an OR of text leaves) and NOT clauses of text leaves holds when each clause
has a hit leaf and no NOT leaf is hit. Rule ``r`` is bit ``1 << r``. For clause position ``j`` a table gives,
per literal, the rules whose ``j``-th clause has a leaf with that literal: the OR of the tables' entries for the
hit literals is the set of rules whose ``j``-th clause holds (a rule with ``j`` clauses or fewer holds there at
once), and the AND over the positions is the set of rules whose clauses all hold. A literal's bits of every
position and of the NOT leaves are sections of one integer, so one C-level reduction over the hit literals ORs
them all; one OR of a few thousand bits is one C loop over its digits, where a Python step per rule or per
leaf costs more than all of them.

>>> indices(0b101001, tuple(range(8)))
[0, 3, 5]
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import compress
from typing import TypeVar

from rules.compiled import TextLeaf
from rules.query import TEXT_FIELDS

T = TypeVar("T")
_BITS = bytes.maketrans(b"01", b"\x00\x01")
_or = operator.or_
_reduce = functools.reduce


def indices(mask: int, numbers: tuple[int, ...]) -> list[int]:
    """The positions of ``mask``'s set bits, ascending (``numbers`` is ``tuple(range(n))``, ``n`` above them)."""
    return list(selected(mask, numbers))


def selected(mask: int, items: Sequence[T]) -> Iterator[T]:
    """The items at the positions of ``mask``'s set bits, in order (``items`` reaches past the highest).

    >>> list(selected(0b110, "abcd"))
    ['b', 'c']
    """
    return compress(items, bin(mask)[:1:-1].encode().translate(_BITS))


@dataclass
class Table:
    """Per literal, the bits of the rules one kind of leaf puts there: leaves that search every text field
    (``every``, a list by literal id) and leaves of some fields (``some``: field -> literal -> bits)."""

    every: list[int]
    some: dict[str, dict[int, int]] = field(default_factory=dict)

    def add(self, leaf: TextLeaf, bit: int) -> None:
        """Put ``bit`` under every literal of ``leaf``, for the fields it searches."""
        for literal in leaf.ids:
            if leaf.fields == TEXT_FIELDS:
                self.every[literal] |= bit
                continue
            for name in leaf.fields:
                by_literal = self.some.setdefault(name, {})
                by_literal[literal] = by_literal.get(literal, 0) | bit


class RuleBits:
    """The tables of a set of AND-of-ORs rules (see the module docstring); ``holds`` applies them."""

    def __init__(self, literals: int) -> None:
        self._literals = literals
        self._positions: list[Table] = []
        self._vacuous: list[int] = []  # per position: the rules with no clause there
        self._negative = Table([0] * literals)
        self.rules = 0  # every rule added
        self.negated = 0  # the rules with a NOT leaf

    def add(self, number: int, clauses: Sequence[Sequence[TextLeaf]], negatives: Sequence[TextLeaf]) -> None:
        """Add rule ``number``: its positive clauses (leaves to OR) and its NOT leaves."""
        bit = 1 << number
        self.rules |= bit
        while len(self._positions) < len(clauses):
            self._positions.append(Table([0] * self._literals))
            self._vacuous.append(self.rules & ~bit)  # every rule added before has fewer clauses
        for position, clause in enumerate(clauses):
            for leaf in clause:
                self._positions[position].add(leaf, bit)
        for position in range(len(clauses), len(self._positions)):
            self._vacuous[position] |= bit
        for leaf in negatives:
            self._negative.add(leaf, bit)
            self.negated |= bit

    def frozen(self) -> FrozenBits:
        """The tables as one: a literal's bits of every position and of the NOT leaves side by side in one
        integer, a section of ``width`` bits each (``holds`` ORs the hit literals' integers once)."""
        width = self.rules.bit_length()
        tables = [*self._positions, self._negative]
        every = [0] * self._literals
        some: dict[str, dict[int, int]] = {}
        for section, table in enumerate(tables):
            shift = section * width
            for literal, bits in enumerate(table.every):
                if bits:
                    every[literal] |= bits << shift
            for name, by_literal in table.some.items():
                merged = some.setdefault(name, {})
                for literal, bits in by_literal.items():
                    merged[literal] = merged.get(literal, 0) | bits << shift
        return FrozenBits(self.rules, self.negated, width, tuple(every), tuple(some.items()), tuple(self._vacuous))


@dataclass(frozen=True)
class FrozenBits:
    """``RuleBits`` as ``holds`` reads them: per literal one integer of sections of ``width`` bits, section ``j``
    the rules whose ``j``-th clause has a leaf with the literal, the last the rules with a NOT leaf with it
    (leaves of every text field: ``every``, a tuple by literal id; of some fields: ``some``, field -> literal
    -> bits), and per position the rules with no clause there (``vacuous``)."""

    rules: int
    negated: int
    width: int
    every: tuple[int, ...]
    some: tuple[tuple[str, dict[int, int]], ...]
    vacuous: tuple[int, ...]

    def holds(self, hit_set: AbstractSet[int], fields: Mapping[str, Mapping[int, object]]) -> int:
        """The bits of the rules whose clauses all hold and no NOT leaf of which is hit: ``hit_set`` the
        literals hit in any field, ``fields`` the literals hit per field."""
        hit = _reduce(_or, map(self.every.__getitem__, hit_set), 0)
        for name, by_literal in self.some:
            in_field = fields.get(name)
            if in_field:
                for literal in by_literal.keys() & in_field.keys():
                    hit |= by_literal[literal]
        found, width = self.rules, self.width
        for position, vacuous in enumerate(self.vacuous):
            found &= hit >> position * width | vacuous  # bits of later sections fall outside ``rules``
            if not found:
                return 0
        if found & self.negated:
            found &= ~(hit >> len(self.vacuous) * width)
        return found
