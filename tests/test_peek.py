"""`storage.peek`: the source states `tidings sources list` reads without SQLAlchemy equal the Store's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import Store
from storage.peek import change_counts, publication_times, source_states


def test_peek_reads_what_the_store_wrote(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tidings.db'}"
    assert source_states(url) == []  # no file yet: no states, and no file is created
    assert not (tmp_path / "tidings.db").exists()
    now = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    with Store.open(url) as store:
        store.ensure_source("a", kind="builtin", settings_hash="h1")
        store.ensure_source("b", kind="custom", settings_hash="h2")
        assert store.claim_source("b", "me", now=now, lease_seconds=60)
        store.record_source_result("a", ok=False, error="down: x", degraded=True, now=now,
                                   next_due_at=now + timedelta(minutes=5))
        expected = store.source_states()
    assert source_states(url) == expected
    assert expected[0].next_due_at == now + timedelta(minutes=5)


def test_peek_leaves_other_databases_to_the_store(tmp_path: Path) -> None:
    assert source_states("postgresql+psycopg://u@127.0.0.1/db") is None
    assert source_states("sqlite:///:memory:") is None
    (tmp_path / "x.db").write_bytes(b"not a database at all, just bytes of some length" * 20)
    assert source_states(f"sqlite:///{tmp_path / 'x.db'}") is None


def test_peek_counts_versions_by_class_like_the_store(tmp_path: Path) -> None:
    from storage import ArticleRecord

    url = f"sqlite:///{tmp_path / 'tidings.db'}"
    now = datetime(2026, 1, 2, tzinfo=UTC)
    with Store.open(url) as store:
        store.ensure_source("a", kind="builtin", settings_hash="h1")
        for text in ("T\nOne.", "T\nTwo."):
            with store.unit_of_work() as uow:
                uow.save_article(ArticleRecord(source_id="a", url="https://a.tw/1", canonical_url="https://a.tw/1",
                                               title="T", text=text, fetched_at=now), now=now)
        expected = store.change_counts()
    assert change_counts(url) == expected == {"a": {"initial": 1, "substantive": 1}}
    assert change_counts("postgresql+psycopg://u@127.0.0.1/db") is None


def test_peek_reads_publication_times_with_each_source_s_first_sighting_like_the_store(tmp_path: Path) -> None:
    """Adaptive polling learns from (source, published, first seen, the source's first sighting): the last says
    which pages the source's first run found (their first sighting says nothing of when they were published)."""
    from storage import ArticleRecord

    url = f"sqlite:///{tmp_path / 'tidings.db'}"
    start = datetime(2026, 1, 2, tzinfo=UTC)
    with Store.open(url) as store:
        for source in ("a", "b"):
            store.ensure_source(source, kind="builtin", settings_hash="h")
        for n, (source, days) in enumerate([("a", 0), ("a", 3), ("b", 1), ("b", 40)]):
            seen = start + timedelta(days=days)
            with store.unit_of_work() as uow:
                uow.save_article(ArticleRecord(source_id=source, url=f"https://a.tw/{n}", title="T",
                                               canonical_url=f"https://a.tw/{n}", text=f"T\nText {n}.",
                                               published="2026-01-02" if n else None, fetched_at=seen), now=seen)
        expected = store.publication_times(since=start + timedelta(days=2))
    assert sorted(publication_times(url, since=start + timedelta(days=2)) or []) == sorted(expected)
    assert sorted(expected) == [("a", "2026-01-02", start + timedelta(days=3), start),
                                ("b", "2026-01-02", start + timedelta(days=40), start + timedelta(days=1))]
