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
from dataclasses import dataclass, replace

import ahocorasick
import regex

from rules.attachments import AttachmentText, context, locate
from rules.errors import RulesError
from rules.query import TEXT_FIELDS, parse_query
from rules.spec import RuleSpec as RuleSpec
from tests.bench.rules_before.compiled import (
    AllOf,
    AnyOf,
    Builder,
    Compiled,
    Literal,
    MetaLeaf,
    NoneOf,
    RegexLeaf,
    Rule,
    TextLeaf,
    triggers,
    truth,
)
from tests.bench.rules_before.text import Folded, fold, is_word_char

REGEX_TIMEOUT_SECONDS = 0.1
MAX_REGEX_MATCHES = 100
CLITICS = ("nya", "lah", "kah")
FIELD_ORDER = {"title": 0, "body": 1, "attachment": 2, "source": 3, "lang": 4}
ATTACHMENT_GAP = "\n\n"  # between attachments in the `attachment` field: no phrase spans two files


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
        self.evidence: dict[tuple[int, str, str | None, str], list[Evidence]] = {}
        self.leaves: dict[int, list[Evidence]] = {}
        self.allowed: dict[RuleSpec, bool] = {}
        if automaton is not None:
            for name in TEXT_FIELDS:
                self._scan(name, automaton)

    def _scan(self, name: str, automaton: ahocorasick.Automaton) -> None:
        folded, original, hits, hit_set = self.folded[name], self.originals[name], self.hits, self.hit_set
        for last, (length, meanings) in automaton.iter(folded.text):
            for literal in meanings:
                span = _accept(literal, folded, original, last + 1 - length, last + 1)
                if span is not None:
                    hits.setdefault((literal.id, name), []).append(span)
                    hit_set.add(literal.id)

    def literal_evidence(self, literal: int, written: str, group: str | None, name: str) -> list[Evidence]:
        """The evidence of one literal's hits in one field, built once per document (rules share terms)."""
        key = (literal, written, group, name)
        found = self.evidence.get(key)
        if found is None:
            folded, original = self.folded[name], self.originals[name]
            found = []
            for span in self.hits.get((literal, name), ()):
                start, end = folded.original_span(*span)
                hit = Evidence(written, group, name, start, end, original[start:end])
                found.append(in_attachment(hit, self.doc.attachments) if name == "attachment" else hit)
            self.evidence[key] = found
        return found

    def leaf_evidence(self, leaf: TextLeaf | MetaLeaf | RegexLeaf) -> list[Evidence]:
        """A leaf's evidence, built once per document (group leaves are shared by many rules)."""
        found = self.leaves.get(id(leaf))
        if found is None:
            found = self.leaves[id(leaf)] = _leaf_evidence(leaf, self)
        return found

    def meta_true(self, leaf: MetaLeaf) -> bool:
        return bool(self.leaf_evidence(leaf))

    def regex_spans(self, leaf: RegexLeaf, name: str) -> list[_Span]:
        key = (leaf.id, name)
        if key not in self.regex_results:
            self.regex_results[key] = _run_regex(leaf.compiled, self.originals[name])
        return self.regex_results[key]


def _accept(literal: Literal, folded: Folded, original: str, start: int, end: int) -> _Span | None:
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


def _true(node: Compiled, scan: _Scan) -> bool:
    """Whether a branch of a matched rule holds (only ORs ask, to know which branches give evidence)."""
    if isinstance(node, AllOf):
        return all(_true(child, scan) for child in node.children)
    if isinstance(node, AnyOf):
        return any(_true(child, scan) for child in node.children)
    if isinstance(node, NoneOf):
        return not _true(node.child, scan)
    return bool(scan.leaf_evidence(node))


def _collect(node: Compiled, scan: _Scan) -> list[Evidence]:
    """The evidence of a node known to be true: every true child's of an OR, none of a NOT."""
    if isinstance(node, AllOf):
        return [evidence for child in node.children for evidence in _collect(child, scan)]
    if isinstance(node, AnyOf):
        found: list[Evidence] = []
        for child in node.children:
            if isinstance(child, TextLeaf | RegexLeaf | MetaLeaf):
                found.extend(scan.leaf_evidence(child))  # empty when the leaf is false
            elif _true(child, scan):
                found.extend(_collect(child, scan))
        return found
    if isinstance(node, NoneOf):
        return []
    return scan.leaf_evidence(node)


def _leaf_evidence(node: TextLeaf | MetaLeaf | RegexLeaf, scan: _Scan) -> list[Evidence]:
    if isinstance(node, TextLeaf):
        return [
            evidence
            for literal in node.ids.intersection(scan.hit_set)
            for written in node.written[literal]
            for name in node.fields
            for evidence in scan.literal_evidence(literal, written, node.group, name)
        ]
    if isinstance(node, RegexLeaf):
        found = [
            Evidence(node.written, None, name, start, end, scan.originals[name][start:end])
            for name in node.fields
            for start, end in scan.regex_spans(node, name)
        ]
        return [in_attachment(e, scan.doc.attachments) if e.field == "attachment" else e for e in found]
    return _meta_evidence(node, scan.doc)


def in_attachment(found: Evidence, files: Sequence[AttachmentText]) -> Evidence:
    """An `attachment` hit with its offsets into its own file's text, and which file it is."""
    index, start, end = locate(found.start, found.end, files, gap=len(ATTACHMENT_GAP))
    item = files[index]
    return replace(found, start=start, end=end, attachment=item.url, attachment_name=item.name,
                   context=context(item.text, start, end))


def _meta_evidence(node: MetaLeaf, doc: Document) -> list[Evidence]:
    if node.field == "lang":
        pattern = node.value + "*" * node.prefix
        values: Iterable[str] = (doc.language,) if language_matches(pattern, doc.language) else ()
    else:
        values = [v for v in (doc.source, *doc.tags) if v and _meta_equal(node, v)]
    return [Evidence(node.written, None, node.field, 0, len(value), value) for value in values]


def _meta_equal(node: MetaLeaf, value: str) -> bool:
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


def _allowed(spec: RuleSpec, scan: _Scan) -> bool:
    """Whether the rule's source and language filters let the document in (once per document and filter)."""
    allowed = scan.allowed.get(spec)
    if allowed is None:
        allowed = scan.allowed[spec] = _source_allowed(spec, scan.doc) and _language_allowed(spec, scan.doc)
    return allowed


def _ordered(evidence: list[Evidence]) -> tuple[Evidence, ...]:
    if len(evidence) == 1:
        return (evidence[0],)
    return tuple(sorted(dict.fromkeys(evidence), key=_order_key))


def _order_key(e: Evidence) -> tuple[int, int, int, str, str]:
    return FIELD_ORDER[e.field], e.start, e.end, e.term, e.group or ""


# --- the public matcher ------------------------------------------------------------------------------


class Matcher:
    """Compiled rules; ``match`` scans a document once for all of them.

    >>> m = Matcher.compile([RuleSpec("tw", "Taiwan -Taiwanese")], {})
    >>> [r.rule for r in m.match(Document("Taiwan", "firms"))], m.match(Document("Taiwan", "Taiwanese firms"))
    (['tw'], [])
    """

    def __init__(self, rules: tuple[Rule, ...], automaton: ahocorasick.Automaton | None) -> None:
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
        builder = Builder()
        compiled: list[Rule] = []
        seen: set[str] = set()
        for spec in rules:
            if spec.name in seen:
                raise RulesError(f"rule {spec.name!r}: defined twice")
            seen.add(spec.name)
            tree = builder.compile(parse_query(spec.query, rule=spec.name, groups=groups))
            compiled.append(Rule(spec, tree, triggers(tree), truth(tree)))
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
            if (rule.spec.sources or rule.spec.languages) and not _allowed(rule.spec, scan):
                continue
            if rule.test(scan):  # evidence only for the rules that match
                matches.append(RuleMatch(rule.spec.name, _ordered(_collect(rule.tree, scan))))
        return matches

    def _candidates(self, scan: _Scan) -> list[int]:
        candidates = set(self._always)
        for literal in scan.hit_set:
            candidates.update(self._by_literal.get(literal, ()))
        return sorted(candidates)
