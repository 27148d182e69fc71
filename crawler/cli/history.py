"""`tidings entries show` and `tidings entries diff`: one stored article, its versions and what changed."""

from __future__ import annotations

import click

from crawler.cli import output, output_edits
from crawler.cli.context import Context, pass_context
from storage import EntryRow, Store, VersionRow


def _entry(store: Store, ref: str) -> EntryRow:
    entry = store.find_entry(ref)
    if entry is None:
        raise click.ClickException(f"no stored entry {ref!r} (give an id from `tidings entries list`, or a URL)")
    return entry


@click.command("show")
@click.argument("ref", metavar="ID|URL")
@pass_context
def show_command(context: Context, ref: str) -> None:
    """One stored article: its facts, its versions (class and time of each), the rule matches with their
    evidence and the alerts they sent (channel and status), and its current text.

    \b
    Example:
        tidings entries show 42
        tidings entries show https://focustaiwan.tw/business/202512020024
    """
    with context.store() as store:
        entry = _entry(store, ref)
        versions = store.entry_versions(entry.id)
        matches = store.entry_matches(entry.id)
    output_edits.entry_details(entry, versions, matches)


def _pick(versions: list[VersionRow], numbers: tuple[int | None, int | None]) -> tuple[int, int, list[VersionRow]]:
    """The numbers of the two versions to compare (V1 and V2; V1 and the latest; or the latest and the one
    before it), and the versions with text."""
    texts = [row for row in versions if not row.is_marker]
    first, second = numbers
    if len(texts) < 2 and first is None:
        raise click.ClickException("this entry has one version only: nothing to compare")
    second = second if second is not None else len(texts)
    first = first if first is not None else max(1, second - 1)
    for number in (first, second):
        if not 1 <= number <= len(texts):
            raise click.BadParameter(f"version {number} does not exist (this entry has versions 1 to {len(texts)})")
    return first, second, texts


@click.command("diff")
@click.argument("ref", metavar="ID|URL")
@click.argument("v1", type=click.IntRange(min=1), required=False)
@click.argument("v2", type=click.IntRange(min=1), required=False)
@pass_context
def diff_command(context: Context, ref: str, v1: int | None, v2: int | None) -> None:
    """The difference between two versions of a stored article (numbers as `entries show` lists them; default:
    the last edit), by word for Latin scripts and by character for Chinese: on a terminal deletions are red
    and insertions green, elsewhere marked [-old-]{+new+}. The first line gives the edit's classes.

    \b
    Example:
        tidings entries diff 42          # the last edit
        tidings entries diff 42 1 3      # version 1 against version 3
    """
    from rules.edits import analyse_edit
    from rules.edits.inline import inline_diff

    with context.store() as store:
        entry = _entry(store, ref)
        first, second, texts = _pick(store.entry_versions(entry.id), (v1, v2))
    old, new = texts[first - 1], texts[second - 1]
    analysis = analyse_edit(old.text, new.text)
    verdict = "substantive" if analysis.substantive else "cosmetic" if analysis.classes else "no change"
    header = (f"entry {entry.id}: v{first} ({output.when(old.fetched_at)}) -> v{second} "
              f"({output.when(new.fetched_at)}): {verdict}: {', '.join(analysis.classes) or '-'}")
    output_edits.text_diff(header, inline_diff(old.text, new.text))
