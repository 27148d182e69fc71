"""`tidings sources ...`: the configured sources and their health."""

from __future__ import annotations

from datetime import UTC, datetime

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
    """Each source: id, language, discovery methods, interval, health, and when and why it is polled next
    (adaptive polling: "in 2m: weekday 10:00 is busy").

    \b
    Example:
        tidings sources list
    """
    from crawler.drivers.planner import Planner
    from crawler.pipeline.schedule import HISTORY
    from storage.peek import publication_times, source_states

    config = context.config
    now = datetime.now(UTC)
    # No SQLAlchemy for a SQLite file (or none yet); other databases through the Store.
    states, times = source_states(config.database_url), publication_times(config.database_url, since=now - HISTORY)
    if states is None or times is None:
        with context.store() as store:
            states, times = store.source_states(), store.publication_times(since=now - HISTORY)
    planner = Planner(config.settings, lambda since: times)
    by_id = {state.source_id: state for state in states}
    plans = {source.id: output.next_poll(planner, source, by_id.get(source.id), now)
             for source in config.sources.values()}
    output.sources_table(config.sources.values(), by_id, plans)
