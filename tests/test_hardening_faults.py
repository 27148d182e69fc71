"""Issue 11, item 9: a full disk, a frozen database, an unreadable robots.txt: one line each, with the real cause.

A full disk (a SQLite database on a 600 KiB tmpfs when this test may mount one, and a store that raises SQLite's
own "database or disk is full" everywhere) gives one line per source, no traceback, and no run left "running";
`/healthz` answers within its timeout while the database does not (one stuck read at most, whatever the number
of scrapes); the robots loader says why robots.txt could not be read.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError

from crawler.cli import main
from crawler.drivers.health import DatabaseProbe, HealthView, check
from crawler.fetch.client import Fetcher, FetchPolicy, RobotsDisallowed
from storage import DatabaseUnavailableError, Store
from storage.entries import ArticleWrites
from tests.faults import FaultServer, ok, slow_headers, status
from tests.sites import ReplicaServer
from tests.test_crawl_e2e import REPLICA_CONFIG

DISK_FULL = "database or disk is full"


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(port=0, articles=4) as server:
        yield server


def _crawl(replica: ReplicaServer, database_url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setenv("TIDINGS_REPLICA_URL", replica.base_url)
    monkeypatch.setenv("TIDINGS_REPLICA_DATABASE_URL", database_url)
    return CliRunner().invoke(main, ["-c", str(REPLICA_CONFIG), *args], catch_exceptions=False)


def _assert_one_line_per_source(result: Any) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    full = [line for line in errors if DISK_FULL in line]
    assert full and len(full) == len(errors), result.stderr
    assert "free disk space" in full[0]
    per_source = [line.split(":")[1].strip() for line in full if not line.startswith("error: alerts")]
    assert len(per_source) == len(set(per_source)), "one line per source, not one per article"
    assert not [line for line in result.stderr.splitlines() if line and not line.startswith("error: ")]


def _no_run_shown_running(replica: ReplicaServer, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _crawl(replica, database_url, monkeypatch, "status")
    runs = result.output.split("last runs", 1)[1]
    assert " running " not in runs, result.output


def test_a_store_that_cannot_write_gives_one_line_per_source(
    replica: ReplicaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = f"sqlite:///{tmp_path / 'db' / 'full.sqlite'}"

    def full(self: ArticleWrites, *args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT INTO entry ...", {}, sqlite3.OperationalError(DISK_FULL))

    monkeypatch.setattr(ArticleWrites, "save_article", full)
    _assert_one_line_per_source(_crawl(replica, database_url, monkeypatch, "crawl"))
    _no_run_shown_running(replica, database_url, monkeypatch)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 600 KiB tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_gives_one_line_per_source_and_no_run_stuck_running(
    replica: ReplicaServer, tiny_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = f"sqlite:///{tiny_disk / 'tidings.sqlite'}"
    env = {**os.environ, "TIDINGS_REPLICA_URL": replica.base_url, "TIDINGS_REPLICA_DATABASE_URL": database_url}
    # A real process: once it exits, the leases it could not release on the full disk are a dead owner's.
    done = subprocess.run([sys.executable, "-m", "crawler", "-c", str(REPLICA_CONFIG), "crawl"], env=env,
                          capture_output=True, text=True, timeout=120)
    _assert_one_line_per_source(Finished(done.returncode, done.stdout + done.stderr, done.stderr))
    _no_run_shown_running(replica, database_url, monkeypatch)


@dataclass(frozen=True)
class Finished:
    exit_code: int
    output: str
    stderr: str


def test_the_store_says_disk_full_in_one_line(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'x.sqlite'}") as store:
        store.ensure_source("s", kind="s", settings_hash="h")
        with pytest.raises(DatabaseUnavailableError) as raised, store._write() as conn:
            raise OperationalError("UPDATE", {}, sqlite3.OperationalError(DISK_FULL))
    assert conn is not None
    assert str(raised.value).count("\n") == 0 and DISK_FULL in str(raised.value)


# --- /healthz while the database is frozen -----------------------------------------------------------------


class FrozenStore:
    """A store whose reads never come back (a PostgreSQL backend under SIGSTOP), until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.reads = 0

    def source_states(self) -> list[Any]:
        self.reads += 1
        self.release.wait(30)
        return []

    def alert_counts(self) -> dict[str, int]:
        self.release.wait(30)
        return {}


def _view(store: FrozenStore, timeout: float) -> HealthView:
    now = datetime.now(UTC)
    return HealthView(store, lambda: {}, time.monotonic, now, grace=60.0,  # type: ignore[arg-type]
                      probe=DatabaseProbe(timeout))


def test_healthz_answers_503_within_its_timeout_while_the_database_is_frozen() -> None:
    store = FrozenStore()
    view = _view(store, timeout=0.5)
    started = time.monotonic()
    verdict = check(view)
    assert time.monotonic() - started < 3.0
    assert not verdict.healthy and verdict.problems == ("database: database not answering within 0.5s",)
    again = check(view)  # the first read still hangs: no second thread, an answer at once
    assert "database not answering (a read has waited" in again.problems[0] and store.reads == 1
    store.release.set()


def test_a_frozen_database_costs_one_stuck_thread_however_often_health_is_asked() -> None:
    """The web app waits for `check` in a worker thread: were each check's database read to hang there, a few
    scrapes would fill the default thread pool the crawler's own work (extraction, lease renewal) runs on."""
    store = FrozenStore()
    view = _view(store, timeout=0.2)
    before = threading.active_count()
    verdicts = [check(view) for _ in range(10)]
    assert all(not verdict.healthy for verdict in verdicts)
    assert store.reads == 1 and threading.active_count() <= before + 1
    store.release.set()


def test_a_database_error_in_a_health_read_is_reported() -> None:
    def broken() -> list[Any]:
        raise DatabaseUnavailableError("postgresql://db/x", "connection refused")

    with pytest.raises(DatabaseUnavailableError):
        DatabaseProbe(1.0).read(broken)


# --- robots.txt: the real cause ------------------------------------------------------------------------------

POLICY = FetchPolicy(allow_private_networks=True, per_host_delay=0.0, retries=0, read_timeout=0.5,
                     total_timeout=1.0)


async def test_unreachable_robots_names_the_connection_failure() -> None:
    with FaultServer() as server:
        url = server.url("/")
    async with Fetcher(POLICY) as fetcher:
        with pytest.raises(RobotsDisallowed) as raised:
            await fetcher.fetch(url)
    message = str(raised.value)
    assert "could not be read: connection failed" in message and "\n" not in message


async def test_a_failing_robots_names_its_status() -> None:
    with FaultServer() as server:
        server.route("/robots.txt", status(503))
        server.route("/", ok(b"home"))
        async with Fetcher(POLICY) as fetcher:
            with pytest.raises(RobotsDisallowed, match="could not be read: the server answered HTTP 503"):
                await fetcher.fetch(server.url("/"))


async def test_a_slow_robots_names_the_timeout() -> None:
    with FaultServer() as server:
        server.route("/robots.txt", slow_headers(3.0))
        server.route("/", ok(b"home"))
        async with Fetcher(POLICY) as fetcher:
            with pytest.raises(RobotsDisallowed) as raised:
                await fetcher.fetch(server.url("/"))
    assert "could not be read:" in str(raised.value) and "tim" in str(raised.value).split("could not be read:")[1]
