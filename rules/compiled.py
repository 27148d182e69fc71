"""The compiled form of rules: literals for one automaton, boolean trees over them, and truth tests.

``Builder`` turns parsed queries (``rules.query``) into trees whose text leaves name literal ids; ``truth``
turns a tree into a closure that says whether it holds for a scanned document, building no evidence.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import ahocorasick_rs
import regex

from rules.errors import RulesError
from rules.query import TEXT_FIELDS, And, GroupRef, Node, Not, Or, Regex, Term
from rules.spec import RuleSpec
from rules.text import fold_term, is_word_char

_ACRONYM = regex.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Z0-9.]{2,5}")

@dataclass(frozen=True)
class Literal:
    """One meaning of an automaton key."""

    id: int
    key: str
    prefix: bool
    exact: str | None
    left_boundary: bool
    right_boundary: bool


@dataclass(frozen=True)
class TextLeaf:
    literals: tuple[tuple[int, str], ...]  # (literal id, the term as written)
    group: str | None
    fields: tuple[str, ...]
    ids: frozenset[int] = frozenset()
    written: dict[int, tuple[str, ...]] = field(init=False, compare=False, hash=False, repr=False)
    term: tuple[int, str] | None = field(init=False, compare=False, hash=False, repr=False)  # its one term

    def __post_init__(self) -> None:
        written: dict[int, tuple[str, ...]] = {}
        for literal, term in self.literals:
            written[literal] = (*written.get(literal, ()), term)
        object.__setattr__(self, "written", written)
        object.__setattr__(self, "term", self.literals[0] if len(self.literals) == 1 else None)


@dataclass(frozen=True)
class MetaLeaf:
    field: str
    value: str
    prefix: bool
    written: str


@dataclass(frozen=True)
class RegexLeaf:
    id: int
    written: str
    compiled: regex.Pattern[str]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class AllOf:
    children: tuple[Compiled, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Compiled, ...]


@dataclass(frozen=True)
class NoneOf:
    child: Compiled


Compiled = TextLeaf | MetaLeaf | RegexLeaf | AllOf | AnyOf | NoneOf


@dataclass(frozen=True)
class Rule:
    spec: RuleSpec
    tree: Compiled
    triggers: frozenset[int] | None  # literal ids of which one must hit; None = always evaluate
    test: Test  # whether the tree holds, without evidence (see ``truth``)


@dataclass
class Builder:
    literals: dict[tuple[str, bool, str | None], Literal] = field(default_factory=dict)
    regexes: list[RegexLeaf] = field(default_factory=list)
    groups: dict[tuple[str, str | None, tuple[str, ...]], TextLeaf] = field(default_factory=dict)

    def literal(self, written: str, prefix: bool) -> int:
        key = fold_term(written)
        exact = exact_form(written)
        identity = (key, prefix, exact)
        if identity not in self.literals:
            self.literals[identity] = Literal(
                len(self.literals), key, prefix, exact,
                left_boundary=is_word_char(key[0]), right_boundary=not prefix and is_word_char(key[-1]),
            )
        return self.literals[identity].id

    def compile(self, node: Node) -> Compiled:
        if isinstance(node, And):
            return AllOf(tuple(self.compile(child) for child in node.children))
        if isinstance(node, Or):
            return AnyOf(tuple(self.compile(child) for child in node.children))
        if isinstance(node, Not):
            return NoneOf(self.compile(node.child))
        if isinstance(node, Regex):
            return self._regex(node)
        if isinstance(node, GroupRef):
            return self._group(node)
        return self._term(node)

    def _term(self, node: Term) -> Compiled:
        if node.field in ("source", "lang"):
            return MetaLeaf(node.field, node.text.casefold(), node.prefix, node.text + "*" * node.prefix)
        written = node.text + ("*" if node.prefix else "")
        literal = self.literal(node.text, node.prefix)
        return TextLeaf(((literal, written),), None, fields_of(node.field), frozenset((literal,)))

    def _group(self, node: GroupRef) -> TextLeaf:
        """One leaf per group and field, shared by every rule that names it (its evidence is built once)."""
        identity = (node.name, node.field, tuple(node.terms))
        if identity not in self.groups:
            self.groups[identity] = self._group_leaf(node)
        return self.groups[identity]

    def _group_leaf(self, node: GroupRef) -> TextLeaf:
        literals = []
        for term in node.terms:
            stem = term.strip()
            prefix = stem.endswith("*") and len(stem) > 1
            stem = stem[:-1] if prefix else stem
            if not fold_term(stem):
                raise RulesError(f"group '@{node.name}': term {term!r} is empty after folding")
            literals.append((self.literal(stem, prefix), term.strip()))
        ids = frozenset(literal for literal, _ in literals)
        return TextLeaf(tuple(literals), node.name, fields_of(node.field), ids)

    def _regex(self, node: Regex) -> RegexLeaf:
        leaf = RegexLeaf(len(self.regexes), f"/{node.pattern}/",
                          regex.compile(node.pattern, regex.IGNORECASE), fields_of(node.field))
        self.regexes.append(leaf)
        return leaf

    def keys(self) -> Keys | None:
        """One automaton over every literal's key; a hit names the key by its index in the ``Keys`` tables."""
        if not self.literals:
            return None
        by_key: dict[str, list[Literal]] = {}
        for literal in self.literals.values():
            by_key.setdefault(literal.key, []).append(literal)
        automaton = ahocorasick_rs.AhoCorasick(list(by_key))
        meanings = tuple(tuple(meanings) for meanings in by_key.values())
        return Keys(automaton, meanings, array("l", map(_accepted_as, meanings)), bytes(map(_checks, meanings)))


@dataclass(frozen=True)
class Keys:
    """The automaton and, per key index, its literals, the literal its accepted hits are of (-1: its literals
    check them, ``OWN``) and its checks (``_checks``; none: every hit is accepted). Flat arrays: a few cache
    lines for the scan, where tuples per key were a few objects per hit."""

    automaton: ahocorasick_rs.AhoCorasick
    meanings: tuple[tuple[Literal, ...], ...]
    bounded: array[int]
    edges: bytes


LEFT, RIGHT, OWN, PREFIX = 1, 2, 4, 8  # a key's checks (``Keys.edges``)


def _checks(literals: tuple[Literal, ...]) -> int:
    """A key's checks: ``LEFT`` the left word boundary (the same for every meaning of a key); for a key of one
    literal without a case check, ``RIGHT`` the right one, or ``PREFIX`` a prefix's extension to its word's
    end; ``OWN`` the literals' own checks (``accept``: a case check or several meanings)."""
    literal = literals[0]
    if len(literals) != 1 or literal.exact is not None:
        return literal.left_boundary | OWN
    if literal.prefix:
        return literal.left_boundary | PREFIX
    return literal.left_boundary | literal.right_boundary << 1


def _accepted_as(literals: tuple[Literal, ...]) -> int:
    """The literal a key's accepted hit is of, or -1 when its literals check its hits themselves (``OWN``)."""
    return -1 if _checks(literals) & OWN else literals[0].id


def fields_of(name: str | None) -> tuple[str, ...]:
    return TEXT_FIELDS if name is None else (name,)


def exact_form(written: str) -> str | None:
    normal = unicodedata.normalize("NFKC", written.strip())
    return normal if _ACRONYM.fullmatch(normal) else None


def triggers(node: Compiled) -> frozenset[int] | None:
    """Literal ids of which at least one must hit for ``node`` to be true, or None if none is needed."""
    if isinstance(node, TextLeaf):
        return frozenset(literal for literal, _ in node.literals)
    if isinstance(node, AnyOf):
        needed = [triggers(child) for child in node.children]
        return None if any(n is None for n in needed) else frozenset().union(*(n for n in needed if n))
    if isinstance(node, AllOf):
        candidates = [n for n in map(triggers, node.children) if n is not None]
        return min(candidates, key=len) if candidates else None
    return None


class Probe(Protocol):
    """What a truth test reads of a scanned document."""

    hit_set: set[int]

    @property
    def fields(self) -> Mapping[str, Mapping[int, object]]:
        """Field -> the literals hit there (-> their hits)."""
        ...

    def regex_spans(self, leaf: RegexLeaf, name: str) -> list[tuple[int, int]]: ...

    def meta_true(self, leaf: MetaLeaf) -> bool: ...


Test = Callable[[Probe], bool]


def truth(node: Compiled) -> Test:
    """A closure that says whether ``node`` holds; an OR of plain text leaves is one set test.

    >>> leaf = TextLeaf(((0, "a"),), None, TEXT_FIELDS, frozenset({0}))
    >>> class Hits:
    ...     hit_set, fields = {0}, {}
    >>> truth(AnyOf((leaf, NoneOf(leaf))))(Hits()), truth(NoneOf(leaf))(Hits())
    (True, False)
    """
    if isinstance(node, TextLeaf):
        return _leaf_truth(node)
    if isinstance(node, AnyOf):
        plain = frozenset().union(*(child.ids for child in node.children
                                    if isinstance(child, TextLeaf) and _plain(child)))
        others = tuple(truth(child) for child in node.children if not _plain(child))
        if not others:
            return lambda probe: not plain.isdisjoint(probe.hit_set)
        return lambda probe: not plain.isdisjoint(probe.hit_set) or any(test(probe) for test in others)
    if isinstance(node, AllOf):
        tests = tuple(truth(child) for child in node.children)
        return lambda probe: all(test(probe) for test in tests)
    if isinstance(node, NoneOf):
        test = truth(node.child)
        return lambda probe: not test(probe)
    if isinstance(node, RegexLeaf):
        leaf = node
        return lambda probe: any(probe.regex_spans(leaf, name) for name in leaf.fields)
    meta = node
    return lambda probe: probe.meta_true(meta)


def _plain(node: Compiled) -> bool:
    return isinstance(node, TextLeaf) and node.fields == TEXT_FIELDS


def _leaf_truth(node: TextLeaf) -> Test:
    ids = node.ids
    if node.fields == TEXT_FIELDS:  # the automaton scans exactly these fields: any hit is a hit here
        return lambda probe: not ids.isdisjoint(probe.hit_set)
    keys = tuple((literal, name) for literal, _ in node.literals for name in node.fields)
    return lambda probe: not ids.isdisjoint(probe.hit_set) and any(literal in probe.fields[name]
                                                                   for literal, name in keys)
