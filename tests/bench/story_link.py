"""Benchmark: the cost of linking a new entry to its story inside the unit of work, against a large store.

Run: ``python -m tests.bench.story_link [--quick] [--database-url URL]`` (default: a SQLite file in a temporary
directory; ``--database-url postgresql+psycopg://...`` for PostgreSQL, whose tables are dropped first).

The store is filled straight into its tables (see ``fill``) with 100,000 entries (20,000 with ``--quick``) made
as ``tests.bench.stories`` makes its synthetic store: the corpus entries' anchors perturbed (another day in four
years, other numbers and dates, half the names replaced, fresh sketches), indexed under their ``candidate_keys``.
Then each of the 59 corpus articles is saved and linked by ``crawler.pipeline.stories.link_entry`` (anchors,
blocking look-up in ``story_key``, scoring of the candidates, the link and its keys written), ``ROUNDS`` times
after a warm-up round, each link rolled back; the figures are CPU milliseconds per ``link_entry`` call (and the
PostgreSQL backend's CPU), next to the 5 ms budget.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from crawler.pipeline.stories import link_entry
from rules.stories import anchors_of, candidate_keys
from storage import ArticleRecord, Store, UnitOfWork
from storage.dedup import content_hash
from storage.engine import make_engine
from storage.schema import entry, story, story_key, story_link, version
from storage.stories import key_hash
from tests.bench.stories import BUDGET_MS, _perturbed, load, to_docs

BATCH = 5000
ROUNDS = 3
"""Each corpus article is linked this many times (as another new entry each time, after one warm-up round)."""


def fill(store: Store, url: str, size: int, seed: int = 13) -> float:
    """``size`` synthetic entries with their story links and keys; returns the CPU seconds it took.

    The rows go straight into the tables (``entry``, ``version``, ``story``, ``story_link``, ``story_key``)
    by ``executemany`` in batches of ``BATCH``, as the Store would write them (one version, a story of its own,
    the keys hashed by ``storage.stories.key_hash``): storing each entry through ``save_article`` took 19
    minutes for 20,000 on PostgreSQL, and what is measured here is the link of a new entry, not the fill.
    """
    docs = [doc for doc, _ in to_docs(load())]
    base = [(doc, anchors_of(doc)) for doc in docs]
    rng = random.Random(seed)
    store.ensure_source("bench", kind="bench", settings_hash="x")
    started = time.process_time()
    engine = make_engine(url)
    with engine.begin() as conn:
        first = int(conn.execute(select(func.coalesce(func.max(entry.c.id), 0))).scalar_one()) + 1
    for start in range(first, first + size, BATCH):
        entries, versions, stories, links, keys = [], [], [], [], []
        for index in range(start, min(first + size, start + BATCH)):
            doc, anchors = rng.choice(base)
            day = date(2022, 1, 1) + timedelta(days=rng.randrange(4 * 365))
            fake = _perturbed(anchors, day, rng)
            page = f"https://bench.example/{index}"
            seen = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
            text = f"{doc.title}\n{index} {doc.text[:200]}\n"
            entries.append({"id": index, "canonical_url": page, "url": page, "source_id": "bench",
                            "language": doc.language, "title": doc.title, "published": day.isoformat(),
                            "first_seen": seen, "last_seen": seen, "current_version_id": index,
                            "story_id": index})
            versions.append({"id": index, "entry_id": index, "content_hash": content_hash(text), "text": text,
                             "fetched_at": seen, "change_class": "initial"})
            stories.append({"id": index, "title": doc.title, "first_entry_id": index, "first_seen": seen})
            links.append({"entry_id": index, "story_id": index, "score": None, "reason": "new", "evidence": None,
                          "linked_by": "auto", "anchors": fake.to_json(), "created_at": seen})
            keys.extend({"key_hash": value, "entry_id": index}
                        for value in sorted({key_hash(key) for key in candidate_keys(fake)}))
        with engine.begin() as conn:
            for table, rows in ((entry, entries), (version, versions), (story, stories), (story_link, links),
                                (story_key, keys)):
                conn.execute(table.insert(), rows)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for table in ("entry", "version", "story"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))")
    # What autovacuum does on a live PostgreSQL store (statistics, and the visibility map index-only scans use).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()
    return time.process_time() - started


def _backend_cpu(uow: UnitOfWork) -> float | None:
    """CPU seconds the PostgreSQL backend serving ``uow`` has used (its /proc stat), or None (SQLite, remote)."""
    if uow._conn.dialect.name != "postgresql":
        return None
    pid = uow._conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(store: Store, tag: str = "bench") -> dict[str, list[float]]:
    """Milliseconds of ``link_entry`` for each corpus article (``ROUNDS`` times), saved as a new entry (the
    process warmed up by one round first, as a running daemon is; each rolled back): ``cpu`` (this process),
    ``wall``, and ``server`` (the PostgreSQL backend's CPU over the same calls, 10 ms ticks: a total only)."""
    timings: dict[str, list[float]] = {"cpu": [], "wall": [], "server": []}
    rows = to_docs(load())
    warm = [(doc, row, f"{row['url']}#{tag}-warm-up", False) for doc, row in rows]
    for doc, row, url, timed in warm + [(doc, row, f"{row['url']}#{tag}-{n}", True) for n in range(ROUNDS)
                                        for doc, row in rows]:
        text = "\n".join(part for part in (doc.title, row["published"], doc.text) if part) + "\n"
        rec = ArticleRecord("bench", url, url, doc.title, text, language=doc.language, published=row["published"],
                            fetched_at=doc.first_seen)
        try:
            with store.unit_of_work() as uow:
                outcome = uow.save_article(rec, now=doc.first_seen)
                server = _backend_cpu(uow)
                begun, cpu = time.perf_counter(), time.process_time()
                link_entry(uow, rec, replace(outcome, kind="new"), now=doc.first_seen)
                if timed:
                    timings["cpu"].append((time.process_time() - cpu) * 1000)
                    timings["wall"].append((time.perf_counter() - begun) * 1000)
                    after = _backend_cpu(uow)
                    if server is not None and after is not None:
                        timings["server"].append((after - server) * 1000)
                raise _RolledBack
        except _RolledBack:
            pass
    return timings


class _RolledBack(Exception):
    """Raised to roll a measured link back: every link meets the filled store, not the links before it."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 stored entries instead of 100,000")
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--measure-only", action="store_true",
                        help="link against the store an earlier run of this benchmark filled (--database-url)")
    args = parser.parse_args()
    if args.measure_only:
        with Store.open(args.database_url) as store:
            timings = measure(store, tag=f"bench-{time.time_ns()}")
            size = store.count_entries()
        report(args.database_url, size, None, timings)
        return
    size = 20_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        if url.startswith("postgresql"):
            from tests.conftest import reset_postgres

            reset_postgres(url)
        with Store.open(url) as store:
            seconds = fill(store, url, size)
            timings = measure(store)
    report(url, size, seconds, timings)


def report(url: str, size: int, seconds: float | None, timings: dict[str, list[float]]) -> None:
    name = url.split(":", 1)[0].split("+")[0]
    filled = f" (filled in {seconds:.0f} s CPU)" if seconds is not None else ""
    count = len(timings["cpu"])
    print(f"{name}: {size:,} stored entries{filled}; link_entry for {count} new entries:")
    for kind in ("cpu", "wall"):
        values = sorted(timings[kind])
        print(f"  {kind} ms: mean {statistics.fmean(values):.2f}, median {statistics.median(values):.2f}, "
              f"p95 {values[int(0.95 * len(values)) - 1]:.2f}, max {values[-1]:.2f}")
    articles = count // ROUNDS
    best = [min(timings["cpu"][i::articles]) for i in range(articles)]
    print(f"  cpu ms, each article's best of its {ROUNDS} rounds (what CPU contention adds left out): "
          f"mean {statistics.fmean(best):.2f}, median {statistics.median(best):.2f}, "
          f"p95 {sorted(best)[int(0.95 * len(best)) - 1]:.2f}, max {max(best):.2f}")
    total = statistics.fmean(timings["cpu"])
    if timings["server"]:
        server = sum(timings["server"]) / count
        total += server
        print(f"  PostgreSQL backend CPU: mean {server:.2f} ms per link (from 10 ms ticks)")
    print(f"  CPU per link (process + database): mean {total:.2f} ms; mean / {BUDGET_MS:g} ms budget = "
          f"{total / BUDGET_MS:.2f}")


if __name__ == "__main__":
    main()
