"""Export entries as seed-schema text files with a manifest, as JSON Lines, or as CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from storage.dedup import url_key
from storage.records import EntryRow, VersionRow

MANIFEST = "manifest.jsonl"
CSV_FIELDS = (
    "id",
    "url",
    "canonical_url",
    "source",
    "language",
    "title",
    "author",
    "published",
    "updated",
    "fetched",
    "last_seen",
    "duplicate_of",
    "story_id",
    "content_hash",
    "version_count",
    "text",
)


def _manifest_record(file_name: str, row: EntryRow) -> dict[str, Any]:
    return {
        "file": file_name,
        "url": row.url,
        "source": row.source_id,
        "language": row.language,
        "title": row.title,
        "published": row.published,
        "updated": row.updated,
        "fetched": row.first_seen.isoformat(),
        "content_hash": row.content_hash,
        "story_id": row.story_id,
    }


def _full_record(row: EntryRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "canonical_url": row.canonical_url,
        "source": row.source_id,
        "language": row.language,
        "title": row.title,
        "author": row.author,
        "published": row.published,
        "updated": row.updated,
        "fetched": row.first_seen.isoformat(),
        "last_seen": row.last_seen.isoformat(),
        "duplicate_of": row.duplicate_of,
        "story_id": row.story_id,
        "content_hash": row.content_hash,
        "version_count": row.version_count,
        "text": row.text,
    }


VERSION_FIELDS = (*CSV_FIELDS[:-2], "version", "version_id", "change_class", "classes", "version_fetched",
                  "version_hash", "text")


def _version_record(row: EntryRow, number: int | None, version: VersionRow) -> dict[str, Any]:
    """An entry's facts with one of its versions (``number`` counts the versions with text; None for markers)."""
    record = {key: value for key, value in _full_record(row).items() if key not in ("text", "version_count")}
    return {
        **record, "version": number, "version_id": version.id,
        "change_class": version.change_class, "classes": list((version.analysis or {}).get("classes", ())),
        "version_fetched": version.fetched_at.isoformat(), "version_hash": version.content_hash,
        "text": version.text,
    }


def _numbered(versions: Iterable[VersionRow]) -> Iterator[tuple[int | None, VersionRow]]:
    number = 0
    for version in versions:
        if version.is_marker:
            yield None, version
        else:
            number += 1
            yield number, version


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def export_seed(entries: Iterable[EntryRow], out_dir: Path) -> list[Path]:
    """Write ``NNN_<url_key>.txt`` per entry (in the given order) and ``manifest.jsonl``; return the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with (out_dir / MANIFEST).open("w", encoding="utf-8", newline="\n") as manifest:
        for index, row in enumerate(entries):
            path = out_dir / f"{index:03d}_{url_key(row.canonical_url)}.txt"
            path.write_text(row.text, encoding="utf-8", newline="\n")
            manifest.write(_json_line(_manifest_record(path.name, row)))
            written.append(path)
    return written


@contextmanager
def _text_out(target: Path | TextIO, *, newline: str) -> Iterator[TextIO]:
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline=newline) as stream:
            yield stream
    else:
        yield target


def export_jsonl(entries: Iterable[EntryRow], target: Path | TextIO) -> int:
    """Write one JSON object per entry (text included) to a path or an open text stream; return the count."""
    count = 0
    with _text_out(target, newline="\n") as stream:
        for row in entries:
            stream.write(_json_line(_full_record(row)))
            count += 1
    return count


def export_csv(entries: Iterable[EntryRow], target: Path | TextIO) -> int:
    """Write a CSV with a header row (text included) to a path or an open text stream; return the count."""
    count = 0
    with _text_out(target, newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in entries:
            writer.writerow(_full_record(row))
            count += 1
    return count


def export_versions_seed(
    entries: Iterable[EntryRow], versions: Mapping[int, list[VersionRow]], out_dir: Path
) -> list[Path]:
    """Write ``NNN_<url_key>_vK.txt`` for every version with text of every entry (entries numbered in the given
    order, versions from 1) and ``manifest.jsonl`` with one row per file (its version and class)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with (out_dir / MANIFEST).open("w", encoding="utf-8", newline="\n") as manifest:
        for index, row in enumerate(entries):
            for number, version in _numbered(versions.get(row.id, [])):
                if number is None:
                    continue
                path = out_dir / f"{index:03d}_{url_key(row.canonical_url)}_v{number}.txt"
                path.write_text(version.text, encoding="utf-8", newline="\n")
                record = {**_manifest_record(path.name, row), "content_hash": version.content_hash,
                          "version": number, "change_class": version.change_class,
                          "version_fetched": version.fetched_at.isoformat()}
                manifest.write(_json_line(record))
                written.append(path)
    return written


def export_versions_jsonl(
    entries: Iterable[EntryRow], versions: Mapping[int, list[VersionRow]], target: Path | TextIO
) -> int:
    """One JSON object per version (markers of removals and restorations included); return the count."""
    count = 0
    with _text_out(target, newline="\n") as stream:
        for row in entries:
            for number, version in _numbered(versions.get(row.id, [])):
                stream.write(_json_line(_version_record(row, number, version)))
                count += 1
    return count


def export_versions_csv(
    entries: Iterable[EntryRow], versions: Mapping[int, list[VersionRow]], target: Path | TextIO
) -> int:
    """A CSV with one row per version (classes joined by spaces); return the count."""
    count = 0
    with _text_out(target, newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=VERSION_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in entries:
            for number, version in _numbered(versions.get(row.id, [])):
                record = _version_record(row, number, version)
                writer.writerow({**record, "classes": " ".join(record["classes"])})
                count += 1
    return count
