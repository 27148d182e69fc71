"""Source health alerts: one when a source has failed K runs in a row, one when it recovers, never one per run."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.fetch.client import Fetcher
from crawler.pipeline.rulebook import RuleBook
from crawler.pipeline.run import run_source
from crawler.pipeline.values import RunOptions
from crawler.pipeline.wiring import fetch_policy
from storage import Store
from tests.sites import ReplicaServer

START = datetime(2026, 6, 1, tzinfo=UTC)


async def run(store: Store, config_path: Path, runs: int, start: datetime) -> datetime:
    config = load_config(config_path)
    options = RunOptions.from_settings(config.settings, owner="test")
    async with Fetcher(fetch_policy(config.settings)) as fetcher:
        for index in range(runs):
            now = start + timedelta(minutes=index)
            await run_source(
                config.sources["watched"],
                fetcher=fetcher,
                store=store,
                rulebook=RuleBook.from_config(config),
                options=options,
                now=now,
            )
    return start + timedelta(minutes=runs)


def health_alerts(store: Store) -> list[str]:
    return [
        str((alert.payload or {}).get("state")) for alert in reversed(store.list_alerts()) if alert.match_id is None
    ]


async def test_one_alert_when_failing_one_when_recovered(store: Store, tmp_path: Path) -> None:
    settings = '[settings]\nfailure_alert_after = 3\nadmin_channels = ["console"]\nretries = 0\n'
    down = tmp_path / "down.toml"
    down.write_text(
        settings + '[sources.watched]\nfeed = "http://127.0.0.1:9/feed.xml"\nallow_hosts = ["127.0.0.1:9"]\n',
        encoding="utf-8",
    )
    moment = await run(store, down, 2, START)
    assert health_alerts(store) == []  # two failures: below the threshold
    moment = await run(store, down, 4, moment)
    assert health_alerts(store) == ["failing"]  # the third failure alerts, the next three do not
    assert store.source_state("watched").consecutive_failures == 6

    with ReplicaServer(port=0, articles=2) as replica:
        up = tmp_path / "up.toml"
        up.write_text(
            settings + f'[sources.watched]\nfeed = "{replica.base_url}/blog.example/feed/"\n'
            f'allow_hosts = ["{replica.base_url}"]\n',
            encoding="utf-8",
        )
        await run(store, up, 3, moment)
    assert health_alerts(store) == ["failing", "recovered"]
    assert store.source_state("watched").consecutive_failures == 0
    payload = next(a.payload for a in store.list_alerts() if a.match_id is None and a.payload["state"] == "failing")
    assert "127.0.0.1:9" in str(payload["error"])


@pytest.fixture
def hung_url() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/feed/"
    server.close()
    for conn in held:
        conn.close()


async def test_a_timed_out_run_is_one_failure_one_backoff_step_and_alerts_once(
    store: Store, tmp_path: Path, hung_url: str
) -> None:
    config_path = tmp_path / "hung.toml"
    config_path.write_text(
        '[settings]\nfailure_alert_after = 3\nadmin_channels = ["console"]\nretries = 0\nrun_timeout = 1\n'
        f'request_timeout = 30\n[sources.watched]\nfeed = "{hung_url}"\n'
        f'allow_hosts = ["{hung_url.removesuffix("/feed/")}"]\n'
        'interval = 60\n',
        encoding="utf-8",
    )
    for expected in (1, 2, 3):
        moment = START + timedelta(minutes=10 * expected)
        await run(store, config_path, 1, moment)
        state = store.source_state("watched")
        assert state is not None and state.consecutive_failures == expected  # exactly one failure per timeout
        assert state.last_error == "run cut off after settings.run_timeout = 1s"
        assert state.next_due_at == moment + timedelta(seconds=60 * 2 ** (expected - 1))  # one backoff step
    assert health_alerts(store) == ["failing"]  # the third timeout, not the second, raises the alert
