"""Exports: seed-schema files with a manifest, JSONL, CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from storage import ArticleRecord, EntryRow, Store
from storage.dedup import canonical_url, content_hash, url_key
from storage.export import export_csv, export_jsonl, export_seed

SEEN = datetime(2025, 12, 2, 12, 30, tzinfo=UTC)


def entry_row(i: int, text: str) -> EntryRow:
    url = f"https://www.mofa.gov.tw/News_Content.aspx?s={i}"
    return EntryRow(
        id=i,
        canonical_url=canonical_url(url),
        url=url,
        source_id="mofa-zh",
        language="zh",
        title=text.splitlines()[0],
        author=None,
        published="2025-12-02T20:18+08:00",
        updated=None,
        first_seen=SEEN,
        last_seen=SEEN,
        duplicate_of=None,
        text=text,
        content_hash=content_hash(text),
        version_count=1,
    )


ROWS = [entry_row(1, "外交部新聞稿\n2025-12-02T20:18+08:00\n第一段。"), entry_row(2, 'Title, "quoted"\nbody')]


def test_export_seed_files_and_manifest(tmp_path: Path) -> None:
    files = export_seed(ROWS, tmp_path / "out")
    assert [f.name for f in files] == [f"000_{url_key(ROWS[0].url)}.txt", f"001_{url_key(ROWS[1].url)}.txt"]
    assert files[0].read_bytes() == ROWS[0].text.encode("utf-8")
    manifest = [
        json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text("utf-8").splitlines()
    ]
    assert manifest[0] == {
        "file": files[0].name,
        "url": ROWS[0].url,
        "source": "mofa-zh",
        "language": "zh",
        "title": "外交部新聞稿",
        "published": "2025-12-02T20:18+08:00",
        "updated": None,
        "fetched": "2025-12-02T12:30:00+00:00",
        "content_hash": ROWS[0].content_hash,
        "story_id": None,
    }


def test_export_jsonl_and_csv(tmp_path: Path) -> None:
    stream = io.StringIO()
    assert export_jsonl(ROWS, stream) == 2
    assert [json.loads(line)["text"] for line in stream.getvalue().splitlines()] == [r.text for r in ROWS]
    assert export_csv(ROWS, tmp_path / "e.csv") == 2
    with (tmp_path / "e.csv").open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert [r["text"] for r in records] == [r.text for r in ROWS] and records[1]["title"] == 'Title, "quoted"'


def test_export_from_store(store: Store, tmp_path: Path) -> None:
    store.ensure_source("mofa-zh", kind="rss", settings_hash="h")
    with store.unit_of_work() as uow:
        for row in ROWS:
            rec = ArticleRecord("mofa-zh", row.url, row.canonical_url, row.title, row.text, fetched_at=SEEN)
            uow.save_article(rec, now=SEEN)
    files = export_seed(store.list_entries(limit=None), tmp_path)
    assert sorted(f.read_text("utf-8") for f in files) == sorted(r.text for r in ROWS)
