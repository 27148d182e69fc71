"""Linking a stored entry to its story, inside the unit of work that stored it.

A new entry's candidates come from the blocking index (its ``lookup_keys``, from ``blocking_keys``),
``choose_story`` picks the story to join (or none: a new story); an exact duplicate joins its original's story;
an edited entry keeps its story and gets fresh anchors. An entry a person moved (``tidings stories split/join``)
is never relinked.
"""

from __future__ import annotations

import json
from datetime import datetime

from crawler.extract.article import seed_body
from rules.stories import (
    Anchors,
    StoryDoc,
    anchors_of,
    blocking_keys,
    candidate_keys,
    choose_story,
    may_need_text,
    needs_text,
    rank_candidates,
)
from storage import ArticleRecord, SaveOutcome, StoryCandidate, StoryLinkRecord, UnitOfWork


def link_entry(uow: UnitOfWork, rec: ArticleRecord, outcome: SaveOutcome, *, now: datetime) -> int | None:
    """The story of the entry ``outcome`` names, linking it first when it is new (or was never linked)."""
    if outcome.kind == "unchanged":
        return uow.story_of(outcome.entry_id)
    doc = story_doc(outcome.entry_id, rec, now)
    anchors = anchors_of(doc)
    # An entry inserted by this unit of work has no story yet; any other kind may have one already.
    current = None if outcome.kind == "new" else uow.story_of(outcome.entry_id)
    if current is not None:
        uow.update_story_anchors(outcome.entry_id, anchors=anchors.to_json(), keys=frozenset(candidate_keys(anchors)))
        return current
    if outcome.kind == "duplicate" and outcome.duplicate_of is not None:
        evidence = json.dumps({"score": 1.0, "reason": "duplicate", "shared": {"duplicate_of": [outcome.duplicate_of]}})
        link = StoryLinkRecord(outcome.entry_id, uow.story_of(outcome.duplicate_of), "duplicate", 1.0, evidence,
                               anchors.to_json(), frozenset(candidate_keys(anchors)))
        return uow.link_story(link, now=now)
    indexed, looked_up = blocking_keys(anchors)  # their common pieces computed once
    chosen = _choose(uow, doc, anchors, frozenset(indexed), looked_up)
    return uow.link_story(chosen, now=now, inserted=outcome.kind == "new")


def _choose(
    uow: UnitOfWork, doc: StoryDoc, anchors: Anchors, keys: frozenset[str], lookup: set[str]
) -> StoryLinkRecord:
    found = uow.story_candidates(rank_candidates(uow.story_postings(lookup, exclude=doc.entry_id)))
    scored = [(c, Anchors.from_json(c.anchors)) for c in found]
    wanted = [c.entry_id for c, other in scored if needs_text(anchors, other)] if may_need_text(anchors) else []
    texts = uow.story_texts(wanted)
    candidates = [(c.story_id, candidate_doc(c, texts.get(c.entry_id, "")), other) for c, other in scored]
    chosen = choose_story(doc, anchors, candidates)
    if chosen is None:
        return StoryLinkRecord(doc.entry_id, None, "new", None, None, anchors.to_json(), keys)
    story_id, evidence = chosen
    return StoryLinkRecord(doc.entry_id, story_id, evidence.reason, evidence.score, evidence.to_json(),
                           anchors.to_json(), keys)


def story_doc(entry_id: int, rec: ArticleRecord, first_seen: datetime) -> StoryDoc:
    """What linking reads of an article: its body without the seed schema's title and date lines."""
    return StoryDoc(entry_id, rec.language, rec.title, seed_body(rec.text, rec.title, rec.published),
                    rec.published, first_seen, rec.url, rec.source_id)


def candidate_doc(c: StoryCandidate, text: str = "") -> StoryDoc:
    """A candidate as linking reads it (scored from its stored anchors: no first-seen time); ``text`` only when
    :func:`rules.stories.needs_text` says so."""
    body = seed_body(text, c.title, c.published) if text else ""
    return StoryDoc(c.entry_id, c.language, c.title, body, c.published, None, c.url, c.source_id)

