"""Which rules match a scanned document, and the evidence of those that do.

Most rules are an AND of clauses, each a text leaf or an OR of text leaves, plus NOT clauses
(``a OR b``, ``@ai AND (x OR y)``, ``x NOT y``). Such a rule is true when every clause has a hit leaf and no NOT
clause holds: when its NOT clauses are text leaves too, the bits of the hit literals decide it (``rules.bits``);
otherwise they decide its clauses and its NOT clauses are tested. Its evidence is that of its hit leaves, each
leaf's built once per document when first read. Other trees (regexes, ``source:``/``lang:``, ANDs inside ORs)
are candidates by their trigger literals (or always, without one) and evaluate their tree.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

from rules.bits import RuleBits, indices, selected
from rules.compiled import AllOf, AnyOf, Compiled, NoneOf, Rule, Test, TextLeaf, truth
from rules.evidence import Evidence, RuleMatch, allowed, deferred_matches, ordered
from rules.query import TEXT_FIELDS
from rules.scan import Key, Scan, collect, in_order


@dataclass(frozen=True)
class Plan:
    """How one rule is evaluated: by clauses of leaf numbers, or (``clauses`` None) by its tree."""

    rule: Rule
    filter: int  # index into the index's filters, or -1 when the rule has none
    clauses: tuple[tuple[int, ...], ...] | None
    negatives: tuple[Test, ...] = ()
    negative_leaves: tuple[TextLeaf, ...] | None = ()  # the NOT clauses' text leaves; None: a NOT clause is not
    # an OR of text leaves (its tests decide it)


Clauses = tuple[list[list[TextLeaf]], list[Compiled]]


def clauses_of(tree: Compiled) -> Clauses | None:
    """The positive clauses (leaves to OR) and NOT children of an AND-of-ORs rule, or None for other trees.

    >>> a, b = (TextLeaf(((n, w),), None, TEXT_FIELDS, frozenset({n})) for n, w in ((0, "a"), (1, "b")))
    >>> clauses_of(AllOf((AnyOf((a, b)), NoneOf(b)))) == ([[a, b]], [b])
    True
    """
    if isinstance(tree, NoneOf):
        return [], [tree.child]
    if not isinstance(tree, AllOf):
        leaves = _or_leaves(tree)
        return None if leaves is None else ([leaves], [])
    positive: list[list[TextLeaf]] = []
    negative: list[Compiled] = []
    for child in tree.children:
        inner = clauses_of(child)
        if inner is None:
            return None
        positive.extend(inner[0])
        negative.extend(inner[1])
    return positive, negative


def _or_leaves(node: Compiled) -> list[TextLeaf] | None:
    if isinstance(node, TextLeaf):
        return [node]
    if not isinstance(node, AnyOf):
        return None
    leaves: list[TextLeaf] = []
    for child in node.children:
        inner = _or_leaves(child)
        if inner is None:
            return None
        leaves.extend(inner)
    return leaves


class Index:
    """The rules by how they are decided for a scanned document.

    An AND-of-ORs rule whose NOT clauses are ORs of text leaves (most rules) is decided by the bits of the hit
    literals (``rules.bits``), its source or language filter tested only when the bits say it holds. A rule
    with another NOT clause has its clauses decided by bits and its NOT clauses tested. Other trees (regexes,
    ``source:``/``lang:``, ANDs inside ORs) are candidates by their trigger literals and evaluate their tree.
    """

    def __init__(self, rules: Sequence[Rule], literals: int) -> None:
        """Index ``rules``, whose literal ids are below ``literals``."""
        self.leaves: list[TextLeaf] = []
        self._numbers: dict[TextLeaf, int] = {}
        self.filters: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        all_fields: dict[int, list[int]] = {}  # literal id -> leaves searching every text field
        self.some_fields: dict[int, list[tuple[int, tuple[str, ...]]]] = {}  # ... and leaves of some fields
        self.plans = tuple(self._plan(rule, all_fields) for rule in rules)
        self.all_fields = _dense(all_fields, literals)
        self.names = tuple(rule.spec.name for rule in rules)
        self.evidence_keys = tuple(_evidence_key(plan) for plan in self.plans)
        self.numbers = tuple(range(len(rules)))
        self.entries = tuple(zip(self.numbers, self.names, self.evidence_keys, strict=True))
        bits = RuleBits(literals)
        by_literal: dict[int, list[int]] = {}
        always: list[int] = []
        self.tested: dict[int, tuple[Test, ...]] = {}  # rule -> its NOT tests, for NOT clauses bits cannot decide
        by_filter: dict[int, int] = {}
        for index, plan in enumerate(self.plans):
            if plan.filter >= 0:
                by_filter[plan.filter] = by_filter.get(plan.filter, 0) | 1 << index
            if plan.clauses is None:
                for literal in plan.rule.triggers or ():
                    by_literal.setdefault(literal, []).append(index)
                if plan.rule.triggers is None:
                    always.append(index)
                continue
            clauses = [[self.leaves[number] for number in clause] for clause in plan.clauses]
            if plan.negative_leaves is None:
                self.tested[index] = plan.negatives
            bits.add(index, clauses, plan.negative_leaves or ())
        self.bits = bits.frozen()
        self.filtered = tuple(by_filter.items())
        self.any_filtered = functools.reduce(operator.or_, by_filter.values(), 0)
        self.tested_bits = functools.reduce(operator.or_, (1 << index for index in self.tested), 0)
        self.by_literal = _dense(by_literal, literals) if by_literal else ()
        self.always = frozenset(always)
        self.some_literals = frozenset(self.some_fields)

    def _plan(self, rule: Rule, all_fields: dict[int, list[int]]) -> Plan:
        spec = rule.spec
        filter_number = -1
        if spec.sources or spec.languages:
            key = (spec.sources, spec.languages)
            if key not in self.filters:
                self.filters.append(key)
            filter_number = self.filters.index(key)
        found = clauses_of(rule.tree)
        if found is None:
            return Plan(rule, filter_number, None)
        clauses = tuple(tuple(dict.fromkeys(self._number(leaf, all_fields) for leaf in clause))
                        for clause in found[0])
        return Plan(rule, filter_number, clauses, tuple(truth(child) for child in found[1]),
                    _negative_leaves(found[1]))

    def _number(self, leaf: TextLeaf, all_fields: dict[int, list[int]]) -> int:
        number = self._numbers.get(leaf)
        if number is None:
            number = self._numbers[leaf] = len(self.leaves)
            self.leaves.append(leaf)
            for literal in leaf.ids:
                if leaf.fields == TEXT_FIELDS:
                    all_fields.setdefault(literal, []).append(number)
                else:
                    self.some_fields.setdefault(literal, []).append((number, leaf.fields))
        return number

    def match(self, scan: Scan) -> list[RuleMatch]:
        """The rules that match the scanned document, in rule order, each with its evidence.

        Deciding builds no evidence: a match's is built when it is first read (``RuleMatch.deferred``), from
        the leaves' evidence that the document's scan builds once each.
        """
        hit_set, fields = scan.hit_set, scan.fields
        found = self.bits.holds(hit_set, fields)
        cache: dict[int, bool] = {}
        if found & self.any_filtered:
            for number, rules in self.filtered:
                if found & rules and not self._allowed(number, scan, cache):
                    found &= ~rules
        if found & self.tested_bits:
            for index in indices(found & self.tested_bits, self.numbers):
                if _any_true(self.tested[index], scan):
                    found &= ~(1 << index)
        eager: dict[int, RuleMatch] = {}
        trees = set(self.always)
        if self.by_literal:
            trees.update(chain.from_iterable(map(self.by_literal.__getitem__, hit_set)))
        for index in trees:
            plan = self.plans[index]
            if plan.filter >= 0 and not self._allowed(plan.filter, scan, cache):
                continue
            rule = plan.rule
            if rule.test(scan):
                eager[index] = RuleMatch(rule.spec.name, ordered(collect(rule.tree, scan)))
                found |= 1 << index
        return deferred_matches(selected(found, self.entries), _Found(scan, self), eager)

    def hit_leaves(self, scan: Scan) -> set[int]:
        """The numbers of the leaves with a hit (a leaf of some fields: with a hit in one of them)."""
        hit_set = scan.hit_set
        hit_leaves = set(chain.from_iterable(map(self.all_fields.__getitem__, hit_set)))
        if self.some_literals:
            fields = scan.fields
            for literal in self.some_literals.intersection(hit_set):
                for number, names in self.some_fields[literal]:
                    if any(literal in fields[name] for name in names):
                        hit_leaves.add(number)
        return hit_leaves

    def _allowed(self, number: int, scan: Scan, cache: dict[int, bool]) -> bool:
        found = cache.get(number)
        if found is None:
            found = cache[number] = allowed(*self.filters[number], scan.doc)
        return found


def _negative_leaves(negatives: list[Compiled]) -> tuple[TextLeaf, ...] | None:
    """The text leaves of an AND-of-ORs rule's NOT clauses, if each is an OR of text leaves (else None)."""
    leaves: list[TextLeaf] = []
    for child in negatives:
        inner = _or_leaves(child)
        if inner is None:
            return None
        leaves.extend(inner)
    return tuple(leaves)


def _dense(table: dict[int, list[int]], size: int) -> tuple[tuple[int, ...], ...]:
    """``table`` as a tuple indexed by its keys, ``0 <= key < size`` (one array: fewer cache lines than a dict)."""
    return tuple(tuple(table.get(key, ())) for key in range(size))


def _evidence_key(plan: Plan) -> object:
    """What a deferred match of ``plan`` hands ``_Found.evidence_of``: its leaves, in clause order without
    repeats (a repeated leaf's evidence is merged away anyway), or the leaf number itself when it has one."""
    if plan.clauses is None:
        return None
    leaves = tuple(dict.fromkeys(number for clause in plan.clauses for number in clause))
    return leaves[0] if len(leaves) == 1 else leaves


def _any_true(tests: tuple[Test, ...], scan: Scan) -> bool:
    """Whether a NOT clause holds (a loop, not ``any()``: no generator per candidate rule)."""
    for test in tests:  # noqa: SIM110
        if test(scan):
            return True
    return False


class _Found:
    """A document's scan: builds the evidence of a matched rule's clauses when it is first read."""

    def __init__(self, scan: Scan, index: Index) -> None:
        self.scan, self.index = scan, index
        self._hit_leaves: set[int] | None = None

    def evidence_of(self, key: object) -> tuple[Evidence, ...]:
        """The evidence of the hit leaves of ``key``: a plan's leaves (numbers), or its one leaf's number."""
        chunk, leaves = self.scan.chunk, self.index.leaves
        if type(key) is int:  # a rule of one leaf: it matched, so the leaf is hit
            return chunk(key, leaves[key])[1]
        numbers: tuple[int, ...] = key  # type: ignore[assignment]
        hit_leaves = self._hit_leaves
        if hit_leaves is None:
            hit_leaves = self._hit_leaves = self.index.hit_leaves(self.scan)
        hit = [n for n in numbers if n in hit_leaves]
        if len(hit) == 1:
            number = hit[0]
            return chunk(number, leaves[number])[1]
        merged: dict[Key, Evidence] = {}
        chunks = [chunk(n, leaves[n]) for n in hit]
        for keys, evidence in chunks:
            if keys is None:  # evidence in the `attachment` field: its keys do not tell evidence apart
                return ordered([found for _, evidence in chunks for found in evidence])
            merged.update(zip(keys, evidence, strict=True))
        return in_order(merged)[1]
