"""The value of an edit analysis: the classes found, whether the edit matters, and each change with its context.

>>> analysis = EditAnalysis.of([Change.of("number", "3", "4", "In 3 days.", "In 4 days.", 0, 0)])
>>> analysis.substantive, analysis.classes
(True, ('number',))
>>> EditAnalysis.from_json(analysis.to_json()) == analysis
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

EditClass = Literal[
    "number", "date", "entity", "negation", "modality", "quote", "sentence_added", "sentence_removed",
    "paragraph_added", "paragraph_removed", "title", "wording", "attachment",
    "whitespace", "width", "punctuation", "case", "split_merge", "typo", "boilerplate",
]
EDIT_CLASSES: tuple[EditClass, ...] = get_args(EditClass)
_COSMETIC_FROM = EDIT_CLASSES.index("whitespace")  # the substantive classes come first, then the cosmetic ones
SUBSTANTIVE_CLASSES: frozenset[EditClass] = frozenset(EDIT_CLASSES[:_COSMETIC_FROM])
COSMETIC_CLASSES: frozenset[EditClass] = frozenset(EDIT_CLASSES[_COSMETIC_FROM:])
FileChangeKind = Literal["edited", "removed"]
FILE_CHANGE_KINDS: tuple[FileChangeKind, ...] = get_args(FileChangeKind)


def edit_class(name: str) -> EditClass:
    """Check a class name read from JSON or a config.

    >>> edit_class("typo")
    'typo'
    """
    for known in EDIT_CLASSES:
        if known == name:
            return known
    raise ValueError(f"unknown edit class {name!r}; known: {', '.join(EDIT_CLASSES)}")


@dataclass(frozen=True)
class Change:
    """One classified change: the old and new spans, the sentence around each, and where they are.

    ``old_paragraph`` / ``new_paragraph`` count the body lines of each version from 0 (after the title and the
    date line; boilerplate lines count); None for the title, the date line, or the side where the text is absent.
    """

    cls: EditClass
    old: str
    new: str
    substantive: bool
    old_context: str
    new_context: str
    old_paragraph: int | None = None
    new_paragraph: int | None = None

    @classmethod
    def of(cls, kind: EditClass, old: str, new: str, old_context: str = "", new_context: str = "",
           old_paragraph: int | None = None, new_paragraph: int | None = None) -> Change:
        """A change whose ``substantive`` flag follows from its class."""
        return cls(kind, old, new, kind in SUBSTANTIVE_CLASSES, old_context, new_context, old_paragraph,
                   new_paragraph)

    def to_json(self) -> dict[str, Any]:
        return {
            "class": self.cls, "old": self.old, "new": self.new, "old_context": self.old_context,
            "new_context": self.new_context, "old_paragraph": self.old_paragraph,
            "new_paragraph": self.new_paragraph,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls.of(
            edit_class(str(data["class"])), str(data.get("old", "")), str(data.get("new", "")),
            str(data.get("old_context", "")), str(data.get("new_context", "")),
            _optional_int(data.get("old_paragraph")), _optional_int(data.get("new_paragraph")),
        )


@dataclass(frozen=True)
class FileChange:
    """An attached file that changed ("edited": a new text) or was taken down ("removed"), by URL and name."""

    url: str
    name: str
    kind: FileChangeKind

    def to_json(self) -> dict[str, str]:
        return {"url": self.url, "name": self.name, "kind": self.kind}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FileChange:
        for kind in FILE_CHANGE_KINDS:
            if kind == data["kind"]:
                return cls(str(data["url"]), str(data.get("name", "")), kind)
        raise ValueError(f"unknown file change {data['kind']!r}; known: {', '.join(FILE_CHANGE_KINDS)}")


@dataclass(frozen=True)
class EditAnalysis:
    """What an edit changed: ``classes`` sorted and unique, ``substantive`` if any class is substantive.

    ``classes`` names the class of every change, and also every other class that applies to a change (a number
    changed inside a quotation is a change of class "number"; ``classes`` has both "number" and "quote"), so a
    rule that fires on "quote" sees it. Cosmetic changes are listed up to a cap per class (their class is in
    ``classes`` either way); substantive changes are always all listed. ``files`` names the attached files that
    an edit of the entry's files changed or took down (with the class "attachment"); a page's own edit has none.
    """

    substantive: bool
    classes: tuple[EditClass, ...]
    changes: tuple[Change, ...]
    files: tuple[FileChange, ...] = ()

    @classmethod
    def of(cls, changes: Iterable[Change], extra_classes: Iterable[EditClass] = (),
           files: Iterable[FileChange] = ()) -> EditAnalysis:
        listed, named = tuple(changes), tuple(files)
        found: set[EditClass] = {change.cls for change in listed} | set(extra_classes)
        if named:
            found.add("attachment")
        classes = tuple(sorted(found))
        return cls(any(name in SUBSTANTIVE_CLASSES for name in classes), classes, listed, named)

    def to_json(self) -> dict[str, Any]:
        """``{"substantive", "classes", "changes": [{"class", "old", "new", "old_context", "new_context", ...}]}``,
        and ``"files": [{"url", "name", "kind"}]`` when files changed."""
        data: dict[str, Any] = {
            "substantive": self.substantive,
            "classes": list(self.classes),
            "changes": [change.to_json() for change in self.changes],
        }
        if self.files:
            data["files"] = [item.to_json() for item in self.files]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EditAnalysis:
        changes = tuple(Change.from_json(item) for item in data.get("changes", ()))
        classes = tuple(sorted({edit_class(str(name)) for name in data.get("classes", ())}))
        substantive = any(name in SUBSTANTIVE_CLASSES for name in classes)
        files = tuple(FileChange.from_json(item) for item in data.get("files", ()))
        return cls(bool(data.get("substantive", substantive)), classes, changes, files)


def _optional_int(value: object) -> int | None:
    return None if value is None else int(cast(int, value))
