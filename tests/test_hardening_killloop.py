"""Issue 11, item 7: a kill -9 loop. `tidings crawl` and `tidings run` are killed 20 times at random moments while
articles are published; then one `tidings crawl` stores every published article, skips no source (the dead
processes' leases are taken over at once), and every alert reaches the webhook: none lost, at most one duplicate
per kill (the window between the webhook's answer and the outbox row marked sent). A first, unkilled crawl is the
sources' baseline (stored, not alerted); everything published after it must be alerted.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage import Store
from tests.sites import ReplicaServer
from tests.test_daemon import Receiver, write_config

KILLS = 20
SITES = ("focustaiwan", "cna", "blog")


def _start(config: Path, command: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "crawler", "-c", str(config), command],
                                stdout=out, stderr=out, env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.slow
def test_twenty_kills_of_crawl_and_run_then_one_crawl_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("TIDINGS_KILL_SEED", "11")))
    database_url = f"sqlite:///{tmp_path / 'tidings.sqlite'}"
    log = tmp_path / "processes.log"
    with ReplicaServer(port=0, articles=2) as replica, Receiver() as receiver:
        config = write_config(tmp_path / "t.toml", replica=replica.base_url, database_url=database_url,
                              hook=receiver.url, sources=SITES, interval=1.0, lease=2.0, run_timeout=15.0)
        baseline = subprocess.run([sys.executable, "-m", "crawler", "-c", str(config), "crawl"], capture_output=True,
                                  text=True, timeout=120, env=os.environ.copy())
        assert baseline.returncode == 0, baseline.stdout + baseline.stderr  # the first run: stored, not alerted
        published = {replica.publish(site, topic="ai")["title"] for site in SITES}
        commands = []
        for _ in range(KILLS):
            command = rng.choice(("crawl", "run"))
            commands.append(command)
            process = _start(config, command, log)
            time.sleep(rng.uniform(0.3, 2.5))  # start-up, mid-fetch, mid-store, mid-send, or already done
            process.kill()
            process.wait(10)
            for site in rng.sample(SITES, rng.randint(1, 2)):  # more work arrives while nothing runs
                published.add(replica.publish(site, topic="ai")["title"])
        time.sleep(2.5)  # alerts claimed by a killed sender come back after their claim (settings.lease = 2 s)
        final = subprocess.run([sys.executable, "-m", "crawler", "-c", str(config), "crawl"], capture_output=True,
                               text=True, timeout=120, env=os.environ.copy())
        delivered = receiver.titles()
    assert {"crawl", "run"} <= set(commands)
    assert final.returncode == 0, final.stdout + final.stderr
    assert "skipped" not in final.stdout + final.stderr  # no source left to a dead process's lease
    with Store.open(database_url) as store:
        entries = store.list_entries(limit=None)
        alerts = store.list_alerts(limit=100_000)
    stored = {entry.title for entry in entries}
    assert published <= stored, published - stored  # every published article stored
    assert len({entry.canonical_url for entry in entries}) == len(entries)
    assert alerts and {alert.status for alert in alerts} == {"sent"}, {a.status for a in alerts}
    assert {alert.title for alert in alerts if alert.status == "sent"} <= set(delivered)  # none lost
    assert published <= set(delivered)
    duplicates = sum(count - 1 for count in delivered.values())
    assert duplicates <= KILLS, {title: count for title, count in delivered.items() if count > 1}
