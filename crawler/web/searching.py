"""Search and back-tests in the rule language: the index proposes candidates, the rule matcher decides.

A query is translated into a search plan that is *looser* than the query (``storage.search``): every term becomes
"one of its spellings occurs" (as written, NFKC, Simplified and Traditional Chinese, full-width Latin), phrases
become their words, ``NOT`` of a CJK term leaves out the rows where it occurs as written (when that is sure to be a
match, see ``exclusion_forms``), other NOTs / regex / source: / lang: constrain nothing. The matcher
(``rules.match``) then confirms each candidate, newest first, until the page is full or ``scan_limit``
candidates were read.

>>> plan_of(parse_query('title:日本 -x', groups={}))
Contains(variants=('日本',), fields=('title',))
>>> plan_of(parse_query('日本 OR /x+/', groups={})) is None
True
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import opencc
import regex

from crawler.extract.article import seed_body
from crawler.web.textview import Segment, highlight
from rules.match import Document, Evidence, Matcher, RuleSpec
from rules.query import And, GroupRef, Node, Not, Or, Regex, Term, parse_query
from rules.text import fold, fold_term, to_simplified
from storage import Store
from storage.search import AllOf, AnyOf, Candidate, Contains, Excludes, Plan
from storage.view_records import DayCount, TimelineFilter

BATCH = 200
SNIPPET = 90  # characters of context either side of the first body match
EXAMPLES = 5
PageKey = tuple[datetime, int]


@functools.cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def spellings(term: str) -> tuple[str, ...]:
    """The forms of ``term`` the index is asked for (it folds ASCII case itself).

    >>> spellings("台湾")
    ('台湾', '臺灣', '台灣')
    """
    plain = unicodedata.normalize("NFKC", term)
    forms = [term, plain, to_simplified(plain), *(_converter(name).convert(plain) for name in ("s2t", "s2hk", "s2twp"))]
    if plain.isascii():
        forms.append("".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in plain))
    return tuple(dict.fromkeys(form for form in forms if form))


def _contains(text: str, fields: tuple[str, ...]) -> Plan | None:
    words = [word.strip("*") for word in text.split()]
    parts = [Contains(spellings(word), fields) for word in words if word]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


_HAN = regex.compile(r"\p{Han}+")
_HAN_BMP = "".join(chr(code) for code in range(0x4E00, 0xA000))  # the URO: every neighbour a probe tries


@functools.lru_cache(maxsize=4096)
def exclusion_forms(term: str) -> tuple[str, ...]:
    """The spellings of ``term`` whose every occurrence in a text the matcher finds too (see ``Excludes``).

    Only Han terms (substring matches, no word boundaries, nothing NFKC composes with them), only spellings
    that fold to the term's own key, and only when that key survives folding next to any other Han character on
    either side (Traditional→Simplified conversion works on phrases: "乾" folds to "干" alone, not in "蕭乾", so
    only its form "干" is used).

    >>> exclusion_forms("臺灣"), exclusion_forms("乾"), exclusion_forms("AI")
    (('臺灣', '台湾', '台灣'), ('干',), ())
    """
    key = fold_term(term)
    forms = [form for form in spellings(term) if _HAN.fullmatch(form) and fold_term(form) == key]
    return tuple(form for form in forms if _context_free(form, key))


def _context_free(form: str, key: str) -> bool:
    for context in ("\n".join(form + char for char in _HAN_BMP), "\n".join(char + form for char in _HAN_BMP)):
        if any(key not in line for line in fold(context).text.split(" ")):
            return False
    return True


def _excluded(node: Node) -> Plan | None:
    """A plan part that leaves out entries where ``node`` certainly holds (so ``NOT node`` certainly fails)."""
    if isinstance(node, Term | GroupRef) and node.field in (None, "title", "body"):
        fields = (node.field,) if node.field else ("title", "body")
        terms = [node.text] if isinstance(node, Term) else [term.rstrip("*") for term in node.terms]
        forms = tuple(dict.fromkeys(form for term in terms for form in exclusion_forms(term)))
        return Excludes(forms, fields) if forms else None
    if isinstance(node, Or):
        parts = [part for part in map(_excluded, node.children) if part is not None]
        return None if not parts else parts[0] if len(parts) == 1 else AllOf(tuple(parts))
    return None


def plan_of(node: Node) -> Plan | None:
    """The search plan of a parsed query (None: the index cannot narrow it); ``NOT`` of CJK terms leaves rows out."""
    if isinstance(node, Term):
        if node.field not in (None, "title", "body"):
            return None
        return _contains(node.text, (node.field,) if node.field else ("title", "body"))
    if isinstance(node, GroupRef):
        if node.field not in (None, "title", "body"):
            return None
        return _any([_contains(term, (node.field,) if node.field else ("title", "body")) for term in node.terms])
    if isinstance(node, And):
        parts = [plan for plan in map(plan_of, node.children) if plan is not None]
        return None if not parts else parts[0] if len(parts) == 1 else AllOf(tuple(parts))
    if isinstance(node, Or):
        return _any([plan_of(child) for child in node.children])
    if isinstance(node, Not):
        return _excluded(node.child)
    assert isinstance(node, Regex)
    return None


def _any(parts: Sequence[Plan | None]) -> Plan | None:
    if not parts or any(part is None for part in parts):
        return None
    kept = tuple(part for part in parts if part is not None)
    return kept[0] if len(kept) == 1 else AnyOf(kept)


@dataclass(frozen=True)
class Hit:
    """A confirmed result: the entry, the evidence, and highlighted title and snippet."""

    candidate: Candidate
    evidence: tuple[Evidence, ...]
    title: tuple[Segment, ...]
    snippet: tuple[Segment, ...]


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[Hit, ...]
    next_key: PageKey | None
    scanned: int
    complete: bool  # False when the scan limit stopped the search before the end of the candidates


def document_of(candidate: Candidate, tags: Mapping[str, tuple[str, ...]]) -> Document:
    body = seed_body(candidate.text, candidate.title, candidate.published)
    return Document(title=candidate.title or "", body=body, source=candidate.source_id,
                    language=candidate.language or "", tags=tags.get(candidate.source_id, ()))


def _snippet(body: str, evidence: Sequence[Evidence]) -> tuple[Segment, ...]:
    spans = [(e.start, e.end) for e in evidence if e.field == "body"]
    if not spans:
        return tuple(highlight(body[: 2 * SNIPPET].replace("\n", " "), []))
    start = max(0, spans[0][0] - SNIPPET)
    end = min(len(body), spans[0][1] + SNIPPET)
    inside = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    segments = highlight(body[start:end].replace("\n", " "), inside)
    return tuple([Segment("… "), *segments] if start else segments) + ((Segment(" …"),) if end < len(body) else ())


def _hit(candidate: Candidate, evidence: tuple[Evidence, ...], document: Document) -> Hit:
    title = highlight(document.title, [(e.start, e.end) for e in evidence if e.field == "title"])
    return Hit(candidate, evidence, tuple(title), _snippet(document.body, evidence))


@dataclass(frozen=True)
class Searcher:
    """Searches one store with the config's concept groups and source tags."""

    store: Store
    groups: Mapping[str, Sequence[str]]
    tags: Mapping[str, tuple[str, ...]]
    scan_limit: int

    def compile(self, spec: RuleSpec) -> tuple[Matcher, Plan | None]:
        """The matcher and the search plan of a query; raises the rule language's errors (RulesError)."""
        matcher = Matcher.compile([spec], self.groups)
        return matcher, plan_of(parse_query(spec.query, rule=spec.name, groups=self.groups))

    def search(self, query: str, flt: TimelineFilter, *, before: PageKey | None, limit: int) -> SearchPage:
        """One page of entries matching ``query``, newest first."""
        return self.run(RuleSpec("search", query), flt, before=before, limit=limit)

    def run(self, spec: RuleSpec, flt: TimelineFilter, *, before: PageKey | None, limit: int) -> SearchPage:
        matcher, plan = self.compile(spec)
        hits: list[Hit] = []
        scanned, complete = 0, False
        while len(hits) <= limit and scanned < self.scan_limit:
            wanted = BATCH if scanned else limit + 1  # a tight plan's first candidates are mostly hits: ask no more
            wanted = min(wanted, self.scan_limit - scanned)
            batch = self.store.search_candidates(plan, flt, before=before, limit=wanted)
            if not batch:
                complete = True
                break
            for candidate in batch:
                scanned += 1
                before = (candidate.first_seen, candidate.entry_id)
                document = document_of(candidate, self.tags)
                found = matcher.match(document)
                if found:
                    hits.append(_hit(candidate, found[0].evidence, document))
                    if len(hits) > limit:
                        break
        if len(hits) > limit:
            last = hits[limit - 1].candidate
            return SearchPage(tuple(hits[:limit]), (last.first_seen, last.entry_id), scanned, True)
        return SearchPage(tuple(hits), None if complete else before, scanned, complete)


@dataclass(frozen=True)
class Backtest:
    """A query run over the last ``days`` days by publication date: matches per day and a few examples."""

    days: int
    per_day: tuple[DayCount, ...]
    total: int
    examples: tuple[Hit, ...]
    scanned: int
    complete: bool


def day_of(candidate: Candidate) -> str:
    if candidate.published and len(candidate.published) >= 10:
        return candidate.published[:10]
    return candidate.first_seen.date().isoformat()


def backtest(searcher: Searcher, spec: RuleSpec, days: int, *, today: date | None = None) -> Backtest:
    """Run ``spec`` over the entries published in the last ``days`` days (at most ``scan_limit`` read)."""
    today = today or datetime.now(UTC).date()
    start = (today - timedelta(days=days - 1)).isoformat()
    page = searcher.run(spec, TimelineFilter(published_from=start), before=None, limit=searcher.scan_limit)
    counts: dict[str, int] = {}
    for hit in page.hits:
        counts[day_of(hit.candidate)] = counts.get(day_of(hit.candidate), 0) + 1
    per_day = tuple(DayCount((today - timedelta(days=offset)).isoformat(),
                             counts.get((today - timedelta(days=offset)).isoformat(), 0)) for offset in range(days))
    return Backtest(days, per_day, len(page.hits), page.hits[:EXAMPLES], page.scanned, page.complete)
