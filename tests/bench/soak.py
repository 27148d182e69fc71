"""Soak test of `tidings run` (not in CI): 50 sources at short intervals against the replica for N minutes.

Reports RSS at start, peak and end, runs done, late and missed schedules, alerts sent.

    python -m tests.bench.soak --minutes 10
    python -m tests.bench.soak --quick          # 1 minute
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from itertools import cycle
from pathlib import Path

from tests.sites import ReplicaServer
from tests.test_daemon import REPLICA_SOURCES, Daemon, Receiver, write_config

LATE_SECONDS = 1.0


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else 0


def metric(text: str, pattern: str) -> float:
    return sum(float(value) for value in re.findall(rf"^{pattern}(?:\{{[^}}]*\}})? (\S+)$", text, re.M))


def bucket(text: str, name: str, le: str) -> float:
    found = re.search(rf'^{name}_bucket\{{le="{re.escape(le)}"\}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def soak(minutes: float, sources: int, interval: float) -> None:
    ids = [f"{base}~{n:02d}" for n, base in zip(range(sources), cycle(REPLICA_SOURCES), strict=False)]
    with tempfile.TemporaryDirectory() as tmp, ReplicaServer(port=0, articles=5) as replica, Receiver() as hook:
        config = write_config(Path(tmp) / "soak.toml", replica=replica.base_url,
                              database_url=f"sqlite:///{tmp}/soak.db", hook=hook.url, sources=ids,
                              interval=interval, lease=60, run_timeout=30)
        daemon = Daemon(config, Path(tmp) / "daemon.log")
        daemon.health_url()
        start_rss = peak = rss_kib(daemon.proc.pid)
        by_minute: list[int] = []  # RSS at the end of each minute: flat memory shows as a flat line
        started = time.monotonic()
        sites = cycle(("focustaiwan", "cna", "mofa-en", "blog"))
        while time.monotonic() - started < minutes * 60:
            time.sleep(5)
            replica.publish(next(sites), topic="ai")
            rss = rss_kib(daemon.proc.pid)
            peak = max(peak, rss)
            if time.monotonic() - started >= 60 * (len(by_minute) + 1):
                by_minute.append(rss)
        end_rss = rss_kib(daemon.proc.pid)
        text = daemon.get("/metrics")[1]
        health = daemon.get("/healthz")[0]
        code = daemon.stop(60)
        submitted = metric(text, "tidings_schedule_lag_seconds_count")
        on_time = bucket(text, "tidings_schedule_lag_seconds", str(LATE_SECONDS))
        rows = [
            ("minutes", f"{minutes:g}"), ("sources", str(sources)), ("interval (s)", f"{interval:g}"),
            ("RSS start (MiB)", f"{start_rss / 1024:.1f}"), ("RSS peak (MiB)", f"{peak / 1024:.1f}"),
            ("RSS end (MiB)", f"{end_rss / 1024:.1f}"),
            ("RSS by minute (MiB)", " ".join(f"{kib / 1024:.0f}" for kib in by_minute)),
            ("runs done", f"{metric(text, 'tidings_runs_total'):.0f}"),
            ("runs scheduled", f"{submitted:.0f}"),
            (f"late schedules (> {LATE_SECONDS:g}s)", f"{submitted - on_time:.0f}"),
            ("missed schedules", f"{metric(text, 'tidings_schedule_missed_total'):.0f}"),
            ("alerts sent", f"{metric(text, 'tidings_alerts_sent_total'):.0f}"),
            ("webhook POSTs", str(len(hook.bodies))),
            ("/healthz at end", str(health)), ("exit code", str(code)),
        ]
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"{name:<{width}}  {value:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="1 minute")
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--interval", type=float, default=10.0)
    args = parser.parse_args()
    soak(1.0 if args.quick else args.minutes, args.sources, args.interval)


if __name__ == "__main__":
    main()
