"""Match many rules against a document in one pass, with evidence.

All literal terms of all rules (words, phrases, prefixes, group terms) go into one Aho-Corasick automaton over
folded text (see ``rules.text``). Each field is scanned once; hits are checked for word boundaries; then each
rule whose terms were hit (or that can be true without a hit, like ``NOT x``) evaluates its boolean tree.

Matching choices (documented because a reader relies on them):

* Latin-script edges of a term match at word boundaries: letters and digits are word characters, a hyphen
  is a boundary. ``AI`` does not match "said" and ``Taiwan`` does not match "Taiwanese"; ``Taiwan*`` does.
* CJK (Han, Kana, Hangul) edges match as substrings; ``生成式AI`` checks a boundary only after ``AI``.
* Acronyms — terms of 2 to 5 capital letters, digits or dots with at least two capitals, like ``AI``,
  ``LLM``, ``A.I.`` — match case-sensitively after width folding: ``AI`` matches "AI" and "ＡＩ" but not
  the name "Ai" or the word "ai". Write the term in lower case to match any case.
* Indonesian clitics ``-nya``, ``-lah``, ``-kah`` may follow any non-acronym Latin term ("mitranya",
  "kerja samanya"); prefixed forms (ber-, be-, ter-, di-, me-) are listed explicitly in the groups.
* ``/regex/`` terms run on the original field text, case-insensitive, with a timeout per field; a
  timeout counts as no match. Zero-length matches do not count.

>>> matcher = Matcher.compile([RuleSpec("ai", "@ai")], {"ai": ["AI", "人工智慧"]})
>>> [(e.term, e.text) for m in matcher.match(Document("ＡＩ and 人工智慧", "said")) for e in m.evidence]
[('AI', 'ＡＩ'), ('人工智慧', '人工智慧')]
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import ahocorasick
import regex

from rules.attachments import AttachmentText, context, locate
from rules.errors import RulesError
from rules.query import TEXT_FIELDS, And, GroupRef, Node, Not, Or, Regex, Term, parse_query
from rules.spec import RuleSpec as RuleSpec
from rules.text import Folded, fold, fold_term, is_word_char

REGEX_TIMEOUT_SECONDS = 0.1
MAX_REGEX_MATCHES = 100
CLITICS = ("nya", "lah", "kah")
FIELD_ORDER = {"title": 0, "body": 1, "attachment": 2, "source": 3, "lang": 4}
ATTACHMENT_GAP = "\n\n"  # between attachments in the `attachment` field: no phrase spans two files
_ACRONYM = regex.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Z0-9.]{2,5}")


@dataclass(frozen=True)
class Document:
    """What a rule sees of an article."""

    title: str
    body: str
    source: str = ""
    language: str = ""
    tags: tuple[str, ...] = ()
    attachments: tuple[AttachmentText, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """One matched term: where (field, offsets into the original field text) and what.

    In the `attachment` field the offsets are into that attachment's text; `attachment` is its URL,
    `attachment_name` its link text, `context` the text around the hit (the alert shows it).
    """

    term: str
    group: str | None
    field: str
    start: int
    end: int
    text: str
    attachment: str | None = None
    attachment_name: str | None = None
    context: str | None = None


@dataclass(frozen=True)
class RuleMatch:
    """A rule that matched, with the positive term hits that made it true."""

    rule: str
    evidence: tuple[Evidence, ...]


# --- compiled form -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Literal:
    """One meaning of an automaton key."""

    id: int
    key: str
    prefix: bool
    exact: str | None
    left_boundary: bool
    right_boundary: bool


@dataclass(frozen=True)
class _TextLeaf:
    literals: tuple[tuple[int, str], ...]  # (literal id, the term as written)
    group: str | None
    fields: tuple[str, ...]
    ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class _MetaLeaf:
    field: str
    value: str
    prefix: bool
    written: str


@dataclass(frozen=True)
class _RegexLeaf:
    id: int
    written: str
    compiled: regex.Pattern[str]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class _All:
    children: tuple[_Compiled, ...]


@dataclass(frozen=True)
class _Any:
    children: tuple[_Compiled, ...]


@dataclass(frozen=True)
class _None:
    child: _Compiled


_Compiled = _TextLeaf | _MetaLeaf | _RegexLeaf | _All | _Any | _None


@dataclass(frozen=True)
class _Rule:
    spec: RuleSpec
    tree: _Compiled
    triggers: frozenset[int] | None  # literal ids of which one must hit; None = always evaluate


@dataclass
class _Builder:
    literals: dict[tuple[str, bool, str | None], _Literal] = field(default_factory=dict)
    regexes: list[_RegexLeaf] = field(default_factory=list)

    def literal(self, written: str, prefix: bool) -> int:
        key = fold_term(written)
        exact = _exact_form(written)
        identity = (key, prefix, exact)
        if identity not in self.literals:
            self.literals[identity] = _Literal(
                len(self.literals), key, prefix, exact,
                left_boundary=is_word_char(key[0]), right_boundary=not prefix and is_word_char(key[-1]),
            )
        return self.literals[identity].id

    def compile(self, node: Node) -> _Compiled:
        if isinstance(node, And):
            return _All(tuple(self.compile(child) for child in node.children))
        if isinstance(node, Or):
            return _Any(tuple(self.compile(child) for child in node.children))
        if isinstance(node, Not):
            return _None(self.compile(node.child))
        if isinstance(node, Regex):
            return self._regex(node)
        if isinstance(node, GroupRef):
            return self._group(node)
        return self._term(node)

    def _term(self, node: Term) -> _Compiled:
        if node.field in ("source", "lang"):
            return _MetaLeaf(node.field, node.text.casefold(), node.prefix, node.text + "*" * node.prefix)
        written = node.text + ("*" if node.prefix else "")
        literal = self.literal(node.text, node.prefix)
        return _TextLeaf(((literal, written),), None, _fields(node.field), frozenset((literal,)))

    def _group(self, node: GroupRef) -> _TextLeaf:
        literals = []
        for term in node.terms:
            stem = term.strip()
            prefix = stem.endswith("*") and len(stem) > 1
            stem = stem[:-1] if prefix else stem
            if not fold_term(stem):
                raise RulesError(f"group '@{node.name}': term {term!r} is empty after folding")
            literals.append((self.literal(stem, prefix), term.strip()))
        ids = frozenset(literal for literal, _ in literals)
        return _TextLeaf(tuple(literals), node.name, _fields(node.field), ids)

    def _regex(self, node: Regex) -> _RegexLeaf:
        leaf = _RegexLeaf(len(self.regexes), f"/{node.pattern}/",
                          regex.compile(node.pattern, regex.IGNORECASE), _fields(node.field))
        self.regexes.append(leaf)
        return leaf

    def automaton(self) -> ahocorasick.Automaton | None:
        if not self.literals:
            return None
        by_key: dict[str, list[_Literal]] = {}
        for literal in self.literals.values():
            by_key.setdefault(literal.key, []).append(literal)
        automaton = ahocorasick.Automaton()
        for key, meanings in by_key.items():
            automaton.add_word(key, (len(key), tuple(meanings)))
        automaton.make_automaton()
        return automaton


def _fields(name: str | None) -> tuple[str, ...]:
    return TEXT_FIELDS if name is None else (name,)


def _exact_form(written: str) -> str | None:
    normal = unicodedata.normalize("NFKC", written.strip())
    return normal if _ACRONYM.fullmatch(normal) else None


def _triggers(node: _Compiled) -> frozenset[int] | None:
    """Literal ids of which at least one must hit for ``node`` to be true, or None if none is needed."""
    if isinstance(node, _TextLeaf):
        return frozenset(literal for literal, _ in node.literals)
    if isinstance(node, _Any):
        needed = [_triggers(child) for child in node.children]
        return None if any(n is None for n in needed) else frozenset().union(*(n for n in needed if n))
    if isinstance(node, _All):
        candidates = [n for n in map(_triggers, node.children) if n is not None]
        return min(candidates, key=len) if candidates else None
    return None


# --- matching one document ---------------------------------------------------------------------------

_Span = tuple[int, int]


class _Scan:
    """The per-document state: folded fields, literal hits, regex results."""

    def __init__(self, doc: Document, automaton: ahocorasick.Automaton | None) -> None:
        self.doc = doc
        self.originals = {"title": doc.title, "body": doc.body,
                          "attachment": ATTACHMENT_GAP.join(item.text for item in doc.attachments)}
        self.folded = {name: fold(text) for name, text in self.originals.items()}
        self.hits: dict[tuple[int, str], list[_Span]] = {}
        self.hit_set: set[int] = set()
        self.regex_results: dict[tuple[int, str], list[_Span]] = {}
        if automaton is not None:
            for name in TEXT_FIELDS:
                self._scan(name, automaton)

    def hit_ids(self) -> set[int]:
        return self.hit_set

    def _scan(self, name: str, automaton: ahocorasick.Automaton) -> None:
        folded = self.folded[name]
        for last, (length, meanings) in automaton.iter(folded.text):
            for literal in meanings:
                span = _accept(literal, folded, self.originals[name], last + 1 - length, last + 1)
                if span is not None:
                    self.hits.setdefault((literal.id, name), []).append(span)
                    self.hit_set.add(literal.id)

    def regex_spans(self, leaf: _RegexLeaf, name: str) -> list[_Span]:
        key = (leaf.id, name)
        if key not in self.regex_results:
            self.regex_results[key] = _run_regex(leaf.compiled, self.originals[name])
        return self.regex_results[key]


def _accept(literal: _Literal, folded: Folded, original: str, start: int, end: int) -> _Span | None:
    """The folded span of an accepted hit (extended over a prefix's word or a clitic), or None."""
    text = folded.text
    if literal.left_boundary and start > 0 and is_word_char(text[start - 1]):
        return None
    if literal.prefix:
        while end < len(text) and is_word_char(text[end]):
            end += 1
    elif literal.right_boundary and end < len(text) and is_word_char(text[end]):
        if literal.exact is not None or not _clitic_at(text, end):
            return None
        end += 3
    if literal.exact is not None and not _same_case(literal.exact, folded, original, start, end):
        return None
    return start, end


def _clitic_at(text: str, end: int) -> bool:
    after = end + 3
    return text[end:after] in CLITICS and (after == len(text) or not is_word_char(text[after]))


def _same_case(exact: str, folded: Folded, original: str, start: int, end: int) -> bool:
    low, high = folded.original_span(start, end)
    return unicodedata.normalize("NFKC", original[low:high]) == exact


def _run_regex(compiled: regex.Pattern[str], text: str) -> list[_Span]:
    spans: list[_Span] = []
    try:
        for found in compiled.finditer(text, timeout=REGEX_TIMEOUT_SECONDS):
            if found.end() > found.start():
                spans.append(found.span())
            if len(spans) >= MAX_REGEX_MATCHES:
                break
    except TimeoutError:
        return []
    return spans


def _evaluate(node: _Compiled, scan: _Scan) -> list[Evidence] | None:
    """The evidence that makes ``node`` true (possibly empty, for NOT), or None when it is false."""
    if isinstance(node, _All):
        collected: list[Evidence] = []
        for child in node.children:
            found = _evaluate(child, scan)
            if found is None:
                return None
            collected.extend(found)
        return collected
    if isinstance(node, _Any):
        evaluated = (_evaluate(child, scan) for child in node.children)
        results = [found for found in evaluated if found is not None]
        return [evidence for found in results for evidence in found] if results else None
    if isinstance(node, _None):
        return [] if _evaluate(node.child, scan) is None else None
    return _leaf_evidence(node, scan) or None


def _leaf_evidence(node: _TextLeaf | _MetaLeaf | _RegexLeaf, scan: _Scan) -> list[Evidence]:
    if isinstance(node, _TextLeaf):
        if node.ids.isdisjoint(scan.hit_set):
            return []
        return [
            _evidence(written, node.group, name, span, scan)
            for literal, written in node.literals
            if literal in scan.hit_set
            for name in node.fields
            for span in scan.hits.get((literal, name), ())
        ]
    if isinstance(node, _RegexLeaf):
        found = [
            Evidence(node.written, None, name, start, end, scan.originals[name][start:end])
            for name in node.fields
            for start, end in scan.regex_spans(node, name)
        ]
        return [in_attachment(e, scan.doc.attachments) if e.field == "attachment" else e for e in found]
    return _meta_evidence(node, scan.doc)


def _evidence(written: str, group: str | None, name: str, span: _Span, scan: _Scan) -> Evidence:
    start, end = scan.folded[name].original_span(*span)
    found = Evidence(written, group, name, start, end, scan.originals[name][start:end])
    return in_attachment(found, scan.doc.attachments) if name == "attachment" else found


def in_attachment(found: Evidence, files: Sequence[AttachmentText]) -> Evidence:
    """An `attachment` hit with its offsets into its own file's text, and which file it is."""
    index, start, end = locate(found.start, found.end, files, gap=len(ATTACHMENT_GAP))
    item = files[index]
    return replace(found, start=start, end=end, attachment=item.url, attachment_name=item.name,
                   context=context(item.text, start, end))


def _meta_evidence(node: _MetaLeaf, doc: Document) -> list[Evidence]:
    if node.field == "lang":
        pattern = node.value + "*" * node.prefix
        values: Iterable[str] = (doc.language,) if language_matches(pattern, doc.language) else ()
    else:
        values = [v for v in (doc.source, *doc.tags) if v and _meta_equal(node, v)]
    return [Evidence(node.written, None, node.field, 0, len(value), value) for value in values]


def _meta_equal(node: _MetaLeaf, value: str) -> bool:
    folded = value.casefold()
    return folded.startswith(node.value) if node.prefix else folded == node.value


def language_matches(pattern: str, language: str) -> bool:
    """Whether ``language`` falls under ``pattern`` by subtag prefix (``zh*`` is a plain prefix).

    >>> language_matches("zh", "zh-Hant"), language_matches("zh", "zhx"), language_matches("zh-TW", "zh_tw")
    (True, False, True)
    """
    wanted = pattern.casefold().replace("_", "-")
    actual = language.casefold().replace("_", "-")
    if wanted.endswith("*"):
        return actual.startswith(wanted[:-1])
    return bool(wanted) and (actual == wanted or actual.startswith(wanted + "-"))


def _source_allowed(spec: RuleSpec, doc: Document) -> bool:
    if not spec.sources:
        return True
    have = {value.casefold() for value in (doc.source, *doc.tags) if value}
    return any(source.casefold() in have for source in spec.sources)


def _language_allowed(spec: RuleSpec, doc: Document) -> bool:
    return not spec.languages or any(language_matches(wanted, doc.language) for wanted in spec.languages)


def _ordered(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    unique = dict.fromkeys(evidence)
    return tuple(sorted(unique, key=lambda e: (FIELD_ORDER[e.field], e.start, e.end, e.term, e.group or "")))


# --- the public matcher ------------------------------------------------------------------------------


class Matcher:
    """Compiled rules; ``match`` scans a document once for all of them.

    >>> m = Matcher.compile([RuleSpec("tw", "Taiwan -Taiwanese")], {})
    >>> [r.rule for r in m.match(Document("Taiwan", "firms"))], m.match(Document("Taiwan", "Taiwanese firms"))
    (['tw'], [])
    """

    def __init__(self, rules: tuple[_Rule, ...], automaton: ahocorasick.Automaton | None) -> None:
        self._rules = rules
        self._automaton = automaton
        self._always = tuple(index for index, rule in enumerate(rules) if rule.triggers is None)
        self._by_literal: dict[int, list[int]] = {}
        for index, rule in enumerate(rules):
            for literal in rule.triggers or ():
                self._by_literal.setdefault(literal, []).append(index)

    @classmethod
    def compile(cls, rules: Sequence[RuleSpec], groups: Mapping[str, Sequence[str]]) -> Matcher:
        """Parse and compile ``rules``; raises QuerySyntaxError, UnknownGroupError or RulesError."""
        builder = _Builder()
        compiled: list[_Rule] = []
        seen: set[str] = set()
        for spec in rules:
            if spec.name in seen:
                raise RulesError(f"rule {spec.name!r}: defined twice")
            seen.add(spec.name)
            tree = builder.compile(parse_query(spec.query, rule=spec.name, groups=groups))
            compiled.append(_Rule(spec, tree, _triggers(tree)))
        return cls(tuple(compiled), builder.automaton())

    def rule_names(self) -> list[str]:
        """The rule names, in rule order."""
        return [rule.spec.name for rule in self._rules]

    def match(self, doc: Document) -> list[RuleMatch]:
        """The rules that match ``doc``, in rule order, each with its evidence."""
        scan = _Scan(doc, self._automaton)
        matches: list[RuleMatch] = []
        for index in self._candidates(scan):
            rule = self._rules[index]
            if not (_source_allowed(rule.spec, doc) and _language_allowed(rule.spec, doc)):
                continue
            evidence = _evaluate(rule.tree, scan)
            if evidence is not None:
                matches.append(RuleMatch(rule.spec.name, _ordered(evidence)))
        return matches

    def _candidates(self, scan: _Scan) -> list[int]:
        candidates = set(self._always)
        for literal in scan.hit_ids():
            candidates.update(self._by_literal.get(literal, ()))
        return sorted(candidates)
