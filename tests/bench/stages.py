"""Where a backfill's CPU goes, stage by stage: thread CPU of each stage of the per-page path, per stored article.

    python -m tests.bench.stages [--articles 100] [--database-url URL] [--before TREE] [--rounds 1]

One `tidings crawl --backfill` of the replica (its own process, as the crawl bench) runs in a child process with
the stages wrapped: a synchronous stage is timed with `time.thread_time()` around the call (the extraction's in
its worker thread); a coroutine (fetch, listings, a whole item) by the CPU of its own steps (every `send` into
it; what the event loop does between steps is not in it). Stages nest: `_save` holds story linking,
`save_article`, the match rows and the validators; `take_item` holds them all. "gc" is the main thread's
collector pauses. `--before TREE` runs another source tree the same way, the two taking turns `--rounds` times.
The SQL statements the crawl sent are counted per article too (BEGIN, COMMIT and the pool's pings are not
statements).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.bench.common import PYTHON, ROOT, Replica, header, table, workdir
from tests.bench.crawl import REPLICA_TOML, reset_database, tree_commit

CHILD = Path(__file__).with_name("stages_child.py")


def run_child(tree: Path, replica: Replica, url: str, out: Path, backfill: int) -> dict[str, Any]:
    if not url.startswith("sqlite"):
        reset_database(url)
    env = {**os.environ, "TIDINGS_REPLICA_URL": replica.base_url, "TIDINGS_REPLICA_DATABASE_URL": url,
           "TIDINGS_HOME": str(out.parent), "STAGES_OUT": str(out), "STAGES_TREE": str(tree)}
    cmd = [PYTHON, str(CHILD), "-c", str(REPLICA_TOML), "crawl", "--backfill", str(backfill), "--no-alerts"]
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"crawl failed: {done.stderr[-2000:]}")
    found: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return found


def report(names: list[str], results: list[list[dict[str, Any]]]) -> str:
    def mean(runs: list[dict[str, Any]], part: str, key: str) -> float:
        return sum(float(r[part].get(key, 0)) / max(1, int(r["articles"])) for r in runs) / len(runs)

    keys = sorted(results[0][0]["cpu"], key=lambda k: -float(results[0][0]["cpu"][k]))
    rows = [[key, *(1000 * mean(runs, "cpu", key) for runs in results)] for key in keys]
    every = {key for runs in results for run in runs for key in run["statements"]}
    statements = sorted(every, key=lambda k: -max(mean(runs, "statements", k) for runs in results))
    counted = [[key, *(mean(runs, "statements", key) for runs in results)] for key in statements[:20]]
    counted.append(["all", *(sum(mean(runs, "statements", key) for key in every) for runs in results)])
    return "\n\n".join([table(["stage (CPU ms per stored article)", *names], rows),
                        table(["statements per stored article", *names], counted)])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.stages", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100, help="generated articles per site")
    parser.add_argument("--database-url", help="crawl into this database (emptied first) instead of SQLite")
    parser.add_argument("--before", type=Path, help="also run this source tree, taking turns")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    trees = [ROOT, *([args.before] if args.before else [])]
    names = [f"{tree_commit(tree)}{' (this tree)' if tree == ROOT else ''}" for tree in trees]
    header(f"stages: {args.articles} articles per site", quick=True)
    results: list[list[dict[str, Any]]] = [[] for _ in trees]
    with workdir("bench-stages-") as tmp, Replica(args.articles) as replica:
        for round_ in range(args.rounds):
            for index, tree in enumerate(trees):
                url = args.database_url or f"sqlite:///{tmp / f'stages-{index}-{round_}.db'}"
                results[index].append(run_child(tree, replica, url, tmp / f"out-{index}-{round_}.json",
                                                args.articles * 10 + 1000))
                print(f"{names[index]}: round {round_ + 1}", file=sys.stderr, flush=True)
    print(report(names, results))


if __name__ == "__main__":
    main()
