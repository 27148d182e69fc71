"""`tidings crawl` (one pass over the sources) and `tidings check` (read one page, store nothing)."""

from __future__ import annotations

import asyncio
import sys

import click

from crawler.cli import output
from crawler.cli.context import Context, pass_context
from crawler.drivers import heap
from crawler.drivers.crawl import crawl
from crawler.pipeline.wiring import select_sources


@click.command("crawl")
@click.argument("source_ids", nargs=-1)
@click.option("--backfill", type=click.IntRange(min=0), default=0, metavar="N",
              help="Walk list pagination to take up to N older articles per source.")
@click.option("--no-alerts", is_flag=True, help="Store and match, but leave alerts in the outbox.")
@click.option("--alert-existing", is_flag=True,
              help="Alert on a source's first run too (by default it is a quiet baseline).")
@click.option("--recheck", is_flag=True,
              help="Also look again now at the newest stored pages (up to recheck_budget per source), whatever "
                   "their re-check schedule: for an edit or a removal you heard of.")
@pass_context
def crawl_command(
    context: Context, source_ids: tuple[str, ...], backfill: int, no_alerts: bool, alert_existing: bool,
    recheck: bool,
) -> None:
    """One pass over the sources (all enabled ones, or SOURCE_IDS), then deliver due alerts.

    Exits 1 when a source failed or was skipped (another process was running it). Alerts print here when no
    channel is configured. A source's first run is a baseline (stored and matched, not alerted), `--backfill`
    never alerts, and articles older than `max_alert_age` are not alerted: the summary says how many matches
    were held back and why.

    \b
    Example:
        tidings crawl
        tidings crawl focustaiwan cna --backfill 100
        tidings crawl --alert-existing
        tidings crawl mofa-en --recheck
    """
    config = context.config
    sources = select_sources(config, source_ids)
    with context.store() as store:
        heap.settle_after_startup(collect=False)  # one pass, then exit: start-up's few cycles may stay
        summary = output.with_progress(
            lambda on_done: crawl(config, store, sources, backfill=backfill, send_alerts=not no_alerts,
                                  alert_existing=alert_existing, recheck_all=recheck, on_done=on_done),
            total=len(sources),
        )
    output.crawl_summary(summary)
    if summary.failed or summary.skipped or summary.dispatch_error:
        sys.exit(1)


@click.command("check")
@click.argument("url")
@click.option("--source", "source_id", help="Read the page with this source's profile (default: by URL, else generic).")
@click.option("-v", "--verbose", is_flag=True,
              help="Also show the fetch: status, redirects, bytes, encoding, validators, timing.")
@pass_context
def check_command(context: Context, url: str, source_id: str | None, verbose: bool) -> None:
    """Fetch and extract one page; print the article in the seed schema. Writes nothing.

    \b
    Example:
        tidings check https://focustaiwan.tw/business/202512020024 --source focustaiwan -v
    """
    from crawler.pipeline.check import check_page  # extraction: loaded only for `check`, never for `crawl`

    result = asyncio.run(check_page(context.config, url, source_id))
    if verbose:
        output.check_details(result)
    output.article_text(result.extraction.article.to_text())
