"""Frozen dataclasses that cross the storage boundary (never SQLAlchemy rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeAlias, get_args

from storage.source_state import SourceState as SourceState  # its own module: `sources list` reads only it

# The vocabularies, defined once; the store checks every value it is given against them (typing.get_args).
OutcomeKind = Literal["new", "edited", "unchanged", "duplicate", "restored"]
EditClass = Literal["cosmetic", "substantive"]
# A version's class: the first text ("initial"), an edit's class, or a marker of a removal, a restoration, or of
# an edit of the entry's attached files alone ("files": the page's text did not change).
ChangeClass = Literal["initial", "cosmetic", "substantive", "removed", "restored", "files"]
MatchKind = Literal["new", "edited", "removed"]
GoneKind = Literal["suspect", "removed", "already_removed"]
AlertStatus = Literal["pending", "sending", "sent", "dead"]
AlertMode = Literal["instant", "digest"]
HealthState = Literal["failing", "recovered"]

MATCH_KINDS: tuple[MatchKind, ...] = get_args(MatchKind)
CHANGE_CLASSES: tuple[ChangeClass, ...] = get_args(ChangeClass)
MARKER_CLASSES: frozenset[ChangeClass] = frozenset({"removed", "restored", "files"})  # versions without text
ALERT_STATUSES: tuple[AlertStatus, ...] = get_args(AlertStatus)
ALERT_MODES: tuple[AlertMode, ...] = get_args(AlertMode)
HEALTH_STATES: tuple[HealthState, ...] = get_args(HealthState)


@dataclass(frozen=True)
class ArticleRecord:
    """A cleaned article ready to store; ``text`` is in the seed schema, dates are ISO strings."""

    source_id: str
    url: str
    canonical_url: str
    title: str | None
    text: str
    language: str | None = None
    author: str | None = None
    published: str | None = None
    updated: str | None = None
    fetched_at: datetime = field(kw_only=True)


@dataclass(frozen=True)
class EditVerdict:
    """What the injected edit analysis says of an edit: whether it matters, its classes, and the whole
    analysis as JSON (stored on the version). Storage never analyses text itself (rules does)."""

    substantive: bool
    classes: tuple[str, ...] = ()
    analysis: dict[str, Any] | None = None

    @property
    def change_class(self) -> EditClass:
        return "substantive" if self.substantive else "cosmetic"


UNANALYSED = EditVerdict(True)
"""The verdict when no analysis is given: an edit nobody looked at counts as substantive."""


@dataclass(frozen=True)
class SaveOutcome:
    """What ``UnitOfWork.save_article`` did with an article.

    ``restored`` is set when the entry had been removed and its page is back (``kind`` is then "restored", or
    "edited" when the text came back changed).
    """

    kind: OutcomeKind
    entry_id: int
    version_id: int | None
    duplicate_of: int | None = None
    change_class: ChangeClass | None = None
    substantive: bool = False
    classes: tuple[str, ...] = ()
    analysis: dict[str, Any] | None = None
    restored: bool = False


@dataclass(frozen=True)
class GoneOutcome:
    """What ``UnitOfWork.record_gone`` did: first sighting ("suspect": look again next run), the removal (with
    its marker version), or nothing new (the entry was already removed)."""

    kind: GoneKind
    entry_id: int
    version_id: int | None = None


@dataclass(frozen=True)
class RecheckRow:
    """An entry whose re-check is due: enough to fetch it again and to schedule the next look."""

    entry_id: int
    url: str
    canonical_url: str
    first_seen: datetime
    next_check_at: datetime | None
    removed_at: datetime | None
    gone_checks: int


@dataclass(frozen=True)
class MatchRecord:
    """A rule match on one version of an entry, with its evidence (matched terms and fields)."""

    entry_id: int
    version_id: int
    rule: str
    kind: MatchKind
    evidence: list[dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class ClaimedAlert:
    """What every claimed outbox row has: its row id, its globally unique ``uid``, channel, mode and how often
    it was tried."""

    alert_id: int
    uid: str
    channel: str
    mode: AlertMode
    attempts: int
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class AlertItem:
    """One match an alert carries, with the matched version's entry and text to render it."""

    match_id: int
    rule: str
    kind: MatchKind
    evidence: list[dict[str, Any]]
    entry_id: int
    title: str | None
    url: str
    source_id: str
    language: str | None
    published: str | None
    text: str
    first_seen: datetime | None = None
    analysis: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class MatchAlert(ClaimedAlert):
    """A claimed alert for rule matches: the first message of a story on a channel, or a follow-up under it
    (``head_uid`` is then the first message's uid). ``story`` is every member of the story when claimed:
    (entry id, language, source)."""

    items: tuple[AlertItem, ...]
    story_id: int | None = None
    head_uid: str | None = None
    story: tuple[tuple[int, str | None, str], ...] = ()

    @property
    def first(self) -> AlertItem:
        return self.items[0]

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item.rule for item in self.items))


@dataclass(frozen=True, kw_only=True)
class HealthAlert(ClaimedAlert):
    """A claimed alert that a source started failing or recovered."""

    source_id: str
    state: HealthState
    error: str | None


PendingAlert: TypeAlias = MatchAlert | HealthAlert


@dataclass(frozen=True)
class AlertRow:
    """One outbox row, for listing and inspection."""

    id: int
    match_id: int | None
    channel: str
    status: AlertStatus
    mode: AlertMode
    attempts: int
    next_attempt_at: datetime | None
    claimed_by: str | None
    claimed_until: datetime | None
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime
    payload: dict[str, Any] | None
    rule: str | None = None
    entry_id: int | None = None
    title: str | None = None
    uid: str | None = None
    story_id: int | None = None
    follow_up_of: int | None = None


@dataclass(frozen=True)
class EntryRow:
    """An entry with its current version's text."""

    id: int
    canonical_url: str
    url: str
    source_id: str
    language: str | None
    title: str | None
    author: str | None
    published: str | None
    updated: str | None
    first_seen: datetime
    last_seen: datetime
    duplicate_of: int | None
    text: str
    content_hash: str
    version_count: int
    story_id: int | None = None
    removed_at: datetime | None = None
    next_check_at: datetime | None = None


@dataclass(frozen=True)
class VersionRow:
    """One stored version of an entry's text."""

    id: int
    entry_id: int
    content_hash: str
    text: str
    fetched_at: datetime
    change_class: ChangeClass
    raw_response_id: int | None = None  # the evidence it came from (None: before 0002, or dropped by retention)
    analysis: dict[str, Any] | None = None

    @property
    def is_marker(self) -> bool:
        """A removal, restoration or files marker (no text of its own)."""
        return self.change_class in MARKER_CLASSES


@dataclass(frozen=True)
class EntryMatch:
    """A match recorded on an entry, with the alerts it queued (channel and status each)."""

    id: int
    version_id: int
    rule: str
    kind: MatchKind
    evidence: list[dict[str, Any]]
    created_at: datetime
    alerts: tuple[tuple[str, str, datetime | None], ...] = ()


@dataclass(frozen=True)
class HttpState:
    """Conditional-GET memory for one URL."""

    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    fetched_at: datetime
    status: int


@dataclass(frozen=True)
class RunStats:
    """Counters of one source run."""

    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    new_entries: int = 0
    edits: int = 0
    duplicates: int = 0
    errors: int = 0
    error: str | None = None
    degraded: bool = False
    cosmetic_edits: int = 0
    removals: int = 0
    restorations: int = 0


@dataclass(frozen=True)
class RunRow:
    """One recorded source run; ``finished_at`` is None while it runs (or if it crashed)."""

    id: int
    source_id: str
    started_at: datetime
    finished_at: datetime | None
    requests: int
    bytes: int
    not_modified: int
    new_entries: int
    edits: int
    duplicates: int
    errors: int
    error: str | None
    degraded: bool
    cosmetic_edits: int = 0
    removals: int = 0
    restorations: int = 0


LinkedBy = Literal["auto", "user"]
LINKED_BY: tuple[LinkedBy, ...] = get_args(LinkedBy)


@dataclass(frozen=True, slots=True)  # ~30 built per new article: slots build faster
class StoryCandidate:
    """A stored entry that may belong to the same story as a new one: what linking reads of it (not its text,
    which few checks need: ``StoryWrites.story_texts`` loads it for those; nor when it was first seen, which
    scoring reads from its anchors' day)."""

    entry_id: int
    story_id: int
    language: str | None
    title: str | None
    published: str | None
    url: str
    source_id: str
    anchors: str
    """The entry's anchors as JSON (storage does not interpret them)."""


@dataclass(frozen=True)
class StoryLinkRecord:
    """How an entry joins a story: ``story_id`` None starts a new story (titled after the entry)."""

    entry_id: int
    story_id: int | None
    reason: str
    score: float | None = None
    evidence: str | None = None
    anchors: str | None = None
    keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StoryMember:
    """One entry of a story, with the evidence of its link."""

    entry_id: int
    title: str | None
    url: str
    source_id: str
    language: str | None
    published: str | None
    first_seen: datetime
    reason: str
    score: float | None
    evidence: str | None
    linked_by: LinkedBy


@dataclass(frozen=True)
class StoryRow:
    """A story and its members (oldest first)."""

    id: int
    title: str | None
    first_seen: datetime
    members: tuple[StoryMember, ...]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(member.language or "und" for member in self.members))

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(member.source_id for member in self.members))
