"""One document scanned for all literals at once: folded fields, accepted hits, and evidence built on demand.

Each field is folded once (``rules.text``) and scanned once by the automaton of every literal of every rule;
a hit is checked for word boundaries, prefix extension, clitics and acronym case only when its key needs it.
Evidence is built only when a matching rule asks, once per document for each literal, leaf and regex.
"""

from __future__ import annotations

import unicodedata

import regex

from rules.compiled import (
    LEFT,
    OWN,
    PREFIX,
    RIGHT,
    AllOf,
    AnyOf,
    Compiled,
    Keys,
    Literal,
    MetaLeaf,
    NoneOf,
    RegexLeaf,
    TextLeaf,
)
from rules.evidence import (
    ATTACHMENT_GAP,
    FIELD_ORDER,
    Document,
    Evidence,
    in_attachment,
    meta_evidence,
    ordered,
    text_evidence,
)
from rules.query import TEXT_FIELDS
from rules.text import WORD_CHARS, WORD_RUN, Folded, fold, is_word_char

_new = object.__new__
_EMPTY = Folded("")  # an empty field (most documents have no attachment)
_set = object.__setattr__  # with ``_new``: ``text_evidence`` inline, for the common chunk

REGEX_TIMEOUT_SECONDS = 0.1
MAX_REGEX_MATCHES = 100
CLITICS = ("nya", "lah", "kah")

Span = tuple[int, int]
Key = tuple[int, int, int, str, str]  # ``ordered``'s sort key of an evidence outside the `attachment` field
Chunk = tuple[tuple[Key, ...] | None, tuple[Evidence, ...]]  # ordered evidence and its keys, if known
Leaf = TextLeaf | MetaLeaf | RegexLeaf


class Scan:
    """The per-document state: folded fields, literal hits, and the evidence and regex results asked for."""

    def __init__(self, doc: Document, keys: Keys | None) -> None:
        self.doc = doc
        self.originals = {"title": doc.title, "body": doc.body,
                          "attachment": ATTACHMENT_GAP.join(item.text for item in doc.attachments)}
        self.folded: dict[str, Folded] = {}
        # field -> literal -> its accepted hits there; None until a field's hits are grouped (``spans``)
        self.fields: dict[str, dict[int, list[Span] | None]] = {}
        self.hit_set: set[int] = set()
        self.regex_results: dict[tuple[int, str], list[Span]] = {}
        self.evidence: dict[tuple[int, str, str | None, str], tuple[list[Evidence], list[Key] | None]] = {}
        self.leaves: dict[int, list[Evidence]] = {}
        self.chunks: dict[int, Chunk] = {}
        self._keys = keys
        # field -> accepted hits not yet grouped, flat (key index, start, end, ...): one object, not one per hit
        self._accepted: dict[str, list[int]] = {}
        for name in TEXT_FIELDS:
            original = self.originals[name]
            self.folded[name] = folded = fold(original) if original else _EMPTY
            if keys is not None and folded.text:
                self.fields[name] = found = self._scan(name, folded, keys)
                self.hit_set.update(found)
            else:
                self.fields[name] = {}

    def _scan(self, name: str, folded: Folded, keys: Keys) -> dict[int, list[Span] | None]:
        """The literals hit in one field, in one loop over the automaton's hits: a key without checks (CJK)
        is accepted as it is, the left word boundary (the same for every meaning of a key) is checked inline
        for the others, and so are the right one or a prefix's extension for a key of one literal without a
        case check (most keys). Accepted hits are kept as they come and grouped by literal only when evidence
        asks (``spans``); the other keys' hits are checked per literal afterwards (``_check``)."""
        text = folded.text
        length = len(text)
        words, clitics, edges, extend = WORD_CHARS, CLITICS, keys.edges, WORD_RUN.match
        accepted: list[int] = []  # flat: no tuple per hit outlives the scan (fewer objects for the collector)
        other: list[tuple[int, int, int]] = []
        keep = accepted.extend
        both, own = LEFT | RIGHT, OWN | PREFIX
        for hit in keys.automaton.find_matches_as_indexes(text, overlapping=True):
            index, start, end = hit
            edge = edges[index]
            if edge == both:  # most Latin keys: a word boundary on both sides (the general steps below, inline)
                if start and words[text[start - 1]]:
                    continue
                if end < length and words[text[end]]:
                    after = end + 3
                    if text[end:after] not in clitics or (after < length and words[text[after]]):
                        continue
                    hit = (index, start, after)
                keep(hit)
                continue
            if not edge:
                keep(hit)
                continue
            if edge & LEFT and start and words[text[start - 1]]:
                continue
            if edge & own:
                if edge & PREFIX:  # to the end of the word (a run may be empty: always a match)
                    keep((index, start, extend(text, end).end()))  # type: ignore[union-attr]
                else:
                    other.append(hit)
                continue
            if edge & RIGHT and end < length and words[text[end]]:  # a clitic such as -nya is taken into the hit
                after = end + 3
                if text[end:after] not in clitics or (after < length and words[text[after]]):
                    continue
                hit = (index, start, after)
            keep(hit)
        found: dict[int, list[Span] | None] = dict.fromkeys(map(keys.bounded.__getitem__, set(accepted[::3])))
        if accepted:
            self._accepted[name] = accepted
        if other:
            self._check(name, folded, keys, other, found)
        return found

    def _check(self, name: str, folded: Folded, keys: Keys, hits: list[tuple[int, int, int]],
               found: dict[int, list[Span] | None]) -> None:
        """Accept the hits of keys with a prefix, a case check or several meanings, literal by literal."""
        by_key: dict[int, list[Span]] = {}
        for index, start, end in hits:
            by_key.setdefault(index, []).append((start, end))
        meanings, original = keys.meanings, self.originals[name]
        for index, spans in by_key.items():
            for meaning in meanings[index]:
                accepted = accept_all(meaning, folded, original, spans)
                if accepted:
                    found[meaning.id] = accepted

    def spans(self, name: str, literal: int) -> list[Span] | None:
        """The accepted hits of ``literal`` in field ``name`` (None if it has none), grouped on first use."""
        by_literal = self.fields[name]
        found = by_literal.get(literal)
        if found is None and literal in by_literal:
            assert self._keys is not None  # a field has hits only when there are keys
            bounded = self._keys.bounded
            flat = iter(self._accepted.pop(name))
            for index, start, end in zip(flat, flat, flat, strict=False):
                number = bounded[index]
                spans = by_literal[number]
                if spans is None:
                    by_literal[number] = [(start, end)]
                else:
                    spans.append((start, end))
            found = by_literal[literal]
        return found

    def literal_evidence(self, literal: int, written: str, group: str | None, name: str) -> list[Evidence]:
        """The evidence of one literal's hits in one field, built once per document (rules share terms)."""
        return self._literal(literal, written, group, name)[0]

    def _literal(self, literal: int, written: str, group: str | None, name: str) -> tuple[list[Evidence],
                                                                                         list[Key] | None]:
        """A literal's evidence in one field and, outside the `attachment` field, the order key of each."""
        key = (literal, written, group, name)
        built = self.evidence.get(key)
        if built is not None:
            return built
        folded, original = self.folded[name], self.originals[name]
        spans = self.spans(name, literal) or ()
        if folded.marks:
            spans = _in_order([folded.original_span(start, end) for start, end in spans])
        if name == "attachment":
            files = self.doc.attachments
            built = [in_attachment(Evidence(written, group, name, start, end, original[start:end]), files)
                     for start, end in spans], None
        else:
            order, tie = FIELD_ORDER[name], group or ""
            found, keys = [], []
            for start, end in spans:
                found.append(text_evidence(written, group, name, start, end, original[start:end]))
                keys.append((order, start, end, written, tie))
            built = found, keys
        self.evidence[key] = built
        return built

    def leaf_evidence(self, leaf: Leaf) -> list[Evidence]:
        """A leaf's evidence, built once per document (group leaves are shared by many rules)."""
        found = self.leaves.get(id(leaf))
        if found is None:
            found = self.leaves[id(leaf)] = _leaf_evidence(leaf, self)
        return found

    def chunk(self, number: int, leaf: TextLeaf) -> Chunk:
        """A text leaf's evidence in order without repeats (``ordered``), by the leaf's number in the rule
        index, with the order keys of its evidence unless some is in the `attachment` field."""
        found = self.chunks.get(number)
        if found is None:
            term = leaf.term
            found = self.chunks[number] = self._chunk(leaf) if term is None else self._term_chunk(leaf, *term)
        return found

    def _chunk(self, leaf: TextLeaf) -> Chunk:
        """Built from the hits directly (a leaf of one term: ``_term_chunk``): the evidence of one term (one
        literal, one written form) is its hits field by field (TEXT_FIELDS is in FIELD_ORDER), each field's in
        order without repeats, as ``ordered`` gives them."""
        literals = leaf.ids.intersection(self.hit_set)
        if len(literals) == 1:
            (literal,) = literals
            written = leaf.written[literal]
            if len(written) == 1:
                return self._term_chunk(leaf, literal, written[0])
        fields, evidence, keys = self.fields, [], []
        for literal in literals:  # the order of ``_leaf_evidence``
            for term in leaf.written[literal]:
                for name in leaf.fields:
                    if literal not in fields[name]:
                        continue
                    found, order = self._literal(literal, term, leaf.group, name)
                    if order is None:
                        return None, ordered(self.leaf_evidence(leaf))
                    evidence.extend(found)
                    keys.extend(order)
        return in_order(dict(zip(keys, evidence, strict=True)))

    def _term_chunk(self, leaf: TextLeaf, literal: int, written: str) -> Chunk:
        """The chunk of a leaf of which one term is hit: its evidence built in one loop (``_literal``'s)."""
        group, folded, originals, every_field = leaf.group, self.folded, self.originals, leaf.fields == TEXT_FIELDS
        tie = group or ""
        evidence: list[Evidence] = []
        keys: list[Key] = []
        for name, by_literal in self.fields.items():  # in TEXT_FIELDS order
            if literal not in by_literal or (not every_field and name not in leaf.fields):
                continue
            hit = self.spans(name, literal)
            assert hit is not None
            if name == "attachment":
                return None, ordered(self.leaf_evidence(leaf))
            fold, original, order = folded[name], originals[name], FIELD_ORDER[name]
            spans = _in_order([fold.original_span(start, end) for start, end in hit]) if fold.marks else hit
            for start, end in spans:
                found = _new(Evidence)
                _set(found, "__dict__", {"term": written, "group": group, "field": name, "start": start,
                                         "end": end, "text": original[start:end], "attachment": None,
                                         "attachment_name": None, "context": None})
                evidence.append(found)
                keys.append((order, start, end, written, tie))
        return tuple(keys), tuple(evidence)

    def meta_true(self, leaf: MetaLeaf) -> bool:
        return bool(self.leaf_evidence(leaf))

    def regex_spans(self, leaf: RegexLeaf, name: str) -> list[Span]:
        key = (leaf.id, name)
        if key not in self.regex_results:
            self.regex_results[key] = run_regex(leaf.compiled, self.originals[name])
        return self.regex_results[key]


def _in_order(spans: list[Span]) -> list[Span]:
    """Spans sorted without repeats; a term's hits mapped to the original (a monotone map) almost always are."""
    for index in range(1, len(spans)):
        if spans[index - 1] >= spans[index]:
            return sorted(set(spans))
    return spans


def accept_all(literal: Literal, folded: Folded, original: str, spans: list[Span]) -> list[Span]:
    """``accept`` over the hits of one key, in order; a term checked only for word boundaries (most Latin
    terms) is checked here without a call per hit."""
    if literal.prefix or literal.exact is not None:
        return [span for start, end in spans if (span := accept(literal, folded, original, start, end))]
    text = folded.text
    return _bounded(text, len(text), literal.left_boundary, literal.right_boundary, spans)


def _bounded(text: str, length: int, left: bool, right: bool, spans: list[Span]) -> list[Span]:
    """The hits of ``spans`` with a word boundary where the term asks for one (a clitic such as -nya after the
    term is taken into the hit)."""
    words = WORD_CHARS
    accepted: list[Span] = []
    for start, end in spans:
        if left and start and words[text[start - 1]]:
            continue
        if right and end < length and words[text[end]]:
            if not _clitic_at(text, end):
                continue
            end += 3
        accepted.append((start, end))
    return accepted


def accept(literal: Literal, folded: Folded, original: str, start: int, end: int) -> Span | None:
    """The folded span of an accepted hit (extended over a prefix's word or a clitic), or None."""
    text = folded.text
    if literal.left_boundary and start > 0 and is_word_char(text[start - 1]):
        return None
    if literal.prefix:
        end = WORD_RUN.match(text, end).end()  # type: ignore[union-attr]  # a run may be empty: always a match
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


def run_regex(compiled: regex.Pattern[str], text: str) -> list[Span]:
    """Non-empty match spans of ``compiled`` in ``text``; none if it times out."""
    spans: list[Span] = []
    try:
        for found in compiled.finditer(text, timeout=REGEX_TIMEOUT_SECONDS):
            if found.end() > found.start():
                spans.append(found.span())
            if len(spans) >= MAX_REGEX_MATCHES:
                break
    except TimeoutError:
        return []
    return spans


def true(node: Compiled, scan: Scan) -> bool:
    """Whether a branch of a matched rule holds (only ORs ask, to know which branches give evidence)."""
    if isinstance(node, AllOf):
        return all(true(child, scan) for child in node.children)
    if isinstance(node, AnyOf):
        return any(true(child, scan) for child in node.children)
    if isinstance(node, NoneOf):
        return not true(node.child, scan)
    return bool(scan.leaf_evidence(node))


def collect(node: Compiled, scan: Scan) -> list[Evidence]:
    """The evidence of a node known to be true: every true child's of an OR, none of a NOT."""
    if isinstance(node, AllOf):
        return [evidence for child in node.children for evidence in collect(child, scan)]
    if isinstance(node, AnyOf):
        found: list[Evidence] = []
        for child in node.children:
            if isinstance(child, TextLeaf | RegexLeaf | MetaLeaf):
                found.extend(scan.leaf_evidence(child))  # empty when the leaf is false
            elif true(child, scan):
                found.extend(collect(child, scan))
        return found
    if isinstance(node, NoneOf):
        return []
    return scan.leaf_evidence(node)


def _leaf_evidence(node: Leaf, scan: Scan) -> list[Evidence]:
    if isinstance(node, TextLeaf):
        fields = scan.fields
        return [
            evidence
            for literal in node.ids.intersection(scan.hit_set)
            for written in node.written[literal]
            for name in node.fields
            if literal in fields[name]
            for evidence in scan.literal_evidence(literal, written, node.group, name)
        ]
    if isinstance(node, RegexLeaf):
        found = [
            Evidence(node.written, None, name, start, end, scan.originals[name][start:end])
            for name in node.fields
            for start, end in scan.regex_spans(node, name)
        ]
        return [in_attachment(e, scan.doc.attachments) if e.field == "attachment" else e for e in found]
    return meta_evidence(node, scan.doc)


def in_order(by_key: dict[Key, Evidence]) -> Chunk:
    """Evidence by its order key, as ``ordered`` would give it.

    Outside the `attachment` field an evidence's order key (field, offsets, term, group) determines it (its
    text is the field's text at its offsets; a group name is never empty), so equal keys mean equal evidence
    and sorting the keys is ``ordered``: no ``Evidence`` is hashed nor a key function called per evidence.
    """
    keys = sorted(by_key)
    return tuple(keys), tuple([by_key[key] for key in keys])
