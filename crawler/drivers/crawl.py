"""One pass over the sources, then deliver what is due: what `tidings crawl` does (and what tests drive).

>>> import asyncio
>>> from crawler.config import load_config
>>> summary = asyncio.run(crawl(load_config(None), store=None, sources=[], send_alerts=False))  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from crawler.config import Config, Source
from crawler.drivers.dispatch import Dispatcher, DispatchReport, claim_batch
from crawler.drivers.sending import LazyNotifier
from crawler.fetch.client import Fetcher
from crawler.pipeline.rulebook import RuleBook
from crawler.pipeline.run import run_source
from crawler.pipeline.values import RunReport
from crawler.pipeline.wiring import fetch_policy, run_options
from storage import StorageError, Store

SOURCES_AT_ONCE = 4


@dataclass(frozen=True)
class CrawlSummary:
    reports: tuple[RunReport, ...]
    dispatch: DispatchReport
    dispatch_error: str | None = None  # the database refused the outbox (disk full, server gone)
    waiting: tuple[int, datetime | None] = (0, None)  # alerts left in the outbox after the dispatch, earliest due

    @property
    def failed(self) -> tuple[RunReport, ...]:
        return tuple(report for report in self.reports if report.failed)

    @property
    def skipped(self) -> tuple[RunReport, ...]:
        """Sources another live process was running: not a success either."""
        return tuple(report for report in self.reports if report.skipped)

    def total(self, name: str) -> int:
        return sum(int(getattr(report, name)) for report in self.reports)

    def held(self) -> dict[str, int]:
        """Matches not alerted, by reason: baseline, backfill, too old (runs) and flood (the dispatcher)."""
        held: dict[str, int] = {}
        for report in self.reports:
            for reason, count in report.held:
                held[reason] = held.get(reason, 0) + count
        if self.dispatch.flood:
            held["flood"] = self.dispatch.flood
        return held


async def crawl(
    config: Config,
    store: Store,
    sources: Sequence[Source],
    *,
    backfill: int = 0,
    recheck_all: bool = False,
    send_alerts: bool = True,
    alert_existing: bool = False,
    console: TextIO | None = None,
    on_done: Callable[[RunReport], None] | None = None,
    now: datetime | None = None,
) -> CrawlSummary:
    """Run every source once (a few at a time: politeness is per host), then dispatch due alerts.

    ``now`` is the moment the runs and the dispatch take as the current time (default: the clock); tests move
    it forward to bring re-checks due."""
    rulebook = RuleBook.from_config(config)
    options = run_options(config, backfill=backfill, alert_existing=alert_existing, recheck_all=recheck_all)
    gate = asyncio.Semaphore(SOURCES_AT_ONCE)
    async with Fetcher(fetch_policy(config.settings)) as fetcher:

        async def one(source: Source) -> RunReport:
            async with gate:
                report = await run_source(source, fetcher=fetcher, store=store, rulebook=rulebook, options=options,
                                          now=now)
            if on_done is not None:
                on_done(report)
            return report

        reports = await asyncio.gather(*(one(source) for source in sources))
    dispatch, dispatch_error = DispatchReport(), None
    waiting: tuple[int, datetime | None] = (0, None)
    if send_alerts:
        # Claims as short as the daemon's: a crawl killed mid-send leaves its alerts to the next one after `lease`.
        notifier = LazyNotifier()  # apprise is imported only if an alert is due
        dispatcher = Dispatcher(store, config, notifier, owner=options.owner, console=console,
                                claim_lease=config.settings.lease,
                                claim_batch=claim_batch(config.settings.lease, notifier.timeout))
        try:
            dispatch = await dispatcher.run_once(now)
            waiting = store.pending_alerts()
        except StorageError as exc:  # the alerts stay in the outbox for the next crawl
            dispatch_error = str(exc)
    return CrawlSummary(tuple(reports), dispatch, dispatch_error, waiting)
