"""Which rules to evaluate for a scanned document, and their evaluation.

Most rules are an AND of clauses, each a text leaf or an OR of text leaves, plus NOT clauses
(``a OR b``, ``@ai AND (x OR y)``, ``x NOT y``). Such a rule is indexed under the leaves of its smallest
clause and is true when every clause has a hit leaf and no NOT clause holds; its evidence is that of its hit
leaves, each leaf's built once per document. A rule of only NOT clauses is evaluated for every document;
other trees (regexes, ``source:``/``lang:``, ANDs inside ORs) are indexed by their trigger literals and
evaluate their tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import chain

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
    clause_sets: tuple[frozenset[int], ...] = ()
    negatives: tuple[Test, ...] = ()
    others: tuple[frozenset[int], ...] = ()  # the clauses but the one the rule is indexed under

    @property
    def indexed(self) -> int:
        """The position of the clause whose leaves index the rule (the first smallest)."""
        return min(range(len(self.clause_sets)), key=lambda position: len(self.clause_sets[position]))


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
    """The rules by the leaves (or literals) that make them candidates for a document.

    Two kinds of rule are decided with set operations on the hit leaves, no Python step per rule, when they
    have no source or language filter: a rule of one clause and no NOT holds when one of its leaves is hit
    (it is a candidate by them), a rule of two clauses and no NOT (``pairs``) when a leaf of each is (a
    candidate by its first clause's leaves, kept if ``second`` lists it under a hit leaf). Every other rule
    (``stepwise``) is a candidate by the leaves of its smallest clause (or by its trigger literals) and is
    tested step by step.
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
        self.steps = tuple(_step(plan) for plan in self.plans)
        self.names = tuple(rule.spec.name for rule in rules)
        self.evidence_keys = tuple(_evidence_key(plan) for plan in self.plans)
        by_leaf: dict[int, list[int]] = {}  # leaf -> rules that are candidates when it is hit
        second: dict[int, list[int]] = {}  # leaf -> two-clause rules with the leaf in their second clause
        by_literal: dict[int, list[int]] = {}
        always: list[int] = []
        pairs: list[int] = []
        stepwise: list[int] = []
        for index, plan in enumerate(self.plans):
            if plan.clauses is None:
                for literal in plan.rule.triggers or ():
                    by_literal.setdefault(literal, []).append(index)
                if plan.rule.triggers is None:
                    always.append(index)
                continue
            if not plan.clauses:
                always.append(index)
                continue
            decided = plan.filter < 0 and not plan.negatives
            if decided and len(plan.clauses) == 1:
                indexed = plan.clauses[0]
            elif decided and len(plan.clauses) == 2:
                indexed = plan.clauses[0]
                pairs.append(index)
                for number in plan.clauses[1]:
                    second.setdefault(number, []).append(index)
            else:
                indexed = plan.clauses[plan.indexed]
                stepwise.append(index)
            for number in indexed:
                by_leaf.setdefault(number, []).append(index)
        self.by_leaf, self.second = _dense(by_leaf, len(self.leaves)), _dense(second, len(self.leaves))
        self.by_literal = _dense(by_literal, literals) if by_literal else ()
        self.pairs, self.stepwise = frozenset(pairs), frozenset(stepwise)
        self.undecided = self.pairs | self.stepwise
        self.some_literals = frozenset(self.some_fields)
        self.always = frozenset(always)

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
        plan = Plan(rule, filter_number, clauses, tuple(frozenset(clause) for clause in clauses),
                    tuple(truth(child) for child in found[1]))
        if not clauses:
            return plan
        indexed = plan.indexed
        return replace(plan, others=tuple(c for n, c in enumerate(plan.clause_sets) if n != indexed))

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

        A rule's clauses and NOT clauses are tested on the hit leaves; its evidence is built only when read
        (``RuleMatch.deferred``), from the leaves' evidence that the document's scan builds once each.
        """
        hit_leaves = self._hit_leaves(scan)
        candidates = _union(self.by_leaf, hit_leaves)
        matched = candidates.difference(self.undecided)
        pairs = candidates.intersection(self.pairs)
        if pairs:
            matched.update(pairs.intersection(chain.from_iterable(map(self.second.__getitem__, hit_leaves))))
        stepwise = candidates.intersection(self.stepwise)
        if self.by_literal:
            stepwise.update(chain.from_iterable(map(self.by_literal.__getitem__, scan.hit_set)))
        stepwise.update(self.always)
        eager: dict[int, RuleMatch] = {}
        if stepwise:
            self._step_by_step(scan, hit_leaves, stepwise, matched, eager)
        return deferred_matches(sorted(matched), self.names, self.evidence_keys,
                                _Found(scan, hit_leaves, self.leaves), eager)

    def _step_by_step(self, scan: Scan, hit_leaves: set[int], candidates: set[int], matched: set[int],
                      eager: dict[int, RuleMatch]) -> None:
        """Test the rules that sets do not decide; add those that hold to ``matched`` (and ``eager``: those
        evaluated by their tree, with their evidence)."""
        allowed_by: dict[int, bool] = {}
        steps = self.steps
        for index in candidates:
            name, kind, filter_number, _clauses, others, negatives = steps[index]
            if filter_number >= 0 and not self._allowed(filter_number, scan, allowed_by):
                continue
            if kind == _TREE:
                rule = self.plans[index].rule
                if rule.test(scan):
                    eager[index] = RuleMatch(name, ordered(collect(rule.tree, scan)))
                    matched.add(index)
                continue
            if kind == _CLAUSES:
                if others and not _every_clause_hit(others, hit_leaves):
                    continue
                if negatives and _any_true(negatives, scan):
                    continue
            matched.add(index)

    def _hit_leaves(self, scan: Scan) -> set[int]:
        hit_set = scan.hit_set
        hit_leaves = set(chain.from_iterable(map(self.all_fields.__getitem__, hit_set)))
        if self.some_literals:
            hits = scan.hits
            for literal in self.some_literals.intersection(hit_set):
                for number, fields in self.some_fields[literal]:
                    if any((literal, name) in hits for name in fields):
                        hit_leaves.add(number)
        return hit_leaves

    def _allowed(self, number: int, scan: Scan, cache: dict[int, bool]) -> bool:
        found = cache.get(number)
        if found is None:
            found = cache[number] = allowed(*self.filters[number], scan.doc)
        return found


def _dense(table: dict[int, list[int]], size: int) -> tuple[tuple[int, ...], ...]:
    """``table`` as a tuple indexed by its keys, ``0 <= key < size`` (one array: fewer cache lines than a dict)."""
    return tuple(tuple(table.get(key, ())) for key in range(size))


def _union(table: tuple[tuple[int, ...], ...], keys: set[int]) -> set[int]:
    """The values listed under any of ``keys`` (one C-level pass: no Python step per key)."""
    return set(chain.from_iterable(map(table.__getitem__, keys)))


def _evidence_key(plan: Plan) -> object:
    """What a deferred match of ``plan`` hands ``_Found.evidence_of``: its leaves, in clause order without
    repeats (a repeated leaf's evidence is merged away anyway), or the leaf number itself when it has one."""
    if plan.clauses is None:
        return None
    leaves = tuple(dict.fromkeys(number for clause in plan.clauses for number in clause))
    return leaves[0] if len(leaves) == 1 else leaves


_SURE, _CLAUSES, _TREE = 0, 1, 2
Step = tuple[str, int, int, tuple[tuple[int, ...], ...], tuple[frozenset[int], ...], tuple[Test, ...]]


def _step(plan: Plan) -> Step:
    """A plan as the flat tuple ``match`` reads: name, kind, filter, clauses, the other clauses, NOT tests.

    A rule of one clause and no NOT clause (``_SURE``) matches whenever it is a candidate: its only clause
    has a hit leaf, or it would not have been looked up.
    """
    if plan.clauses is None:
        return plan.rule.spec.name, _TREE, plan.filter, (), (), ()
    kind = _SURE if plan.clauses and not plan.others and not plan.negatives else _CLAUSES
    return plan.rule.spec.name, kind, plan.filter, plan.clauses, plan.others, plan.negatives


def _every_clause_hit(clauses: tuple[frozenset[int], ...], hit_leaves: set[int]) -> bool:
    """Whether each clause has a hit leaf (a loop, not ``all()``: no generator per candidate rule)."""
    for clause in clauses:  # noqa: SIM110
        if clause.isdisjoint(hit_leaves):
            return False
    return True


def _any_true(tests: tuple[Test, ...], scan: Scan) -> bool:
    """Whether a NOT clause holds (a loop, not ``any()``: no generator per candidate rule)."""
    for test in tests:  # noqa: SIM110
        if test(scan):
            return True
    return False


class _Found:
    """A document's hit leaves: builds the evidence of a matched rule's clauses when it is first read."""

    def __init__(self, scan: Scan, hit_leaves: set[int], leaves: list[TextLeaf]) -> None:
        self.scan, self.hit_leaves, self.leaves = scan, hit_leaves, leaves

    def evidence_of(self, key: object) -> tuple[Evidence, ...]:
        """The evidence of the hit leaves of ``key``: a plan's leaves (numbers), or its one leaf's number."""
        chunk, leaves = self.scan.chunk, self.leaves
        if type(key) is int:  # a rule of one leaf: it matched, so the leaf is hit
            return chunk(key, leaves[key])[1]
        numbers: tuple[int, ...] = key  # type: ignore[assignment]
        hit_leaves = self.hit_leaves
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
