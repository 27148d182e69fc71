"""One pass over the sources, then deliver what is due: what `tidings crawl` does (and what tests drive).

>>> import asyncio
>>> from crawler.config import load_config
>>> config = load_config(None)
>>> fetch_policy(config.settings).per_host_delay
1.0
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from crawler.config import Config, Settings, Source
from crawler.drivers.dispatch import Dispatcher, DispatchReport
from crawler.errors import ConfigError
from crawler.fetch.client import Fetcher, FetchPolicy
from crawler.pipeline.rulebook import RuleBook
from crawler.pipeline.run import RunOptions, RunReport, run_source
from rules.notify import Notifier
from storage import Store

SOURCES_AT_ONCE = 4


@dataclass(frozen=True)
class CrawlSummary:
    reports: tuple[RunReport, ...]
    dispatch: DispatchReport

    @property
    def failed(self) -> tuple[RunReport, ...]:
        return tuple(report for report in self.reports if report.failed)

    def total(self, name: str) -> int:
        return sum(int(getattr(report, name)) for report in self.reports)


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The fetch layer's policy from the config's `[settings]`."""
    return FetchPolicy(
        user_agent=settings.user_agent,
        read_timeout=settings.request_timeout,
        total_timeout=max(settings.request_timeout * 2, settings.request_timeout + 10),
        max_body_bytes=settings.max_body_bytes,
        per_host_concurrency=settings.per_host_concurrency,
        per_host_delay=settings.per_host_delay,
        allow_private_networks=settings.allow_private_networks,
        respect_robots=settings.respect_robots,
        retries=settings.retries,
    )


def owner_id() -> str:
    """Who holds a lease: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def select_sources(config: Config, ids: Sequence[str]) -> list[Source]:
    """The sources named on the command line (all enabled ones when none is named)."""
    if not ids:
        return list(config.sources.values())
    unknown = [source_id for source_id in ids if source_id not in config.sources]
    if unknown:
        known = ", ".join(config.sources) or "none"
        raise ConfigError(
            f"unknown source id(s): {', '.join(unknown)} (configured: {known}; see `tidings sources list`)"
        )
    return [config.sources[source_id] for source_id in ids]


async def crawl(
    config: Config,
    store: Store,
    sources: Sequence[Source],
    *,
    backfill: int = 0,
    send_alerts: bool = True,
    console: TextIO | None = None,
    on_done: Callable[[RunReport], None] | None = None,
) -> CrawlSummary:
    """Run every source once (a few at a time: politeness is per host), then dispatch due alerts."""
    rulebook = RuleBook.from_config(config)
    options = RunOptions.from_settings(config.settings, owner=owner_id(), backfill=backfill)
    gate = asyncio.Semaphore(SOURCES_AT_ONCE)
    async with Fetcher(fetch_policy(config.settings)) as fetcher:

        async def one(source: Source) -> RunReport:
            async with gate:
                report = await run_source(source, fetcher=fetcher, store=store, rulebook=rulebook, options=options)
            if on_done is not None:
                on_done(report)
            return report

        reports = await asyncio.gather(*(one(source) for source in sources))
    dispatch = DispatchReport()
    if send_alerts:
        dispatcher = Dispatcher(store, config, Notifier(), owner=options.owner, console=console)
        dispatch = await dispatcher.run_once()
    return CrawlSummary(tuple(reports), dispatch)
