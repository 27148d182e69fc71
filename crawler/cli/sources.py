"""`tidings sources ...`: the configured sources and their health."""

from __future__ import annotations

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
    """Each source: id, language, discovery methods, interval, health.

    \b
    Example:
        tidings sources list
    """
    config = context.config
    with context.store() as store:
        states = {state.source_id: state for state in store.source_states()}
    output.sources_table(config.sources.values(), states)
