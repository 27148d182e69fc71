"""Benchmark: the cost of linking a new entry to its story inside the unit of work, against a large store.

Run: ``python -m tests.bench.story_link [--quick] [--database-url URL]`` (default: a SQLite file in a temporary
directory; ``--database-url postgresql+psycopg://...`` for PostgreSQL, whose tables are dropped first).

The store is filled through the Store (``save_article`` and ``link_story``, 1,000 entries per transaction) with
100,000 entries (20,000 with ``--quick``) made as ``tests.bench.stories`` makes its synthetic store: the corpus
entries' anchors perturbed (another day in four years, other numbers and dates, half the names replaced, fresh
sketches), indexed under their ``candidate_keys``. Then each of the 59 corpus articles is saved and linked by
``crawler.pipeline.stories.link_entry`` (anchors, blocking look-up in ``story_key``, scoring of the candidates,
the link and its keys written); the figure is milliseconds per ``link_entry`` call, next to the 5 ms budget.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crawler.pipeline.stories import link_entry
from rules.stories import anchors_of, candidate_keys
from storage import ArticleRecord, Store, StoryLinkRecord
from tests.bench.stories import BUDGET_MS, _perturbed, load, to_docs

BATCH = 1000


def fill(store: Store, size: int, seed: int = 13) -> float:
    """``size`` synthetic entries with their story links and keys; returns the seconds it took."""
    docs = [doc for doc, _ in to_docs(load())]
    base = [(doc, anchors_of(doc)) for doc in docs]
    rng = random.Random(seed)
    store.ensure_source("bench", kind="bench", settings_hash="x")
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        with store.unit_of_work() as uow:
            for index in range(start, min(size, start + BATCH)):
                doc, anchors = rng.choice(base)
                day = date(2022, 1, 1) + timedelta(days=rng.randrange(4 * 365))
                fake = _perturbed(anchors, day, rng)
                url = f"https://bench.example/{index}"
                seen = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
                rec = ArticleRecord("bench", url, url, doc.title, f"{doc.title}\n{index} {doc.text[:200]}\n",
                                    language=doc.language, published=day.isoformat(), fetched_at=seen)
                outcome = uow.save_article(rec, now=seen)
                link = StoryLinkRecord(outcome.entry_id, None, "new", anchors=fake.to_json(),
                                       keys=frozenset(candidate_keys(fake)))
                uow.link_story(link, now=seen)
    return time.perf_counter() - started


def measure(store: Store, tag: str = "bench") -> list[float]:
    """Milliseconds of ``link_entry`` for each corpus article, saved as a new entry."""
    timings = []
    for doc, row in to_docs(load()):
        url = f"{row['url']}#{tag}"
        text = "\n".join(part for part in (doc.title, row["published"], doc.text) if part) + "\n"
        rec = ArticleRecord("bench", url, url, doc.title, text, language=doc.language, published=row["published"],
                            fetched_at=doc.first_seen)
        with store.unit_of_work() as uow:
            outcome = uow.save_article(rec, now=doc.first_seen)
            begun = time.perf_counter()
            link_entry(uow, rec, replace(outcome, kind="new"), now=doc.first_seen)
            timings.append((time.perf_counter() - begun) * 1000)
    return timings


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
            seconds = fill(store, size)
            timings = measure(store)
    report(url, size, seconds, timings)


def report(url: str, size: int, seconds: float | None, timings: list[float]) -> None:
    name = url.split(":", 1)[0].split("+")[0]
    mean = statistics.fmean(timings)
    filled = f" (filled in {seconds:.0f} s)" if seconds is not None else ""
    print(f"{name}: {size:,} stored entries{filled}; link_entry for {len(timings)} new entries:")
    print(f"  ms: mean {mean:.2f}, median {statistics.median(timings):.2f}, "
          f"p95 {sorted(timings)[int(0.95 * len(timings)) - 1]:.2f}, max {max(timings):.2f}; "
          f"mean / {BUDGET_MS:g} ms budget = {mean / BUDGET_MS:.2f}")


if __name__ == "__main__":
    main()
