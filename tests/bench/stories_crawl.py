"""Benchmark: story linking measured through a real crawl of ../shared/corpus/stories-dev/.

Run: ``python -m tests.bench.stories_crawl [--quick] [--database-url URL]`` (``--quick`` changes nothing: the
corpus is small; the flag is accepted like every benchmark's).

The 59 articles are served on 127.0.0.1 as one RSS feed and one HTML page per article for each (site, language)
of the corpus; a config with one custom source per feed (its language, selectors for title, date and body) is
crawled by ``tidings crawl`` into a fresh database; the story ids the database gives the entries are compared
with the corpus clusters: pairwise precision, recall and F1. Nothing is asserted. The pages are served under
loopback URLs, so the sites' parallel-URL patterns (evidence the pure benchmark has) are not available here.
"""

from __future__ import annotations

import argparse
import html
import itertools
import re
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from crawler.cli import main as tidings
from storage import Store
from tests.bench.stories import load

TAIPEI = timezone(timedelta(hours=8))


def source_id(row: dict[str, Any]) -> str:
    site = re.sub(r"[^a-z0-9]+", "-", row["site"].lower()).strip("-")[:40]
    return f"{site}-{row['language']}"


def page(row: dict[str, Any]) -> bytes:
    title = f"<h1>{html.escape(row['title'])}</h1>" if row["title"] else ""
    date = f'<time datetime="{row["published"]}">{row["published"]}</time>' if row["published"] else ""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in row["text"].splitlines() if line.strip())
    head = f'<head><meta charset="utf-8"><title>{html.escape(row["title"] or "")}</title></head>'
    body = f'<article>{title}<p class="date">{date}</p><div class="body">{paragraphs}</div></article>'
    return f'<!doctype html><html lang="{row["language"]}">{head}<body>{body}</body></html>'.encode()


def feed(rows: list[dict[str, Any]], base: str) -> bytes:
    items = []
    for row in rows:
        when = ""
        if row["published"]:
            moment = datetime.fromisoformat(row["published"]).replace(hour=12, tzinfo=TAIPEI)
            when = f"<pubDate>{format_datetime(moment)}</pubDate>"
        title = html.escape(row["title"] or row["text"][:60])
        items.append(f"<item><title>{title}</title><link>{base}/{source_id(row)}/{row['id']}.html</link>{when}</item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>feed</title>'
            f"<link>{base}/</link>{''.join(items)}</channel></rss>").encode()


@contextmanager
def serve(rows: list[dict[str, Any]]) -> Iterator[str]:
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_source[source_id(row)].append(row)
    by_path = {f"/{source_id(row)}/{row['id']}.html": row for row in rows}
    holder: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = holder["base"]
            if self.path == "/robots.txt":
                body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
            elif self.path.endswith("/feed.xml") and self.path.split("/")[1] in by_source:
                body, ctype = feed(by_source[self.path.split("/")[1]], base), "application/rss+xml"
            elif self.path in by_path:
                body, ctype = page(by_path[self.path]), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["base"] = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield holder["base"]
    finally:
        server.shutdown()
        server.server_close()


def config_text(rows: list[dict[str, Any]], base: str, database_url: str) -> str:
    lines = ["[settings]", f'database_url = "{database_url}"', "per_host_delay = 0.0", "per_host_concurrency = 4",
             "retries = 0", ""]
    for sid in sorted({source_id(row) for row in rows}):
        language = next(row["language"] for row in rows if source_id(row) == sid)
        selectors = 'article = { title = ["h1"], date = ["p.date time"], body = ["div.body"] }'
        lines += [f"[sources.{sid}]", f'feed = "{base}/{sid}/feed.xml"', f'language = "{language}"',
                  f'allow_hosts = ["{base}"]', selectors, ""]
    return "\n".join(lines)


def pairwise(rows: list[dict[str, Any]], story_of: dict[str, int | None]) -> dict[str, float]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(rows, 2):
        same = a["cluster"] == b["cluster"]
        sa, sb = story_of.get(a["id"]), story_of.get(b["id"])
        linked = sa is not None and sa == sb
        tp += same and linked
        fp += linked and not same
        fn += same and not linked
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    rows = load()
    with tempfile.TemporaryDirectory() as tmp, serve(rows) as base:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'stories.sqlite'}"
        if url.startswith("postgresql"):
            from tests.conftest import reset_postgres

            reset_postgres(url)
        config = Path(tmp) / "tidings.toml"
        config.write_text(config_text(rows, base, url), encoding="utf-8")
        result = CliRunner().invoke(tidings, ["-c", str(config), "crawl", "--no-alerts"], catch_exceptions=False)
        with Store.open(url) as store:
            entries = store.list_entries(limit=None, include_duplicates=True)
    story_of = {entry.url.rsplit("/", 1)[-1].removesuffix(".html"): entry.story_id for entry in entries}
    scores = pairwise(rows, story_of)
    print(result.stdout.splitlines()[-1] if result.stdout else result.output)
    print(f"{url.split(':', 1)[0]}: {len(entries)} of {len(rows)} articles stored, "
          f"{len({s for s in story_of.values() if s is not None})} stories")
    print(f"pairs: TP {scores['tp']}, FP {scores['fp']}, FN {scores['fn']}; precision {scores['precision']:.3f}, "
          f"recall {scores['recall']:.3f}, F1 {scores['f1']:.3f}")
    for a, b in itertools.combinations(rows, 2):
        linked = story_of.get(a["id"]) is not None and story_of.get(a["id"]) == story_of.get(b["id"])
        if linked != (a["cluster"] == b["cluster"]):
            kind = "false merge" if linked else "miss"
            print(f"  {kind}: {a['id']} ({a['language']}) - {b['id']} ({b['language']}), cluster {a['cluster']}")


if __name__ == "__main__":
    main()
