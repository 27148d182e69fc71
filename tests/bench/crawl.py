"""Crawl benchmark: a full backfill of the replica sites, tidings vs a minimal Scrapy + trafilatura spider.

    python -m tests.bench.crawl [--quick] [--articles N] [--database-url URL] [--before TREE]

The replica serves N generated articles per site (10 sites: N=1000 full, 100 with --quick) in its own process.
Every tool runs in its own process with the same start URLs (tidings' discovery entries from
tests/sites/replica.toml, backfill entries included), politeness delay 0, and is measured from outside (exact CPU
and peak RSS of the child from wait4). Requests are counted in the replica's server-side log.

    tidings            `tidings -c tests/sites/replica.toml crawl --backfill B --no-alerts` (per_host_concurrency 1,
                       the default: every replica host is 127.0.0.1, so one request at a time)
    tidings conc=8     the same with per_host_concurrency = 8 (Scrapy's CONCURRENT_REQUESTS_PER_DOMAIN)
    scrapy             `scrapy runspider tests/bench/scrapy_spider.py` (16 requests at once, 8 per host)

B is large enough never to cap a source: both tools walk each paginated listing until a page brings nothing new.

CPU per stored page, net of process start: every tool also runs once with nothing to do (tidings: `tidings crawl
--no-alerts` on the database it just filled, i.e. start-up, config, store open and each source's first listing
answered 304; Scrapy: the spider with no start URL), and

    net CPU per stored page = (CPU of the backfill - CPU of that idle run) / articles stored

`--database-url` adds the same tidings runs on that database (PostgreSQL: its `public` schema is dropped and made
anew before each run, so give it a database of its own). `--before TREE` adds runs of another source tree (e.g. a
`git worktree` of main) with the same interpreter, side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.bench.common import (
    BIN,
    ROOT,
    Child,
    Measured,
    Replica,
    header,
    mib,
    ratio,
    run_measured,
    table,
    tidings_cmd,
    workdir,
)

REPLICA_TOML = ROOT / "tests" / "sites" / "replica.toml"
SITES = ("mofa-en", "mofa-zh", "nspp-zh", "nspp-en", "nspp-id", "moda-en", "moda-zh", "focustaiwan", "cna", "blog")


def spider_entries(base_url: str) -> list[dict[str, Any]]:
    """tidings' discovery entries of every replica source, as plain data for the spider."""
    from crawler.config import load_config

    os.environ["TIDINGS_REPLICA_URL"] = base_url
    config = load_config(str(REPLICA_TOML))
    entries = []
    for source in config.sources.values():
        for entry in source.profile.discover:
            entries.append(
                {
                    "source": source.id,
                    "kind": entry.kind,
                    "url": source.discovery_url(entry),
                    "method": entry.method,
                    "form": entry.form,
                    "json": entry.json_body,
                    "items": entry.items,
                    "link": entry.link,
                    "title": entry.title,
                    "content": entry.content,
                    "paginated": entry.paginated,
                    "start_page": entry.start_page,
                }
            )
    return entries


def concurrent_config(tmp: Path, concurrency: int) -> Path:
    text = REPLICA_TOML.read_text(encoding="utf-8")
    text = text.replace("per_host_delay = 0.0", f"per_host_delay = 0.0\nper_host_concurrency = {concurrency}", 1)
    path = tmp / f"replica-c{concurrency}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def reset_database(url: str) -> None:
    """An empty PostgreSQL database for the next run (SQLite runs get a new file instead)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def stored_per_source(url: str) -> Counter[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT source_id, count(*) FROM entry GROUP BY source_id")).all()
    engine.dispose()
    return Counter({str(source): int(count) for source, count in rows})


def tree_commit(tree: Path) -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True, text=True)
    return done.stdout.strip() or tree.name


def run_tidings(
    replica: Replica, tmp: Path, config: Path, name: str, backfill: int, *, database_url: str | None = None,
    tree: Path = ROOT,
) -> dict[str, Any]:
    """A backfill into an empty database, then a plain crawl of it (nothing new): the idle run."""
    url = database_url or f"sqlite:///{tmp / (name.replace(' ', '_').replace('=', '') + '.db')}"
    if make_url(url).get_backend_name() != "sqlite":
        reset_database(url)
    env = {"TIDINGS_REPLICA_URL": replica.base_url, "TIDINGS_REPLICA_DATABASE_URL": url, "TIDINGS_HOME": str(tmp)}
    cmd = tidings_cmd(config, "crawl", "--backfill", str(backfill), "--no-alerts")
    replica.clear_log()
    cpu0 = replica.cpu_seconds()
    measured = Child(cmd, env=env, cwd=tree).finish(timeout=900)
    if measured.returncode not in (0, 1):
        raise RuntimeError(f"tidings crawl failed ({measured.returncode}): {measured.stderr[-2000:]}")
    result = _result(name, measured, replica, cpu0, stored_per_source(url))
    idle_cmd = tidings_cmd(config, "crawl", "--no-alerts")  # a plain poll: first listing pages, answered 304
    idle = Child(idle_cmd, env=env, cwd=tree).finish(timeout=900)
    if idle.returncode not in (0, 1):
        raise RuntimeError(f"tidings idle crawl failed ({idle.returncode}): {idle.stderr[-2000:]}")
    result["idle_cpu"] = idle.cpu
    result["database"] = make_url(url).get_backend_name()
    return result


def run_scrapy(replica: Replica, tmp: Path) -> dict[str, Any]:
    entries = tmp / "entries.json"
    entries.write_text(json.dumps(spider_entries(replica.base_url)), encoding="utf-8")
    out = tmp / "scrapy.jsonl"
    replica.clear_log()
    cpu0 = replica.cpu_seconds()
    cmd = [
        str(BIN / "scrapy"),
        "runspider",
        str(ROOT / "tests" / "bench" / "scrapy_spider.py"),
        "-a",
        f"entries={entries}",
        "-O",
        str(out),
        "-s",
        "LOG_LEVEL=WARNING",
    ]
    measured = run_measured(cmd, env={"SCRAPY_SETTINGS_MODULE": ""})
    if measured.returncode != 0:
        raise RuntimeError(f"scrapy failed ({measured.returncode}): {measured.stderr[-2000:]}")
    nothing = tmp / "no-entries.json"
    nothing.write_text("[]", encoding="utf-8")
    idle_cmd = [part if part != f"entries={entries}" else f"entries={nothing}" for part in cmd]
    idle_cmd[idle_cmd.index(str(out))] = str(tmp / "idle.jsonl")
    idle = run_measured(idle_cmd, env={"SCRAPY_SETTINGS_MODULE": ""})
    urls: dict[str, set[str]] = {}
    with out.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if item.get("text"):  # an open-data item and its list-page twin are one article: count URLs once
                urls.setdefault(item["source"], set()).add(item["url"])
    per_source = Counter({source: len(found) for source, found in urls.items()})
    result = _result("scrapy + trafilatura", measured, replica, cpu0, per_source)
    result["idle_cpu"] = idle.cpu
    result["database"] = "JSONL"
    return result


def _result(name: str, measured: Measured, replica: Replica, cpu0: float, per_source: Counter[str]) -> dict[str, Any]:
    log = replica.log()
    pages = len(log)
    return {
        "name": name,
        "wall": measured.wall,
        "cpu": measured.cpu,
        "rss": measured.peak_rss,
        "pages": pages,
        "articles": sum(per_source.values()),
        "per_source": per_source,
        "errors": sum(1 for e in log if e["status"] >= 400),
        "replica_cpu": replica.cpu_seconds() - cpu0,
    }


def report(results: list[dict[str, Any]], totals: dict[str, int]) -> str:
    rows = []
    for r in results:
        rows.append(
            [
                r["name"],
                r["pages"],
                r["articles"],
                r["wall"],
                r["pages"] / r["wall"],
                r["articles"] / r["wall"],
                r["cpu"],
                1000 * r["cpu"] / max(1, r["pages"]),
                mib(r["rss"]),
                r["replica_cpu"],
                r["errors"],
            ]
        )
    main = table(
        [
            "tool",
            "requests",
            "articles stored",
            "wall s",
            "pages/s",
            "articles/s",
            "CPU s",
            "CPU s / 1,000 pages",
            "peak RSS MiB",
            "replica CPU s",
            "4xx/5xx",
        ],
        rows,
    )
    base, other = results[0], results[-1]
    ratios = (
        table(
            ["ratio (tidings / scrapy)", "pages/s", "CPU s per 1,000 pages", "peak RSS"],
            [
                [
                    r["name"],
                    ratio(r["pages"] / r["wall"], other["pages"] / other["wall"]),
                    ratio(r["cpu"] / max(1, r["pages"]), other["cpu"] / max(1, other["pages"])),
                    ratio(r["rss"], other["rss"]),
                ]
                for r in results[:-1]
            ],
        )
        if base is not other
        else ""
    )
    per = table(
        ["source", "on the replica", *[r["name"] for r in results]],
        [[site, totals.get(site, 0), *[r["per_source"].get(site, 0) for r in results]] for site in SITES],
    )
    return "\n\n".join([main, ratios, per, per_page(results)])


def net_ms(r: dict[str, Any]) -> float:
    return 1000 * float(r["cpu"] - r["idle_cpu"]) / max(1, int(r["articles"]))


def per_page(results: list[dict[str, Any]]) -> str:
    """CPU per stored page, net of process start (see the module's docstring), against Scrapy's."""
    other = results[-1]
    rows = [
        [r["name"], r["database"], r["articles"], r["cpu"], r["idle_cpu"], net_ms(r),
         1000 * r["cpu"] / max(1, r["articles"]), ratio(net_ms(other), net_ms(r))]
        for r in results
    ]
    return table(
        ["tool", "database", "articles stored", "CPU s backfill", "CPU s idle run", "net CPU ms / stored page",
         "CPU ms / stored page (with start)", "scrapy / this (net)"],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.crawl", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 articles per site (about 1,000 in all)")
    parser.add_argument("--articles", type=int, help="generated articles per site (default 1000, quick 100)")
    parser.add_argument("--skip-concurrent", action="store_true", help="leave out the tidings conc=8 run")
    parser.add_argument("--database-url", help="also run tidings on this database (emptied before each run)")
    parser.add_argument("--before", type=Path, help="also run this source tree's tidings (e.g. a worktree of main)")
    args = parser.parse_args()
    per_site = args.articles or (100 if args.quick else 1000)
    backfill = per_site * 10 + 1000
    header(f"crawl: {per_site} generated articles per site, backfill {backfill}", args.quick)
    with workdir("bench-crawl-") as tmp, Replica(per_site) as replica:
        totals = {site: len(replica.articles(site)) for site in SITES}
        print(f"replica: {sum(totals.values())} articles in all ({totals})", flush=True)
        results = [run_tidings(replica, tmp, REPLICA_TOML, "tidings", backfill)]
        print(f"tidings: {results[-1]['wall']:.1f}s", flush=True)
        if args.database_url:
            results.append(run_tidings(replica, tmp, REPLICA_TOML, "tidings (URL)", backfill,
                                       database_url=args.database_url))
            print(f"tidings ({results[-1]['database']}): {results[-1]['wall']:.1f}s", flush=True)
        if args.before:
            before = f"tidings {tree_commit(args.before)}"
            results.append(run_tidings(replica, tmp, REPLICA_TOML, before, backfill, tree=args.before))
            print(f"{before}: {results[-1]['wall']:.1f}s", flush=True)
            if args.database_url:
                results.append(run_tidings(replica, tmp, REPLICA_TOML, f"{before} (URL)", backfill,
                                           database_url=args.database_url, tree=args.before))
                print(f"{before} ({results[-1]['database']}): {results[-1]['wall']:.1f}s", flush=True)
        if not args.skip_concurrent:
            results.append(run_tidings(replica, tmp, concurrent_config(tmp, 8), "tidings conc=8", backfill))
            print(f"tidings conc=8: {results[-1]['wall']:.1f}s", flush=True)
        results.append(run_scrapy(replica, tmp))
        print(f"scrapy: {results[-1]['wall']:.1f}s\n", flush=True)
        print(report(results, totals))


if __name__ == "__main__":
    main()
