"""`run_source()`: the one unit of work. `tidings crawl`, the daemon and the tests all call it.

claim the source -> discover (conditional GET) -> skip stored URLs unless an edit re-check is due -> fetch
-> decode -> extract -> store (new entry, new version, or nothing) -> match rules -> enqueue one outbox row per
(match, channel) in the same transaction -> record the outcome -> release the source. A broken page is an error
line in the report, never an exception out of here; only a broken source makes the run `failed`. A run that
outlives `RunOptions.run_timeout` is cut off here and recorded once, as one failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime

from crawler.config import Source
from crawler.fetch.client import Fetcher
from crawler.pipeline import articles, listings
from crawler.pipeline.context import HttpMemory, SourceRun
from crawler.pipeline.outcome import finish
from crawler.pipeline.rulebook import RuleBook
from crawler.pipeline.values import RunOptions, RunReport
from storage import Store

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
) -> RunReport:
    """Run one source once. Never raises for a bad page, an unreachable site or a run over its time limit:
    see the report. (A shutdown's cancellation is recorded as a failure and propagates.)"""
    now = now or datetime.now(UTC)
    store.ensure_source(source.id, kind=source.profile.id, settings_hash=settings_hash(source))
    if not store.claim_source(source.id, options.owner, now=now, lease_seconds=options.lease_seconds):
        return RunReport(source_id=source.id, skipped="another process is running this source")
    run = SourceRun(source, now, fetcher, store, rulebook, options, HttpMemory(store, now))
    run_id = store.start_run(source.id, now=now)
    try:
        async with asyncio.timeout(options.run_timeout):
            await _crawl(run)
    except TimeoutError:
        run.timed_out = True
        run.fail_source(f"run cut off after settings.run_timeout = {options.run_timeout:g}s")
    except asyncio.CancelledError:  # a shutdown: a failure, not a success
        run.fail_source(f"source {source.id}: run cancelled by shutdown")
        raise
    except Exception as exc:  # a bug must not take the other sources (or the daemon) down with it
        log.exception("source %s: unexpected error", source.id)
        run.fail_source(f"source {source.id}: unexpected error: {exc!r}")
    finally:
        finish(run, run_id)
    return run.report()


async def _crawl(run: SourceRun) -> None:
    await articles.take_all(run, await listings.candidates(run))
    if not run.transient_failures:
        run.memory.flush()
