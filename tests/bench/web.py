"""Web app benchmark: `tidings serve` over a database of 100,000 entries (SQLite; PostgreSQL with --database-url).

    python -m tests.bench.web [--quick] [--entries N] [--database-url URL [--no-fill]]

The entries are generated and stored in one transaction with the rows the unit of work would write (the search
index filled by its triggers, as in production; tests/test_search_plans.py checks the two fills agree): Chinese
and English texts of about 600 characters from a fixed vocabulary, some edited once, a quarter matched by a rule.
First main's search path (tests/bench/search_before.py) and today's run side by side in this process (CPU ms,
same hits). Then `tidings serve` runs as a subprocess and is asked, over HTTP with keep-alive, for: search pages
(common, rare, CJK, English, concept-group, negation and boolean queries), timeline pages (first page, filters,
the next page by cursor) and article pages (random entries). Reported per kind: p50, p95, max (ms) of the whole
HTTP round trip and the server process's CPU per request. Aims: search p95 < 100 ms, pages < 150 ms. Nothing is
asserted. --quick: 10,000 entries, fewer requests.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import psutil
from sqlalchemy import bindparam, func, select, update

from storage import ArticleRecord, MatchRecord, Store, dedup
from storage.engine import to_json
from storage.records import UNANALYSED
from storage.schema import entry, match, version
from tests.bench.common import free_port, header, percentile

TIDINGS = Path(sys.executable).parent / "tidings"
ZH = ("臺灣", "日本", "外交部", "人工智慧", "合作", "半導體", "經濟部", "總統", "新南向", "夥伴", "協議", "會談",
      "印尼", "越南", "科技", "投資", "晶片", "綠能", "醫療", "農業", "簽署", "備忘錄", "交流", "論壇")
EN = ("Taiwan", "Japan", "ministry", "artificial", "intelligence", "cooperation", "semiconductor", "president",
      "partnership", "agreement", "talks", "Indonesia", "Vietnam", "technology", "investment", "chips", "green",
      "energy", "health", "farming", "signed", "memorandum", "exchange", "forum", "said", "AI")
SEARCHES = ("日本", "人工智慧 合作", "@ai AND 日本", "Japan", "semiconductor", "@partnership", "臺灣 -日本",
            "title:總統", '"green energy"', "zyxwvut", "新南向 OR Vietnam", "cooperat*", "@partnership -日本",
            "日本 -title:合作")


def _text(rng: random.Random, zh: bool) -> tuple[str, list[str]]:
    words = ZH if zh else EN
    joiner = "" if zh else " "
    title = joiner.join(rng.choices(words, k=6))
    paragraphs = [joiner.join(rng.choices(words, k=rng.randint(20, 40))) + ("。" if zh else ".") for _ in range(4)]
    return title, paragraphs


@dataclass(frozen=True)
class Generated:
    """One generated article: its record, whether the rule ``ai`` matched it, and its edit (if any)."""

    record: ArticleRecord
    matched: bool
    edited: ArticleRecord | None


def articles(count: int, seed: int = 11) -> Iterator[Generated]:
    """The bench's articles, in storing order: half Chinese, every 4th matched by ``ai``, every 10th edited once."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(count):
        zh = index % 2 == 0
        when = start + timedelta(minutes=index * 3)
        title, paragraphs = _text(rng, zh)
        day = when.date().isoformat()
        page = f"https://{'www.cna.com.tw' if zh else 'focustaiwan.tw'}/news/{index}"
        record = ArticleRecord(source_id="cna" if zh else "focustaiwan", url=page, canonical_url=page,
                               title=title, text="\n".join([title, day, *paragraphs]) + "\n",
                               language="zh" if zh else "en", published=day, fetched_at=when)
        edited = None
        if index % 10 == 0:
            edited = ArticleRecord(**{**record.__dict__, "text": record.text + "補充。\n",
                                      "fetched_at": when + timedelta(minutes=1)})
        yield Generated(record, index % 4 == 0, edited)


def generate(url: str, count: int, seed: int = 11, *, bulk: bool = True) -> list[int]:
    """Store ``count`` entries; returns their ids.

    ``bulk`` (the default) writes all rows in one transaction with a few executemany statements; the rows, the
    FTS5 index (filled by the same triggers) and every derived column end up as the unit of work leaves them
    (tests/test_search_plans.py compares the two). ``bulk=False`` saves each article through the unit of work,
    500 per transaction (681 s for 100,000 entries on the shared machine).
    """
    with Store.open(url) as store:
        for source in ("cna", "focustaiwan"):
            store.ensure_source(source, kind=source, settings_hash="bench")
        if bulk:
            return _bulk(store, list(articles(count, seed)))
        ids: list[int] = []
        batch: list[Generated] = []
        for item in articles(count, seed):
            batch.append(item)
            if len(batch) == 500:
                ids.extend(_through_unit_of_work(store, batch))
                batch = []
        return ids + _through_unit_of_work(store, batch)


def _through_unit_of_work(store: Store, batch: list[Generated]) -> list[int]:
    ids = []
    with store.unit_of_work() as uow:
        for item in batch:
            when = item.record.fetched_at
            outcome = uow.save_article(item.record, now=when)
            ids.append(outcome.entry_id)
            if item.matched and outcome.version_id is not None:
                uow.add_match(MatchRecord(outcome.entry_id, outcome.version_id, "ai", "new", []), now=when)
            if item.edited is not None:
                uow.save_article(item.edited, now=item.edited.fetched_at)
    return ids


def _entry_values(rec: ArticleRecord, now: datetime) -> dict[str, object]:
    """The columns ``UnitOfWork.save_article`` sets from an article (storage/entries.py ``_entry_values``)."""
    return {"url": rec.url, "source_id": rec.source_id, "language": rec.language, "title": rec.title,
            "author": rec.author, "published": rec.published, "updated": rec.updated, "last_seen": now,
            "fingerprint": dedup.simhash(rec.text)}


def _bulk(store: Store, items: list[Generated]) -> list[int]:
    """The unit of work's end state in one transaction: entries inserted without a current version, then
    versions, then ``current_version_id`` set (the FTS5 update trigger indexes each entry, as it does after
    ``save_article``), then the matches. Ids follow the unit of work's order (an entry, its version, its edit)."""
    with store.unit_of_work() as uow:
        conn = uow._conn
        entry_id = int(conn.execute(select(func.coalesce(func.max(entry.c.id), 0))).scalar_one())
        version_id = int(conn.execute(select(func.coalesce(func.max(version.c.id), 0))).scalar_one())
        entries, versions, currents, matches = [], [], [], []
        originals: dict[str, int] = {}
        for item in items:
            entry_id += 1
            rec, final = item.record, item.edited or item.record
            digest = dedup.content_hash(rec.text)
            entries.append({**_entry_values(final, final.fetched_at), "id": entry_id,
                            "canonical_url": rec.canonical_url, "first_seen": rec.fetched_at,
                            "next_check_at": None, "duplicate_of": originals.get(digest)})
            chain = [(rec, "initial")] + ([(item.edited, UNANALYSED.change_class)] if item.edited else [])
            for text_of, change_class in chain:
                version_id += 1
                versions.append({"id": version_id, "entry_id": entry_id, "content_hash": dedup.content_hash(
                    text_of.text), "text": text_of.text, "fetched_at": text_of.fetched_at,
                    "change_class": change_class, "analysis": None})
                if change_class == "initial" and item.matched:
                    matches.append({"entry_id": entry_id, "version_id": version_id, "rule": "ai", "kind": "new",
                                    "evidence": to_json([]), "created_at": rec.fetched_at})
                if entries[-1]["duplicate_of"] is None:  # the write path looks for an original's versions only
                    originals.setdefault(versions[-1]["content_hash"], entry_id)  # type: ignore[arg-type]
            currents.append({"entry_id_": entry_id, "version_id_": version_id})
        conn.execute(entry.insert(), entries)
        conn.execute(version.insert(), versions)
        conn.execute(update(entry).where(entry.c.id == bindparam("entry_id_"))
                     .values(current_version_id=bindparam("version_id_")), currents)
        if matches:
            conn.execute(match.insert(), matches)
    return [int(row["id"]) for row in entries]  # type: ignore[call-overload]


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


def measure(client: httpx.Client, paths: list[str], server: psutil.Process) -> tuple[list[float], list[float]]:
    """Per request: the HTTP round trip (wall ms) and the server process's CPU (user + system ms)."""
    walls, cpus = [], []
    for path in paths:
        before = server.cpu_times()
        started = time.perf_counter()
        answer = client.get(path)
        walls.append((time.perf_counter() - started) * 1000)
        after = server.cpu_times()
        cpus.append((after.user + after.system - before.user - before.system) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
    return walls, cpus


def side_by_side(url: str, rounds: int, main_rounds: int) -> None:
    """main's search path and today's in this process, on the same database: CPU ms (median), same hits."""
    from crawler.web.searching import Searcher
    from rules.defaults import DEFAULT_GROUPS
    from storage.view_records import TimelineFilter
    from tests.bench.search_before import BeforeSearcher

    def cpu(searcher: Searcher, query: str, rounds: int) -> tuple[float, float, list[int]]:
        times, walls, ids = [], [], []
        for _ in range(rounds):
            started, wall = time.process_time(), time.perf_counter()
            page = searcher.search(query, TimelineFilter(), before=None, limit=50)
            times.append((time.process_time() - started) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
            ids = [hit.candidate.entry_id for hit in page.hits]
        return percentile(times, 0.5), percentile(walls, 0.5), ids

    print("\n| search query (in-process, median: CPU ms of this process / wall ms, which includes a PostgreSQL "
          "server's work) | main | today | CPU ratio | hits main / today |")
    print("|---|---|---|---|---|")
    with Store.open(url) as store:
        old = BeforeSearcher(store, DEFAULT_GROUPS, {}, 5000)
        new = Searcher(store, DEFAULT_GROUPS, {}, 5000)
        for query in SEARCHES:
            (before, before_wall, old_ids), (after, after_wall, new_ids) = (
                cpu(old, query, main_rounds), cpu(new, query, rounds))
            same = "same" if old_ids == new_ids else "today's a superset" if set(old_ids) <= set(new_ids) else "DIFFER"
            print(f"| `{query}` | {before:.1f} / {before_wall:.1f} | {after:.1f} / {after_wall:.1f} | "
                  f"{before / max(after, 0.01):.1f}x | {len(old_ids)} / {len(new_ids)} ({same}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--entries", type=int)
    parser.add_argument("--database-url")
    parser.add_argument("--no-fill", action="store_true", help="use --database-url as it is (filled by a former run)")
    parser.add_argument("--main-rounds", type=int, help="rounds of main's search path (default: as today's)")
    args = parser.parse_args()
    count = args.entries or (10_000 if args.quick else 100_000)
    rounds = 3 if args.quick else 10
    header("web app", args.quick)
    with tempfile.TemporaryDirectory(prefix="tidings-bench-web-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/web.db"
        started = time.monotonic()
        if args.no_fill:
            with Store.open(url) as store:
                ids = [row.id for row in store.list_entries(limit=2000)]
        else:
            ids = generate(url, count)
            print(f"stored {count} entries in {time.monotonic() - started:.0f}s ({url.split(':')[0]}, one transaction)")
        side_by_side(url, rounds, args.main_rounds or rounds)
        proc, base = serve(url, Path(tmp))
        server = psutil.Process(proc.pid)
        rng = random.Random(5)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                measure(client, ["/", "/search?q=AI"], server)  # warm-up
                cursor = client.get("/api/entries?limit=50").json()["next_cursor"]
                timeline = ["/", "/?source=cna", f"/?cursor={cursor}", "/?rule=ai", "/?edited=1"]
                kinds = {
                    "search (HTML page)": [f"/search?q={quote(q)}" for q in SEARCHES] * rounds,
                    "search (API)": [f"/api/search?q={quote(q)}" for q in SEARCHES] * rounds,
                    "timeline": timeline * rounds * 2,
                    "article": [f"/entries/{rng.choice(ids)}" for _ in range(20 * rounds)],
                }
                print("\n| request (HTTP) | n | p50 ms | p95 ms | max ms | server CPU p50 / p95 ms |")
                print("|---|---|---|---|---|---|")
                for kind, paths in kinds.items():
                    walls, cpus = measure(client, paths, server)
                    print(f"| {kind} | {len(walls)} | {percentile(walls, 0.5):.1f} | {percentile(walls, 0.95):.1f} "
                          f"| {max(walls):.1f} | {percentile(cpus, 0.5):.1f} / {percentile(cpus, 0.95):.1f} |")
                print("\n| URL (HTTP) | ms (median of rounds) | server CPU ms |\n|---|---|---|")
                for path in [*(f"/api/search?q={quote(q)}" for q in SEARCHES), *timeline]:
                    walls, cpus = measure(client, [path] * rounds, server)
                    print(f"| `{path}` | {percentile(walls, 0.5):.1f} | {percentile(cpus, 0.5):.1f} |")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
