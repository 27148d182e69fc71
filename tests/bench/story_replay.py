"""Benchmark: story linking's CPU per new article in a crawl, this tree against another, same articles, one run.

    python -m tests.bench.story_replay --before TREE [--articles DB] [--database-url URL] [--rounds 2]

The articles are those a quick replica backfill stores (``tests.bench.crawl --quick``: 926 articles of 10
sites); ``--articles`` names a SQLite file such a crawl filled (else one is crawled first, ~1 minute). Each tree
replays them in a process of its own (``cwd`` = the tree, so it imports its own ``crawler``, ``rules`` and
``storage``), in the order they were stored, into an empty database: ``save_article`` then ``link_entry`` in
one unit of work per article, as ``crawler.pipeline.articles`` does. The figure is the thread CPU time of each
``link_entry`` call (``time.thread_time_ns``; on PostgreSQL the backend's CPU is not in it). The trees take
turns ``--rounds`` times each (before, after, before, after, ...), and every run's links (story, reason, score,
evidence, anchors, time written), stories and blocking keys must be identical across trees and rounds: the
benchmark fails otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]


def _articles(path: Path) -> list[dict[str, Any]]:
    """The stored articles of a crawl's SQLite file, in the order they were stored."""
    engine = create_engine(f"sqlite:///{path}")
    query = text(
        "SELECT e.source_id, e.url, e.canonical_url, e.title, v.text, e.language, e.author, e.published, "
        "e.updated, e.first_seen FROM entry e JOIN version v ON v.entry_id = e.id "
        "WHERE v.id = (SELECT min(id) FROM version WHERE entry_id = e.id) ORDER BY e.id"
    )
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    engine.dispose()
    for row in rows:
        seen = row["first_seen"]
        row["first_seen"] = seen.isoformat() if isinstance(seen, datetime) else str(seen)
    return rows


def child(url: str, articles: Path, out: Path) -> None:
    """Replay ``articles`` into the empty database ``url``; write the CPU of each link and every link made."""
    from datetime import UTC

    from crawler.pipeline.stories import link_entry
    from storage import ArticleRecord, Store

    rows = json.loads(articles.read_text(encoding="utf-8"))
    cpu: list[int] = []
    with Store.open(url) as store:
        for source in sorted({row["source_id"] for row in rows}):
            store.ensure_source(source, kind="bench", settings_hash="x")
        for row in rows:
            now = datetime.fromisoformat(row["first_seen"]).replace(tzinfo=UTC)
            fields = {k: row[k] for k in ("source_id", "url", "canonical_url", "title", "text", "language",
                                          "author", "published", "updated")}
            rec = ArticleRecord(**fields, fetched_at=now)
            with store.unit_of_work() as uow:
                outcome = uow.save_article(rec, now=now)
                started = time.thread_time_ns()
                link_entry(uow, rec, outcome, now=now)
                if outcome.kind == "new":
                    cpu.append(time.thread_time_ns() - started)
    out.write_text(json.dumps({"cpu_ns": cpu, "links": _links(url)}), encoding="utf-8")


def _links(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.connect() as conn:
        links = conn.execute(text(
            "SELECT l.entry_id, l.story_id, l.reason, l.score, l.evidence, l.anchors, e.story_id AS entry_story, "
            "l.linked_by, CAST(l.created_at AS TEXT) AS created_at "
            "FROM story_link l JOIN entry e ON e.id = l.entry_id ORDER BY l.entry_id")).all()
        keys = conn.execute(text("SELECT entry_id, key_hash FROM story_key ORDER BY entry_id, key_hash")).all()
        stories = conn.execute(text(
            "SELECT id, title, first_entry_id, CAST(first_seen AS TEXT) FROM story ORDER BY id")).all()
    engine.dispose()
    by_entry: dict[str, list[int]] = {}
    for entry_id, key in keys:
        by_entry.setdefault(str(entry_id), []).append(int(key))
    return {
        "links": [list(row) for row in links],
        "keys": by_entry,
        "stories": [list(row) for row in stories],
    }


def _reset(url: str) -> None:
    if url.startswith("postgresql"):
        from tests.conftest import reset_postgres

        reset_postgres(url)


def run_tree(tree: Path, url: str | None, articles: Path, tmp: Path, name: str) -> dict[str, Any]:
    """One replay by ``tree`` (its own process and source); returns its CPU figures and links."""
    out = tmp / f"{name}.json"
    target = url or f"sqlite:///{tmp / (name + '.sqlite')}"
    _reset(target)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    script = Path(__file__).resolve()
    # Run as a path, not as a module of ``tree`` (it may not have this file), and without this file's directory
    # first on sys.path (tests/bench/rules.py would hide the rules package).
    launch = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
    subprocess.run([sys.executable, "-c", launch, str(script), "--child", target, str(articles), str(out)],
                   cwd=tree, env=env, check=True)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    if url is None:
        Path(target.removeprefix("sqlite:///")).unlink()
    return result


def crawl_articles(tmp: Path) -> Path:
    """A quick replica backfill by this tree into a SQLite file (the articles to replay)."""
    from tests.bench.common import Child, Replica, tidings_cmd
    from tests.bench.crawl import REPLICA_TOML

    path = tmp / "crawl.sqlite"
    with Replica(100) as replica:
        env = {"TIDINGS_REPLICA_URL": replica.base_url, "TIDINGS_REPLICA_DATABASE_URL": f"sqlite:///{path}",
               "TIDINGS_HOME": str(tmp)}
        cmd = tidings_cmd(REPLICA_TOML, "crawl", "--backfill", "100000", "--no-alerts")
        done = Child(cmd, env=env).finish(timeout=900)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"crawl failed: {done.stderr[-2000:]}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="the other source tree (a worktree of main); required")
    parser.add_argument("--articles", type=Path, help="SQLite file a quick replica crawl filled")
    parser.add_argument("--database-url", help="replay into this database (PostgreSQL: emptied before each run)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each tree, taking turns")
    parser.add_argument("--child", nargs=3, metavar=("URL", "ARTICLES", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    if args.before is None:
        parser.error("--before is required")
    with tempfile.TemporaryDirectory(prefix="story-replay-") as name:
        tmp = Path(name)
        rows = _articles(args.articles or crawl_articles(tmp))
        articles = tmp / "articles.json"
        articles.write_text(json.dumps(rows), encoding="utf-8")
        trees = {"before": args.before.resolve(), "after": ROOT}
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for turn in range(args.rounds):
            for label, tree in trees.items():
                runs[label].append(run_tree(tree, args.database_url, articles, tmp, f"{label}-{turn}"))
        report(runs, len(rows), args.database_url, os.getloadavg())


def report(runs: dict[str, list[dict[str, Any]]], stored: int, url: str | None, load: tuple[float, ...]) -> None:
    reference = runs["before"][0]["links"]
    same = all(run["links"] == reference for label in runs for run in runs[label])
    database = (url or "sqlite").split(":", 1)[0].split("+")[0]
    links = reference["links"]
    print(f"{database}: {stored} articles replayed, {len(links)} links, {len(reference['stories'])} stories, "
          f"{sum(map(len, reference['keys'].values()))} keys; load average {load[0]:.2f} {load[1]:.2f}")
    means: dict[str, float] = {}
    for label, label_runs in runs.items():
        per_run = [statistics.fmean(run["cpu_ns"]) / 1e6 for run in label_runs]
        pooled = sorted(ns / 1e6 for run in label_runs for ns in run["cpu_ns"])
        best = [min(values) / 1e6 for values in zip(*(run["cpu_ns"] for run in label_runs), strict=True)]
        means[label] = statistics.fmean(pooled)
        print(f"  {label:6} link_entry CPU ms per new article: mean {means[label]:.3f} (runs: "
              f"{', '.join(f'{m:.3f}' for m in per_run)}), median {statistics.median(pooled):.3f}, "
              f"p95 {pooled[int(0.95 * len(pooled)) - 1]:.3f}; each article's best run: mean "
              f"{statistics.fmean(best):.3f}")
    print(f"  before / after: {means['before'] / means['after']:.2f}x; links and keys identical in every run: "
          f"{same}")
    if not same:
        raise SystemExit("the trees linked differently")


if __name__ == "__main__":
    main()
