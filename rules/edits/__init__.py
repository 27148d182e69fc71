"""Edit analysis (issue #12): what changed between two versions of a page, and whether it matters.

Pure functions, no I/O. ``analyse_edit(old, new)`` returns an ``EditAnalysis``: the classes found, ``substantive``,
and every change with its old and new spans and the sentence around each.

>>> analyse_edit("Title\\nTaiwan will sign the pact.", "Title\\nTaiwan discussed the pact.").classes
('modality',)
"""

from rules.edits.analyse import analyse_edit
from rules.edits.files import analyse_file_edit, files_edit
from rules.edits.model import (
    COSMETIC_CLASSES,
    EDIT_CLASSES,
    SUBSTANTIVE_CLASSES,
    Change,
    EditAnalysis,
    EditClass,
    FileChange,
    edit_class,
)

__all__ = [
    "COSMETIC_CLASSES",
    "EDIT_CLASSES",
    "SUBSTANTIVE_CLASSES",
    "Change",
    "EditAnalysis",
    "EditClass",
    "FileChange",
    "analyse_edit",
    "analyse_file_edit",
    "edit_class",
    "files_edit",
]
