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

from rules.compiled import AllOf, AnyOf, Compiled, NoneOf, Rule, Test, TextLeaf, truth
from rules.evidence import Evidence, RuleMatch, allowed, ordered
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
    """The rules by the leaves (or literals) that make them candidates for a document."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.leaves: list[TextLeaf] = []
        self._numbers: dict[TextLeaf, int] = {}
        self.filters: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        self.all_fields: dict[int, list[int]] = {}  # literal id -> leaves searching every text field
        self.some_fields: dict[int, list[tuple[int, tuple[str, ...]]]] = {}  # ... and leaves of some fields
        self.by_leaf: dict[int, list[int]] = {}
        self.by_literal: dict[int, list[int]] = {}
        always: list[int] = []
        self.plans = tuple(self._plan(rule) for rule in rules)
        self.steps = tuple(_step(plan) for plan in self.plans)
        for index, plan in enumerate(self.plans):
            if plan.clauses is None:
                for literal in plan.rule.triggers or ():
                    self.by_literal.setdefault(literal, []).append(index)
                if plan.rule.triggers is None:
                    always.append(index)
            elif plan.clauses:
                for number in plan.clauses[plan.indexed]:
                    self.by_leaf.setdefault(number, []).append(index)
            else:
                always.append(index)
        self.always = frozenset(always)

    def _plan(self, rule: Rule) -> Plan:
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
        clauses = tuple(tuple(dict.fromkeys(self._number(leaf) for leaf in clause)) for clause in found[0])
        plan = Plan(rule, filter_number, clauses, tuple(frozenset(clause) for clause in clauses),
                    tuple(truth(child) for child in found[1]))
        if not clauses:
            return plan
        indexed = plan.indexed
        return replace(plan, others=tuple(c for n, c in enumerate(plan.clause_sets) if n != indexed))

    def _number(self, leaf: TextLeaf) -> int:
        number = self._numbers.get(leaf)
        if number is None:
            number = self._numbers[leaf] = len(self.leaves)
            self.leaves.append(leaf)
            for literal in leaf.ids:
                if leaf.fields == TEXT_FIELDS:
                    self.all_fields.setdefault(literal, []).append(number)
                else:
                    self.some_fields.setdefault(literal, []).append((number, leaf.fields))
        return number

    def match(self, scan: Scan) -> list[RuleMatch]:
        """The rules that match the scanned document, in rule order, each with its evidence.

        A rule's clauses and NOT clauses are tested on the hit leaves; its evidence is built only when read
        (``RuleMatch.deferred``), from the leaves' evidence that the document's scan builds once each.
        """
        hit_leaves = self._hit_leaves(scan)
        candidates = set(self.always)
        by_leaf, by_literal = self.by_leaf, self.by_literal
        for number in hit_leaves:
            rules = by_leaf.get(number)
            if rules is not None:
                candidates.update(rules)
        if by_literal:
            for literal in scan.hit_set:
                rules = by_literal.get(literal)
                if rules is not None:
                    candidates.update(rules)
        allowed_by: dict[int, bool] = {}
        matches: list[RuleMatch] = []
        append = matches.append
        found = _Found(scan, hit_leaves, self.leaves)
        deferred = RuleMatch.deferred
        steps = self.steps
        for index in sorted(candidates):
            name, kind, filter_number, clauses, others, negatives = steps[index]
            if filter_number >= 0 and not self._allowed(filter_number, scan, allowed_by):
                continue
            if kind == _SURE:
                append(deferred(name, found, clauses))
                continue
            if kind == _TREE:
                rule = self.plans[index].rule
                if rule.test(scan):
                    append(RuleMatch(name, ordered(collect(rule.tree, scan))))
                continue
            if others and not _every_clause_hit(others, hit_leaves):
                continue
            if negatives and _any_true(negatives, scan):
                continue
            append(deferred(name, found, clauses))
        return matches

    def _hit_leaves(self, scan: Scan) -> set[int]:
        hits, all_fields, some_fields = scan.hits, self.all_fields, self.some_fields
        hit_leaves: set[int] = set()
        for literal in scan.hit_set:
            hit_leaves.update(all_fields.get(literal, ()))
            for number, fields in some_fields.get(literal, ()):
                if any((literal, name) in hits for name in fields):
                    hit_leaves.add(number)
        return hit_leaves

    def _allowed(self, number: int, scan: Scan, cache: dict[int, bool]) -> bool:
        found = cache.get(number)
        if found is None:
            found = cache[number] = allowed(*self.filters[number], scan.doc)
        return found


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
        """The evidence of the hit leaves of ``key``, a plan's clauses (leaf numbers)."""
        clauses: tuple[tuple[int, ...], ...] = key  # type: ignore[assignment]
        hit_leaves, leaves, chunk = self.hit_leaves, self.leaves, self.scan.chunk
        chunks = [chunk(n, leaves[n]) for clause in clauses for n in clause if n in hit_leaves]
        if len(chunks) == 1:
            return chunks[0][1]
        merged: dict[Key, Evidence] = {}
        for keys, evidence in chunks:
            if keys is None:  # evidence in the `attachment` field: its keys do not tell evidence apart
                return ordered([found for _, evidence in chunks for found in evidence])
            merged.update(zip(keys, evidence, strict=True))
        return in_order(merged)[1]
