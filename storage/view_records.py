"""Frozen values the read-only queries of the web app return (``storage.queries``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from storage.records import MARKER_CLASSES

Row = TypeVar("Row")


@dataclass(frozen=True)
class TimelineFilter:
    """What the timeline shows; every field None (or False) means "all"."""

    source_id: str | None = None
    language: str | None = None
    rule: str | None = None
    published_from: str | None = None  # an ISO date: compared with the first 10 characters of `published`
    published_to: str | None = None
    edited: bool = False
    removed: bool = False
    story_id: int | None = None


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of rows and where the next page starts (None: this is the last)."""

    rows: tuple[Row, ...]
    next_key: tuple[datetime, int] | None


@dataclass(frozen=True)
class TimelineRow:
    """One entry on the timeline."""

    entry_id: int
    title: str | None
    url: str
    source_id: str
    language: str | None
    published: str | None
    first_seen: datetime
    updated_at: datetime
    version_count: int
    edited: bool
    rules: tuple[str, ...]
    story_id: int | None
    removed_at: datetime | None


@dataclass(frozen=True)
class MatchView:
    """A recorded rule match of one version of an entry."""

    id: int
    version_id: int
    rule: str
    kind: str
    evidence: tuple[dict[str, Any], ...]
    created_at: datetime


@dataclass(frozen=True)
class AlertView:
    """An outbox row as the app shows it: never the channel's URL, only its name."""

    id: int
    match_id: int | None
    channel: str
    status: str
    mode: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime
    rule: str | None
    entry_id: int | None
    title: str | None
    source_id: str | None


@dataclass(frozen=True)
class VersionView:
    """One version of an entry, with its change class as the edit analysis stored it."""

    id: int
    content_hash: str
    text: str
    fetched_at: datetime
    change_class: str
    files: tuple[dict[str, str], ...] = ()  # a "files" marker: each file changed or taken down (url, name, kind)

    @property
    def is_marker(self) -> bool:
        """A removal, restoration or files marker: no text of its own."""
        return self.change_class in MARKER_CLASSES


@dataclass(frozen=True)
class StoryMember:
    """Another entry of the same story."""

    entry_id: int
    title: str | None
    source_id: str
    language: str | None
    published: str | None


@dataclass(frozen=True)
class EntryDetail:
    """Everything the article page shows."""

    entry: TimelineRow
    author: str | None
    canonical_url: str
    duplicate_of: int | None
    text: str
    versions: tuple[VersionView, ...]
    matches: tuple[MatchView, ...]
    alerts: tuple[AlertView, ...]
    story: tuple[StoryMember, ...]


@dataclass(frozen=True)
class DayCount:
    day: str
    count: int
