"""``anchors_of``: the language-independent evidence of one entry, computed once and stored as JSON."""

from __future__ import annotations

import functools
import unicodedata

from rules.defaults import DEFAULT_GROUPS
from rules.match import Document, Matcher, RuleSpec
from rules.stories.amounts import numbers_in
from rules.stories.dates import dates_and_rest, reference_day
from rules.stories.gazetteer import gazetteer_hits
from rules.stories.model import Anchors, StoryDoc
from rules.stories.names import latin_names, parenthesised_chinese
from rules.stories.sketch import script_of, shingles, sketch_of
from rules.text import to_simplified


@functools.cache
def _concept_matcher() -> Matcher:
    return Matcher.compile([RuleSpec(name, f"@{name}") for name in DEFAULT_GROUPS], DEFAULT_GROUPS)


def full_text(doc: StoryDoc) -> str:
    """Title and body, NFKC-normalised (full-width digits and brackets become ASCII)."""
    return _normalised(doc.title, doc.text)


@functools.lru_cache(maxsize=4096)
def _normalised(title: str | None, text: str) -> str:
    """Cached: linking reads a Chinese candidate's title (or text) again for every entry scored against it."""
    joined = f"{title}\n{text}" if title and not text.startswith(title) else text
    return unicodedata.normalize("NFKC", joined)


@functools.lru_cache(maxsize=4096)
def simplified_text(text: str) -> str:
    """``text`` folded to Simplified Chinese, cached: linking checks names against a candidate's text."""
    return to_simplified(text)


def anchors_of(doc: StoryDoc) -> Anchors:
    """Numbers, dates, names, concepts, the day and the near-duplicate sketch of ``doc``."""
    if doc.first_seen is None:
        raise ValueError(f"anchors_of: entry {doc.entry_id} has no first_seen (the day of an undated entry)")
    text = full_text(doc)
    day, published = reference_day(doc.published, doc.first_seen, doc.url)
    hits = gazetteer_hits(text, simplified_text(text))
    names = set(hits.ids) | latin_names(text, hits.latin_spans)
    names.update(name for name in parenthesised_chinese(text) if not gazetteer_hits(name[3:]).ids)
    grams = shingles(text)
    dates, undated = dates_and_rest(text, day, partial=not published)  # the numbers are read without the dates
    matched = _concept_matcher().match(Document(doc.title or "", doc.text, doc.source_id, doc.language or ""))
    return Anchors(
        numbers=numbers_in(undated, doc.language),
        dates=dates,
        names=frozenset(names),
        concepts=frozenset(m.rule for m in matched),
        day=day.isoformat(),
        published=published,
        sketch=sketch_of(grams),
        size=len(grams),
        script=script_of(text),
        language=doc.language,
    )
