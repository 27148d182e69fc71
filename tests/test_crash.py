"""A crawl killed (SIGKILL) after storing and before delivering loses nothing: the next crawl delivers every
pending alert once, and none twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Store
from tests.sites import ReplicaServer
from tests.test_dispatch import Receiver

pytestmark = pytest.mark.slow


@pytest.fixture
def hanging_feed() -> Iterator[str]:
    """A server that accepts connections and never answers: it keeps a source (and so the crawl) busy."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed.xml"
    stop.set()
    for connection in held:
        connection.close()
    listener.close()


def tidings(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "-c", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for_entries(database_url: str, minimum: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    with Store.open(database_url) as store:
        while time.monotonic() < deadline:
            count = store.count_entries()
            if count >= minimum:
                return count
            time.sleep(0.2)
    raise AssertionError(f"fewer than {minimum} entries after {timeout} s")


def test_a_killed_crawl_loses_no_alert_and_sends_none_twice(
    database_url: str, tmp_path: Path, hanging_feed: str
) -> None:
    receiver = Receiver().start()
    config = tmp_path / "tidings.toml"
    with ReplicaServer(port=0, articles=6) as replica:
        base = replica.base_url
        config.write_text(
            f"""
[settings]
database_url = "{database_url}"
per_host_delay = 0.0
per_host_concurrency = 4
retries = 0
flood_max = 10000
max_alert_age = "365d"  # the replica's articles are months old; every one of them dated (listing dates too)

[sources.focustaiwan]
base_url = "{base}/focustaiwan.tw/"
urls = {{ rss = "{base}/feeds.feedburner.com/rsscna/engnews" }}
allow_hosts = ["{base}"]
baseline = false  # alert on the first crawl: the outbox is what this test kills

[sources.nspp-en]
base_url = "{base}/nspp.mofa.gov.tw/nsppe/"
allow_hosts = ["{base}"]
baseline = false

[sources.stuck]
feed = "{hanging_feed}"
allow_hosts = ["{'/'.join(hanging_feed.split('/')[:3])}"]

[channels.hook]
url = "{receiver.url}"
""",
            encoding="utf-8",
        )
        try:
            first = tidings(config, "crawl")
            stored = wait_for_entries(database_url, minimum=12)
            time.sleep(0.5)  # let the last transaction of the fast sources commit
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            with Store.open(database_url) as store:
                pending = store.alert_counts()["pending"]
                assert store.count_entries() >= stored
            assert pending > 0 and receiver.bodies == []  # stored and matched, never delivered

            second = tidings(config, "crawl", "focustaiwan", "nspp-en")
            assert second.wait(120) == 0, second.stderr.read() if second.stderr else ""
            with Store.open(database_url) as store:
                counts = store.alert_counts()
            titles = [body["title"] for body in receiver.bodies]
            assert counts["pending"] == 0 and counts["sent"] == pending
            assert len(titles) == pending and len(set(titles)) == len(titles)

            third = tidings(config, "crawl", "focustaiwan", "nspp-en")
            assert third.wait(120) == 0
            assert len(receiver.bodies) == pending  # nothing sent twice
        finally:
            receiver.stop()
