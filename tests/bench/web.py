"""Web app benchmark: `tidings serve` over a database of 100,000 entries (SQLite; PostgreSQL with --database-url).

    python -m tests.bench.web [--quick] [--entries N] [--database-url URL]

The entries are generated and stored through the store's unit of work (so the search index is filled by its
triggers, as in production): Chinese and English texts of about 600 characters from a fixed vocabulary, some
edited once, a quarter matched by a rule. Then `tidings serve` runs as a subprocess and is asked, over HTTP with
keep-alive, for: search pages (common, rare, CJK, English, concept-group and boolean queries), timeline pages
(first page, a filter, the next page by cursor) and article pages (random entries). Reported per kind: p50, p95,
max (ms) of the whole HTTP round trip. Aims: search p95 < 100 ms, pages < 150 ms. Nothing is asserted.
--quick: 10,000 entries, fewer requests.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx

from storage import ArticleRecord, MatchRecord, Store
from tests.bench.common import free_port, header, percentile

TIDINGS = Path(sys.executable).parent / "tidings"
ZH = ("臺灣", "日本", "外交部", "人工智慧", "合作", "半導體", "經濟部", "總統", "新南向", "夥伴", "協議", "會談",
      "印尼", "越南", "科技", "投資", "晶片", "綠能", "醫療", "農業", "簽署", "備忘錄", "交流", "論壇")
EN = ("Taiwan", "Japan", "ministry", "artificial", "intelligence", "cooperation", "semiconductor", "president",
      "partnership", "agreement", "talks", "Indonesia", "Vietnam", "technology", "investment", "chips", "green",
      "energy", "health", "farming", "signed", "memorandum", "exchange", "forum", "said", "AI")
SEARCHES = ("日本", "人工智慧 合作", "@ai AND 日本", "Japan", "semiconductor", "@partnership", "臺灣 -日本",
            "title:總統", '"green energy"', "zyxwvut", "新南向 OR Vietnam", "cooperat*")


def _text(rng: random.Random, zh: bool) -> tuple[str, list[str]]:
    words = ZH if zh else EN
    joiner = "" if zh else " "
    title = joiner.join(rng.choices(words, k=6))
    paragraphs = [joiner.join(rng.choices(words, k=rng.randint(20, 40))) + ("。" if zh else ".") for _ in range(4)]
    return title, paragraphs


def generate(url: str, count: int, seed: int = 11) -> list[int]:
    """Store ``count`` entries (batches of 500 per transaction); returns their ids."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids: list[int] = []
    with Store.open(url) as store:
        for source in ("cna", "focustaiwan"):
            store.ensure_source(source, kind=source, settings_hash="bench")
        for batch in range(0, count, 500):
            with store.unit_of_work() as uow:
                for index in range(batch, min(count, batch + 500)):
                    zh = index % 2 == 0
                    when = start + timedelta(minutes=index * 3)
                    title, paragraphs = _text(rng, zh)
                    day = when.date().isoformat()
                    page = f"https://{'www.cna.com.tw' if zh else 'focustaiwan.tw'}/news/{index}"
                    record = ArticleRecord(source_id="cna" if zh else "focustaiwan", url=page, canonical_url=page,
                                           title=title, text="\n".join([title, day, *paragraphs]) + "\n",
                                           language="zh" if zh else "en", published=day, fetched_at=when)
                    outcome = uow.save_article(record, now=when)
                    ids.append(outcome.entry_id)
                    if index % 4 == 0 and outcome.version_id is not None:
                        uow.add_match(MatchRecord(outcome.entry_id, outcome.version_id, "ai", "new", []), now=when)
                    if index % 10 == 0:
                        edited = ArticleRecord(**{**record.__dict__, "text": record.text + "補充。\n",
                                                  "fetched_at": when + timedelta(minutes=1)})
                        uow.save_article(edited, now=when + timedelta(minutes=1))
            if batch and batch % 20_000 == 0:
                print(f"  stored {batch} entries", flush=True)
    return ids


def serve(url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = workdir / "web.toml"
    config.write_text(f'[settings]\ndatabase_url = "{url}"\n[sources.cna]\n[sources.focustaiwan]\n'
                      '[rules.ai]\nquery = "@ai"\n', encoding="utf-8")
    proc = subprocess.Popen([str(TIDINGS), "-c", str(config), "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"tidings serve did not answer: {proc.stderr.read().decode() if proc.stderr else ''}")


def measure(client: httpx.Client, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--entries", type=int)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    count = args.entries or (10_000 if args.quick else 100_000)
    rounds = 3 if args.quick else 10
    header("web app", args.quick)
    with tempfile.TemporaryDirectory(prefix="tidings-bench-web-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/web.db"
        started = time.monotonic()
        ids = generate(url, count)
        print(f"stored {count} entries in {time.monotonic() - started:.0f}s ({url.split(':')[0]})")
        proc, base = serve(url, Path(tmp))
        rng = random.Random(5)
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                measure(client, ["/", "/search?q=AI"])  # warm-up
                cursor = client.get("/api/entries?limit=50").json()["next_cursor"]
                kinds = {
                    "search (HTML page)": [f"/search?q={quote(q)}" for q in SEARCHES] * rounds,
                    "search (API)": [f"/api/search?q={quote(q)}" for q in SEARCHES] * rounds,
                    "timeline": ["/", "/?source=cna", f"/?cursor={cursor}", "/?rule=ai", "/?edited=1"] * rounds * 2,
                    "article": [f"/entries/{rng.choice(ids)}" for _ in range(20 * rounds)],
                }
                print("\n| request | n | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
                for kind, paths in kinds.items():
                    times = measure(client, paths)
                    print(f"| {kind} | {len(times)} | {percentile(times, 0.5):.1f} | {percentile(times, 0.95):.1f} "
                          f"| {max(times):.1f} |")
                print("\n| search query | ms (median of rounds) |\n|---|---|")
                for query in SEARCHES:
                    times = measure(client, [f"/api/search?q={quote(query)}"] * rounds)
                    print(f"| `{query}` | {percentile(times, 0.5):.1f} |")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
