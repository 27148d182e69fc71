"""Store behaviour on every configured database (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import pytest
from sqlalchemy import create_engine, inspect

from crawler.pipeline.changes import analyse
from storage import (
    ALERT_STATUSES,
    AlertStatus,
    ArticleRecord,
    DatabaseLockedError,
    HealthAlert,
    InvalidValueError,
    MatchAlert,
    MatchRecord,
    RunStats,
    SaveOutcome,
    Store,
    UnknownRowError,
    single_daemon_lock,
    sqlite_file,
)
from storage.dedup import canonical_url
from storage.schema import metadata

NOW = datetime(2025, 12, 2, 12, 0, tzinfo=UTC)
TEXT = "Taiwan and Indonesia sign AI cooperation pact\n2025-12-02\nThe two sides agreed to cooperate on AI."


def article(url: str, text: str = TEXT, *, source_id: str = "mofa", **fields: Any) -> ArticleRecord:
    fields.setdefault("title", text.splitlines()[0])
    return ArticleRecord(
        source_id=source_id,
        url=url,
        canonical_url=canonical_url(url),
        text=text,
        fetched_at=NOW,
        **fields,
    )


def save(store: Store, rec: ArticleRecord, now: datetime = NOW) -> SaveOutcome:
    with store.unit_of_work() as uow:
        return uow.save_article(rec, now=now, analyse=analyse)


@pytest.fixture
def src(store: Store) -> Store:
    """The store with sources 'mofa' and 'cna'."""
    store.ensure_source("mofa", kind="rss", settings_hash="h1")
    store.ensure_source("cna", kind="list", settings_hash="h2")
    return store


def match_and_alert(store: Store, outcome: SaveOutcome, channel: str = "console", due: datetime = NOW) -> int:
    assert outcome.version_id is not None
    with store.unit_of_work() as uow:
        match_id = uow.add_match(MatchRecord(outcome.entry_id, outcome.version_id, "ai", "new", []), now=NOW)
        assert match_id is not None
        assert uow.enqueue_alert(match_id, channel, mode="instant", due_at=due, now=NOW)
    return match_id


# --- entries ------------------------------------------------------------------------------------------------


def test_new_unchanged_edited(src: Store) -> None:
    first = save(src, article("https://mofa.gov.tw/a?id=1"))
    assert (first.kind, first.change_class) == ("new", "initial")
    later = NOW + timedelta(hours=1)
    again = save(src, article("https://mofa.gov.tw/a?id=1"), later)
    assert again == SaveOutcome("unchanged", first.entry_id, first.version_id)
    assert src.get_entry(first.entry_id).last_seen == later  # type: ignore[union-attr]
    edited = save(src, article("https://mofa.gov.tw/a?id=1", TEXT + "\nA new paragraph on chips was added."))
    assert edited.kind == "edited" and edited.entry_id == first.entry_id
    assert edited.version_id != first.version_id and edited.change_class == "substantive"
    assert src.count_entries() == 1


def test_canonical_url_dedup(src: Store) -> None:
    first = save(src, article("https://mofa.gov.tw/news?b=2&a=1"))
    for variant in (
        "HTTPS://MOFA.gov.tw/news?a=1&b=2#top",
        "https://mofa.gov.tw:443/news?utm_source=x&a=1&b=2&fbclid=y",
    ):
        assert save(src, article(variant)).kind == "unchanged"
    assert src.known_urls([canonical_url("https://mofa.gov.tw/news?a=1&b=2"), "https://other/"]) == {
        canonical_url("https://mofa.gov.tw/news?a=1&b=2")
    }
    assert src.count_entries() == 1 and first.kind == "new"


def test_duplicate_content_under_another_url(src: Store) -> None:
    original = save(src, article("https://mofa.gov.tw/a"))
    dup = save(src, article("https://cna.com.tw/b", source_id="cna"))
    assert dup.kind == "duplicate" and dup.duplicate_of == original.entry_id
    assert [e.id for e in src.list_entries()] == [original.entry_id]
    assert {e.id for e in src.list_entries(include_duplicates=True)} == {original.entry_id, dup.entry_id}


def test_version_history_and_revert(src: Store) -> None:
    url = "https://mofa.gov.tw/a"
    texts = [TEXT, TEXT + "\nSecond paragraph about semiconductors.", TEXT]
    outcomes = [save(src, article(url, text)) for text in texts]
    assert [o.kind for o in outcomes] == ["new", "edited", "edited"]
    assert outcomes[2].version_id == outcomes[0].version_id  # A→B→A makes A current again
    versions = src.entry_versions(outcomes[0].entry_id)
    assert [v.change_class for v in versions] == ["initial", "substantive"]
    entry = src.get_entry(outcomes[0].entry_id)
    assert entry is not None and entry.text == TEXT and entry.version_count == 2


def test_cosmetic_edit(src: Store) -> None:
    save(src, article("https://mofa.gov.tw/a"))
    cosmetic = save(src, article("https://mofa.gov.tw/a", TEXT.replace("agreed", "Agreed").replace(".", " .")))
    assert (cosmetic.kind, cosmetic.change_class, cosmetic.substantive) == ("edited", "cosmetic", False)
    assert "case" in cosmetic.classes
    stored = src.entry_versions(cosmetic.entry_id)[-1]
    assert stored.change_class == "cosmetic" and stored.analysis == cosmetic.analysis


def test_list_entries_order_filters_and_aware_times(src: Store) -> None:
    for i in range(3):
        save(src, article(f"https://mofa.gov.tw/{i}", f"text number {i}"), NOW + timedelta(minutes=i))
    save(src, article("https://cna.com.tw/x", "cna text", source_id="cna"), NOW + timedelta(minutes=9))
    assert [e.url for e in src.list_entries(source_id="mofa")] == [
        f"https://mofa.gov.tw/{i}" for i in (2, 1, 0)
    ]
    assert len(src.list_entries(since=NOW + timedelta(minutes=1))) == 3
    assert len(src.list_entries(limit=2)) == 2 and len(src.list_entries(limit=None)) == 4
    first = src.list_entries()[0]
    assert first.first_seen.tzinfo is not None and first.first_seen == NOW + timedelta(minutes=9)
    assert first.text == "cna text" and first.content_hash


def test_two_threads_racing_on_one_url_make_one_entry(src: Store) -> None:
    results = run_threads(8, lambda i: save(src, article("https://mofa.gov.tw/race", f"{TEXT} {i % 2}")))
    assert len({r.entry_id for r in results}) == 1 and src.count_entries() == 1
    assert sorted(r.kind for r in results)[0] in ("edited", "new")
    assert [r.kind for r in results].count("new") == 1


def run_threads(n: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def target(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_unit_of_work_rolls_back_on_error(src: Store) -> None:
    with pytest.raises(RuntimeError), src.unit_of_work() as uow:
        uow.save_article(article("https://mofa.gov.tw/a"), now=NOW)
        raise RuntimeError("boom")
    assert src.count_entries() == 0


# --- matches and the outbox ---------------------------------------------------------------------------------


def test_match_and_alert_are_unique(src: Store) -> None:
    outcome = save(src, article("https://mofa.gov.tw/a"))
    assert outcome.version_id is not None
    evidence = [{"term": "AI", "field": "title"}]
    with src.unit_of_work() as uow:
        match_id = uow.add_match(
            MatchRecord(outcome.entry_id, outcome.version_id, "ai", "new", evidence), now=NOW
        )
        assert match_id is not None
        assert (
            uow.add_match(MatchRecord(outcome.entry_id, outcome.version_id, "ai", "new", []), now=NOW) is None
        )
        assert uow.enqueue_alert(match_id, "slack", mode="instant", due_at=NOW, now=NOW)
        assert not uow.enqueue_alert(match_id, "slack", mode="instant", due_at=NOW, now=NOW)
        assert uow.enqueue_alert(match_id, "mail", mode="digest", due_at=NOW, now=NOW)
    claimed = src.claim_alerts("w1", now=NOW, limit=10, lease_seconds=60)
    assert {a.channel for a in claimed} == {"slack", "mail"}
    first = claimed[0]
    assert isinstance(first, MatchAlert)
    item = first.first
    assert item.evidence == evidence and item.text == TEXT and item.rule == "ai"
    assert item.source_id == "mofa" and item.url == "https://mofa.gov.tw/a" and first.attempts == 1


def test_claim_then_sent(src: Store) -> None:
    match_and_alert(src, save(src, article("https://mofa.gov.tw/a")), due=NOW + timedelta(minutes=5))
    assert src.claim_alerts("w", now=NOW, limit=10, lease_seconds=60) == []  # not due yet
    [pending] = src.claim_alerts("w", now=NOW + timedelta(minutes=5), limit=10, lease_seconds=60)
    assert src.claim_alerts("w2", now=NOW + timedelta(minutes=5), limit=10, lease_seconds=60) == []
    src.mark_sent(pending.alert_id, now=NOW)
    [row] = src.list_alerts(status="sent")
    assert row.sent_at == NOW and row.claimed_by is None and row.rule == "ai"
    assert src.alert_counts() == {"pending": 0, "sending": 0, "sent": 1, "dead": 0}


def test_failed_backoff_dead_and_retry(src: Store) -> None:
    match_and_alert(src, save(src, article("https://mofa.gov.tw/a")))
    [first] = src.claim_alerts("w", now=NOW, limit=1, lease_seconds=60)
    retry_at = NOW + timedelta(minutes=1)
    src.mark_failed(first.alert_id, error="timeout", now=NOW, next_attempt_at=retry_at)
    assert src.claim_alerts("w", now=NOW, limit=1, lease_seconds=60) == []
    [second] = src.claim_alerts("w", now=retry_at, limit=1, lease_seconds=60)
    assert second.attempts == 2
    src.mark_failed(second.alert_id, error="HTTP 500 from slack", now=retry_at, next_attempt_at=None)
    [dead] = src.list_alerts(status="dead")
    assert dead.last_error == "HTTP 500 from slack"
    assert src.retry_alerts(now=retry_at) == 1
    [again] = src.claim_alerts("w", now=retry_at, limit=1, lease_seconds=60)
    assert again.alert_id == first.alert_id and again.attempts == 1
    src.mark_sent(again.alert_id, now=retry_at)
    assert src.retry_alerts(now=retry_at, alert_ids=[again.alert_id]) == 1
    assert src.alert_counts()["pending"] == 1


def test_expired_claim_is_claimable_again(src: Store) -> None:
    match_and_alert(src, save(src, article("https://mofa.gov.tw/a")))
    [claimed] = src.claim_alerts("crashed", now=NOW, limit=5, lease_seconds=30)
    assert src.claim_alerts("w2", now=NOW + timedelta(seconds=29), limit=5, lease_seconds=30) == []
    [reclaimed] = src.claim_alerts("w2", now=NOW + timedelta(seconds=31), limit=5, lease_seconds=30)
    assert reclaimed.alert_id == claimed.alert_id and reclaimed.attempts == 2
    assert src.list_alerts()[0].claimed_by == "w2"


def test_concurrent_claimers_never_share_an_alert(src: Store) -> None:
    for i in range(40):
        match_and_alert(src, save(src, article(f"https://mofa.gov.tw/{i}", f"text {i}")))
    results = run_threads(
        6, lambda i: [a.alert_id for a in src.claim_alerts(f"w{i}", now=NOW, limit=5, lease_seconds=60)]
    )
    claimed = [alert_id for batch in results for alert_id in batch]
    assert len(claimed) == len(set(claimed)) == 30


def test_health_alert(src: Store) -> None:
    alert_id = src.enqueue_health_alert(
        source_id="mofa", channel="console", state="failing", error="DNS", now=NOW
    )
    [pending] = src.claim_alerts("w", now=NOW, limit=5, lease_seconds=60)
    assert isinstance(pending, HealthAlert) and pending.alert_id == alert_id
    assert (pending.source_id, pending.state, pending.error, pending.mode) == ("mofa", "failing", "DNS", "instant")
    [row] = src.list_alerts()
    assert row.match_id is None and row.rule is None
    assert row.payload == {"source": "mofa", "state": "failing", "error": "DNS"}


def test_a_claimed_match_alert_carries_its_entry_and_text(src: Store) -> None:
    outcome = save(src, article("https://mofa.gov.tw/a"))
    match_id = match_and_alert(src, outcome, channel="hook")
    [pending] = src.claim_alerts("w", now=NOW, limit=5, lease_seconds=60)
    assert isinstance(pending, MatchAlert)
    item = pending.first
    assert (item.match_id, item.entry_id, item.rule, item.kind) == (match_id, outcome.entry_id, "ai", "new")
    assert (pending.channel, pending.mode, pending.attempts, item.evidence) == ("hook", "instant", 1, [])
    assert (item.source_id, item.url, item.text) == ("mofa", "https://mofa.gov.tw/a", TEXT)
    assert len(pending.uid) == 36 and pending.head_uid is None


def test_values_outside_a_vocabulary_are_refused(src: Store) -> None:
    outcome = save(src, article("https://mofa.gov.tw/a"))
    assert outcome.version_id is not None
    lost: Any = "lost"  # what an unchecked caller might pass
    with pytest.raises(InvalidValueError, match="health state 'down'"):
        src.enqueue_health_alert(source_id="mofa", channel="console", state="down", error=None, now=NOW)
    with pytest.raises(InvalidValueError, match="alert status 'lost'; expected one of pending, sending, sent, dead"):
        src.list_alerts(status=lost)
    with src.unit_of_work() as uow, pytest.raises(InvalidValueError, match="match kind 'lost'"):
        uow.add_match(MatchRecord(outcome.entry_id, outcome.version_id, "ai", lost, []), now=NOW)
    with src.unit_of_work() as uow, pytest.raises(InvalidValueError, match="alert mode"):
        uow.enqueue_alert(1, "console", mode="weekly", due_at=NOW, now=NOW)


def test_alert_statuses_come_from_the_literal() -> None:
    assert ALERT_STATUSES == get_args(AlertStatus) == ("pending", "sending", "sent", "dead")


def test_alert_counts_name_every_status(src: Store) -> None:
    assert src.alert_counts() == dict.fromkeys(ALERT_STATUSES, 0)


def test_unknown_alert_is_an_error(src: Store) -> None:
    with pytest.raises(UnknownRowError, match="alert"):
        src.mark_sent(999, now=NOW)


# --- sources, leases, http state, runs ----------------------------------------------------------------------


def test_lease_claim_expiry_release(src: Store) -> None:
    assert src.claim_source("mofa", "a", now=NOW, lease_seconds=60)
    assert src.claim_source("mofa", "a", now=NOW, lease_seconds=60)  # already ours: renew
    assert not src.claim_source("mofa", "b", now=NOW + timedelta(seconds=59), lease_seconds=60)
    assert src.claim_source("mofa", "b", now=NOW + timedelta(seconds=61), lease_seconds=60)
    src.release_source("mofa", "a")  # not a's any more: no effect
    assert src.source_state("mofa").lease_owner == "b"  # type: ignore[union-attr]
    src.release_source("mofa", "b")
    assert src.claim_source("mofa", "c", now=NOW, lease_seconds=60)
    with pytest.raises(UnknownRowError, match="nosuch"):
        src.claim_source("nosuch", "a", now=NOW, lease_seconds=1)


def test_a_claim_returns_the_state_it_left(src: Store) -> None:
    src.record_source_result("mofa", ok=False, error="boom", degraded=False, now=NOW, next_due_at=None)
    state = src.claim_source_state("mofa", "a", now=NOW, lease_seconds=60)
    assert state is not None
    assert (state.lease_owner, state.consecutive_failures, state.last_error) == ("a", 1, "boom")
    assert state == src.source_state("mofa")
    assert src.claim_source_state("mofa", "b", now=NOW + timedelta(seconds=1), lease_seconds=60) is None


def test_ensure_source_asks_the_database_once_per_value(src: Store) -> None:
    from sqlalchemy import event

    sent: list[str] = []

    def count(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(src._engine, "before_cursor_execute", count)
    try:
        src.ensure_source("mofa", kind="rss", settings_hash="h1")  # as the fixture left it: nothing sent
        assert not [s for s in sent if "source" in s]
        src.ensure_source("mofa", kind="rss", settings_hash="h9")  # a changed profile is written
        assert [s for s in sent if s.startswith("INSERT INTO source")]
    finally:
        event.remove(src._engine, "before_cursor_execute", count)
    assert src.source_state("mofa") is not None
    with src._write() as conn:  # a row gone behind the store's back (nothing in tidings deletes one)
        from sqlalchemy import text

        conn.execute(text("DELETE FROM source WHERE id = 'cna'"))
    with pytest.raises(UnknownRowError, match="cna"):
        src.claim_source("cna", "a", now=NOW, lease_seconds=60)
    src.ensure_source("cna", kind="list", settings_hash="h2")  # the failed claim made the store forget it
    assert src.claim_source("cna", "a", now=NOW, lease_seconds=60)


def test_concurrent_lease_claims_have_one_winner(src: Store) -> None:
    wins = run_threads(6, lambda i: src.claim_source("mofa", f"w{i}", now=NOW, lease_seconds=60))
    assert wins.count(True) == 1


def test_record_source_result(src: Store) -> None:
    due = NOW + timedelta(minutes=10)
    for n in (1, 2):
        state = src.record_source_result(
            "mofa", ok=False, error="HTTP 503", degraded=False, now=NOW, next_due_at=due
        )
        assert state.consecutive_failures == n and state.last_error == "HTTP 503" and state.next_due_at == due
    state = src.record_source_result("mofa", ok=True, error=None, degraded=True, now=NOW, next_due_at=None)
    assert (state.consecutive_failures, state.last_error, state.degraded) == (0, None, True)
    assert state.last_success_at == NOW and state.last_failure_at == NOW
    src.set_health_alerted("mofa", True)
    assert [s.health_alerted for s in src.source_states()] == [False, True]  # cna, mofa
    src.ensure_source("mofa", kind="rss", settings_hash="h9")
    assert src.source_state("mofa").settings_hash == "h9"  # type: ignore[union-attr]
    assert src.source_state("none") is None


def test_http_state_roundtrip(store: Store) -> None:
    assert store.get_http_state("https://x/feed") is None
    store.put_http_state(
        "https://x/feed", etag='"a"', last_modified=None, body_hash="h", status=200, fetched_at=NOW
    )
    store.put_http_state(
        "https://x/feed", etag='"b"', last_modified="Tue", body_hash="h", status=304, fetched_at=NOW
    )
    state = store.get_http_state("https://x/feed")
    assert state is not None and (state.etag, state.last_modified, state.status) == ('"b"', "Tue", 304)
    assert state.fetched_at == NOW


def test_runs(src: Store) -> None:
    first = src.start_run("mofa", now=NOW)
    second = src.start_run("cna", now=NOW + timedelta(seconds=1))
    src.finish_run(first, RunStats(requests=3, bytes=1000, new_entries=2, error="x", degraded=True), now=NOW)
    runs = src.last_runs()
    assert [r.id for r in runs] == [second, first]
    assert runs[0].finished_at is None
    assert (runs[1].requests, runs[1].bytes, runs[1].new_entries, runs[1].degraded) == (3, 1000, 2, True)


# --- migrations ---------------------------------------------------------------------------------------------


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    with Store.open(database_url) as store:
        store.upgrade()
        store.ensure_source("s", kind="rss", settings_hash="h")
    with Store.open(database_url) as store:
        assert [s.source_id for s in store.source_states()] == ["s"]


def test_migration_matches_schema(database_url: str) -> None:
    from storage.search import is_search_object

    Store.open(database_url).close()
    engine = create_engine(database_url)
    try:
        inspector = inspect(engine)
        reflected = {
            name: {c["name"] for c in inspector.get_columns(name)}
            for name in inspector.get_table_names()
            if not is_search_object(name)  # the search index lives beside the metadata (storage.search)
        }
        reflected.pop("alembic_version")
        declared = {name: {c.name for c in table.columns} for name, table in metadata.tables.items()}
        assert reflected == declared
        for name, table in metadata.tables.items():
            declared_indexes = {i.name for i in table.indexes}
            assert {i["name"] for i in inspector.get_indexes(name)} >= declared_indexes, name
    finally:
        engine.dispose()


def test_autogenerate_finds_no_difference(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.search import alembic_include_object

    Store.open(database_url).close()
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": alembic_include_object})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_unknown_source_is_an_error(store: Store) -> None:
    with pytest.raises(UnknownRowError, match="ghost"):
        save(store, article("https://x.tw/a", source_id="ghost"))
    with pytest.raises(UnknownRowError, match="ghost"):
        store.start_run("ghost", now=NOW)


def test_retry_skips_alerts_being_sent(src: Store) -> None:
    match_and_alert(src, save(src, article("https://mofa.gov.tw/a")))
    [claimed] = src.claim_alerts("w", now=NOW, limit=1, lease_seconds=60)
    assert src.retry_alerts(now=NOW, alert_ids=[claimed.alert_id]) == 0
    assert src.retry_alerts(now=NOW + timedelta(minutes=2), alert_ids=[claimed.alert_id]) == 1


def test_the_schema_revision_constant_is_the_migrations_head() -> None:
    from alembic.script import ScriptDirectory

    from storage.migrate import SCHEMA_REVISION, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [SCHEMA_REVISION]


def test_an_up_to_date_database_is_not_migrated_again(store) -> None:
    from storage.migrate import SCHEMA_REVISION

    assert store.schema_revision() == SCHEMA_REVISION
    store.upgrade()  # a no-op: one query
    assert store.schema_revision() == SCHEMA_REVISION


# --- the SQLite file behind a URL, the single-daemon lock -----------------------------------------------------


def test_sqlite_file_of_urls() -> None:
    assert sqlite_file("sqlite:////var/lib/tidings/t.db") == Path("/var/lib/tidings/t.db")
    assert sqlite_file("sqlite+pysqlite:///rel.db?timeout=3") == Path("rel.db")
    assert sqlite_file("sqlite:///~/t.db") == Path("~/t.db").expanduser()
    for url in ("sqlite://", "sqlite:///:memory:", "postgresql+psycopg://u@h/db", "not a url"):
        assert sqlite_file(url) is None


def test_single_daemon_lock_names_the_holder_and_is_released(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with single_daemon_lock(url, "host:1"), pytest.raises(DatabaseLockedError) as refused, single_daemon_lock(url, "x"):
        pass
    assert str(refused.value) == (
        f"{tmp_path / 'x.db'}.daemon.lock: another `tidings run` (owner host:1) already uses the SQLite database "
        f"{tmp_path / 'x.db'}; stop it first, or set settings.database_url to PostgreSQL to run several daemons"
    )
    with single_daemon_lock(url, "host:3"):  # released on exit
        assert (tmp_path / "x.db.daemon.lock").read_text() == "host:3"


def test_no_lock_is_needed_beyond_sqlite() -> None:
    with single_daemon_lock("postgresql+psycopg://u@h/db", "a"), single_daemon_lock("postgresql+psycopg://u@h/db", "b"):
        pass
