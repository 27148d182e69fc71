"""Issue 11, item 7: the lease of a process killed with -9 is taken over at once by the next crawl on this host;
leases are short and renewed while a run lives; a skipped source is not a success."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.pipeline.owner import owner_id, owner_is_dead, process_start
from storage import Store

pytestmark = pytest.mark.slow
EMPTY_FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>quiet</title></channel></rss>'


@pytest.fixture
def first_hangs() -> Iterator[tuple[str, threading.Event]]:
    """A feed whose first request never gets an answer (the event is set then); later ones get an empty feed."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    hung = threading.Event()

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if not held:
                held.append(conn)
                hung.set()
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(EMPTY_FEED), EMPTY_FEED))

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", hung
    listener.close()
    for conn in held:
        conn.close()


def tidings(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "crawler", "-c", str(config), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_owner_names_the_process_and_its_start_time() -> None:
    host, pid, start = owner_id().rsplit(":", 2)
    assert (host, int(pid), start) == (socket.gethostname(), os.getpid(), process_start(os.getpid()))
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    assert owner_is_dead(f"{host}:{finished.stdout.strip()}:{start}")
    assert owner_is_dead(f"{host}:{os.getpid()}:1")  # this pid, but another start time: a reused pid
    assert not owner_is_dead(owner_id()) and not owner_is_dead("other-host:1:1") and not owner_is_dead(None)


def test_a_crawl_after_a_kill_9_takes_the_dead_process_lease_at_once(
    tmp_path: Path, first_hangs: tuple[str, threading.Event]
) -> None:
    origin, hung = first_hangs
    database_url = f"sqlite:///{tmp_path / 't.sqlite'}"
    config = tmp_path / "tidings.toml"
    config.write_text(
        f'[settings]\ndatabase_url = "{database_url}"\nper_host_delay = 0.0\nretries = 0\nrun_timeout = 300\n'
        f'request_timeout = 300\nlease = 600\nrespect_robots = false\n[sources.quiet]\nfeed = "{origin}/feed.xml"\n'
        f'allow_hosts = ["{origin}"]\n', encoding="utf-8")
    first = tidings(config, "crawl")
    deadline = time.monotonic() + 60
    with Store.open(database_url) as store:
        while time.monotonic() < deadline:
            state = store.source_state("quiet")
            if state is not None and state.lease_owner:
                break
            time.sleep(0.1)
        assert state is not None and state.lease_owner and state.lease_until is not None
        holder = state.lease_owner
    assert hung.wait(60)  # the run is inside its (hanging) fetch, lease held
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert str(first.pid) in holder

    second = tidings(config, "crawl")
    output, _ = second.communicate(timeout=120)
    assert second.returncode == 0, output
    assert "skipped" not in output
    with Store.open(database_url) as store:
        state = store.source_state("quiet")
    assert state is not None and state.lease_owner is None and state.last_success_at is not None


def test_a_source_a_live_process_holds_is_skipped_and_the_crawl_says_so(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 't.sqlite'}"
    config = tmp_path / "tidings.toml"
    config.write_text(f'[settings]\ndatabase_url = "{database_url}"\n[sources.busy]\n'
                      'feed = "http://127.0.0.1:9/feed.xml"\nallow_hosts = ["127.0.0.1:9"]\n', encoding="utf-8")
    with Store.open(database_url) as store:
        store.ensure_source("busy", kind="busy", settings_hash="x")
        assert store.claim_source("busy", owner_id(), now=datetime.now(UTC), lease_seconds=600)  # alive: this test
    crawl = tidings(config, "crawl")
    output, _ = crawl.communicate(timeout=120)
    assert crawl.returncode == 1 and "skipped" in output and "another process" in output
