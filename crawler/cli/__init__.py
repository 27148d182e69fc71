"""The `tidings` command line: parse, call, print. Every command's help has an example."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import click
from rich.table import Table

from crawler.cli import commands
from crawler.cli.alerts import alerts_group, notify_group, rules_group
from crawler.cli.context import Context, TidingsGroup, console, errors, pass_context, since_option
from crawler.cli.daemon import run_command, status_command
from crawler.drivers.crawl import CrawlSummary, crawl, select_sources
from crawler.pipeline.run import RunReport
from storage import Store


@click.group(cls=TidingsGroup)
@click.option("--config", "-c", "config_path", envvar="TIDINGS_CONFIG", type=click.Path(dir_okay=False),
              help="Config file (default: ./tidings.toml if present, else the built-in defaults).")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.version_option(package_name="tidings")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """tidings: watch MOFA, MODA, CNA and Focus Taiwan (and any site), store every article once with its
    edits, and alert on new AI or partnership items.

    \b
    Example:
        tidings crawl                 # one pass over every built-in source
        tidings -c tidings.toml run   # the daemon
    """
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if log_level.upper() != "DEBUG":
        # Each retry is logged by stamina as a warning; the crawl summary already reports what finally failed.
        logging.getLogger("stamina").setLevel(logging.ERROR)
    ctx.obj = Context(config_path)


@main.command("crawl")
@click.argument("source_ids", nargs=-1)
@click.option("--backfill", type=click.IntRange(min=0), default=0, metavar="N",
              help="Walk list pagination to take up to N older articles per source.")
@click.option("--no-alerts", is_flag=True, help="Store and match, but leave alerts in the outbox.")
@pass_context
def crawl_command(context: Context, source_ids: tuple[str, ...], backfill: int, no_alerts: bool) -> None:
    """One pass over the sources (all enabled ones, or SOURCE_IDS), then deliver due alerts.

    Exits 1 when a source failed. Alerts print here when no channel is configured.

    \b
    Example:
        tidings crawl
        tidings crawl focustaiwan cna --backfill 100
    """
    config = context.config
    sources = select_sources(config, source_ids)
    with context.store() as store:
        summary = commands.run_with_progress(
            lambda on_done: crawl(config, store, sources, backfill=backfill, send_alerts=not no_alerts,
                                  on_done=on_done),
            total=len(sources),
            interactive=console.is_terminal,
        )
    _print_summary(summary)
    if summary.failed:
        sys.exit(1)


def _print_summary(summary: CrawlSummary) -> None:
    table = Table("source", "new", "edited", "dup", "unchanged", "304", "requests", "KiB", "alerts", "errors",
                  title="crawl summary", box=None)
    for report in summary.reports:
        table.add_row(*_summary_row(report))
    console.print(table)
    degraded = [r.source_id for r in summary.reports if r.degraded]
    console.print(
        f"{len(summary.reports)} sources, {summary.total('new')} new entries, {summary.total('edited')} edited, "
        f"{summary.total('duplicates')} duplicates, {summary.dispatch.sent} alerts sent, "
        f"{summary.dispatch.failed} alert failures, {summary.total('not_modified')} not modified, "
        f"{sum(len(r.errors) for r in summary.reports)} errors, {len(summary.failed)} sources failed"
        + (f", degraded (profile fell back to generic): {', '.join(degraded)}" if degraded else ""),
        markup=False,
    )
    for report in summary.reports:
        for error in report.errors:
            errors.print(f"error: {report.source_id}: {error}", markup=False)


def _summary_row(report: RunReport) -> list[str]:
    name = report.source_id + (" (degraded)" if report.degraded else "") + (" (failed)" if report.failed else "")
    if report.skipped:
        name += f" (skipped: {report.skipped})"
    numbers = (report.new, report.edited, report.duplicates, report.unchanged, report.not_modified,
               report.requests, report.bytes // 1024, report.alerts, len(report.errors))
    return [name, *map(str, numbers)]


@main.command("check")
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
    result = asyncio.run(commands.check(context.config, url, source_id))
    if verbose:
        for line in result.details():
            errors.print(line, markup=False)
    sys.stdout.write(result.extraction.article.to_text())


@main.group("sources")
def sources_group() -> None:
    """The configured sources."""


@sources_group.command("list")
@pass_context
def sources_list(context: Context) -> None:
    """Each source: id, language, discovery methods, interval, health.

    \b
    Example:
        tidings sources list
    """
    config = context.config
    with context.store() as store:
        states = {state.source_id: state for state in store.source_states()}
    table = Table("id", "language", "method", "interval", "last success", "failures", "state", box=None)
    for source in config.sources.values():
        table.add_row(*commands.source_row(source, states.get(source.id)))
    console.print(table)


@main.group("entries")
def entries_group() -> None:
    """The stored articles."""


@entries_group.command("list")
@click.option("--source", "source_id", help="Only this source.")
@click.option("--since", help="Only entries first seen within this long, e.g. 7d.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@pass_context
def entries_list(context: Context, source_id: str | None, since: str | None, limit: int) -> None:
    """The newest stored entries.

    \b
    Example:
        tidings entries list --source cna --since 2d
    """
    with context.store() as store:
        rows = store.list_entries(source_id=source_id, since=since_option(since), limit=limit)
    table = Table("id", "source", "published", "versions", "title", box=None)
    for row in rows:
        table.add_row(str(row.id), row.source_id, row.published or "", str(row.version_count), row.title or row.url)
    console.print(table)


@entries_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["seed", "jsonl", "csv"]), default="seed", show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--source", "source_id", help="Only this source.")
@pass_context
def entries_export(context: Context, fmt: str, out: Path, source_id: str | None) -> None:
    """Write the stored entries: seed-schema text files with a manifest, JSON Lines, or CSV.

    \b
    Example:
        tidings entries export --format seed --out export/
    """
    with context.store() as store:
        written = commands.export(store, fmt, out, source_id)
    console.print(f"wrote {written}", markup=False)


@main.group("db")
def db_group() -> None:
    """The database."""


@db_group.command("upgrade")
@pass_context
def db_upgrade(context: Context) -> None:
    """Create or upgrade the tables (Alembic). `crawl` and `run` do this on their own.

    \b
    Example:
        tidings db upgrade
    """
    with Store.open(context.config.database_url, upgrade=True) as store:
        console.print(f"database at the newest schema: {store.url}", markup=False)


@main.command("init")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="tidings.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init_command(path: Path, force: bool) -> None:
    """Write a commented example config to PATH (default ./tidings.toml).

    \b
    Example:
        tidings init && tidings -c tidings.toml sources list
    """
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; use --force to overwrite it")
    path.write_text(commands.example_config(), encoding="utf-8")
    console.print(f"wrote {path}", markup=False)


main.add_command(alerts_group)
main.add_command(rules_group)
main.add_command(notify_group)
main.add_command(run_command)
main.add_command(status_command)
