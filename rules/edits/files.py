"""The edit of an entry's attached files: a file's new text analysed like a page edit, a removed file named.

A file has no title or date line of its own, so its text is analysed as the body of a page under a fixed title:
its first line is compared as text, never as a title.

>>> edit = analyse_file_edit("Signed on 3 March.", "Signed on 4 March.")
>>> edit.substantive, edit.classes
(True, ('number',))
>>> files = files_edit([(FileChange("https://example.org/mou.pdf", "MOU (PDF)", "edited"), edit)],
...                    [FileChange("https://example.org/annex.pdf", "Annex", "removed")])
>>> files.classes, [item.kind for item in files.files]
(('attachment', 'number'), ['edited', 'removed'])
"""

from __future__ import annotations

from collections.abc import Iterable

from rules.edits.analyse import analyse_edit
from rules.edits.model import Change, EditAnalysis, EditClass, FileChange

_TITLE = "attachment"  # the same on both sides: never a change


def analyse_file_edit(old_text: str, new_text: str) -> EditAnalysis:
    """What changed in one file's text, analysed as a page edit of its body."""
    return analyse_edit(f"{_TITLE}\n{old_text}", f"{_TITLE}\n{new_text}")


def files_edit(edited: Iterable[tuple[FileChange, EditAnalysis]], removed: Iterable[FileChange]) -> EditAnalysis:
    """One edit of the entry for the files that changed while its page stayed the same: every edited file's
    changes and classes, every file named (edited ones first), and the class "attachment"."""
    changes: list[Change] = []
    classes: set[EditClass] = set()
    files: list[FileChange] = []
    for change, analysis in edited:
        files.append(change)
        changes.extend(analysis.changes)
        classes.update(analysis.classes)
    files.extend(removed)
    return EditAnalysis.of(changes, classes, files)
