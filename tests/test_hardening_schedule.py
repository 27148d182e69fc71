"""Issue 11, item 12: several daemons on one PostgreSQL share one schedule.

A tick of a source's job runs it only when it wins the source's turn in the database (`Store.claim_due`); the
others skip quietly. Three `tidings run` on one PostgreSQL fetch each source once per interval, as one would,
counted in the replica's own request log.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.drivers.health import Metrics
from crawler.drivers.planner import Planner
from crawler.drivers.turns import claim_turn, turn_window
from crawler.pipeline.outcome import _next_due
from storage import Store
from tests.conftest import PG_ENV, reset_postgres
from tests.sites import ReplicaServer
from tests.test_daemon import Daemon, Receiver, wait_for, write_config

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_turn_is_claimed_once_until_the_next_due_time(store: Store) -> None:
    store.ensure_source("cna", kind="cna", settings_hash="h")
    later = NOW + timedelta(seconds=45)
    assert store.claim_due("cna", now=NOW, next_due_at=later)
    assert not store.claim_due("cna", now=NOW + timedelta(seconds=1), next_due_at=later)  # another daemon
    assert store.claim_due("cna", now=later, next_due_at=later + timedelta(seconds=45))
    state = store.source_state("cna")
    assert state is not None and state.next_due_at is not None
    assert state.next_due_at.replace(tzinfo=UTC) == later + timedelta(seconds=45)


def test_of_many_racing_claims_exactly_one_wins(store: Store) -> None:
    store.ensure_source("cna", kind="cna", settings_hash="h")
    start, wins = threading.Barrier(8), []

    def claim() -> None:
        start.wait()
        if store.claim_due("cna", now=NOW, next_due_at=NOW + timedelta(minutes=1)):
            wins.append(1)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1


def test_a_daemon_tick_claims_its_turn_and_the_next_skips_quietly(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[settings]\nschedule = "fixed"\n[sources.cna]\ninterval = "10m"\n', encoding="utf-8")
    config = load_config(path)
    source, metrics = config.sources["cna"], Metrics()
    planner = Planner(config.settings, lambda since: [])
    turn = claim_turn(store, source, planner, NOW, metrics)  # the row does not exist yet: made, then claimed
    wait, slack = turn_window(600.0, adapted=False)
    assert turn == NOW + timedelta(seconds=wait - slack)
    assert claim_turn(store, source, planner, NOW + timedelta(seconds=5), metrics) is None
    assert metrics.runs.labels("cna", "not_due")._value.get() == 1  # counted as "not due", not as a failure


def test_a_failure_backs_off_no_earlier_than_the_claimed_turn() -> None:
    assert _next_due(NOW, NOW + timedelta(minutes=5)) == NOW + timedelta(minutes=5)
    assert _next_due(NOW + timedelta(hours=1), NOW + timedelta(minutes=5)) == NOW + timedelta(hours=1)
    assert _next_due(NOW, None) == NOW


# --- three daemons on PostgreSQL ---------------------------------------------------------------------------

INTERVAL = 3.0
WINDOW = 18.0
LISTINGS = {"focustaiwan": "feeds.feedburner.com/rsscna/engnews", "cna": "cna2018api/api/WNewsList"}


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set: several daemons need PostgreSQL")
def test_three_daemons_on_postgresql_fetch_each_source_once_per_interval(tmp_path: Path) -> None:
    url = os.environ[PG_ENV]
    reset_postgres(url)
    with ReplicaServer(port=0, articles=2) as replica, Receiver() as receiver:
        config = write_config(tmp_path / "t.toml", replica=replica.base_url, database_url=url, hook=receiver.url,
                              interval=INTERVAL, settings='schedule = "fixed"')
        Store.open(url).close()  # migrate once, before three processes race to
        daemons = [Daemon(config, tmp_path / f"daemon{n}.log") for n in range(3)]
        try:
            for daemon in daemons:
                daemon.health_url()
            wait_for(lambda: _listing_fetches(replica) and all(_listing_fetches(replica).values()), 30,
                     "the first run of every source")
            replica.clear_log()
            started = time.monotonic()
            time.sleep(WINDOW)
            fetched = _listing_fetches(replica)
            elapsed = time.monotonic() - started
        finally:
            for daemon in daemons:
                assert daemon.stop() == 0
    once_per_interval = elapsed / INTERVAL
    for source_id, count in fetched.items():
        # one daemon polls every interval (minus up to a quarter of it on the shared schedule); three
        # unshared daemons would have fetched about three times as often
        assert once_per_interval * 0.6 <= count <= once_per_interval * 1.5 + 1, (source_id, count, elapsed)


def _listing_fetches(replica: ReplicaServer) -> dict[str, int]:
    log = replica.log()
    return {source_id: sum(path in entry["url"] for entry in log) for source_id, path in LISTINGS.items()}
