"""Benchmark: story linking (issue #13) on the real development set ../shared/corpus/stories-dev/.

Run: ``python -m tests.bench.stories [--quick]``.

Every article becomes a ``StoryDoc`` and arrives in order of publication (then id; undated articles last). An
article's first-seen time is its publication day at noon (+08:00) or, when the page gives no date, one fixed
crawl time (``CRAWL_TIME``), as a real crawl of old undated pages would record. Each arrival is linked
incrementally as a store would do it: its ``lookup_keys`` are looked up in an inverted index of every stored
entry's ``candidate_keys``, the members found
are passed to ``choose_story``, and the entry joins the chosen story or starts a new one. Reported: pairwise
precision, recall and F1 over all pairs (same predicted story vs same ``cluster``), per language pair, every
false merge and every miss with its evidence.

Cost: a synthetic store (100,000 entries; 20,000 with ``--quick``) made by perturbing the corpus entries'
anchors: another day (four years of days), other numbers and dates, half of the non-gazetteer names replaced,
fresh sketches (other texts). Each corpus entry is then linked against it through the same blocking; the figure
is milliseconds per link (keys, index look-up, scoring), next to the 5 ms budget. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from rules.stories import (
    Anchors,
    LinkEvidence,
    StoryDoc,
    anchors_of,
    candidate_keys,
    choose_story,
    explain,
    lookup_keys,
    rank_candidates,
)
from rules.stories.link import MIN_SHARED, PARTIAL_EXTRA, PARTIAL_TIME, SEEN_EXTRA, SEEN_TOGETHER

SHARED = Path(__file__).resolve().parents[3] / "shared"
CORPUS = SHARED / "corpus" / "stories-dev" / "stories.jsonl"
TAIPEI = timezone(timedelta(hours=8))
CRAWL_TIME = datetime(2026, 11, 21, 12, 0, tzinfo=TAIPEI)
BUDGET_MS = 5.0


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def to_docs(rows: list[dict[str, Any]]) -> list[tuple[StoryDoc, dict[str, Any]]]:
    """StoryDocs in arrival order (published, then id; undated last), each with its corpus row."""
    ordered = sorted(rows, key=lambda row: (row["published"] or "9999", row["id"]))
    docs = []
    for index, row in enumerate(ordered):
        seen = CRAWL_TIME
        if row["published"]:
            day = date.fromisoformat(row["published"])
            seen = datetime(day.year, day.month, day.day, 12, 0, tzinfo=TAIPEI)
        doc = StoryDoc(index + 1, row["language"], row["title"], row["text"], row["published"], seen, row["url"],
                       row["site"])
        docs.append((doc, row))
    return docs


class Linker:
    """An in-memory store: entries, their anchors and stories, and the inverted index of blocking keys."""

    def __init__(self) -> None:
        self.docs: dict[int, StoryDoc] = {}
        self.anchors: dict[int, Anchors] = {}
        self.story: dict[int, int] = {}
        self.evidence: dict[int, LinkEvidence] = {}
        self.index: dict[str, list[int]] = defaultdict(list)

    def candidates(self, anchors: Anchors) -> list[tuple[int, StoryDoc, Anchors]]:
        postings = {key: self.index[key] for key in lookup_keys(anchors) if key in self.index}
        return [(self.story[i], self.docs[i], self.anchors[i]) for i in sorted(rank_candidates(postings))]

    def link(self, doc: StoryDoc, anchors: Anchors) -> tuple[int, LinkEvidence] | None:
        return choose_story(doc, anchors, self.candidates(anchors))

    def add(self, doc: StoryDoc, anchors: Anchors, story: int | None = None) -> int:
        if story is None:
            chosen = self.link(doc, anchors)
            if chosen is not None:
                story, self.evidence[doc.entry_id] = chosen
        self.docs[doc.entry_id] = doc
        self.anchors[doc.entry_id] = anchors
        self.story[doc.entry_id] = doc.entry_id if story is None else story
        for key in candidate_keys(anchors):
            self.index[key].append(doc.entry_id)
        return self.story[doc.entry_id]


def pair_kind(a: str | None, b: str | None) -> str:
    if a == b:
        return "same-language"
    pair = "-".join(sorted((a or "?", b or "?"), key=lambda lang: {"zh": 0, "en": 1, "id": 2}.get(lang, 3)))
    return pair if pair in {"zh-en", "zh-id", "en-id"} else "other"


def evaluate(quiet: bool = False) -> dict[str, Any]:
    docs = to_docs(load())
    linker = Linker()
    started = time.perf_counter()
    anchors = {doc.entry_id: anchors_of(doc) for doc, _ in docs}
    anchor_ms = (time.perf_counter() - started) * 1000 / len(docs)
    for doc, _ in docs:
        linker.add(doc, anchors[doc.entry_id])
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    false_merges, misses = [], []
    for (a, row_a), (b, row_b) in itertools.combinations(docs, 2):
        truth = row_a["cluster"] == row_b["cluster"]
        predicted = linker.story[a.entry_id] == linker.story[b.entry_id]
        outcome = {(True, True): "tp", (False, True): "fp", (True, False): "fn"}.get((truth, predicted))
        if outcome is None:
            continue
        for kind in ("all", pair_kind(a.language, b.language)):
            counts[kind][outcome] += 1
        if outcome != "tp":
            why = explain(a, anchors[a.entry_id], b, anchors[b.entry_id])
            (false_merges if outcome == "fp" else misses).append((row_a, row_b, why))
    report = {kind: _scores(counter) for kind, counter in counts.items()}
    if not quiet:
        _print_quality(report, false_merges, misses, linker, docs, anchor_ms)
        margins(docs, anchors)
    return {"scores": report, "false_merges": false_merges, "misses": misses, "anchor_ms": anchor_ms}


def margins(docs: list[tuple[StoryDoc, dict[str, Any]]], anchors: dict[int, Anchors]) -> None:
    """A guard against rules fitted to this set: for each kind of agreement in time, the heaviest pair of two
    different events (shared weight, specific anchors) against the weight a link needs, and the lightest pair
    of one event; wording overlap is left out (it adds to both)."""
    heaviest: dict[str, tuple[float, int, str]] = {}
    lightest: dict[str, tuple[float, int, str]] = {}
    counts: Counter[str] = Counter()
    for (a, row_a), (b, row_b) in itertools.combinations(docs, 2):
        why = explain(a, anchors[a.entry_id], b, anchors[b.entry_id])
        window = why["time"][0]
        if window == "no agreement":
            continue
        kind = window.split(" 2")[0].split(" 0")[0].split(" 1")[0]
        weight, specific = float(why["weight"][0]), int(why["weight"][1].split()[-1])
        pair = f"{row_a['id']}-{row_b['id']}"
        same = row_a["cluster"] == row_b["cluster"]
        counts[f"{kind}|{same}"] += 1
        table = lightest if same else heaviest
        best = table.get(kind)
        if best is None or (weight > best[0]) != same:
            table[kind] = (weight, specific, pair)
    print("\nmargins (per agreement in time: pairs of one event / of two; heaviest pair of two events; lightest of "
          "one; the weight a link needs):")
    for kind in sorted({key.split("|")[0] for key in counts}):
        need = MIN_SHARED + (PARTIAL_EXTRA if kind.startswith(PARTIAL_TIME) else 0.0) + (
            SEEN_EXTRA if kind.startswith(SEEN_TOGETHER) else 0.0)
        high, low = heaviest.get(kind), lightest.get(kind)
        print(f"  {kind}: {counts[kind + '|True']} / {counts[kind + '|False']}; "
              f"heaviest of two events {high[0]:.1f} (specific {high[1]}, {high[2]})" if high else "", end="")
        print(f"; lightest of one {low[0]:.1f} ({low[2]})" if low else "", end="")
        print(f"; needs {need:.1f} and 2 specific")


def _scores(counter: Counter[str]) -> dict[str, float]:
    tp, fp, fn = counter["tp"], counter["fp"], counter["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def _print_quality(report: dict[str, dict[str, float]], false_merges: list[Any], misses: list[Any], linker: Linker,
                   docs: list[tuple[StoryDoc, dict[str, Any]]], anchor_ms: float) -> None:
    print(f"stories-dev: {len(docs)} articles, {len({row['cluster'] for _, row in docs})} true stories, "
          f"{len(set(linker.story.values()))} predicted; anchors_of {anchor_ms:.1f} ms per article")
    print(f"{'pairs':<14} {'true':>5} {'linked':>6} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7} "
          f"{'F1':>5}")
    for kind in ("all", "zh-en", "zh-id", "en-id", "same-language", "other"):
        if kind in report:
            s = report[kind]
            print(f"{kind:<14} {s['tp'] + s['fn']:>5} {s['tp'] + s['fp']:>6} {s['tp']:>4} {s['fp']:>4} {s['fn']:>4} "
                  f"{s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>5.3f}")
    print("\nlinks made (entry -> story, evidence):")
    by_id = {doc.entry_id: row for doc, row in docs}
    for entry, evidence in sorted(linker.evidence.items()):
        first = by_id[linker.story[entry]]
        print(f"  {by_id[entry]['id']} -> story of {first['id']}: {evidence.reason} {evidence.score:.2f} "
              f"{_short(evidence.shared)}")
    for title, pairs in (("false merges", false_merges), ("misses", misses)):
        print(f"\n{title} ({len(pairs)}):")
        for row_a, row_b, why in pairs:
            print(f"  {row_a['id']} ({row_a['language']}, {row_a['cluster']}) - {row_b['id']} ({row_b['language']}, "
                  f"{row_b['cluster']}): {_short(why)}")


def _short(shared: dict[str, list[str]]) -> str:
    return "; ".join(f"{key}: {', '.join(values[:8])}" for key, values in shared.items() if key != "concepts")


# --- cost against a large store ---------------------------------------------------------------------


def synthetic_store(docs: list[tuple[StoryDoc, dict[str, Any]]], size: int, seed: int = 13) -> Linker:
    """``size`` entries made by perturbing the corpus entries' anchors (see the module docstring)."""
    rng = random.Random(seed)
    base = [(doc, anchors_of(doc)) for doc, _ in docs]
    first_day = date(2022, 1, 1)
    linker = Linker()
    for index in range(size):
        doc, anchors = rng.choice(base)
        day = first_day + timedelta(days=rng.randrange(4 * 365))
        entry_id = 1_000_000 + index
        fake = replace(doc, entry_id=entry_id, url=f"https://example.org/{entry_id}", published=day.isoformat(),
                       first_seen=datetime(day.year, day.month, day.day, 12, tzinfo=TAIPEI), alternates=())
        linker.add(fake, _perturbed(anchors, day, rng), story=entry_id)
    return linker


def _perturbed(anchors: Anchors, day: date, rng: random.Random) -> Anchors:
    shift = day - date.fromisoformat(anchors.day or "2024-01-01")
    dates = frozenset((date.fromisoformat(value) + shift).isoformat() for value in anchors.dates
                      if not value.startswith("--"))
    numbers = frozenset(str(rng.randrange(1, 5000)) for _ in anchors.numbers)
    names = frozenset(
        name if name[:2] in {"p:", "c:", "o:"} or rng.random() < 0.5 else f"name {rng.randrange(50_000)}"
        for name in anchors.names
    )
    sketch = tuple(sorted(rng.getrandbits(63) for _ in anchors.sketch))
    return replace(anchors, day=day.isoformat(), published=True, dates=dates, numbers=numbers, names=names,
                   sketch=sketch)


def measure_cost(size: int) -> dict[str, float]:
    docs = to_docs(load())
    started = time.perf_counter()
    store = synthetic_store(docs, size)
    build_s = time.perf_counter() - started
    queries = [(replace(doc, entry_id=doc.entry_id + 10_000_000), anchors_of(doc)) for doc, _ in docs]
    timings, candidates, dated, undated = [], [], [], []
    for _ in range(3):
        for doc, anchors in queries:
            begun = time.perf_counter()
            found = store.candidates(anchors)
            choose_story(doc, anchors, found)
            timings.append((time.perf_counter() - begun) * 1000)
            (dated if anchors.published else undated).append(timings[-1])
            candidates.append(len(found))
    postings = sum(len(v) for v in store.index.values())
    mean = statistics.fmean(timings)
    return {
        "store": size, "build_s": build_s, "keys": len(store.index), "postings_per_entry": postings / size,
        "mean_ms": mean, "median_ms": statistics.median(timings),
        "p95_ms": sorted(timings)[int(0.95 * len(timings)) - 1], "max_ms": max(timings),
        "candidates_mean": statistics.fmean(candidates), "candidates_max": max(candidates),
        "budget_ratio": mean / BUDGET_MS, "dated_mean_ms": statistics.fmean(dated),
        "undated_mean_ms": statistics.fmean(undated), "dated": len(dated) // 3, "undated": len(undated) // 3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20,000-entry store instead of 100,000")
    args = parser.parse_args()
    if not CORPUS.exists():
        raise SystemExit(f"{CORPUS} not found: the benchmark needs ../shared/corpus/stories-dev/")
    evaluate()
    size = 20_000 if args.quick else 100_000
    cost = measure_cost(size)
    print(f"\ncost: store of {cost['store']:,} synthetic entries (built in {cost['build_s']:.1f} s, "
          f"{cost['keys']:,} keys, {cost['postings_per_entry']:.0f} postings per entry)")
    print(f"  ms per link: mean {cost['mean_ms']:.3f}, median {cost['median_ms']:.3f}, p95 {cost['p95_ms']:.3f}, "
          f"max {cost['max_ms']:.3f}; candidates scored: mean {cost['candidates_mean']:.0f}, "
          f"max {cost['candidates_max']}; mean / {BUDGET_MS:g} ms budget = {cost['budget_ratio']:.3f}")
    print(f"  dated entries ({cost['dated']}): mean {cost['dated_mean_ms']:.3f} ms; undated entries "
          f"({cost['undated']}, month-day look-ups over every year): mean {cost['undated_mean_ms']:.3f} ms")


if __name__ == "__main__":
    main()
