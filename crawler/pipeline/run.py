"""`run_source()`: the one unit of work. `tidings crawl`, the daemon and the tests all call it.

claim the source -> discover (conditional GET) -> skip stored URLs unless an edit re-check is due -> fetch
-> decode -> extract -> store (new entry, new version, or nothing) -> match rules -> enqueue one outbox row per
(match, channel) in the same transaction -> record the outcome -> release the source. A broken page is an error
line in the report, never an exception out of here; only a broken source makes the run `failed`. A run that
outlives `RunOptions.run_timeout` is cut off here and recorded once, as one failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta

from crawler.config import Source
from crawler.errors import ConfigError
from crawler.extract.template import TemplateMemories
from crawler.fetch.client import Fetcher
from crawler.pipeline import listings
from crawler.pipeline.context import HttpMemory, SourceRun
from crawler.pipeline.outcome import finish
from crawler.pipeline.owner import owner_is_dead
from crawler.pipeline.rulebook import RuleBook
from crawler.pipeline.values import RunOptions, RunReport
from storage import StorageError, Store
from storage.source_state import SourceState

log = logging.getLogger(__name__)

DEFAULT_OPTIONS = RunOptions()


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
    options: RunOptions = DEFAULT_OPTIONS,
    now: datetime | None = None,
    templates: TemplateMemories | None = None,
) -> RunReport:
    """Run one source once. Never raises for a bad page, an unreachable site or a run over its time limit:
    see the report. (A shutdown's cancellation is recorded as a failure and propagates.)

    `templates` holds the sources' recent page lines (their templates) across runs: the daemon passes its own;
    without it this run starts a fresh memory of its source.
    """
    now = now or datetime.now(UTC)
    try:
        store.ensure_source(source.id, kind=source.profile.id, settings_hash=settings_hash(source))
        claimed = _claim(store, source.id, options, now)
        if isinstance(claimed, str):
            return RunReport(source_id=source.id, skipped=f"another process ({claimed}) is running this source")
    except StorageError as exc:  # a full disk, a database away: one line, and nothing left half-begun
        _release_quietly(store, source.id, options.owner)
        return RunReport(source_id=source.id, errors=(str(exc),), failed=True)
    memory = (templates or TemplateMemories()).for_source(source.id)
    run = SourceRun(source, now, fetcher, store, rulebook, options, HttpMemory(store, now), claimed,
                    templates=memory)
    run.baseline = is_baseline(source, claimed, options)
    renewal = asyncio.create_task(_renew(store, source.id, options, now))
    try:
        async with asyncio.timeout(options.run_timeout):
            await _crawl(run)
    except TimeoutError:
        run.timed_out = True
        run.fail_source(f"run cut off after settings.run_timeout = {options.run_timeout:g}s")
    except asyncio.CancelledError:  # a shutdown: a failure, not a success
        run.fail_source(f"source {source.id}: run cancelled by shutdown")
        raise
    except StorageError as exc:
        run.fail_database(str(exc))
    except ConfigError as exc:  # a broken rule, found when the first page is matched (see RuleBook.matcher)
        run.fail_source(str(exc))
    except Exception as exc:  # a bug must not take the other sources (or the daemon) down with it
        log.exception("source %s: unexpected error", source.id)
        run.fail_source(f"source {source.id}: unexpected error: {exc!r}")
    finally:
        renewal.cancel()
        finish(run)
    return run.report()


def _release_quietly(store: Store, source_id: str, owner: str) -> None:
    with contextlib.suppress(StorageError):  # the lease is short: it expires by itself
        store.release_source(source_id, owner)


def _claim(store: Store, source_id: str, options: RunOptions, now: datetime) -> SourceState | str:
    """Take the lease (from a dead process of this host too): the source's state as claimed, else who holds it."""
    state = store.claim_source_state(source_id, options.owner, now=now, lease_seconds=options.lease_seconds)
    if state is not None:
        return state
    current = store.source_state(source_id)
    holder = current.lease_owner if current else None
    if owner_is_dead(holder) and (state := store.claim_source_state(
        source_id, options.owner, now=now, lease_seconds=options.lease_seconds, dead_owner=holder
    )) is not None:
        log.warning("source %s: took over the lease of %s, a process that no longer runs", source_id, holder)
        return state
    return holder or "unknown"


async def _renew(store: Store, source_id: str, options: RunOptions, now: datetime) -> None:
    """Keep the lease while the run lives: renewed every third of its length, so it can stay short."""
    started = time.monotonic()
    while True:
        await asyncio.sleep(options.lease_seconds / 3)
        at = now + timedelta(seconds=time.monotonic() - started)
        try:
            await asyncio.to_thread(store.claim_source, source_id, options.owner, now=at,
                                    lease_seconds=options.lease_seconds)
        except Exception:  # a database hiccup: the next renewal tries again; the run itself goes on
            log.warning("source %s: could not renew the lease", source_id, exc_info=True)


def is_baseline(source: Source, state: SourceState, options: RunOptions) -> bool:
    """The source never ran successfully (``state``: as this run claimed it): this run records what is already
    there, quietly."""
    if options.alert_existing or not source.baseline:
        return False
    return state.last_success_at is None


async def _crawl(run: SourceRun) -> None:
    items = await listings.candidates(run)
    if items:  # pages to read: extraction, storage of versions, stories and matching load only then
        run.rulebook.check()  # compiled before the first page: a broken rule fails the source once
        from crawler.pipeline import articles

        await articles.take_all(run, items)
    if not run.transient_failures:
        run.memory.flush()
