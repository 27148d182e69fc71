"""Stage 2 of a run: fetch each candidate article, extract it, store it, match rules, queue alerts.

A broken page is an error line in the run's tally, never an exception out of here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from crawler.discover.listings import DiscoveredItem, PageRequest
from crawler.errors import FetchError, TidingsError
from crawler.extract.article import Article
from crawler.extract.dates import ArticleDate, date_from_url
from crawler.extract.links import AttachmentLink, fragment_links
from crawler.extract.page import clean_article, html_fragment_paragraphs
from crawler.fetch.errors import ConnectFailed, FetchTimeout, HTTPStatusError
from crawler.fetch.values import Fetched
from crawler.pipeline import attachments, changes, evidence, recheck
from crawler.pipeline.context import SourceRun
from crawler.pipeline.page import extract_within_budget
from crawler.pipeline.rulebook import Document, Edit
from crawler.pipeline.stories import link_entry
from rules.attachments import AttachmentText
from storage import ArticleRecord, SaveOutcome, StorageError, UnitOfWork
from storage.dedup import canonical_url
from storage.records import MatchKind

log = logging.getLogger(__name__)


class GoneRedirect(HTTPStatusError):
    """A stored page that now redirects to a list or home page: gone, as if it answered 404."""


# Articles of one run in flight at once; the fetcher's per-host limits still decide what a host sees.
ARTICLES_AT_ONCE = 8
NO_FILES = attachments.KnownFiles(None, None, ())


async def take_all(run: SourceRun, items: list[DiscoveredItem]) -> None:
    """Take every item, a few at once."""
    run.memory.preload(item.url for item in items if item.content_html is None)
    gate = asyncio.Semaphore(ARTICLES_AT_ONCE)

    async def take(item: DiscoveredItem) -> None:
        async with gate:
            await take_item(run, item)

    await asyncio.gather(*(take(item) for item in items))


def is_transient(exc: FetchError) -> bool:
    """Worth trying again next run: the network, a timeout, 429 or a server error (not a 404)."""
    if isinstance(exc, HTTPStatusError):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, ConnectFailed | FetchTimeout)


async def take_item(run: SourceRun, item: DiscoveredItem) -> None:
    if run.database_failure is not None:  # the database refused a write: the other items would fail the same way
        return
    run.articles_tried += 1
    files: list[attachments.FetchedFile] = []
    remembered = False  # the page's validators went in with its article
    try:
        article, fetched, links = await _article_for(run, item)
        # What is stored of the page matters only for the files to fetch again (the page itself unchanged) or
        # when some were fetched: a new article without files needs no look-up.
        known = NO_FILES
        if article is None and fetched is not None:
            known = attachments.known_files(run, item.url)
        files = await attachments.fetch_files(run, links if article is not None else known.links())
        if article is not None and files:
            known = attachments.known_files(run, item.url)
        if article is not None and item.recheck:
            article = keep_stored_time(article, item.published)
        if article is not None:
            published = entry_date(article, item, run.source.profile.model.timezone)
            remembered = _save(run, article, published, fetched, files, known, item.url, item.listing)
        elif files and known.entry_id is not None:
            _save_files_only(run, known, files)
        if article is None and fetched is not None and fetched.not_modified and item.recheck:
            recheck.back_unchanged(run, item)
        if fetched is not None and not remembered:  # after the article is stored: a crash before this re-fetches it
            run.memory.remember(item.url, fetched)
        attachments.remember(run, files)
        if item.recheck:
            recheck.looked(run, item)
    except StorageError as exc:  # a full disk, the database away: one line for the source, no further item
        run.fail_database(str(exc))
    except FetchError as exc:
        if item.recheck and recheck.is_gone_status(exc):
            recheck.gone(run, item)  # news about a stored entry, not a broken link
            return
        transient = is_transient(exc)
        run.transient_failures += transient
        run.fail_article(str(exc))
        if item.recheck and not transient:
            recheck.looked(run, item)
        return
    except TidingsError as exc:
        run.fail_article(str(exc))
    except Exception as exc:  # a malformed page must never stop the source
        log.exception("unexpected error on %s", item.url)
        run.fail_article(f"{item.url}: unexpected error: {exc!r}")


async def _article_for(
    run: SourceRun, item: DiscoveredItem
) -> tuple[Article | None, Fetched | None, tuple[AttachmentLink, ...]]:
    if item.content_html is not None:
        return _article_from_listing(run, item), None, fragment_links(item.content_html, item.url)
    fetched = await run.fetch(PageRequest(item.url), item.url)
    if fetched.not_modified:
        return None, fetched, ()
    if item.recheck and recheck.is_gone_redirect(run, item, fetched):
        raise GoneRedirect(item.url, 404, f"redirected to a list page ({fetched.final_url}): the page is gone")
    keep = stored_lines(run, item) if item.recheck else frozenset()
    extraction = await extract_within_budget(fetched, run.source, memory=run.templates, keep=keep)
    run.degraded = run.degraded or extraction.degraded
    return extraction.article, fetched, extraction.links


def entry_date(article: Article, item: DiscoveredItem, tz: str) -> ArticleDate | None:
    """The entry's publication date: the page's own; else what the listing or feed said of the item (or, for a
    re-check, the date stored before); else the day its URL names. Only the page's own date is in the text
    (the seed schema's date line), so a later listing without dates never makes a false edit."""
    return article.published or item.published or date_from_url(item.url, tz=tz) or date_from_url(article.url, tz=tz)


def stored_lines(run: SourceRun, item: DiscoveredItem) -> frozenset[str]:
    """The lines of a re-checked entry's stored text: its page's reading keeps them whatever other pages of the
    source carry (the generic path's template rule would otherwise turn what the process saw into an edit)."""
    row = run.rechecks.get(item.url)
    stored = run.store.get_entry(row.entry_id) if row is not None else None
    return frozenset(stored.text.splitlines()) if stored is not None and stored.text else frozenset()


def keep_stored_time(article: Article, stored: ArticleDate | None) -> Article:
    """A re-checked page that prints only the day its stored date gives a time for (the open-data export or the
    feed had the time when the article was new) keeps the stored date: a less precise reading of the same date is
    no edit. Another day, or a time of its own, is the page's word."""
    own = article.published
    if own is None or own.has_time or stored is None or not stored.has_time:
        return article
    if stored.value.astimezone(own.value.tzinfo).date() != own.value.date():
        return article
    return replace(article, published=stored)


def _article_from_listing(run: SourceRun, item: DiscoveredItem) -> Article:
    """Open-data exports carry the whole text: no page fetch needed."""
    rules = run.source.profile.page_rules(item.url)
    paragraphs = html_fragment_paragraphs(item.content_html or "")
    return clean_article(
        item.title, paragraphs, rules=rules, url=item.url, published=item.published, updated=None,
        language=run.source.language, author=None,
    )


def _save(
    run: SourceRun, article: Article, published: ArticleDate | None, fetched: Fetched | None,
    files: list[attachments.FetchedFile], known: attachments.KnownFiles, key: str, listing: Fetched | None = None,
) -> bool:
    """Store the article, its raw response (or the open-data export's, ``listing``), files, matches, outbox rows
    and page validators in one transaction; False if there was nothing to store."""
    if not article.paragraphs:
        run.fail_article(f"{article.url}: no article text found on the page")
        return False
    record = _record(run, article, published)
    with run.store.unit_of_work() as uow:
        raw = evidence.evidence_to_keep(run, fetched, listing)
        outcome = uow.save_article(record, now=run.now, analyse=changes.analyse,
                                   next_check_at=recheck.first_check(run), raw=raw)
        shared = evidence.stored_listing_raw(run, uow, listing, outcome) if raw is not None else None
        story_id = link_entry(uow, record, outcome, now=run.now)
        stored = attachments.store_files(run, uow, outcome.entry_id, files, known)
        if fetched is not None:
            run.memory.remember(key, fetched, uow)
        kind = _alert_kind(outcome)
        alerts, files_edited = 0, False
        if kind is None:  # the page's text is the same: its files may still have changed
            files_edited, alerts = _queue_file_edit(run, uow, outcome.entry_id, stored, story_id)
        elif outcome.version_id is not None:
            document = _document(run, article.title or "", article.body, article.language,
                                 attachments.rule_texts(stored))
            files_edited = any(f.substantive_edit or f.removed for f in stored)
            edit = Edit(outcome.substantive or files_edited, outcome.classes) if kind == "edited" else None
            news_date = record.published if kind == "new" else None  # a change is news, however old the article
            alerts = changes.queue_matches(run, uow, document, outcome.entry_id, outcome.version_id, kind, edit,
                                           story_id=story_id, published=news_date)
    evidence.share_listing_raw(run, listing, shared)
    run.alerts += alerts  # counted once committed
    run.outcomes.append("edited" if files_edited and outcome.kind == "unchanged" else outcome.kind)
    run.cosmetic += outcome.kind == "edited" and not outcome.substantive
    run.restored += outcome.restored
    if published is None and outcome.kind in ("new", "edited"):
        run.undated.append(article.url)
    return True


def _save_files_only(run: SourceRun, known: attachments.KnownFiles, files: list[attachments.FetchedFile]) -> None:
    """The page did not change (304 or the same body) but its files were checked: a changed file is an edit."""
    assert known.entry_id is not None
    with run.store.unit_of_work() as uow:
        stored = attachments.store_files(run, uow, known.entry_id, files, known)
        edited, alerts = _queue_file_edit(run, uow, known.entry_id, stored, None)
    run.alerts += alerts  # counted once committed
    if edited:
        run.outcomes.append("edited")


def _queue_file_edit(
    run: SourceRun, uow: UnitOfWork, entry_id: int, stored: list[attachments.StoredFile], story_id: int | None
) -> tuple[bool, int]:
    """Files changed substantively or taken down while the page's text stayed the same: a "files" marker version
    records the edit (which files, what changed in them), and the rules see those files' text as an edit of the
    entry. Whether there was such an edit, and the alerts queued."""
    analysis = attachments.file_edit(stored)
    if analysis is None:
        return False, 0
    marker = uow.record_file_edit(entry_id, analysis.to_json(), now=run.now)
    document = _document(run, "", "", None, attachments.edit_texts(stored))
    story = story_id if story_id is not None else uow.story_of(entry_id)
    return True, changes.queue_matches(run, uow, document, entry_id, marker, "edited",
                                       Edit(True, analysis.classes), story_id=story)


def _record(run: SourceRun, article: Article, published: ArticleDate | None) -> ArticleRecord:
    return ArticleRecord(
        source_id=run.source.id,
        url=article.url,
        canonical_url=canonical_url(article.url),
        title=article.title,
        text=article.to_text(),
        language=article.language or run.source.language,
        author=article.author,
        published=published.iso() if published else None,
        updated=article.updated.iso() if article.updated else None,
        fetched_at=run.now,
    )


def _alert_kind(outcome: SaveOutcome) -> MatchKind | None:
    """New entries and every edit go to the rules; each rule decides which edits it fires on."""
    if outcome.kind == "new":
        return "new"
    if outcome.kind == "edited":
        return "edited"
    return None


def _document(
    run: SourceRun, title: str, body: str, language: str | None, files: tuple[AttachmentText, ...]
) -> Document:
    return Document(title=title, body=body, source=run.source.id, language=language or run.source.language,
                    tags=run.source.tags, attachments=files)
