"""`tidings diff OLD NEW`: the classified diff of two texts, as tidings judges an edit."""

from __future__ import annotations

import sys

import click

from crawler.cli import output, output_edits


def _read(path: str) -> str:
    """A text file, or stdin for `-`; line ends folded to `\\n` like a stored text."""
    if path == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(path, encoding="utf-8") as stream:
                text = stream.read()
        except OSError as exc:
            raise click.BadParameter(f"{path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise click.BadParameter(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("new", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help='One JSON object: {"substantive", "classes", "changes"}.')
def diff_command(old: str, new: str, as_json: bool) -> None:
    """Classify the edit from OLD to NEW: every change with its class and the sentence around it.

    OLD and NEW are text files in the seed schema (title line, optional date line, one paragraph per line);
    `-` reads stdin.

    This is how tidings judges an edit, so it answers "would tidings alert on this edit?". Exit code: 0 when
    the edit is cosmetic (or there is none), 1 when it is substantive (like diff(1): scripts can test it),
    2 on a usage error.

    \b
    Example:
        tidings diff old.txt new.txt
        curl -s https://example.org/a | tidings diff saved.txt - --json
    """
    if old == "-" and new == "-":
        raise click.UsageError("only one of OLD and NEW can be `-` (stdin)")
    from rules.edits import analyse_edit

    analysis = analyse_edit(_read(old), _read(new))
    if as_json:
        output.json_value(analysis.to_json())
    else:
        output_edits.edit_report(analysis)
    sys.exit(1 if analysis.substantive else 0)
