"""`run_source()`: the one unit of work. `tidings crawl`, the daemon and the tests all call it.

claim the source -> discover (conditional GET) -> skip stored URLs unless an edit re-check is due -> fetch
-> decode -> extract -> store (new entry, new version, or nothing) -> match rules -> enqueue one outbox row per
(match, channel) in the same transaction -> release the source. A broken page is an error line in the report,
never an exception out of here; only a broken source makes the run `failed`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta

from crawler.config import Settings, Source
from crawler.discover.listings import DiscoveredItem, PageRequest, page_request, parse_listing
from crawler.errors import ExtractError, FetchError, TidingsError
from crawler.extract.article import Article
from crawler.extract.decode import decode_html
from crawler.extract.language import UNDETERMINED, article_language
from crawler.extract.page import Extraction, clean_article, extract, html_fragment_paragraphs
from crawler.extract.profile import DiscoveryModel
from crawler.fetch.client import ConnectFailed, Fetched, Fetcher, FetchStats, FetchTimeout, HTTPStatusError, Validators
from crawler.pipeline.rulebook import Document, RuleBook
from storage import ArticleRecord, MatchRecord, RunStats, SaveOutcome, Store, UnitOfWork
from storage.dedup import canonical_url

log = logging.getLogger(__name__)

_HTML_TYPES = {"text/html", "application/xhtml+xml", "text/plain", None}
_RECHECK_CAP = 50
# Articles of one run in flight at once; the fetcher's per-host limits still decide what a host sees.
ARTICLES_AT_ONCE = 8


def _is_transient(exc: FetchError) -> bool:
    """Worth trying again next run: the network, a timeout, 429 or a server error (not a 404)."""
    if isinstance(exc, HTTPStatusError):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, ConnectFailed | FetchTimeout)


@dataclass(frozen=True)
class RunOptions:
    """Knobs of one run that are not part of the source."""

    owner: str = "tidings"
    backfill: int = 0
    lease_seconds: float = 900.0
    edit_recheck: float = 21600.0
    edit_window: float = 7 * 86400.0
    failure_alert_after: int = 3
    admin_channels: tuple[str, ...] = ()
    backoff_max: float = 6 * 3600.0

    @classmethod
    def from_settings(cls, settings: Settings, *, owner: str, backfill: int = 0) -> RunOptions:
        return cls(
            owner=owner,
            backfill=backfill,
            lease_seconds=settings.lease,
            edit_recheck=settings.edit_recheck,
            edit_window=settings.edit_window,
            failure_alert_after=settings.failure_alert_after,
            admin_channels=settings.admin_channels,
            backoff_max=settings.source_backoff_max,
        )


@dataclass(frozen=True)
class RunReport:
    """What one run of one source did. `failed` means the source itself failed (see `errors`)."""

    source_id: str
    new: int = 0
    edited: int = 0
    unchanged: int = 0
    duplicates: int = 0
    alerts: int = 0
    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    errors: tuple[str, ...] = ()
    failed: bool = False
    degraded: bool = False
    skipped: str | None = None


@dataclass
class _Run:
    """The mutable tally of a run in progress."""

    source: Source
    now: datetime
    stats: FetchStats = field(default_factory=FetchStats)
    outcomes: list[str] = field(default_factory=list)
    alerts: int = 0
    errors: list[str] = field(default_factory=list)
    listing_failures: int = 0
    transient_failures: int = 0  # article fetches worth retrying next run (network, 5xx, timeouts)
    # Listing validators are written only after the listing's articles are stored: a crash in between must make
    # the next run read the listing again, not get a 304 and lose those articles.
    listings_read: list[tuple[str, Fetched]] = field(default_factory=list)
    article_failures: int = 0
    articles_tried: int = 0
    degraded: bool = False

    def count(self, kind: str) -> int:
        return self.outcomes.count(kind)

    @property
    def failed(self) -> bool:
        return self.listing_failures > 0 or (self.articles_tried > 0 and self.article_failures == self.articles_tried)

    def report(self) -> RunReport:
        return RunReport(
            source_id=self.source.id,
            new=self.count("new"),
            edited=self.count("edited"),
            unchanged=self.count("unchanged"),
            duplicates=self.count("duplicate"),
            alerts=self.alerts,
            requests=self.stats.requests,
            bytes=self.stats.bytes,
            not_modified=self.stats.not_modified,
            errors=tuple(self.errors),
            failed=self.failed,
            degraded=self.degraded,
        )


def settings_hash(source: Source) -> str:
    """Changes when the source's profile or overrides change."""
    data = {"profile": source.profile.model.model_dump(mode="json"), "base": source.base_url, "urls": dict(source.urls)}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


async def run_source(
    source: Source,
    *,
    fetcher: Fetcher,
    store: Store,
    rulebook: RuleBook,
    options: RunOptions = RunOptions(),
    now: datetime | None = None,
) -> RunReport:
    """Run one source once. Never raises for a bad page or an unreachable site: see the report."""
    now = now or datetime.now(UTC)
    store.ensure_source(source.id, kind=source.profile.id, settings_hash=settings_hash(source))
    if not store.claim_source(source.id, options.owner, now=now, lease_seconds=options.lease_seconds):
        return RunReport(source_id=source.id, skipped="another process is running this source")
    run = _Run(source=source, now=now)
    run_id = store.start_run(source.id, now=now)
    try:
        await _crawl(run, fetcher, store, rulebook, options)
    except asyncio.CancelledError:  # cut off by a run timeout or a shutdown: a failure, not a success
        run.errors.append(f"source {source.id}: run cancelled (time limit or shutdown)")
        run.listing_failures += 1
        raise
    except Exception as exc:  # a bug must not take the other sources (or the daemon) down with it
        log.exception("source %s: unexpected error", source.id)
        run.errors.append(f"source {source.id}: unexpected error: {exc!r}")
        run.listing_failures += 1
    finally:
        _finish(run, run_id, store, options)
    return run.report()


async def _crawl(run: _Run, fetcher: Fetcher, store: Store, rulebook: RuleBook, options: RunOptions) -> None:
    items = await _discover(run, fetcher, store, options.backfill)
    limit = options.backfill or run.source.max_articles
    rechecks = [DiscoveredItem(url=url) for url in _recheck_due(run, store, options)]
    candidates = _new_items(items, store)[:limit] + rechecks
    gate = asyncio.Semaphore(ARTICLES_AT_ONCE)

    async def take(item: DiscoveredItem) -> None:
        async with gate:
            await _take_item(run, item, fetcher, store, rulebook)

    await asyncio.gather(*(take(item) for item in candidates))
    if not run.transient_failures:
        for key, fetched in run.listings_read:
            _remember(store, key, fetched, run.now)


def _finish(run: _Run, run_id: int, store: Store, options: RunOptions) -> None:
    report = run.report()
    error = "; ".join(report.errors[:5]) or None
    stats = RunStats(
        requests=report.requests, bytes=report.bytes, not_modified=report.not_modified, new_entries=report.new,
        edits=report.edited, duplicates=report.duplicates, errors=len(report.errors), error=error,
        degraded=report.degraded,
    )
    store.finish_run(run_id, stats, now=datetime.now(UTC))
    _record_result(run, store, options, error)
    store.release_source(run.source.id, options.owner)


def _record_result(run: _Run, store: Store, options: RunOptions, error: str | None) -> None:
    source_id = run.source.id
    previous = store.source_state(source_id)
    failures = (previous.consecutive_failures if previous else 0) + 1 if run.failed else 0
    next_due = run.now + timedelta(seconds=_backoff(run.source.interval, failures, options.backoff_max))
    state = store.record_source_result(
        source_id, ok=not run.failed, error=error if run.failed else None, degraded=run.degraded, now=run.now,
        next_due_at=next_due if run.failed else None,
    )
    _health_alerts(store, source_id, state.consecutive_failures, state.health_alerted, error, run.now, options)


def _backoff(interval: float, failures: int, cap: float) -> float:
    """After the n-th failure in a row, wait interval * 2**(n-1), at most `cap`."""
    return float(min(cap, interval * 2 ** max(0, failures - 1)))


def _health_alerts(
    store: Store, source_id: str, failures: int, alerted: bool, error: str | None, now: datetime, options: RunOptions
) -> None:
    """One alert when a source starts failing (after K runs in a row), one when it recovers; never one per run."""
    if not options.admin_channels:
        return
    if failures >= options.failure_alert_after and not alerted:
        state = "failing"
    elif failures == 0 and alerted:
        state = "recovered"
    else:
        return
    for channel in options.admin_channels:
        store.enqueue_health_alert(source_id=source_id, channel=channel, state=state, error=error, now=now)
    store.set_health_alerted(source_id, state == "failing")


# --- discovery -------------------------------------------------------------------------------------------


async def _discover(run: _Run, fetcher: Fetcher, store: Store, backfill: int) -> list[DiscoveredItem]:
    items: list[DiscoveredItem] = []
    for entry in run.source.profile.discover:
        if entry.backfill and not backfill:
            continue
        items.extend(await _discover_entry(run, entry, fetcher, store, backfill))
    return items


async def _discover_entry(
    run: _Run, entry: DiscoveryModel, fetcher: Fetcher, store: Store, backfill: int
) -> list[DiscoveredItem]:
    url = run.source.discovery_url(entry)
    if not backfill or not entry.paginated:
        return await _listing_page(run, entry, page_request(entry, url, entry.start_page), fetcher, store) or []
    found: list[DiscoveredItem] = []
    seen: set[str] = set()
    for page in range(entry.start_page, entry.start_page + 1000):
        items = await _listing_page(run, entry, page_request(entry, url, page), fetcher, store, conditional=False)
        fresh = [item for item in items or [] if item.url not in seen]
        if not fresh:
            break
        found.extend(fresh)
        seen.update(item.url for item in fresh)
        if len(found) >= backfill:
            break
    return found


async def _listing_page(
    run: _Run, entry: DiscoveryModel, request: PageRequest, fetcher: Fetcher, store: Store, conditional: bool = True
) -> list[DiscoveredItem] | None:
    key = _state_key(request)
    try:
        fetched = await _fetch(run, fetcher, store, request, key if conditional else None)
        if fetched.not_modified:
            return []
        items = parse_listing(
            fetched.content, url=fetched.final_url, kind=entry.kind, entry=entry, charset=fetched.charset,
            timezone=run.source.profile.model.timezone,
        )
    except TidingsError as exc:
        run.listing_failures += 1
        run.errors.append(str(exc))
        return None
    run.listings_read.append((key, fetched))
    return items


def _state_key(request: PageRequest) -> str:
    """Conditional-GET memory is per URL; a POST is remembered by its URL and body."""
    if request.method == "GET":
        return request.url
    body = json.dumps(request.json_body if request.json_body is not None else request.form, sort_keys=True)
    return f"POST {request.url} {body}"


async def _fetch(run: _Run, fetcher: Fetcher, store: Store, request: PageRequest, key: str | None) -> Fetched:
    state = store.get_http_state(key) if key else None
    validators = None
    if state is not None:
        # A POST cannot be conditional; its unchanged body hash still spares the parse.
        conditional = request.method == "GET"
        validators = Validators(
            state.etag if conditional else None, state.last_modified if conditional else None, state.body_hash
        )
    return await fetcher.fetch(
        request.url,
        method=request.method,
        data=request.form,
        json=request.json_body,
        validators=validators,
        stats=run.stats,
        allowed_hosts=run.source.allow_hosts,
        host_delays=run.source.host_delays,
    )


def _remember(store: Store, key: str, fetched: Fetched, now: datetime) -> None:
    remembered = fetched.validators()
    store.put_http_state(
        key, etag=remembered.etag, last_modified=remembered.last_modified, body_hash=remembered.body_hash,
        status=fetched.status, fetched_at=now,
    )


def _new_items(items: Iterable[DiscoveredItem], store: Store) -> list[DiscoveredItem]:
    """Items whose URL is not stored yet; items that carry their full text are always compared."""
    items = _one_per_article(items)
    known = store.known_urls(canonical_url(item.url) for item in items if item.content_html is None)
    return [item for item in items if item.content_html is not None or canonical_url(item.url) not in known]


def _one_per_article(items: Iterable[DiscoveredItem]) -> list[DiscoveredItem]:
    """One item per canonical URL, in first-seen order, preferring the one that carries its text.

    A feed and a list API (or an export and a list page) often name the same article; reading it twice would
    fetch it twice and, when the two texts differ, store a false edit.
    """
    chosen: dict[str, DiscoveredItem] = {}
    for item in items:
        key = canonical_url(item.url)
        if key not in chosen or (chosen[key].content_html is None and item.content_html is not None):
            chosen[key] = item
    return list(chosen.values())


def _recheck_due(run: _Run, store: Store, options: RunOptions) -> list[str]:
    """Stored pages of this source, recent enough to be edited, not checked for `edit_recheck` seconds."""
    if options.backfill:
        return []
    return store.recheck_due(
        run.source.id,
        since=run.now - timedelta(seconds=options.edit_window),
        checked_before=run.now - timedelta(seconds=options.edit_recheck),
        limit=_RECHECK_CAP,
    )


# --- articles --------------------------------------------------------------------------------------------


async def _take_item(run: _Run, item: DiscoveredItem, fetcher: Fetcher, store: Store, rulebook: RuleBook) -> None:
    run.articles_tried += 1
    try:
        article, fetched = await _article_for(run, item, fetcher, store)
        if article is not None:
            _save(run, article, store, rulebook)
    except FetchError as exc:
        run.transient_failures += _is_transient(exc)
        _fail(run, str(exc))
        return
    except TidingsError as exc:
        _fail(run, str(exc))
        return
    except Exception as exc:  # a malformed page must never stop the source
        log.exception("unexpected error on %s", item.url)
        _fail(run, f"{item.url}: unexpected error: {exc!r}")
        return
    if fetched is not None:  # after the article is stored: a crash before this re-fetches it, never loses it
        _remember(store, item.url, fetched, run.now)


def _fail(run: _Run, error: str) -> None:
    run.article_failures += 1
    run.errors.append(error)


async def _article_for(
    run: _Run, item: DiscoveredItem, fetcher: Fetcher, store: Store
) -> tuple[Article | None, Fetched | None]:
    if item.content_html is not None:
        return _article_from_listing(run, item), None
    fetched = await _fetch(run, fetcher, store, PageRequest(item.url), item.url)
    if fetched.not_modified:
        return None, fetched
    extraction = extract_page(fetched, run.source)
    run.degraded = run.degraded or extraction.degraded
    return extraction.article, fetched


def extract_page(fetched: Fetched, source: Source | None) -> Extraction:
    """Decode and extract one fetched page with the source's profile (or the generic path)."""
    if fetched.content_type not in _HTML_TYPES:
        raise ExtractError(fetched.final_url, f"not an HTML page (Content-Type: {fetched.content_type})")
    html = decode_html(fetched.content, url=fetched.final_url, http_charset=fetched.charset).text
    rules = source.profile.page_rules(fetched.final_url) if source else None
    if rules is not None and not rules.body:
        rules = None  # a custom source without selectors: the generic path is the plan, not a fallback
    language = source.language if source and source.language != UNDETERMINED else None
    extraction = extract(html, fetched.final_url, rules, language=language)
    if language is None:
        detected = article_language(html, extraction.article.body)
        extraction = replace(extraction, article=replace(extraction.article, language=detected))
    return extraction


def _article_from_listing(run: _Run, item: DiscoveredItem) -> Article:
    """Open-data exports carry the whole text: no page fetch needed."""
    rules = run.source.profile.page_rules(item.url)
    paragraphs = html_fragment_paragraphs(item.content_html or "")
    return clean_article(
        item.title, paragraphs, rules=rules, url=item.url, published=item.published, updated=None,
        language=run.source.language, author=None,
    )


def _save(run: _Run, article: Article, store: Store, rulebook: RuleBook) -> None:
    if not article.paragraphs:
        _fail(run, f"{article.url}: no article text found on the page")
        return
    record = _record(run, article)
    with store.unit_of_work() as uow:
        outcome = uow.save_article(record, now=run.now)
        kind = _alert_kind(outcome)
        if kind is not None:
            run.alerts += _enqueue_matches(run, article, outcome, kind, uow, rulebook)
    run.outcomes.append(outcome.kind)


def _record(run: _Run, article: Article) -> ArticleRecord:
    return ArticleRecord(
        source_id=run.source.id,
        url=article.url,
        canonical_url=canonical_url(article.url),
        title=article.title,
        text=article.to_text(),
        language=article.language or run.source.language,
        author=article.author,
        published=article.published.iso() if article.published else None,
        updated=article.updated.iso() if article.updated else None,
        fetched_at=run.now,
    )


def _alert_kind(outcome: SaveOutcome) -> str | None:
    if outcome.kind == "new":
        return "new"
    if outcome.kind == "edited" and outcome.change_class == "substantive":
        return "edited"
    return None


def _enqueue_matches(
    run: _Run, article: Article, outcome: SaveOutcome, kind: str, uow: UnitOfWork, rulebook: RuleBook
) -> int:
    assert outcome.version_id is not None, "new and edited outcomes always carry a version"
    document = Document(
        title=article.title or "", body=article.body, source=run.source.id,
        language=article.language or run.source.language, tags=run.source.tags,
    )
    enqueued = 0
    for match, route in rulebook.matches(document, kind):
        evidence = [asdict(item) for item in match.evidence]
        record = MatchRecord(outcome.entry_id, outcome.version_id, match.rule, kind, evidence)  # type: ignore[arg-type]
        match_id = uow.add_match(record, now=run.now)
        if match_id is None:
            continue
        for channel in route.channels:
            due = route.due_at(run.now)
            enqueued += uow.enqueue_alert(match_id, channel, mode=route.mode, due_at=due, now=run.now)
    return enqueued

