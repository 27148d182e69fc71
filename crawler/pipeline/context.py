"""The per-run object: what one run of one source holds (its I/O and its tally) while it is in progress."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from crawler.config import Source
from crawler.discover.listings import PageRequest
from crawler.extract.template import TemplateMemory
from crawler.fetch.client import Fetched, Fetcher, FetchStats, Validators
from crawler.pipeline.rulebook import RuleBook
from crawler.pipeline.values import RunOptions, RunReport
from storage import HttpState, Store
from storage.records import OutcomeKind, RecheckRow, SourceState


class HttpStateWriter(Protocol):
    def put_http_state(self, url: str, *, etag: str | None, last_modified: str | None, body_hash: str | None,
                       status: int, fetched_at: datetime) -> None: ...


class HttpMemory:
    """Conditional-GET memory of one run: read validators, remember them, or defer them until a listing's
    articles are stored (a crash in between must make the next run read the listing again, not get a 304 and
    lose those articles)."""

    def __init__(self, store: Store, now: datetime) -> None:
        self.store, self.now = store, now
        self.deferred: list[tuple[str, Fetched]] = []
        self.known: dict[str, HttpState] = {}
        self.preloaded: dict[str, HttpState | None] = {}

    def preload(self, keys: Iterable[str]) -> None:
        """Read the validators of many URLs (a run's articles) in a few queries instead of one each; a key
        remembered afterwards is read again from the store."""
        wanted = [key for key in dict.fromkeys(keys) if key not in self.preloaded]
        found = self.store.http_states(wanted) if wanted else {}
        self.preloaded.update({key: found.get(key) for key in wanted})

    def validators(self, request: PageRequest, key: str | None) -> Validators | None:
        if key is None:
            return None
        state = self.preloaded.pop(key) if key in self.preloaded else self.store.get_http_state(key)
        if state is None:
            return None
        self.known[key] = state
        # A POST cannot be conditional; its unchanged body hash still spares the parse.
        conditional = request.method == "GET"
        return Validators(
            state.etag if conditional else None, state.last_modified if conditional else None, state.body_hash
        )

    def remember(self, key: str, fetched: Fetched, writer: HttpStateWriter | None = None) -> None:
        """Write the validators now, or in `writer`'s transaction (the one that stores the page's article)."""
        self.preloaded.pop(key, None)
        remembered = fetched.validators()
        (writer or self.store).put_http_state(
            key, etag=remembered.etag, last_modified=remembered.last_modified, body_hash=remembered.body_hash,
            status=fetched.status, fetched_at=self.now,
        )

    def defer(self, key: str, fetched: Fetched) -> None:
        self.deferred.append((key, fetched))

    def flush(self) -> None:
        """The listings' validators; one that did not change is not written again (an idle poll writes none)."""
        for key, fetched in self.deferred:
            remembered, known = fetched.validators(), self.known.get(key)
            unchanged = known is not None and known.status == fetched.status and (
                known.etag, known.last_modified, known.body_hash) == (
                remembered.etag, remembered.last_modified, remembered.body_hash)
            if not unchanged:
                self.remember(key, fetched)
        self.deferred.clear()


def state_key(request: PageRequest) -> str:
    """Conditional-GET memory is per URL; a POST is remembered by its URL and body."""
    if request.method == "GET":
        return request.url
    body = json.dumps(request.json_body if request.json_body is not None else request.form, sort_keys=True)
    return f"POST {request.url} {body}"


@dataclass
class SourceRun:
    """One run in progress: the source, its I/O (fetcher, store, rules) and the mutable tally."""

    source: Source
    now: datetime
    fetcher: Fetcher
    store: Store
    rulebook: RuleBook
    options: RunOptions
    memory: HttpMemory
    # The source's state as this run's claim left it: the lease is this run's, so no other process writes the
    # outcome columns (failures, last success) before the run records its own.
    claimed: SourceState
    templates: TemplateMemory = field(default_factory=TemplateMemory)  # the source's, owned by the caller
    stats: FetchStats = field(default_factory=FetchStats)
    outcomes: list[OutcomeKind] = field(default_factory=list)
    alerts: int = 0
    errors: list[str] = field(default_factory=list)
    undated: list[str] = field(default_factory=list)  # stored with no publication date from page, listing or URL
    listing_failures: int = 0
    transient_failures: int = 0  # article fetches worth retrying next run (network, 5xx, timeouts)
    article_failures: int = 0
    articles_tried: int = 0
    degraded: bool = False
    timed_out: bool = False
    baseline: bool = False  # the source's first run: matches are stored, not alerted
    held: Counter[str] = field(default_factory=Counter)
    rechecks: dict[str, RecheckRow] = field(default_factory=dict)  # re-check items of this run, by URL
    cosmetic: int = 0
    removed: int = 0
    restored: int = 0
    database_failure: str | None = None  # the first write the database refused (disk full, server gone)
    # Open-data exports whose raw response is stored: id(listing) -> (the listing, its raw_response id), so that
    # every article taken from one export shares one stored copy of it.
    listing_raw: dict[int, tuple[Fetched, int]] = field(default_factory=dict)

    async def fetch(self, request: PageRequest, key: str | None) -> Fetched:
        """Fetch through the run's fetcher, conditionally when `key` has validators, counted in the run."""
        return await self.fetcher.fetch(
            request.url,
            method=request.method,
            data=request.form,
            json=request.json_body,
            validators=self.memory.validators(request, key),
            stats=self.stats,
            allowed_hosts=self.source.allow_hosts,
            host_delays=self.source.host_delays,
        )

    def fail_article(self, error: str) -> None:
        self.article_failures += 1
        self.errors.append(error)

    def fail_database(self, error: str) -> None:
        """The database refused a write: the source fails with that one line, and no further item is tried."""
        if self.database_failure is None:
            self.database_failure = error
            self.fail_source(error)

    def fail_source(self, error: str) -> None:
        self.listing_failures += 1
        self.errors.append(error)

    @property
    def failed(self) -> bool:
        return self.listing_failures > 0 or (self.articles_tried > 0 and self.article_failures == self.articles_tried)

    def report(self) -> RunReport:
        count = self.outcomes.count
        return RunReport(
            source_id=self.source.id,
            new=count("new"),
            edited=count("edited"),
            cosmetic=self.cosmetic,
            removed=self.removed,
            restored=self.restored,
            rechecked=len(self.rechecks),
            unchanged=count("unchanged"),
            duplicates=count("duplicate"),
            alerts=self.alerts,
            requests=self.stats.requests,
            bytes=self.stats.bytes,
            not_modified=self.stats.not_modified,
            errors=tuple(self.errors),
            undated=tuple(self.undated),
            failed=self.failed,
            degraded=self.degraded,
            timed_out=self.timed_out,
            held=tuple(sorted(self.held.items())),
        )
