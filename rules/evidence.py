"""What matching produces: the document a rule sees, evidence of a hit, a matched rule, and how evidence of
metadata, regex and attachment hits is built and ordered.

>>> language_matches("zh", "zh-Hant"), language_matches("zh", "zhx")
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from rules.attachments import AttachmentText, context, locate
from rules.compiled import MetaLeaf

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


_new = object.__new__
_set = object.__setattr__


def text_evidence(term: str, group: str | None, field: str, start: int, end: int, text: str) -> Evidence:
    """``Evidence(term, group, field, start, end, text)``, built at a quarter of the cost.

    A frozen dataclass's ``__init__`` sets each of its nine fields with ``object.__setattr__``; this sets the
    instance dictionary at once, with the same keys in the same order (equal objects, the same pickle).

    >>> text_evidence("AI", None, "body", 0, 2, "AI") == Evidence("AI", None, "body", 0, 2, "AI")
    True
    """
    found = _new(Evidence)
    _set(found, "__dict__", {"term": term, "group": group, "field": field, "start": start, "end": end,
                             "text": text, "attachment": None, "attachment_name": None, "context": None})
    return found


class EvidenceSource(Protocol):
    """What builds a match's evidence when it is first asked for (the matcher's per-document scan)."""

    def evidence_of(self, key: object) -> tuple[Evidence, ...]: ...


class RuleMatch:
    """A rule that matched, with the positive term hits that made it true.

    The matcher decides which rules match without building evidence and hands each match its document's scan
    (``deferred``): ``evidence`` is built on first access, once, and is the same tuple of the same values it
    would have been if built at once. Equality, hashing, ``repr`` and pickling see the evidence, so a match
    behaves as the immutable value ``RuleMatch(rule, evidence)``; both attributes are read-only. Until its
    evidence is read, a match keeps its document's scan (folded fields and hits) alive.

    >>> RuleMatch("r", ()) == RuleMatch("r", ()), RuleMatch("r", ())
    (True, RuleMatch(rule='r', evidence=()))
    """

    __slots__ = ("_evidence", "_key", "_rule", "_source")
    __match_args__ = ("rule", "evidence")

    def __init__(self, rule: str, evidence: tuple[Evidence, ...]) -> None:
        self._rule = rule
        self._evidence: tuple[Evidence, ...] | None = tuple(evidence)
        self._source: EvidenceSource | None = None
        self._key: object = None

    @classmethod
    def deferred(cls, rule: str, source: EvidenceSource, key: object) -> RuleMatch:
        """A match whose evidence ``source.evidence_of(key)`` builds when it is first read."""
        match = cls.__new__(cls)
        match._rule, match._evidence, match._source, match._key = rule, None, source, key
        return match

    @property
    def rule(self) -> str:
        """The rule's name."""
        return self._rule

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        """The matched terms, by field and offsets (see ``ordered``)."""
        found = self._evidence
        if found is None:
            assert self._source is not None  # a deferred match keeps its source until it is built
            found = self._evidence = self._source.evidence_of(self._key)
            self._source = self._key = None
        return found

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleMatch):
            return NotImplemented
        return self._rule == other._rule and self.evidence == other.evidence

    def __hash__(self) -> int:
        return hash((self._rule, self.evidence))

    def __repr__(self) -> str:
        return f"RuleMatch(rule={self._rule!r}, evidence={self.evidence!r})"

    def __reduce__(self) -> tuple[type[RuleMatch], tuple[str, tuple[Evidence, ...]]]:
        return RuleMatch, (self._rule, self.evidence)


def deferred_matches(rules: Iterable[tuple[int, str, object]], source: EvidenceSource,
                     eager: Mapping[int, RuleMatch]) -> list[RuleMatch]:
    """``RuleMatch.deferred(name, source, key)`` for each ``(index, name, key)`` of ``rules``, or ``eager[index]``
    if it has one, in one loop (no method call per match)."""
    matches: list[RuleMatch] = []
    append, new = matches.append, _new
    for index, name, key in rules:
        if eager and index in eager:
            append(eager[index])
            continue
        match = new(RuleMatch)
        match._rule = name
        match._evidence = None
        match._source = source
        match._key = key
        append(match)
    return matches


def in_attachment(found: Evidence, files: Sequence[AttachmentText]) -> Evidence:
    """An `attachment` hit with its offsets into its own file's text, and which file it is."""
    index, start, end = locate(found.start, found.end, files, gap=len(ATTACHMENT_GAP))
    item = files[index]
    return replace(found, start=start, end=end, attachment=item.url, attachment_name=item.name,
                   context=context(item.text, start, end))


def meta_evidence(node: MetaLeaf, doc: Document) -> list[Evidence]:
    """The evidence of a ``source:`` or ``lang:`` leaf (empty when it is false)."""
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


def allowed(sources: tuple[str, ...], languages: tuple[str, ...], doc: Document) -> bool:
    """Whether a rule's source and language filters let ``doc`` in."""
    if sources:
        have = {value.casefold() for value in (doc.source, *doc.tags) if value}
        if not any(source.casefold() in have for source in sources):
            return False
    return not languages or any(language_matches(wanted, doc.language) for wanted in languages)


def ordered(evidence: list[Evidence]) -> tuple[Evidence, ...]:
    """Evidence without repeats, by field, offsets, term and group (ties keep their order)."""
    if len(evidence) == 1:
        return (evidence[0],)
    return tuple(sorted(dict.fromkeys(evidence), key=_order_key))


def _order_key(e: Evidence) -> tuple[int, int, int, str, str]:
    return FIELD_ORDER[e.field], e.start, e.end, e.term, e.group or ""
