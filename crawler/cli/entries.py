"""`tidings entries ...` (the stored articles) and `tidings db ...` (the database)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler.cli import output
from crawler.cli.context import Context, pass_context, since_option
from crawler.errors import ConfigError

if TYPE_CHECKING:
    from storage import Store


def check_source_id(context: Context, store: Store, source_id: str | None) -> None:
    """`--source nosuch` is an error (exit 2), not an empty list: neither configured nor ever stored."""
    if source_id is None or source_id in context.config.sources or store.source_state(source_id) is not None:
        return
    known = ", ".join(sorted(context.config.sources)) or "none"
    raise ConfigError(f"--source {source_id!r}: no such source (configured: {known})")


@click.group("entries")
def entries_group() -> None:
    """The stored articles.

    \b
    Example:
        tidings entries list --since 1d
    """


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
        check_source_id(context, store, source_id)
        rows = store.list_entries(source_id=source_id, since=since_option(since), limit=limit)
    output.entries_table(rows)


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
    from storage.export import export_csv, export_jsonl, export_seed

    with context.store() as store:
        check_source_id(context, store, source_id)
        entries = list(reversed(store.list_entries(source_id=source_id, limit=None)))  # oldest first: stable numbers
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "seed":
        paths = export_seed(entries, out)
        output.say(f"wrote {len(paths)} files and manifest.jsonl to {out}")
        return
    path = out / f"entries.{fmt}"
    (export_jsonl if fmt == "jsonl" else export_csv)(entries, path)
    output.say(f"wrote {len(entries)} entries to {path}")


@click.group("db")
def db_group() -> None:
    """The database.

    \b
    Example:
        tidings db upgrade
    """


@db_group.command("upgrade")
@pass_context
def db_upgrade(context: Context) -> None:
    """Create or upgrade the tables (Alembic). `crawl` and `run` do this on their own.

    \b
    Example:
        tidings db upgrade
    """
    from storage import Store

    with Store.open(context.config.database_url, upgrade=True) as store:
        output.say(f"database at the newest schema: {store.url}")
