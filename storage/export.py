"""Export entries as seed-schema text files with a manifest, as JSON Lines, or as CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from storage.dedup import url_key
from storage.records import EntryRow

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
