"""The parts of an alert message that say what changed: the diff of an edit (old → new of each substantive
change, in the sentence around it) and the notice of a removal. Page text is untrusted: every piece is escaped
for the format, and the whole is bounded.

>>> from rules.edits import analyse_edit
>>> analysis = analyse_edit("T\\nExports rose 3% in May.", "T\\nExports rose 5% in May.")
>>> print(edit_diff(analysis, "text"))
number: Exports rose [-3-]{+5+}% in May.
>>> print(edit_diff(analysis, "markdown"))
number: Exports rose ~~3~~ → **5**% in May.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any, Literal

from rules.edits import Change, EditAnalysis, FileChange
from rules.edits.inline import Segment
from rules.safetext import neutralise_mentions, visible_controls

Format = Literal["text", "markdown", "html"]
DIFF_CHARS = 1500  # the diff part of one message, at most (then "… and N more changes")
MAX_CHANGES = 8
SIDE_CHARS = 140  # context kept on each side of a change in its sentence
SPAN_CHARS = 300  # of an old or new span (a removed paragraph is shown by its start)
LAST_TEXT_CHARS = 400
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


def escape(text: str, fmt: Format) -> str:
    """``text`` made inert for the format (HTML entities; Markdown punctuation), controls visible and mass
    mentions neutralised (rules.safetext)."""
    text = _safe(text)
    if fmt == "html":
        return html.escape(text)
    if fmt == "markdown":
        return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text


def _safe(text: str) -> str:
    return neutralise_mentions(visible_controls(text))


def deleted(text: str, fmt: Format) -> str:
    """Old text, marked as deleted: ``<del>``, ~~strike~~, or ``[-...-]``."""
    if not text:
        return ""
    if fmt == "html":
        return f"<del>{escape(text, fmt)}</del>"
    if fmt == "markdown":
        return f"~~{escape(text, fmt)}~~"
    return f"[-{_safe(text)}-]"


def inserted(text: str, fmt: Format) -> str:
    """New text, marked as inserted: ``<ins>``, **bold**, or ``{+...+}``."""
    if not text:
        return ""
    if fmt == "html":
        return f"<ins>{escape(text, fmt)}</ins>"
    if fmt == "markdown":
        return f"**{escape(text, fmt)}**"
    return f"{{+{_safe(text)}+}}"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _clip_span(text: str) -> str:
    return text if len(text) <= SPAN_CHARS else text[: SPAN_CHARS - 1] + "…"


def _clip_left(text: str) -> str:
    return text if len(text) <= SIDE_CHARS else "…" + text[-SIDE_CHARS:]


def _clip_right(text: str) -> str:
    return text if len(text) <= SIDE_CHARS else text[:SIDE_CHARS] + "…"


def change_segments(change: Change) -> list[Segment]:
    """One change in the sentence around it, as segments: the context ("equal"), the old span ("delete") and
    the new one ("insert"); bounded (the context by SIDE_CHARS each side, each span by SPAN_CHARS)."""
    context, piece = (_flat(change.new_context), _flat(change.new)) if change.new else (
        _flat(change.old_context), _flat(change.old))
    replaced: list[Segment] = []
    if _flat(change.old):
        replaced.append(("delete", _clip_span(_flat(change.old))))
    if _flat(change.new):
        replaced.append(("insert", _clip_span(_flat(change.new))))
    at = context.find(piece) if piece else -1
    if at < 0:
        return replaced
    before, after = _clip_left(context[:at]), _clip_right(context[at + len(piece):])
    return [segment for segment in [("equal", before), *replaced, ("equal", after)] if segment[1]]


def segments_text(segments: list[Segment], fmt: Format) -> str:
    """Segments in a format: deletions and insertions marked, everything escaped."""
    out: list[str] = []
    for index, (kind, text) in enumerate(segments):
        if kind == "equal":
            out.append(escape(text, fmt))
        elif kind == "delete":
            out.append(deleted(text, fmt))
        else:
            follows_deletion = index > 0 and segments[index - 1][0] == "delete"
            out.append((" → " if fmt == "markdown" and follows_deletion else "") + inserted(text, fmt))
    return "".join(out)


def change_line(change: Change, fmt: Format) -> str:
    """One change: its class, then the sentence around it with the old span deleted and the new one inserted."""
    return f"{escape(change.cls.replace('_', ' '), fmt)}: {segments_text(change_segments(change), fmt)}"


def file_line(change: FileChange, fmt: Format) -> str:
    """``attachment taken down: Annex (PDF) <https://…/annex.pdf>`` (or ``changed``), escaped for the format."""
    verb = "taken down" if change.kind == "removed" else "changed"
    return escape(f"attachment {verb}: {_clip_span(_flat(change.name or change.url))} <{change.url}>", fmt)


def edit_diff(analysis: EditAnalysis, fmt: Format, limit: int = DIFF_CHARS) -> str:
    """The files an edit changed or took down, then its substantive changes (else all of them), one per line,
    within ``limit`` characters.

    >>> from rules.edits import FileChange
    >>> print(edit_diff(EditAnalysis.of([], files=[FileChange("https://x.tw/a.pdf", "Annex", "removed")]), "text"))
    attachment taken down: Annex <https://x.tw/a.pdf>
    """
    changes = [change for change in analysis.changes if change.substantive] or list(analysis.changes)
    lines = [file_line(item, fmt) for item in analysis.files[:MAX_CHANGES]]
    used, shown = sum(map(len, lines)), 0
    for change in changes[:MAX_CHANGES]:
        line = change_line(change, fmt)
        if lines and used + len(line) > limit:
            break
        lines.append(line)
        used, shown = used + len(line), shown + 1
    if left := len(changes) - shown:
        lines.append(escape(f"… and {left} more change{'s' if left > 1 else ''}", fmt))
    return ("<br>\n" if fmt == "html" else "\n").join(lines)


def analysis_of(data: Mapping[str, Any] | None) -> EditAnalysis | None:
    """The stored analysis JSON as a value; None when there is none (or it cannot be read)."""
    if not data:
        return None
    try:
        return EditAnalysis.from_json(data)
    except (KeyError, TypeError, ValueError):
        return None


def removal_notice(title: str, first_seen: str | None, body: str, fmt: Format) -> str:
    """"taken down: <title>, first seen …, last text …" (the last text's first lines, bounded)."""
    lines = [line for line in body.split("\n") if line.strip()][:3]
    last = " ".join(lines)
    last = last if len(last) <= LAST_TEXT_CHARS else last[: LAST_TEXT_CHARS - 1] + "…"
    text = f"taken down: {title}, first seen {first_seen or 'unknown'}, last text: {last or '(empty)'}"
    return escape(text, fmt)
