"""Idle benchmark: the cost of one poll of every source when nothing changed, and after one new article, for
tidings and for urlwatch watching the same feed, list and API URLs.

    python -m tests.bench.idle [--quick]

Both tools run as CLI processes (`tidings crawl`, `urlwatch`) against the replica (30 articles per site) through a
byte-counting TCP proxy, after one warm-up run each. Per poll:
- requests, 304s and conditional requests: the replica's server-side log;
- bytes: counted on the wire by the proxy (request + response, headers included);
- CPU ms and peak RSS: the child process, from wait4 (so Python start-up and imports are in it; the start-up
  alone, `--help`, is shown too, and `tidings poll only` is the poll inside a warm process: what the daemon pays);
- database writes: every row of every table of the tool's SQLite file (tidings' database, urlwatch's cache.db)
  is read before and after the poll and diffed by rowid: inserted + updated + deleted rows. (SQLite's
  `total_changes()` is per connection and `PRAGMA data_version` only says "something changed", so neither can
  count another process's writes; the row diff can, and also shows which tables.)
urlwatch 2.29 sends conditional requests too: If-None-Match with the stored ETag (else If-Modified-Since).
`--quick` does the same work (it is already quick); it only skips the start-up baselines.
"""

from __future__ import annotations

import argparse
import json
import os
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.bench.common import (
    BIN,
    PYTHON,
    ROOT,
    CountingProxy,
    Measured,
    Replica,
    header,
    mib,
    ratio,
    row_changes,
    run_measured,
    snapshot,
    table,
    tidings_cmd,
    total_changes,
    workdir,
)

REPLICA_TOML = ROOT / "tests" / "sites" / "replica.toml"
POLL_ONLY = textwrap.dedent("""
    import asyncio, json, sys, time
    from crawler.config import load_config
    from crawler.drivers.crawl import crawl
    from storage import Store
    config = load_config(sys.argv[1])
    with Store.open(config.database_url) as store:
        cpu, wall = time.process_time(), time.perf_counter()
        summary = asyncio.run(crawl(config, store, list(config.sources.values()), send_alerts=False))
        print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}))
""")


def urlwatch_jobs(base_url: str) -> list[dict[str, Any]]:
    """One urlwatch job per URL tidings polls when not backfilling (first page of every discovery entry)."""
    from crawler.config import load_config
    from crawler.discover.listings import page_request

    os.environ["TIDINGS_REPLICA_URL"] = base_url
    config = load_config(str(REPLICA_TOML))
    jobs = []
    for source in config.sources.values():
        for entry in source.profile.discover:
            if entry.backfill:
                continue
            request = page_request(entry, source.discovery_url(entry), entry.start_page)
            job: dict[str, Any] = {"name": f"{source.id} {entry.name}", "url": request.url}
            if request.method == "POST":
                job["method"] = "POST"
                if request.json_body is not None:
                    job["data"] = json.dumps(request.json_body)
                    job["headers"] = {"Content-Type": "application/json"}
                else:
                    job["data"] = urlencode(request.form or {})
            jobs.append(job)
    return jobs


class Tools:
    def __init__(self, tmp: Path, replica: Replica, proxy: CountingProxy) -> None:
        self.tmp, self.replica, self.proxy = tmp, replica, proxy
        self.tidings_db = tmp / "tidings.db"
        self.env = {
            "TIDINGS_REPLICA_URL": proxy.base_url,
            "TIDINGS_REPLICA_DATABASE_URL": f"sqlite:///{self.tidings_db}",
            "TIDINGS_HOME": str(tmp),
            "HOME": str(tmp),
        }
        jobs = urlwatch_jobs(proxy.base_url)
        self.jobs = len(jobs)
        (tmp / "urls.yaml").write_text("\n---\n".join(json.dumps(job) for job in jobs) + "\n", encoding="utf-8")
        self.cache = tmp / "cache.db"
        self.urlwatch_cmd = [
            str(BIN / "urlwatch"),
            "--urls",
            str(tmp / "urls.yaml"),
            "--config",
            str(tmp / "urlwatch.yaml"),
            "--cache",
            str(self.cache),
            "--hooks",
            str(tmp / "hooks.py"),
        ]

    def tidings(self) -> Measured:
        return run_measured(tidings_cmd(REPLICA_TOML, "crawl"), env=self.env)

    def urlwatch(self) -> Measured:
        return run_measured(self.urlwatch_cmd, env=self.env)

    def measure(self, name: str, db: Path, run: Any) -> dict[str, Any]:
        self.replica.clear_log()
        self.proxy.reset()
        before = snapshot(db)
        measured = run()
        changes = row_changes(before, snapshot(db))
        log = self.replica.log()
        return {
            "name": name,
            "cpu_ms": 1000 * measured.cpu,
            "rss": measured.peak_rss,
            "wall": measured.wall,
            "requests": len(log),
            "304": sum(1 for e in log if e["status"] == 304),
            "conditional": sum(1 for e in log if e["if_none_match"] or e["if_modified_since"]),
            "bytes": self.proxy.up + self.proxy.down,
            "down": self.proxy.down,
            "writes": total_changes(changes),
            "tables": ", ".join(f"{t} {'+'.join(str(n) for n in c)}" for t, c in changes.items()) or "-",
            "rc": measured.returncode,
            "out": measured.stdout,
        }


def poll_only(tools: Tools) -> dict[str, Any]:
    script = tools.tmp / "poll_only.py"
    script.write_text(POLL_ONLY, encoding="utf-8")
    result = tools.measure(
        "tidings poll only",
        tools.tidings_db,
        lambda: run_measured([PYTHON, str(script), str(REPLICA_TOML)], env=tools.env),
    )
    inner = json.loads(result["out"].strip().splitlines()[-1])
    result["cpu_ms"] = 1000 * inner["cpu"]
    result["name"] = "tidings (poll in a warm process)"
    return result


def rows(results: list[dict[str, Any]]) -> list[list[object]]:
    return [
        [
            r["name"],
            r["requests"],
            r["conditional"],
            r["304"],
            r["bytes"],
            r["cpu_ms"],
            mib(r["rss"]),
            r["writes"],
            r["tables"],
        ]
        for r in results
    ]


HEADERS = [
    "tool",
    "requests",
    "conditional",
    "304",
    "bytes on the wire",
    "CPU ms",
    "peak RSS MiB",
    "DB rows written",
    "tables (ins+upd+del)",
]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.idle", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the start-up baselines")
    args = parser.parse_args()
    header("idle: one poll of every source", args.quick)
    with workdir("bench-idle-") as tmp, Replica(30) as replica:
        proxy = CountingProxy(replica.port)
        tools = Tools(tmp, replica, proxy)
        print(f"urlwatch jobs (= URLs tidings polls): {tools.jobs}", flush=True)
        warm = [
            tools.measure("tidings first run", tools.tidings_db, tools.tidings),
            tools.measure("urlwatch first run", tools.cache, tools.urlwatch),
        ]
        idle = [
            tools.measure("tidings", tools.tidings_db, tools.tidings),
            tools.measure("urlwatch", tools.cache, tools.urlwatch),
            poll_only(tools),
        ]
        published = replica.publish("focustaiwan", topic="ai")
        print(f"published {published.get('url')}", flush=True)
        new = [
            tools.measure("tidings", tools.tidings_db, tools.tidings),
            tools.measure("urlwatch", tools.cache, tools.urlwatch),
        ]
        startup = []
        if not args.quick:
            startup = [
                run_measured(tidings_cmd(REPLICA_TOML, "--help"), env=tools.env),
                run_measured([*tools.urlwatch_cmd, "--help"], env=tools.env),
            ]
        proxy.stop()
    print("\nfirst run (filling the cache/database; for reference)\n" + table(HEADERS, rows(warm)))
    print("\nidle poll (nothing changed)\n" + table(HEADERS, rows(idle)))
    print("\nafter one new article (focustaiwan, topic ai)\n" + table(HEADERS, rows(new)))
    ratios = [
        [
            "idle",
            ratio(idle[0]["requests"], idle[1]["requests"]),
            ratio(idle[0]["bytes"], idle[1]["bytes"]),
            ratio(idle[0]["cpu_ms"], idle[1]["cpu_ms"]),
            ratio(idle[0]["writes"], idle[1]["writes"]),
        ],
        [
            "one new article",
            ratio(new[0]["requests"], new[1]["requests"]),
            ratio(new[0]["bytes"], new[1]["bytes"]),
            ratio(new[0]["cpu_ms"], new[1]["cpu_ms"]),
            ratio(new[0]["writes"], new[1]["writes"]),
        ],
    ]
    print("\nratio tidings / urlwatch\n" + table(["poll", "requests", "bytes", "CPU ms", "DB rows written"], ratios))
    if startup:
        print(
            "\nstart-up alone (`--help`)\n"
            + table(
                ["tool", "CPU ms", "peak RSS MiB"],
                [
                    ["tidings", 1000 * startup[0].cpu, mib(startup[0].peak_rss)],
                    ["urlwatch", 1000 * startup[1].cpu, mib(startup[1].peak_rss)],
                ],
            )
        )
    alerts = [line for line in new[1]["out"].splitlines() if line.startswith(("CHANGED", "NEW", "ERROR"))]
    print(f"\nurlwatch after the new article reported: {alerts[:5]}")
    print(
        f"tidings exit codes: {[r['rc'] for r in (*warm[:1], idle[0], new[0])]}; "
        f"urlwatch: {[r['rc'] for r in (warm[1], idle[1], new[1])]}"
    )


if __name__ == "__main__":
    main()
