"""Scale benchmark: one daemon (`tidings run`) polling many sources every 60 s.

    python -m tests.bench.scale [--quick] [--sources N] [--duration SECONDS]

The config is generated: N custom sources `s0000`... each a `feed = ...` on the replica, alternating between the
blog's RSS feed and Focus Taiwan's RSS feed, each with its own query string (`?src=0007`). The replica ignores the
query, so every source gets a real feed, while tidings treats each as a distinct URL (its own conditional-GET
state, its own schedule) and the replica's request log tells the sources apart. The feeds' articles are shared, so
the first source to see an article stores it and the rest find it known: after the first minute a tick is one
conditional GET (a 304) plus the per-run bookkeeping, which is the steady state of a big deployment.

Before the daemon starts, one `tidings crawl` of all sources stores the feeds' articles and conditional-GET state
(its wall and CPU time are shown), so the daemon is measured in its steady state; `--cold` skips it (then the
first minute is every source fetching the shared articles at once).

Reported: the daemon's CPU % and RSS (psutil samples, first minute left out as warm-up), the run durations (`run`
table), per-source polls seen by the replica against those due, gaps between polls of one source longer than the
interval plus twice APScheduler's jitter (10 %), and the daemon's own schedule-lag histogram and missed counter
(/metrics). Full: 1,000 sources for 420 s after the warm-up (the module must finish in under 10 minutes);
--quick: 200 sources for 120 s.
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from tests.bench.common import (
    Child,
    Replica,
    free_port,
    header,
    mib,
    percentile,
    replica_daemon_config,
    run_measured,
    scrape_metrics,
    table,
    tidings_cmd,
    wait_port,
    workdir,
)

INTERVAL = 60.0
FEEDS = ("blog.example/feed/", "feeds.feedburner.com/rsscna/engnews")


def sources_toml(base_url: str, count: int) -> str:
    return "\n".join(
        f'[sources.s{i:04d}]\nfeed = "{base_url}/{FEEDS[i % 2]}?src={i:04d}"\nlanguage = "en"\n'
        f'interval = {INTERVAL:g}\nallow_hosts = ["127.0.0.1"]\n'
        for i in range(count)
    )


def polls_by_source(log: list[dict[str, Any]]) -> dict[str, list[float]]:
    polls: dict[str, list[float]] = defaultdict(list)
    for entry in log:
        if "?src=" in entry["path"]:
            polls[entry["path"].rsplit("=", 1)[1]].append(entry["t"])
    return polls


def schedule_rows(polls: dict[str, list[float]], count: int, start: float, end: float) -> list[list[object]]:
    slack = INTERVAL * 0.2 + 1.0  # jitter is +-10 % on each of two fire times
    gaps, late, due, seen = [], 0, 0, 0
    for i in range(count):
        times = sorted(polls.get(f"{i:04d}", []))
        seen += len(times)
        first = times[0] if times else start
        due += int((end - first) // INTERVAL) + 1 if times else int((end - start) // INTERVAL)
        for a, b in itertools.pairwise(times):
            gaps.append(b - a)
            late += b - a > INTERVAL + slack
    return [
        ["polls seen by the replica / due", f"{seen} / {due}"],
        ["missed polls (due - seen)", max(0, due - seen)],
        [f"late polls (gap > {INTERVAL + slack:.0f} s)", late],
        [
            "gap between polls p50 / p95 / max s",
            f"{percentile(gaps, 0.5):.1f} / {percentile(gaps, 0.95):.1f} / {max(gaps, default=float('nan')):.1f}",
        ],
        ["sources never polled", sum(1 for i in range(count) if f"{i:04d}" not in polls)],
    ]


def _epoch(stamp: str) -> float:
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def run_rows(db: str, since: float) -> list[list[object]]:
    """The daemon's runs (the `run` table, warm-up crawl left out)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT started_at, finished_at, requests, not_modified, errors FROM run").fetchall()
    rows = [row for row in rows if _epoch(row[0]) >= since]
    durations = [_epoch(f) - _epoch(s) for s, f, *_ in rows if f]
    return [
        ["daemon runs recorded (finished)", f"{len(rows)} ({len(durations)})"],
        [
            "run duration p50 / p95 / max s",
            f"{percentile(durations, 0.5):.3f} / {percentile(durations, 0.95):.3f} / "
            f"{max(durations, default=float('nan')):.3f}",
        ],
        [
            "requests / 304s / errors",
            f"{sum(r[2] for r in rows)} / {sum(r[3] for r in rows)} / {sum(r[4] for r in rows)}",
        ],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 sources for 120 s")
    parser.add_argument("--sources", type=int)
    parser.add_argument("--duration", type=float)
    parser.add_argument("--cold", action="store_true", help="no warm-up crawl: the daemon's first runs fetch articles")
    args = parser.parse_args()
    count = args.sources or (200 if args.quick else 1000)
    duration = args.duration or (120.0 if args.quick else 420.0)
    header(f"scale: {count} sources every {INTERVAL:g} s for {duration:.0f} s", args.quick)
    with workdir("bench-scale-") as tmp, Replica(30) as replica:
        health = free_port()
        db = tmp / "tidings.db"
        config = replica_daemon_config(
            tmp / "scale.toml",
            db=db,
            interval=INTERVAL,
            health_port=health,
            sources=sources_toml(replica.base_url, count),
        )
        env = {"TIDINGS_HOME": str(tmp)}
        warm = None if args.cold else run_measured(tidings_cmd(config, "crawl", "--no-alerts"), env=env, timeout=600)
        replica.clear_log()
        replica_cpu0 = replica.cpu_seconds()
        launched = time.time()
        daemon = Child(tidings_cmd(config, "run"), env=env, sample_every=1.0)
        wait_port(health, timeout=120)
        start = time.time()
        time.sleep(max(0.0, start + duration - time.time()))
        metrics = scrape_metrics(health)
        end = time.time()
        measured = daemon.finish(terminate=True, timeout=60)
        replica_cpu = replica.cpu_seconds() - replica_cpu0
        log = [e for e in replica.log() if e["t"] <= end]
        rows = run_rows(str(db), launched)
    rss_median, rss_max = measured.rss_after(INTERVAL)
    lag_count = metrics.get("tidings_schedule_lag_seconds_count", 0)
    lag_mean = metrics.get("tidings_schedule_lag_seconds_sum", 0) / max(1, lag_count)
    lag_le = {name: value for name, value in metrics.items() if name.startswith("tidings_schedule_lag_seconds_bucket")}
    over_1s = lag_count - next((v for k, v in lag_le.items() if 'le="1.0"' in k), lag_count)
    over_5s = lag_count - next((v for k, v in lag_le.items() if 'le="5.0"' in k), lag_count)
    print(
        table(
            ["figure", "value"],
            [
                ["sources / interval / observed s", f"{count} / {INTERVAL:g} s / {end - start:.0f}"],
                [
                    "warm-up `tidings crawl` of all sources: wall s / CPU s / exit",
                    f"{warm.wall:.1f} / {warm.cpu:.1f} / {warm.returncode}" if warm else "skipped (--cold)",
                ],
                ["daemon CPU % of one core (after the first minute)", measured.cpu_percent(skip=INTERVAL)],
                ["daemon CPU % (whole run, start-up and first runs included)", 100 * measured.cpu / measured.wall],
                ["daemon RSS MiB median / max (after the first minute)", f"{mib(rss_median):.0f} / {mib(rss_max):.0f}"],
                ["daemon peak RSS MiB (wait4)", mib(measured.peak_rss)],
                ["replica CPU s", replica_cpu],
                *schedule_rows(polls_by_source(log), count, start, end),
                *rows,
                ["/metrics schedule lag: jobs / mean s", f"{lag_count:.0f} / {lag_mean:.2f}"],
                ["/metrics jobs started > 1 s / > 5 s late", f"{over_1s:.0f} / {over_5s:.0f}"],
                ["/metrics missed schedules", metrics.get("tidings_schedule_missed_total", 0)],
                ["daemon exit code", measured.returncode],
            ],
        )
    )
    if measured.returncode != 0:
        print(measured.stderr[-3000:])


if __name__ == "__main__":
    main()
