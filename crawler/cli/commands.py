"""The work behind CLI commands that is more than one call: `check`, progress, exports, the example config."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from rich.progress import Progress

from crawler.config import Config, Source
from crawler.drivers.crawl import CrawlSummary, fetch_policy, select_sources
from crawler.extract.page import Extraction
from crawler.fetch.client import Fetched, Fetcher
from crawler.pipeline.run import RunReport, extract_page
from storage import SourceState, Store
from storage.export import export_csv, export_jsonl, export_seed


@dataclass(frozen=True)
class CheckResult:
    fetched: Fetched
    extraction: Extraction
    source: Source | None
    seconds: float

    def details(self) -> list[str]:
        """What `check -v` prints about the fetch and the extraction."""
        f = self.fetched
        hops = " -> ".join(f.redirects) if f.redirects else "none"
        return [
            f"url: {f.url}",
            f"final url: {f.final_url}",
            f"status: {f.status}  attempts: {f.attempts}  redirects: {hops}",
            f"bytes: {len(f.content)}  content-type: {f.content_type}  charset (HTTP): {f.charset or '-'}",
            f"etag: {f.etag or '-'}  last-modified: {f.last_modified or '-'}",
            f"fetch: {f.elapsed * 1000:.0f} ms  total: {self.seconds * 1000:.0f} ms",
            f"source: {self.source.id if self.source else '- (generic)'}  method: {self.extraction.method}"
            + ("  DEGRADED" if self.extraction.degraded else ""),
            *(f"problem: {problem}" for problem in self.extraction.problems),
        ]


def source_for_url(config: Config, url: str) -> Source | None:
    """The configured source whose base URL is the longest prefix of `url`."""
    candidates = [source for source in config.sources.values() if url.startswith(source.base_url)]
    return max(candidates, key=lambda source: len(source.base_url), default=None)


async def check(config: Config, url: str, source_id: str | None) -> CheckResult:
    """Fetch and extract one page without touching the store."""
    source = select_sources(config, [source_id])[0] if source_id else source_for_url(config, url)
    started = time.perf_counter()
    allowed = source.allow_hosts if source else frozenset()
    async with Fetcher(fetch_policy(config.settings)) as fetcher:
        fetched = await fetcher.fetch(url, allowed_hosts=allowed, host_delays=source.host_delays if source else None)
    extraction = extract_page(fetched, source)
    return CheckResult(fetched, extraction, source, time.perf_counter() - started)


def run_with_progress(
    start: Callable[[Callable[[RunReport], None]], Coroutine[Any, Any, CrawlSummary]], *, total: int, interactive: bool
) -> CrawlSummary:
    """Run a crawl; on a terminal show a progress bar, otherwise stay quiet until the summary."""
    if not interactive:
        return asyncio.run(start(lambda report: None))
    with Progress(transient=True) as progress:
        task = progress.add_task("crawling", total=total)

        def done(report: RunReport) -> None:
            progress.update(task, advance=1, description=f"done: {report.source_id}")

        return asyncio.run(start(done))


def source_row(source: Source, state: SourceState | None) -> list[str]:
    methods = ", ".join(dict.fromkeys(entry.kind for entry in source.profile.discover if not entry.backfill))
    return [
        source.id,
        source.language,
        methods,
        _interval(source.interval),
        _when(state.last_success_at) if state else "never",
        str(state.consecutive_failures) if state else "0",
        _health(state),
    ]


def _health(state: SourceState | None) -> str:
    if state is None:
        return "not run yet"
    if state.consecutive_failures:
        return f"failing: {state.last_error or ''}"[:80]
    return "degraded (generic fallback)" if state.degraded else "ok"


def _interval(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "never"


def export(store: Store, fmt: str, out: Path, source_id: str | None) -> str:
    """Write the entries (oldest first, so numbering is stable) and say what was written."""
    entries = list(reversed(store.list_entries(source_id=source_id, limit=None)))
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "seed":
        paths = export_seed(entries, out)
        return f"{len(paths)} files and manifest.jsonl to {out}"
    path = out / f"entries.{fmt}"
    (export_jsonl if fmt == "jsonl" else export_csv)(entries, path)
    return f"{len(entries)} entries to {path}"


def example_config() -> str:
    """The commented example that `tidings init` writes."""
    return resources.files("crawler").joinpath("example.toml").read_text(encoding="utf-8")
