"""`tidings check`: fetch and read one page as the unit of work would, without touching the store."""

from __future__ import annotations

import time
from dataclasses import dataclass

from crawler.config import Config, Source
from crawler.extract.page import Extraction
from crawler.fetch.client import Fetched, Fetcher
from crawler.pipeline.page import extract_page
from crawler.pipeline.wiring import fetch_policy, select_sources, source_for_url


@dataclass(frozen=True)
class CheckResult:
    """One page fetched and extracted: the fetch, the extraction, the source whose profile read it."""

    fetched: Fetched
    extraction: Extraction
    source: Source | None
    seconds: float


async def check_page(config: Config, url: str, source_id: str | None) -> CheckResult:
    """Fetch and extract one page with the named source's profile, else the source whose base URL fits."""
    source = select_sources(config, [source_id])[0] if source_id else source_for_url(config, url)
    started = time.perf_counter()
    allowed = source.allow_hosts if source else frozenset()
    async with Fetcher(fetch_policy(config.settings)) as fetcher:
        fetched = await fetcher.fetch(url, allowed_hosts=allowed, host_delays=source.host_delays if source else None)
    extraction = extract_page(fetched, source)
    return CheckResult(fetched, extraction, source, time.perf_counter() - started)
