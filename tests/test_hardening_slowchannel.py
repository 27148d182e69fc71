"""Issue 11, item 6: one slow channel never holds back the others, and SIGTERM still stops the daemon in time.

The slow receiver is a local webhook that answers one byte every 3 s (apprise's socket timeouts never fire on
it); the fast one is a plain JSON webhook. Each send has a time limit (an overrun is a failed attempt, retried
with backoff), channels are delivered side by side, and the last dispatch at shutdown is bounded.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from crawler.drivers.daemon import SHUTDOWN_GRACE_MAX
from crawler.drivers.dispatch import Dispatcher
from crawler.drivers.sending import Lanes, send_with_timeout
from rules.notify import Delivery, Notifier
from storage import Store
from tests.sites import ReplicaServer
from tests.test_daemon import Daemon, wait_for, write_config
from tests.test_daemon import Receiver as DaemonReceiver
from tests.test_dispatch import NOW, Receiver, add_matches, config_with


class Trickle:
    """A webhook that reads the request, then answers one byte every `pace` seconds, for ever."""

    def __init__(self, pace: float = 3.0) -> None:
        self.pace = pace
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.requests = 0
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.sock.getsockname()[1]}/slow"

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.requests += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" * 100:
                if self.closed.wait(self.pace):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def close(self) -> None:
        self.closed.set()
        self.sock.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def trickle() -> Iterator[Trickle]:
    slow = Trickle()
    yield slow
    slow.close()


async def test_a_send_past_its_time_limit_is_a_failed_attempt() -> None:
    started = threading.Event()

    def stuck() -> Delivery:
        started.set()
        time.sleep(5)
        return Delivery(True)

    delivery = await send_with_timeout(stuck, 0.2, what="channel slow")
    assert started.is_set() and not delivery.ok
    assert delivery.error == "channel slow: no answer within 0.2 s (a slow or stuck receiver); tried again later"


async def test_lanes_run_side_by_side_each_in_order() -> None:
    order: list[str] = []

    def work(channel: str, number: int, pause: float) -> Callable[[], Awaitable[str]]:
        async def send() -> str:
            await asyncio.sleep(pause)
            order.append(f"{channel}{number}")
            return channel
        return send

    lanes: Lanes[str] = Lanes()
    lanes.start("slow", [work("slow", 1, 0.3), work("slow", 2, 0.0)])
    lanes.start("fast", [work("fast", 1, 0.0), work("fast", 2, 0.0)])
    assert lanes.busy() == {"slow", "fast"}
    await lanes.wait_any()
    assert lanes.busy() == {"slow"}  # the fast lane is free for more work while the slow one still sends
    assert sorted(await lanes.finish()) == ["fast", "fast", "slow", "slow"]
    assert order == ["fast1", "fast2", "slow1", "slow2"]


async def test_the_fast_channel_is_delivered_while_the_slow_one_trickles(
    store: Store, tmp_path: Path, receiver: Receiver, trickle: Trickle
) -> None:
    config = config_with(tmp_path, f'[channels.slow]\nurl = "{trickle.url}"\n[channels.fast]\nurl = "{receiver.url}"\n')
    [match_id] = add_matches(store, 1, "slow")
    with store.unit_of_work() as uow:  # the same match goes to the fast channel too
        uow.enqueue_alert(match_id, "fast", mode="instant", due_at=NOW, now=NOW)
    dispatcher = Dispatcher(store, config, Notifier(timeout=1.5), owner="test", jitter=lambda: 0.0)
    run = asyncio.ensure_future(dispatcher.run_once(NOW))
    await asyncio.to_thread(wait_for, lambda: receiver.bodies, 1.2, "the fast channel's message")  # before the limit
    report = await run
    assert (report.sent, report.failed) == (1, 1)
    slow = next(alert for alert in store.list_alerts(limit=10) if alert.channel == "slow")
    assert slow.status == "pending" and "no answer within 1.5 s" in (slow.last_error or "")


# --- the daemon ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_slow_channel_holds_back_no_other_and_sigterm_still_stops_the_daemon(
    tmp_path: Path, trickle: Trickle
) -> None:
    with ReplicaServer(port=0, articles=1) as replica, DaemonReceiver() as fast:
        config = write_config(tmp_path / "t.toml", replica=replica.base_url, database_url=f"sqlite:///{tmp_path}/t.db",
                              hook=fast.url, sources=("focustaiwan",), interval=2.0)
        text = config.read_text(encoding="utf-8").replace('channels = ["hook"]', 'channels = ["slow", "hook"]')
        config.write_text(text + f'\n[channels.slow]\nurl = "{trickle.url}"\n', encoding="utf-8")
        daemon = Daemon(config, tmp_path / "daemon.log")
        try:
            daemon.health_url()
            title = replica.publish("focustaiwan", topic="ai")["title"]
            wait_for(lambda: trickle.requests, 30, "the slow channel's first request")
            wait_for(lambda: title in fast.titles(), 10, "the fast channel's alert while the slow one trickles")
            started = time.monotonic()
            assert daemon.stop(timeout=SHUTDOWN_GRACE_MAX + 10) == 0
            stopped_after = time.monotonic() - started
        finally:
            if daemon.proc.poll() is None:
                daemon.kill()
    assert stopped_after < SHUTDOWN_GRACE_MAX + 3, stopped_after  # the promise: SIGTERM stops it within 25 s
    assert "tidings: stopped" in daemon.text()
