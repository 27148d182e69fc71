"""What a change is worth: the edit analysis handed to storage, and the rule matches (with their outbox rows)
that a new article, an edit or a removal queues in the article's transaction."""

from __future__ import annotations

from crawler.pipeline.alerting import queue_match
from crawler.pipeline.context import SourceRun
from crawler.pipeline.rulebook import Document, Edit
from rules.edits import analyse_edit
from storage import EditVerdict, MatchRecord, UnitOfWork
from storage.records import MatchKind


def analyse(old_text: str, new_text: str) -> EditVerdict:
    """The edit analysis (rules.edits) as the verdict storage keeps on the new version."""
    analysis = analyse_edit(old_text, new_text)
    return EditVerdict(analysis.substantive, tuple(analysis.classes), analysis.to_json())


def document_of_text(run: SourceRun, text: str, title: str | None, published: str | None,
                     language: str | None) -> Document:
    """The matcher's view of a stored text (seed schema: title and date lines, then the body)."""
    lines = text.rstrip("\n").split("\n")
    if title and lines and lines[0] == title:
        lines = lines[1:]
    if published and lines and lines[0] == published:
        lines = lines[1:]
    return Document(title=title or "", body="\n".join(lines), source=run.source.id,
                    language=language or run.source.language, tags=run.source.tags)


def queue_matches(run: SourceRun, uow: UnitOfWork, document: Document, entry_id: int, version_id: int,
                  kind: MatchKind, edit: Edit | None = None, *, story_id: int | None = None,
                  published: str | None = None) -> int:
    """Record every rule that fires on this change and queue its alerts in the story's thread (see
    `alerting.queue_match`); the number of outbox rows."""
    enqueued = 0
    for match, route in run.rulebook.matches(document, kind, edit):
        # asdict() without its deep copy (~6 µs an item): an Evidence holds plain values, its instance dict has
        # its fields in order (rules.evidence.text_evidence keeps that so)
        evidence = [dict(vars(item)) for item in match.evidence]
        match_id = uow.add_match(MatchRecord(entry_id, version_id, match.rule, kind, evidence), now=run.now)
        if match_id is not None:
            enqueued += queue_match(run, uow, match_id, route, entry_id=entry_id, story_id=story_id,
                                    published=published)
    return enqueued
