"""`tidings sources ...`: the configured sources and their health."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from crawler.cli import output
from crawler.cli.context import Context, pass_context


@click.group("sources")
def sources_group() -> None:
    """The configured sources.

    \b
    Example:
        tidings sources list
    """


@sources_group.command("list")
@pass_context
def sources_list(context: Context) -> None:
    """Each source: id, language, discovery methods, interval, health, how many edits (substantive and
    cosmetic) and removals its stored pages have had, and when and why it is polled next (adaptive polling:
    "in 2m: weekday 10:00 is busy").

    \b
    Example:
        tidings sources list
    """
    from crawler.drivers.planner import Planner
    from crawler.pipeline.schedule import HISTORY
    from storage.peek import change_counts, publication_times, source_states

    config = context.config
    now = datetime.now(UTC)
    # No SQLAlchemy for a SQLite file (or none yet); other databases through the Store.
    states, times = source_states(config.database_url), publication_times(config.database_url, since=now - HISTORY)
    changes = change_counts(config.database_url)
    if states is None or times is None or changes is None:
        with context.store() as store:
            states, times = store.source_states(), store.publication_times(since=now - HISTORY)
            changes = store.change_counts()
    planner = Planner(config.settings, lambda since: times)
    by_id = {state.source_id: state for state in states}
    plans = {source.id: output.next_poll(planner, source, by_id.get(source.id), now)
             for source in config.sources.values()}
    output.sources_table(list(config.sources.values()), by_id, plans, changes)


def _config_file(context: Context) -> Path:
    path = context.config.path
    if path is None:
        raise click.ClickException("no config file: give one with -c FILE (create it with `tidings init FILE`)")
    return path


@sources_group.command("add")
@click.argument("url")
@click.option("--name", help="The source id (default: from the host name).")
@pass_context
def sources_add(context: Context, url: str, name: str | None) -> None:
    """Subscribe to a site by URL: its feed if it has one (link rel=alternate, /feed, /rss.xml, /atom.xml, ...),
    else the page as a list page; the source is added to the config file, everything else in it kept.

    \b
    Example:
        tidings -c tidings.toml sources add https://blog.example.org/
        tidings -c tidings.toml sources add https://example.org/news/ --name example-news
    """
    import asyncio

    from crawler.discover.subscribe import subscribe

    path = _config_file(context)
    found = asyncio.run(subscribe(url, path, config=context.config, name=name))
    kind = "feed" if found.found.kind == "rss" else "list page"
    output.say(f"added source {found.name}: {kind} {found.found.url} (to {path})")


@sources_group.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def sources_import(context: Context, opml: Path) -> None:
    """Add every feed of an OPML file (a feed reader's export) as a source; feeds already watched are skipped.

    \b
    Example:
        tidings -c tidings.toml sources import subscriptions.opml
    """
    from crawler.discover.subscribe import import_opml

    path = _config_file(context)
    added = import_opml(opml.read_bytes(), path, config=context.config)
    for subscription in added:
        output.say(f"added source {subscription.name}: feed {subscription.found.url}")
    output.say(f"{len(added)} source(s) added to {path}")


@sources_group.command("export")
@pass_context
def sources_export(context: Context) -> None:
    """Print the configured sources as OPML 2.0 (feeds as xmlUrl; list pages as htmlUrl), for a feed reader.

    \b
    Example:
        tidings sources export > tidings.opml
    """
    from crawler.discover.subscribe import export_opml

    click.echo(export_opml(context.config), nl=False)
