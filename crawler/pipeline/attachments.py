"""Stage 2b of a run: an article's attachments (PDF, DOCX, ODT, XLSX/ODS, text) as children of its entry.

Each linked file is fetched through the run's fetcher (politeness, robots.txt, URL safety, conditional GET) with
its own size cap (`max_attachment_bytes`), read to text (crawler.extract.documents), and stored with its raw
response: a new file, a new version of it (an edit of the entry, classified like a page edit), or nothing. A file
that answers 404/410 twice in a row is removed. A file that fails otherwise is one error line; the article stands.
When the page's text stayed the same, the files that changed substantively or were taken down are one edit of the
entry (:func:`file_edit`): a "files" marker version the edit's matches and alerts belong to.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from crawler.discover.listings import PageRequest
from crawler.errors import ExtractError, FetchError
from crawler.extract.documents import DocumentText, NotADocument, read_document
from crawler.extract.links import AttachmentLink
from crawler.fetch.errors import HTTPStatusError
from crawler.fetch.values import Fetched
from crawler.pipeline.context import SourceRun
from crawler.pipeline.evidence import keep_raw
from rules.attachments import AttachmentText
from rules.edits import EditAnalysis, FileChange, analyse_file_edit, files_edit
from storage import UnitOfWork
from storage.dedup import canonical_url
from storage.evidence_records import AttachmentOutcome, AttachmentRecord, AttachmentRow

GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class FetchedFile:
    """One attachment link after its fetch: a document read from it, unchanged (304), or gone (404/410)."""

    link: AttachmentLink
    fetched: Fetched | None = None
    document: DocumentText | None = None
    gone: bool = False


@dataclass(frozen=True)
class StoredFile:
    """What storing one fetched file did, and the text rules see of it."""

    link: AttachmentLink
    outcome: AttachmentOutcome | None
    text: str

    @property
    def substantive_edit(self) -> bool:
        return self.outcome is not None and self.outcome.kind == "edited" and self.outcome.change_class == "substantive"

    @property
    def removed(self) -> bool:
        """Taken down by this run (the second 404/410 in a row); ``text`` is then its last stored text."""
        return self.outcome is not None and self.outcome.kind == "removed"


@dataclass(frozen=True)
class KnownFiles:
    """The entry already stored for a page, and its live attachments (for a page that did not change)."""

    entry_id: int | None
    version_id: int | None
    rows: tuple[AttachmentRow, ...]

    def links(self) -> tuple[AttachmentLink, ...]:
        return tuple(AttachmentLink(row.url, row.name) for row in self.rows)

    def text_of(self, url: str) -> str:
        return next((row.text for row in self.rows if row.url == url), "")


def known_files(run: SourceRun, page_url: str) -> KnownFiles:
    entry_id, version_id, rows = run.store.attachments_by_url(canonical_url(page_url))
    return KnownFiles(entry_id, version_id, tuple(rows))


def classify(old: str, new: str) -> str:
    """How an attachment's text changed: "substantive" or "minor", by the edit analysis (rules.edits): a changed
    number, date, name, negation or modal verb counts however small; whitespace or punctuation never does."""
    return "substantive" if analyse_file_edit(old, new).substantive else "minor"


def file_edit(stored: Sequence[StoredFile]) -> EditAnalysis | None:
    """The edit of the entry's files alone: each substantively edited file with its changes, each file taken down;
    None when no file changed that way."""
    edited = [
        (FileChange(item.link.url, item.link.name, "edited"),
         analyse_file_edit(item.outcome.previous_text or "", item.text))
        for item in stored if item.substantive_edit and item.outcome is not None
    ]
    removed = [FileChange(item.link.url, item.link.name, "removed") for item in stored if item.removed]
    return files_edit(edited, removed) if edited or removed else None


def edit_texts(stored: Sequence[StoredFile]) -> tuple[AttachmentText, ...]:
    """The `attachment:` field rules see of a files-only edit: the edited files' new text, the removed files' last."""
    return tuple(
        AttachmentText(item.link.url, item.link.name, item.text)
        for item in stored if item.text and (item.substantive_edit or item.removed)
    )


async def fetch_files(run: SourceRun, links: Sequence[AttachmentLink]) -> list[FetchedFile]:
    """Fetch and read every link (one after the other: they are usually on the article's own host)."""
    if not run.options.fetch_attachments:
        return []
    files = []
    for link in links:
        fetched_file = await _fetch_file(run, link)
        if fetched_file is not None:
            files.append(fetched_file)
    return files


async def _fetch_file(run: SourceRun, link: AttachmentLink) -> FetchedFile | None:
    try:
        fetched = await run.fetcher.fetch(
            link.url, validators=run.memory.validators(PageRequest(link.url), link.url), stats=run.stats,
            allowed_hosts=run.source.allow_hosts, host_delays=run.source.host_delays,
            body_limit=run.options.max_attachment_bytes, limit_setting="max_attachment_bytes",
        )
    except HTTPStatusError as exc:
        if exc.status in GONE_STATUSES:
            return FetchedFile(link, gone=True)
        run.errors.append(f"attachment {exc}")
        return None
    except FetchError as exc:
        run.errors.append(f"attachment {exc}")
        return None
    if fetched.not_modified:
        return FetchedFile(link, fetched)
    try:
        document = await asyncio.to_thread(  # a 20 MB PDF must not stall the other sources
            read_document, fetched.content, fetched.content_type, fetched.final_url,
            cap=run.options.max_attachment_bytes,
        )
    except NotADocument:
        return None  # a link the profile picked that is a page, an image...: not an attachment
    except ExtractError as exc:
        run.errors.append(f"attachment {exc}")
        return None
    return FetchedFile(link, fetched, document)


def store_files(
    run: SourceRun, uow: UnitOfWork, entry_id: int, files: Sequence[FetchedFile], known: KnownFiles
) -> list[StoredFile]:
    """Store every fetched file under ``entry_id`` in the article's unit of work."""
    stored = []
    for item in files:
        if item.gone:
            missing = uow.attachment_missing(entry_id, item.link.url, now=run.now)
            last = known.text_of(item.link.url) if missing is not None and missing.kind == "removed" else ""
            stored.append(StoredFile(item.link, missing, last))
        elif item.document is None:
            stored.append(StoredFile(item.link, None, known.text_of(item.link.url)))
        else:
            stored.append(_store_document(run, uow, entry_id, item))
    return stored


def _store_document(run: SourceRun, uow: UnitOfWork, entry_id: int, item: FetchedFile) -> StoredFile:
    assert item.fetched is not None and item.document is not None
    fetched, document = item.fetched, item.document
    record = AttachmentRecord(
        entry_id=entry_id, url=item.link.url, name=item.link.name, content_type=fetched.content_type,
        kind=document.kind, size=len(fetched.content), content_hash=hashlib.sha256(fetched.content).hexdigest(),
        text=document.text, has_text=document.has_text, fetched_at=run.now,
    )
    outcome = uow.save_attachment(record, now=run.now, classify=classify)
    if outcome.kind in ("new", "edited") and outcome.version_id is not None:
        raw_id = keep_raw(run, uow, fetched)
        if raw_id is not None:
            uow.link_attachment_raw(outcome.version_id, raw_id)
    return StoredFile(item.link, outcome, document.text)


def rule_texts(stored: Sequence[StoredFile]) -> tuple[AttachmentText, ...]:
    """The `attachment:` field of the document rules see of a new or edited page: every live file."""
    return tuple(
        AttachmentText(item.link.url, item.link.name, item.text)
        for item in stored
        if item.text and not (item.outcome is not None and item.outcome.kind in ("removed", "missing"))
    )


def remember(run: SourceRun, files: Sequence[FetchedFile]) -> None:
    """After the unit of work committed: conditional-GET memory for each fetched file."""
    for item in files:
        if item.fetched is not None:
            run.memory.remember(item.link.url, item.fetched)
