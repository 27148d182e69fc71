"""Extraction benchmark: tidings' generic path vs plain `trafilatura.extract`, and the profile path on the replica.

    python -m tests.bench.extraction [--quick] [--repeat N] [--worst N]

Metric (the Article Extraction Benchmark's): split both texts into word tokens, take 4-gram shingles (as
multisets), and compute precision, recall and F1 per page; the table shows the means over pages, and also
F1 of the mean precision and mean recall (the form AEB publishes). Time is CPU time of this process (the
machine is shared: wall time would measure the neighbours), the least of `--repeat` runs per page, the methods
interleaved page by page so that both see the same load; "x traf" is the median over pages of tidings' time
over trafilatura's on the same page. "even/odd" are the F1 means of the two halves of each corpus (pages in
sorted order, alternating), a check that a figure is not carried by one half. Tokens are runs of word
characters (`\\w+`), except that every CJK ideograph, kana or hangul syllable is a token of its own (Chinese has
no spaces).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from crawler.extract.decode import REPLACEMENT, DecodeError, decode_html
from crawler.extract.page import ExtractError, extract
from tests.shared import CORPUS as SHARED_CORPUS

CORPUS = Path(os.environ.get("TIDINGS_CORPUS", SHARED_CORPUS))
SEEDS = CORPUS.parent / "seeds"
CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
TOKEN = re.compile(rf"[{CJK}]|[^\W{CJK}]+")
SHINGLE = 4
QUICK_PAGES = 40

Page = tuple[str, str, str]  # (url, html, ground truth)
Extractor = Callable[[str, str], str]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def shingles(text: str) -> Counter[str]:
    tokens = TOKEN.findall(text)
    if len(tokens) < SHINGLE:
        return Counter([" ".join(tokens)] if tokens else [])
    return Counter(" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def score(truth: str, predicted: str) -> Score:
    expected, got = shingles(truth), shingles(predicted)
    hits = sum((expected & got).values())
    precision = hits / sum(got.values()) if got else float(not expected)
    recall = hits / sum(expected.values()) if expected else 1.0
    return Score(precision, recall)


def tidings_generic(html: str, url: str) -> str:
    try:
        return extract(html, url, None).article.body
    except ExtractError:
        return ""


def plain_trafilatura(html: str, url: str) -> str:
    return trafilatura.extract(html) or ""


@dataclass(frozen=True)
class PageResult:
    url: str
    score: Score
    ms: float


@dataclass(frozen=True)
class Row:
    corpus: str
    method: str
    pages: int
    precision: float
    recall: float
    f1: float
    f1_of_means: float
    ms_per_page: float
    median_ms: float = 0.0
    p95_ms: float = 0.0
    halves: tuple[float, float] = (0.0, 0.0)
    ratio: float | None = None


def timed(extractor: Extractor, html: str, url: str, repeat: int) -> tuple[str, float]:
    """The extractor's text and its least CPU time (ms) over `repeat` runs."""
    best, text = float("inf"), ""
    for _ in range(repeat):
        started = time.process_time()
        text = extractor(html, url)
        best = min(best, (time.process_time() - started) * 1000)
    return text, best


def compare(pages: list[Page], extractors: list[Extractor], repeat: int) -> list[list[PageResult]]:
    """Each extractor on each page, interleaved page by page: per extractor, its result on every page."""
    results: list[list[PageResult]] = [[] for _ in extractors]
    for url, html, truth in pages:
        for index, extractor in enumerate(extractors):
            text, ms = timed(extractor, html, url, repeat)
            results[index].append(PageResult(url, score(truth, text), ms))
    return results


def summarize(corpus: str, method: str, results: list[PageResult], against: list[PageResult] | None = None) -> Row:
    scores = [result.score for result in results]
    times = sorted(result.ms for result in results)
    elapsed = sum(times) / max(1, len(times))
    ratio = (statistics.median(mine.ms / max(theirs.ms, 1e-6) for mine, theirs in zip(results, against, strict=True))
             if against else None)
    halves = (_mean_f1(scores[0::2]), _mean_f1(scores[1::2]))
    precision = sum(s.precision for s in scores) / len(scores)
    recall = sum(s.recall for s in scores) / len(scores)
    f1 = sum(s.f1 for s in scores) / len(scores)
    median, p95 = statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]
    return Row(corpus, method, len(scores), precision, recall, f1, Score(precision, recall).f1, elapsed, median, p95,
               halves, ratio)


def _mean_f1(scores: list[Score]) -> float:
    return sum(s.f1 for s in scores) / len(scores) if scores else 0.0


def run(corpus: str, method: str, extractor: Extractor, pages: list[Page], repeat: int = 1) -> Row:
    return summarize(corpus, method, compare(pages, [extractor], repeat)[0])


def print_worst(corpus: str, results: list[PageResult], count: int) -> None:
    print(f"\n{corpus}: the {count} lowest F1 of tidings generic")
    for result in sorted(results, key=lambda item: item.score.f1)[:count]:
        s = result.score
        print(f"  F1 {s.f1:.3f}  P {s.precision:.3f}  R {s.recall:.3f}  {result.url[:100]}")


def aeb_pages(limit: int | None) -> list[Page]:
    truth = json.loads((CORPUS / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        raw = gzip.decompress((CORPUS / "aeb" / "html" / f"{page_id}.html.gz").read_bytes())
        url = truth[page_id]["url"]
        pages.append((url, decode_html(raw, url=url).text, truth[page_id]["articleBody"]))
    return pages


def wced_pages(limit: int | None) -> tuple[list[Page], int, list[str]]:
    """The pages, how many decoded text holds U+FFFD, and the files that did not decode."""
    pages, replaced, failed = [], 0, []
    for path in sorted((CORPUS / "chinese-wced" / "original").glob("*.html"))[:limit]:
        truth = (CORPUS / "chinese-wced" / "cleaned" / f"{path.stem}.txt").read_text(encoding="utf-8")
        try:
            text = decode_html(path.read_bytes(), url=path.name).text
        except DecodeError:
            failed.append(path.name)
            continue
        replaced += REPLACEMENT in text
        pages.append((f"https://wced.invalid/{path.stem}", text, truth))
    return pages, replaced, failed


def replica_rows() -> tuple[list[Row], str]:
    """The profile path (generic for seed 003) on the replica's seed pages, and how many are exact."""
    if not (Path(__file__).resolve().parents[1] / "sites" / "server.py").exists():
        return [], "replica: not built yet (tests/sites/server.py missing)"
    from tests.test_golden import golden_cases  # the replica and the seed files, shared with the tests

    cases = golden_cases()
    rules = {case.url: case.rules for case in cases}

    def extractor(html: str, url: str) -> str:
        return extract(html, url, rules[url]).article.to_text()

    pages = [(case.url, case.html, case.expected) for case in cases]
    exact = [case.seed for case in cases if extractor(case.html, case.url).splitlines() == case.expected.splitlines()]
    row = run("replica seeds", "tidings profile (003: generic)", extractor, pages)
    return [row], f"replica seeds exact: {len(exact)}/{len(cases)} {exact}"


def print_table(rows: Iterable[Row]) -> None:
    header = (f"{'corpus':<16} {'method':<36} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} {'F1(P̄,R̄)':>8}"
              f" {'even':>6} {'odd':>6} {'CPU ms/page':>11} {'median':>6} {'p95':>6} {'x traf':>6}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.corpus:<16} {r.method:<36} {r.pages:>5} {r.precision:>6.3f} {r.recall:>6.3f} {r.f1:>6.3f}"
            f" {r.f1_of_means:>8.3f} {r.halves[0]:>6.3f} {r.halves[1]:>6.3f} {r.ms_per_page:>11.1f}"
            f" {r.median_ms:>6.1f} {r.p95_ms:>6.1f} {f'{r.ratio:.2f}' if r.ratio is not None else '':>6}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only the first {QUICK_PAGES} pages per corpus")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page and method; the least time counts")
    parser.add_argument("--worst", type=int, default=0, help="also list this many lowest-F1 pages per corpus")
    args = parser.parse_args(argv)
    limit = QUICK_PAGES if args.quick else None
    rows: list[Row] = []
    wced, replaced, failed = wced_pages(limit)
    worst: list[tuple[str, list[PageResult]]] = []
    for corpus, pages in (("aeb", aeb_pages(limit)), ("chinese-wced", wced)):
        mine, theirs = compare(pages, [tidings_generic, plain_trafilatura], args.repeat)
        rows += [summarize(corpus, "tidings generic", mine, theirs)]
        rows += [summarize(corpus, "trafilatura.extract (defaults)", theirs)]
        worst.append((corpus, mine))
    replica, replica_summary = replica_rows()
    print_table([*rows, *replica])
    for corpus, results in worst if args.worst else ():
        print_worst(corpus, results, args.worst)
    print(f"\nchinese-wced decoding: {len(wced)} decoded, {replaced} with U+FFFD, {len(failed)} failed {failed}")
    print(replica_summary)


if __name__ == "__main__":
    main()
