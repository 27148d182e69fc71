"""Source health alerts: one when a source has failed K runs in a row, one when it recovers, never one per run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.config import load_config
from crawler.drivers.crawl import fetch_policy
from crawler.fetch.client import Fetcher
from crawler.pipeline.rulebook import RuleBook
from crawler.pipeline.run import RunOptions, run_source
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
        settings + '[sources.watched]\nfeed = "http://127.0.0.1:9/feed.xml"\nallow_hosts = ["127.0.0.1"]\n',
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
            'allow_hosts = ["127.0.0.1"]\n',
            encoding="utf-8",
        )
        await run(store, up, 3, moment)
    assert health_alerts(store) == ["failing", "recovered"]
    assert store.source_state("watched").consecutive_failures == 0
    payload = next(a.payload for a in store.list_alerts() if a.match_id is None and a.payload["state"] == "failing")
    assert "127.0.0.1:9" in str(payload["error"])
