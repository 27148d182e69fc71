"""Storage of edits, re-checks, removals and restorations, on every configured database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from crawler.pipeline.changes import analyse
from storage import ArticleRecord, SaveOutcome, Store
from storage.engine import make_engine
from storage.migrate import alembic_config

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
URL = "https://www.cna.com.tw/news/a/1.aspx"
TEXT = "Taiwan exports rise\n2026-06-01\nExports rose 3 percent in May, the ministry said."


def record(text: str = TEXT, *, url: str = URL, updated: str | None = None) -> ArticleRecord:
    return ArticleRecord(source_id="cna", url=url, canonical_url=url, title=text.split("\n")[0], text=text,
                         updated=updated, fetched_at=NOW)


def save(store: Store, rec: ArticleRecord, now: datetime = NOW, first_check: datetime | None = None) -> SaveOutcome:
    with store.unit_of_work() as uow:
        return uow.save_article(rec, now=now, analyse=analyse, next_check_at=first_check)


@pytest.fixture
def cna(store: Store) -> Store:
    store.ensure_source("cna", kind="cna", settings_hash="x")
    return store


def test_an_edit_keeps_its_class_and_analysis(cna: Store) -> None:
    save(cna, record())
    edited = save(cna, record(TEXT.replace("3 percent", "5 percent")))
    assert (edited.kind, edited.change_class, edited.substantive, edited.classes) == (
        "edited", "substantive", True, ("number",))
    versions = cna.entry_versions(edited.entry_id)
    assert [v.change_class for v in versions] == ["initial", "substantive"]
    assert versions[-1].analysis is not None
    assert [(c["class"], c["old"], c["new"]) for c in versions[-1].analysis["changes"]] == [("number", "3", "5")]


def test_a_new_updated_date_alone_is_no_edit(cna: Store) -> None:
    first = save(cna, record())
    again = save(cna, record(updated="2026-06-02"), NOW + timedelta(hours=1))
    assert again.kind == "unchanged" and again.version_id == first.version_id
    entry = cna.get_entry(first.entry_id)
    assert entry is not None and entry.updated == "2026-06-02" and entry.version_count == 1


def test_recheck_due_in_due_order_within_the_budget(cna: Store) -> None:
    for index in range(3):
        save(cna, record(f"t{index}\nbody {index}", url=f"{URL}?n={index}"),
             first_check=NOW + timedelta(minutes=15 - index))
    assert cna.recheck_due("cna", now=NOW, limit=20) == []
    due = cna.recheck_due("cna", now=NOW + timedelta(minutes=20), limit=2)
    assert [row.url for row in due] == [f"{URL}?n=2", f"{URL}?n=1"]
    assert cna.recheck_due("cna", now=NOW + timedelta(minutes=20), limit=0) == []
    with cna.unit_of_work() as uow:
        uow.schedule_recheck(due[0].entry_id, None)  # the schedule is done
    assert [row.url for row in cna.recheck_due("cna", now=NOW + timedelta(days=9), limit=20)] == [
        f"{URL}?n=1", f"{URL}?n=0"]


def test_gone_twice_is_removed_once_and_back_is_restored(cna: Store) -> None:
    entry_id = save(cna, record(), first_check=NOW + timedelta(minutes=15)).entry_id
    later = NOW + timedelta(hours=1)
    with cna.unit_of_work() as uow:
        assert uow.record_gone(entry_id, now=later, next_check_at=None).kind == "suspect"
    assert [row.entry_id for row in cna.recheck_due("cna", now=later, limit=5)] == [entry_id]  # look again
    with cna.unit_of_work() as uow:
        removed = uow.record_gone(entry_id, now=later + timedelta(minutes=15), next_check_at=later + timedelta(hours=3))
        assert removed.kind == "removed" and removed.version_id is not None
        assert uow.record_gone(entry_id, now=later + timedelta(hours=3), next_check_at=None).kind == "already_removed"
    entry = cna.get_entry(entry_id)
    assert entry is not None and entry.removed_at is not None and entry.text == TEXT  # the last real text
    assert entry.version_count == 1
    back = save(cna, record(TEXT.replace("3 percent", "4 percent")), later + timedelta(days=1))
    assert back.kind == "edited" and back.restored
    classes = [v.change_class for v in cna.entry_versions(entry_id)]
    assert classes == ["initial", "removed", "restored", "substantive"]
    restored = cna.get_entry(entry_id)
    assert restored is not None and restored.removed_at is None


def test_a_removed_page_back_unchanged_is_restored(cna: Store) -> None:
    entry_id = save(cna, record()).entry_id
    with cna.unit_of_work() as uow:
        uow.record_gone(entry_id, now=NOW, next_check_at=None)
        uow.record_gone(entry_id, now=NOW + timedelta(minutes=1), next_check_at=None)
    back = save(cna, record(), NOW + timedelta(hours=1))
    assert (back.kind, back.restored) == ("restored", True)
    with cna.unit_of_work() as uow:
        assert uow.record_back(entry_id, now=NOW + timedelta(hours=2)) is None  # not removed any more


def test_the_migration_turns_minor_into_cosmetic_and_schedules_recent_entries(database_url: str) -> None:
    from alembic import command

    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0004")
            recent = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2)
            conn.execute(text("INSERT INTO source (id, kind, settings_hash) VALUES ('cna', 'cna', 'x')"))
            for entry_id, seen in ((1, recent), (2, recent - timedelta(days=30))):
                conn.execute(text(
                    "INSERT INTO entry (id, canonical_url, url, source_id, first_seen, last_seen) "
                    "VALUES (:id, :url, :url, 'cna', :seen, :seen)"),
                    {"id": entry_id, "url": f"u{entry_id}", "seen": seen})
                conn.execute(text(
                    "INSERT INTO version (entry_id, content_hash, text, fetched_at, change_class) "
                    "VALUES (:id, :hash, 't', :seen, 'minor')"), {"id": entry_id, "hash": f"h{entry_id}", "seen": seen})
            command.upgrade(alembic_config(conn), "head")
            classes = conn.execute(text("SELECT DISTINCT change_class FROM version")).scalars().all()
            scheduled = dict(conn.execute(text("SELECT id, next_check_at FROM entry")).all())
    finally:
        engine.dispose()
    assert classes == ["cosmetic"]
    assert scheduled[1] is not None and scheduled[2] is None
