"""The CLI's output of edits: classified changes (`tidings diff`), a text with its deletions and insertions marked
(`tidings entries diff`), an entry with its versions and matches (`tidings entries show`). The consoles and the
plain-text rules are output.py's: on a terminal the marks are colours, off one ``[-old-]{+new+}``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from crawler.cli.output import article_text, console, say, when

if TYPE_CHECKING:
    from rules.edits import EditAnalysis
    from storage import EntryMatch, EntryRow, VersionRow


def _marked(parts: Sequence[tuple[str, str]]) -> Text | str:
    """Segments ("equal", "delete", "insert"): coloured on a terminal (deletions red, insertions green), else
    with plain markers [-old-]{+new+}."""
    if not console.is_terminal:
        from rules.render_edits import segments_text

        return segments_text([(kind, text) for kind, text in parts], "text")  # type: ignore[misc]
    styled = Text()
    for kind, text in parts:
        styled.append(text, style={"delete": "red strike", "insert": "green"}.get(kind, ""))
    return styled


def _print_marked(prefix: str, parts: Sequence[tuple[str, str]]) -> None:
    marked = _marked(parts)
    if isinstance(marked, str):
        say(prefix + marked)
    else:
        console.print(Text(prefix) + marked)


def edit_report(analysis: EditAnalysis) -> None:
    """`tidings diff`: the verdict, then each change with its class and the sentence around it."""
    from rules.render_edits import change_segments

    verdict = "substantive" if analysis.substantive else "cosmetic" if analysis.changes else "no change"
    say(f"{verdict}: {', '.join(analysis.classes) or '-'}")
    for change in analysis.changes:
        kind = "substantive" if change.substantive else "cosmetic"
        _print_marked(f"  {change.cls} ({kind}): ", change_segments(change))


def text_diff(header: str, parts: Sequence[tuple[str, str]]) -> None:
    """`tidings entries diff`: a header line, then the whole text with deletions and insertions marked."""
    say(header)
    marked = _marked(parts)
    if isinstance(marked, str):
        sys.stdout.write(marked if marked.endswith("\n") else marked + "\n")
        sys.stdout.flush()
    else:
        console.print(marked)


def entry_details(entry: EntryRow, versions: Sequence[VersionRow], found: Sequence[EntryMatch]) -> None:
    """`tidings entries show`: metadata, versions with their class and times, matches with evidence and the
    alerts they sent, then the current text."""
    facts = [("id", str(entry.id)), ("url", entry.url), ("source", entry.source_id),
             ("language", entry.language or "-"), ("title", entry.title or "-"), ("published", entry.published or "-"),
             ("updated", entry.updated or "-"), ("first seen", when(entry.first_seen, seconds=True)),
             ("last seen", when(entry.last_seen, seconds=True)), ("next check", when(entry.next_check_at, never="-")),
             ("removed", when(entry.removed_at, never="no")),
             ("duplicate of", str(entry.duplicate_of) if entry.duplicate_of else "-")]
    for name, value in facts:
        say(f"{name + ':':<14}{value}")
    numbers = version_numbers(versions)
    table = Table("v", "id", "class", "fetched", "changes", box=None, title="versions")
    for row in versions:
        classes = ", ".join((row.analysis or {}).get("classes", ())) if row.analysis else ""
        table.add_row(str(numbers.get(row.id, "-")), str(row.id), row.change_class, when(row.fetched_at, seconds=True),
                      classes)
    console.print(table)
    matched = Table("rule", "kind", "v", "terms", "alerts", box=None, title="matches")
    for item in found:
        terms = ", ".join(dict.fromkeys(str(e.get("text") or e.get("term")) for e in item.evidence))
        sent = "; ".join(f"{channel} {status}" + (f" {when(at)}" if at else "") for channel, status, at in item.alerts)
        matched.add_row(item.rule, item.kind, str(numbers.get(item.version_id, "-")), terms or "-", sent or "-")
    console.print(matched)
    say("--- current text ---")
    article_text(entry.text if entry.text.endswith("\n") else entry.text + "\n")


def version_numbers(versions: Sequence[VersionRow]) -> dict[int, int]:
    """Version id -> its number (1, 2, ...) among the versions with text; markers have none."""
    texts = [row for row in versions if not row.is_marker]
    return {row.id: index for index, row in enumerate(texts, start=1)}
