"""Idle benchmark: the cost of one poll of every source when nothing changed, and after one new article, for
tidings and for urlwatch watching the same feed, list and API URLs.

    python -m tests.bench.idle [--quick]

Both tools run as CLI processes (`tidings crawl`, `urlwatch`) against the replica (30 articles per site) through a
byte-counting TCP proxy, after one warm-up run each. Per poll:
- requests, 304s and conditional requests: the replica's server-side log;
- bytes: counted on the wire by the proxy (request + response, headers included);
- CPU ms and peak RSS: the child process, from wait4 (so Python start-up and imports are in it; the start-up
  alone, `--help`, is shown too, and `tidings poll only` is the poll inside a warm process: what the daemon pays;
  the "dependency floor" is a process that only imports the libraries every `tidings crawl` is built on);
- database writes: every row of every table of the tool's SQLite file (tidings' database, urlwatch's cache.db)
  is read before and after the poll and diffed by rowid: inserted + updated + deleted rows. (SQLite's
  `total_changes()` is per connection and `PRAGMA data_version` only says "something changed", so neither can
  count another process's writes; the row diff can, and also shows which tables.)
urlwatch 2.29 sends conditional requests too: If-None-Match with the stored ETag (else If-Modified-Since).
`--quick` does the same work (it is already quick; kept for the command line of older runs).

Cold idle crawl, before and after (issue #16): `--before DIR` also runs a checkout of the code to compare against
(`git worktree add --detach DIR main`; `python -m crawler` run from DIR imports DIR's code) on the same database,
and every idle poll is repeated `--rounds` times, the tools taking turns (medians reported). `--python PATH` runs
tidings with another interpreter, e.g. a venv with only tidings' own dependencies (`pip install -e .`: the test
extras bring trio, which httpcore imports when present). Each tree's bytecode is compiled first, so that a
PYTHONDONTWRITEBYTECODE environment does not make every start compile tidings from source.

Idle daemon: `tidings run` on the replica with every source on a fixed 10 s interval (nothing new), sampled by
psutil; its RSS after a few polls of every source, and its CPU per poll; then one new article is published and
its RSS is sampled again once the article is stored (what stays of a daemon's size after its first news). The
daemons run last, each on its own copy of the database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import textwrap
import time
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.bench.common import (
    BIN,
    PYTHON,
    ROOT,
    Child,
    CountingProxy,
    Measured,
    Replica,
    free_port,
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
AFTER_ARTICLE = 10.0  # seconds the daemon runs on after storing the new article, the second half sampled
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

    def tidings(self, python: str = PYTHON, tree: Path = ROOT) -> Measured:
        """A cold `tidings crawl` process: `python -m crawler` from `tree` (its code comes first on sys.path)."""
        return Child([python, *tidings_cmd(REPLICA_TOML, "crawl")[1:]], env=self.env, cwd=tree).finish(timeout=900)

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


# What a command imports before it does anything of its own: the libraries it is built on (the database layer, the
# HTTP client, the config models, the command line and its tables). Shown next to urlwatch's whole run.
FLOORS = {
    "crawl floor": "import sqlalchemy, httpx, pydantic.main, click, rich.console, rich.table",
    "sources list floor": "import pydantic.main, click, rich.console, rich.table, sqlite3, tomllib",
}


def compile_tree(python: str, tree: Path) -> None:
    """Write the tree's bytecode (as `pip install` does for a wheel), whatever PYTHONDONTWRITEBYTECODE says."""
    subprocess.run([python, "-m", "compileall", "-q", "crawler", "storage", "rules"], cwd=tree, check=True,
                   stdout=subprocess.DEVNULL)


def idle_rounds(tools: Tools, contenders: list[tuple[str, Any]], rounds: int) -> list[dict[str, Any]]:
    """Every contender's idle poll `rounds` times, taking turns; the median CPU and RSS of each, its last row."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in contenders}
    for _ in range(rounds):
        for name, (db, run) in contenders:
            runs[name].append(tools.measure(name, db, run))
    merged = []
    for results in runs.values():
        last = dict(results[-1])
        last["cpu_ms"] = statistics.median(r["cpu_ms"] for r in results)
        last["rss"] = statistics.median(r["rss"] for r in results)
        last["cpu_all"] = [round(r["cpu_ms"]) for r in results]
        merged.append(last)
    return merged


def start_up(tools: Tools, python: str, before: Path | None, rounds: int) -> dict[str, dict[str, str]]:
    """CPU ms of `--help` and `sources list` (tidings after, before) and `urlwatch --help`: medians of `rounds`."""
    trees = {"tidings": ROOT, **({"tidings before": before} if before else {})}
    cpu: dict[str, dict[str, list[float]]] = {name: {} for name in (*trees, "urlwatch")}
    for _ in range(rounds):
        for name, tree in trees.items():
            for command in (["--help"], ["sources", "list"]):
                cmd = [python, *tidings_cmd(REPLICA_TOML, *command)[1:]]
                measured = Child(cmd, env=tools.env, cwd=tree).finish(timeout=120)
                cpu[name].setdefault(" ".join(command), []).append(1000 * measured.cpu)
        urlwatch = run_measured([*tools.urlwatch_cmd, "--help"], env=tools.env)
        cpu["urlwatch"].setdefault("--help", []).append(1000 * urlwatch.cpu)
        for name, imports in FLOORS.items():
            floor = run_measured([python, "-c", imports], env=tools.env)
            cpu["urlwatch"].setdefault(name, []).append(1000 * floor.cpu)
    return {name: {command: f"{statistics.median(values):.0f} ({', '.join(f'{v:.0f}' for v in values)})"
                   for command, values in commands.items()} for name, commands in cpu.items()}


def daemon_config(tmp: Path, health_port: int) -> Path:
    """replica.toml with every source on a fixed 10 s interval and the daemon's port free."""
    text = REPLICA_TOML.read_text(encoding="utf-8")
    # story_hold = 0: the new article's alert is delivered at once even when it joins an earlier article's story
    text = text.replace("[settings]\n", f"[settings]\nhealth_port = {health_port}\nstory_hold = 0\n", 1)
    lines = []
    for line in text.splitlines():
        lines.append(line)
        if line.startswith("[sources."):
            lines += ['interval = "10s"', 'schedule = "fixed"']
    path = tmp / "daemon.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _entries(db: Path) -> int:
    with closing(sqlite3.connect(db)) as connection:
        return int(connection.execute("SELECT count(*) FROM entry").fetchone()[0])


def _sent(db: Path) -> int:
    with closing(sqlite3.connect(db)) as connection:
        return int(connection.execute("SELECT count(*) FROM alert WHERE status = 'sent'").fetchone()[0])


def idle_daemon(tools: Tools, python: str, tree: Path, seconds: float, db: Path) -> dict[str, Any]:
    """`tidings run` on its own copy `db` of the database: nothing new for `seconds` (its RSS and CPU per source
    poll in the second half), then one new article published (focustaiwan, topic ai: it matches the default
    rules; its alert is printed on the console) and its RSS again once it is stored and the daemon settled."""
    config = daemon_config(tools.tmp, free_port())
    tools.replica.clear_log()
    env = {**tools.env, "TIDINGS_REPLICA_DATABASE_URL": f"sqlite:///{db}"}
    stored_before, sent_before = _entries(db), _sent(db)
    child = Child([python, "-m", "crawler", "-c", str(config), "run"], env=env, cwd=tree)
    time.sleep(seconds)
    polls = len(tools.replica.log())
    published_at = time.monotonic() - child.start
    tools.replica.publish("focustaiwan", topic="ai")
    deadline = time.monotonic() + 60
    while _entries(db) == stored_before and time.monotonic() < deadline:
        time.sleep(0.5)
    stored_at = time.monotonic() - child.start
    time.sleep(AFTER_ARTICLE)  # the alert dispatched, the run's garbage collected: the settled size
    measured = child.finish(terminate=True, timeout=60)
    settled = [s for s in measured.samples if seconds / 2 <= s[0] < published_at]
    after = [s for s in measured.samples if s[0] >= stored_at + AFTER_ARTICLE / 2]
    cpu = (settled[-1][1] - settled[0][1]) if len(settled) >= 2 else float("nan")
    span = (settled[-1][0] - settled[0][0]) if len(settled) >= 2 else float("nan")
    return {
        "requests": polls,
        "rss_median": statistics.median(s[2] for s in settled) if settled else measured.peak_rss,
        "rss_max": max((s[2] for s in settled), default=measured.peak_rss),
        "rss_after": statistics.median(s[2] for s in after) if after else float("nan"),
        "new_stored": _entries(db) - stored_before,
        "alerts_sent": _sent(db) - sent_before,
        "cpu_ms_per_poll": 1000 * cpu / max(1.0, polls * span / seconds) if settled else float("nan"),
        "cpu_pct": 100 * cpu / span if settled and span else float("nan"),
        "rc": measured.returncode,
        "err": measured.stderr[-500:],
    }


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
    parser.add_argument("--quick", action="store_true", help="the same run (kept for older command lines)")
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with (e.g. main)")
    parser.add_argument("--python", default=PYTHON, help="the interpreter tidings runs with (default: this one)")
    parser.add_argument("--rounds", type=int, default=3, help="idle polls per tool, taking turns (median)")
    parser.add_argument("--daemon-seconds", type=float, default=40.0, help="how long the idle daemon runs")
    args = parser.parse_args()
    header("idle: one poll of every source", args.quick)
    python = args.python
    for tree in (ROOT, *([args.before] if args.before else [])):
        compile_tree(python, tree)
    with workdir("bench-idle-") as tmp, Replica(30) as replica:
        proxy = CountingProxy(replica.port)
        tools = Tools(tmp, replica, proxy)
        print(f"urlwatch jobs (= URLs tidings polls): {tools.jobs}; tidings runs with {python}", flush=True)
        warm = [
            tools.measure("tidings first run", tools.tidings_db, lambda: tools.tidings(python)),
            tools.measure("urlwatch first run", tools.cache, tools.urlwatch),
        ]
        contenders: list[tuple[str, Any]] = [("tidings", (tools.tidings_db, lambda: tools.tidings(python)))]
        if args.before:
            before = args.before
            contenders.append(("tidings before", (tools.tidings_db, lambda: tools.tidings(python, before))))
        contenders.append(("urlwatch", (tools.cache, tools.urlwatch)))
        idle = [*idle_rounds(tools, contenders, args.rounds), poll_only(tools)]
        published = replica.publish("focustaiwan", topic="ai")
        print(f"published {published.get('url')}", flush=True)
        new = [
            tools.measure("tidings", tools.tidings_db, lambda: tools.tidings(python)),
            tools.measure("urlwatch", tools.cache, tools.urlwatch),
        ]
        startup = start_up(tools, python, args.before, args.rounds)
        # Last, as each publishes an article: each daemon on a copy of the database as the previous one left it,
        # so that each finds exactly its own one new article.
        daemons: list[tuple[str, dict[str, Any]]] = []
        db = tools.tidings_db
        for name, tree in [("tidings run", ROOT), *([("tidings run, before", args.before)] if args.before else [])]:
            copy = tools.tmp / f"daemon-{len(daemons)}.db"
            shutil.copyfile(db, copy)
            daemons.append((name, idle_daemon(tools, python, tree, args.daemon_seconds, copy)))
            db = copy
        proxy.stop()
    print("\nfirst run (filling the cache/database; for reference)\n" + table(HEADERS, rows(warm)))
    print(f"\nidle poll (nothing changed; CPU and RSS: median of {args.rounds} rounds, taking turns)\n"
          + table(HEADERS, rows(idle)))
    print("CPU ms of each round: " + "; ".join(f"{r['name']} {r['cpu_all']}" for r in idle if "cpu_all" in r))
    print(f"\nidle daemon (`tidings run`, every source every 10 s, nothing new; {args.daemon_seconds:.0f} s, "
          f"the second half sampled; then one new article, sampled {AFTER_ARTICLE / 2:.0f}-{AFTER_ARTICLE:.0f} s "
          "after it was stored)\n" + table(
              ["daemon", "requests", "RSS MiB median", "RSS MiB max", "CPU ms per request", "CPU %",
               "RSS MiB after one new article", "new stored", "alerts sent", "exit"],
              [[name, d["requests"], mib(d["rss_median"]), mib(d["rss_max"]), d["cpu_ms_per_poll"], d["cpu_pct"],
                mib(d["rss_after"]), d["new_stored"], d["alerts_sent"], d["rc"]] for name, d in daemons]))
    for name, d in daemons:
        if d["rc"] not in (0, -15):
            print(f"{name} stderr: {d['err']}")
    print("\nafter one new article (focustaiwan, topic ai)\n" + table(HEADERS, rows(new)))
    urlwatch_idle = next(r for r in idle if r["name"] == "urlwatch")
    ratios = [
        [
            f"idle ({r['name']})",
            ratio(r["requests"], urlwatch_idle["requests"]),
            ratio(r["bytes"], urlwatch_idle["bytes"]),
            ratio(r["cpu_ms"], urlwatch_idle["cpu_ms"]),
            ratio(r["writes"], urlwatch_idle["writes"]),
        ]
        for r in idle if r["name"] in ("tidings", "tidings before")
    ] + [
        [
            "one new article",
            ratio(new[0]["requests"], new[1]["requests"]),
            ratio(new[0]["bytes"], new[1]["bytes"]),
            ratio(new[0]["cpu_ms"], new[1]["cpu_ms"]),
            ratio(new[0]["writes"], new[1]["writes"]),
        ],
    ]
    print("\nratio tidings / urlwatch\n" + table(["poll", "requests", "bytes", "CPU ms", "DB rows written"], ratios))
    print(f"\nstart-up (CPU ms, median of {args.rounds} rounds, taking turns; `sources list` reads this database)\n"
          + table(["command", *startup], [[command, *(startup[tool].get(command, "") for tool in startup)]
                                         for command in ("--help", "sources list")]))
    for name, imports in FLOORS.items():
        print(f"{name} (`python -c '{imports}'`, tidings' interpreter): {startup['urlwatch'].get(name)} ms")
    alerts = [line for line in new[1]["out"].splitlines() if line.startswith(("CHANGED", "NEW", "ERROR"))]
    print(f"\nurlwatch after the new article reported: {alerts[:5]}")
    print(
        f"tidings exit codes: {[r['rc'] for r in (*warm[:1], idle[0], new[0])]}; "
        f"urlwatch: {[r['rc'] for r in (warm[1], urlwatch_idle, new[1])]}"
    )


if __name__ == "__main__":
    main()
