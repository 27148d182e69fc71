"""What one idle source poll costs a long-lived process (the daemon's case): CPU and SQL statements.

    python -m tests.bench.idle_poll [--before TREE] [--rounds 3] [--polls 15] [--database-url URL]

The replica is crawled once (the baseline); then each tree, in a process of its own, opens one `Store`, polls
every source once to warm up (its first poll, as a daemon's), and then `--polls` more times with nothing new:
the figure is the process CPU per source poll (median of the polls) and the SQL statements sent per source poll
(BEGINs included: on SQLite each is a transaction). With `--before TREE` the trees take turns `--rounds` times.
The bench `idle` measures the same poll from outside, in a real `tidings run`, with its HTTP server and scheduler.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path

from tests.bench.common import PYTHON, ROOT, Replica, header, table, workdir
from tests.bench.crawl import REPLICA_TOML, reset_database, tree_commit

CHILD = r"""
import asyncio, json, os, statistics, sys, time
sys.path.insert(0, os.getcwd())
from sqlalchemy import event
from sqlalchemy.engine import Engine
from crawler.config import load_config
from crawler.drivers.crawl import crawl
from storage import Store

sent = [0]
event.listen(Engine, "before_cursor_execute", lambda *args: sent.__setitem__(0, sent[0] + 1))
config = load_config(sys.argv[1])
sources = list(config.sources.values())
cpu, statements = [], []
with Store.open(config.database_url) as store:
    asyncio.run(crawl(config, store, sources, send_alerts=False))
    for _ in range(int(sys.argv[2])):
        sent[0] = 0
        started = time.process_time()
        summary = asyncio.run(crawl(config, store, sources, send_alerts=False))
        cpu.append(1000 * (time.process_time() - started) / len(sources))
        statements.append(sent[0] / len(sources))
        assert summary.total("new") == 0 and not summary.failed, "the poll was not idle"
print(json.dumps({"cpu": statistics.median(cpu), "statements": statistics.median(statements)}))
"""


def poll(tree: Path, env: dict[str, str], polls: int) -> dict[str, float]:
    done = subprocess.run([PYTHON, "-c", CHILD, str(REPLICA_TOML), str(polls)], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: {done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.idle_poll", description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="also run this source tree, taking turns")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--polls", type=int, default=15, help="idle polls of every source per process")
    parser.add_argument("--database-url", help="poll this database (emptied first) instead of SQLite")
    args = parser.parse_args()
    header("idle_poll: one idle source poll in a long-lived process", False)
    trees = [ROOT] + ([args.before] if args.before else [])
    names = [f"{tree_commit(tree)}{' (this tree)' if tree == ROOT else ''}" for tree in trees]
    with workdir("idle-poll-") as tmp, Replica(articles=20) as replica:
        url = args.database_url or f"sqlite:///{tmp / 'poll.db'}"
        if not url.startswith("sqlite"):
            reset_database(url)
        env = {**os.environ, "TIDINGS_REPLICA_URL": replica.base_url, "TIDINGS_REPLICA_DATABASE_URL": url,
               "TIDINGS_HOME": str(tmp)}
        subprocess.run([PYTHON, "-m", "crawler", "-c", str(REPLICA_TOML), "crawl", "--no-alerts"], cwd=ROOT,
                       env=env, capture_output=True, check=False, timeout=900)
        runs: list[list[dict[str, float]]] = [[] for _ in trees]
        for round_ in range(args.rounds):
            for i, tree in enumerate(trees):
                runs[i].append(poll(tree, env, args.polls))
                print(f"{names[i]}: round {round_ + 1}: {runs[i][-1]}", flush=True)
    rows = [[name, statistics.median(r["cpu"] for r in found), min(r["cpu"] for r in found),
             statistics.median(r["statements"] for r in found)] for name, found in zip(names, runs, strict=True)]
    print(table(["tree", "CPU ms per idle source poll (median of rounds)", "best round", "statements per poll"],
                rows))


if __name__ == "__main__":
    main()
