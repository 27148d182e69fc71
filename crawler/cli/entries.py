"""`tidings entries ...` (the stored articles) and `tidings db ...` (the database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler.cli import output
from crawler.cli.context import Context, LazyGroup, pass_context, since_option
from crawler.errors import ConfigError

if TYPE_CHECKING:
    from storage import EntryRow, Store

HISTORY = {"show": "crawler.cli.history:show_command", "diff": "crawler.cli.history:diff_command"}


def check_source_id(context: Context, store: Store, source_id: str | None) -> None:
    """`--source nosuch` is an error (exit 2), not an empty list: neither configured nor ever stored."""
    if source_id is None or source_id in context.config.sources or store.source_state(source_id) is not None:
        return
    known = ", ".join(sorted(context.config.sources)) or "none"
    raise ConfigError(f"--source {source_id!r}: no such source (configured: {known})")


@click.group("entries", cls=LazyGroup, lazy=HISTORY)
def entries_group() -> None:
    """The stored articles: list, show one with its versions, diff two versions, export.

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
@click.option("--format", "fmt", type=click.Choice(["seed", "jsonl", "csv", "warc"]), default="seed",
              show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--source", "source_id", help="Only this source.")
@click.option("--since", help="Only entries first seen within this long, e.g. 30d.")
@click.option("--until", help="Only entries first seen more than this long ago, e.g. 1d.")
@click.option("--all-versions", is_flag=True,
              help="Every version of each entry with its class (seed files NNN_<hash>_vK.txt), not only the current.")
@pass_context
def entries_export(
    context: Context, fmt: str, out: Path, source_id: str | None, since: str | None, until: str | None,
    all_versions: bool,
) -> None:
    """Write the stored entries: seed-schema text files with a manifest, JSON Lines, CSV, or one WARC file with
    every version's raw response, text and diff (the evidence of `tidings entries evidence`, for many entries).

    With --all-versions every version is written with its number and class ("initial", "cosmetic",
    "substantive"; JSON Lines and CSV also list the "removed" and "restored" markers, which have no text).

    \b
    Example:
        tidings entries export --format seed --out export/
        tidings entries export --format warc --source mofa-zh --since 30d --out evidence/
        tidings entries export --all-versions --format jsonl --out export/
    """
    from storage.export import export_csv, export_jsonl, export_seed

    with context.store() as store:
        check_source_id(context, store, source_id)
        entries = list(reversed(store.list_entries(source_id=source_id, since=since_option(since), limit=None)))
        cutoff = since_option(until)
        entries = [row for row in entries if cutoff is None or row.first_seen < cutoff]
        out.mkdir(parents=True, exist_ok=True)
        if fmt == "warc":
            path = out / "entries.warc.gz"
            _write_warc(store, [row.id for row in entries], path)
            output.say(f"wrote {len(entries)} entries to {path} (manifest in {path.name}.manifest.json)")
            return
        if all_versions:
            _export_versions(store, entries, fmt, out)
            return
    if fmt == "seed":
        paths = export_seed(entries, out)
        output.say(f"wrote {len(paths)} files and manifest.jsonl to {out}")
        return
    path = out / f"entries.{fmt}"
    (export_jsonl if fmt == "jsonl" else export_csv)(entries, path)
    output.say(f"wrote {len(entries)} entries to {path}")


@entries_group.command("evidence")
@click.argument("entry_id", type=int)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True)
@pass_context
def entries_evidence(context: Context, entry_id: int, out: Path) -> None:
    """Write one entry's evidence as a WARC file: the request and response of every version and attachment (the
    bodies as the server sent them), the seed-schema texts, the diffs, and a manifest with every SHA-256.

    \b
    Example:
        tidings entries evidence 42 --out evidence/
        warcio check evidence/entry-42.warc.gz
    """
    with context.store() as store:
        if store.get_entry(entry_id) is None:
            raise click.ClickException(f"no entry {entry_id} (see `tidings entries list`)")
        path = out / f"entry-{entry_id}.warc.gz"
        out.mkdir(parents=True, exist_ok=True)
        _write_warc(store, [entry_id], path)
    output.say(f"wrote {path} and {path.name}.manifest.json")


def _write_warc(store: Store, entry_ids: list[int], path: Path) -> None:
    with path.open("wb") as handle:
        manifest = store.evidence_warc(entry_ids, handle)
    manifest_path = path.with_name(path.name + ".manifest.json")
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def _export_versions(store: Store, entries: list[EntryRow], fmt: str, out: Path) -> None:
    from storage.export import export_versions_csv, export_versions_jsonl, export_versions_seed

    versions = store.versions_of(entry.id for entry in entries)
    if fmt == "seed":
        paths = export_versions_seed(entries, versions, out)
        output.say(f"wrote {len(paths)} version files and manifest.jsonl to {out}")
        return
    path = out / f"entries.{fmt}"
    count = (export_versions_jsonl if fmt == "jsonl" else export_versions_csv)(entries, versions, path)
    output.say(f"wrote {count} versions of {len(entries)} entries to {path}")


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


@db_group.command("vacuum")
@pass_context
def db_vacuum(context: Context) -> None:
    """Apply the raw-response retention of `[settings]`: keep_raw ("all", "latest" or "none") and raw_max_bytes
    (the stored total, oldest dropped first; 0 = no cap). Versions and texts stay; only evidence goes.

    \b
    Example:
        tidings db vacuum
    """
    settings = context.config.settings
    with context.store() as store:
        report = store.vacuum_raw(settings.keep_raw, settings.raw_max_bytes)
    output.say(
        f"keep_raw = {settings.keep_raw!r}: removed {report.deleted} raw responses ({report.freed_bytes} bytes); "
        f"kept {report.kept} ({report.kept_bytes} bytes)"
    )
