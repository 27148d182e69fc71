"""`tidings crawl` end to end, as a user runs it: the CLI, real HTTP to the replica sites on 127.0.0.1, a real
database (SQLite, and PostgreSQL when TIDINGS_TEST_DATABASE_URL is set), console alerts."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from click.testing import CliRunner, Result

from crawler.cli import main
from crawler.config import load_config
from crawler.drivers.crawl import crawl
from crawler.pipeline.wiring import select_sources
from storage import Store
from tests.shared import SEEDS, needs_shared
from tests.sites import ReplicaServer

ROOT = Path(__file__).resolve().parents[1]
CLEAN = SEEDS / "clean"
REPLICA_CONFIG = ROOT / "tests" / "sites" / "replica.toml"
SITES = ("focustaiwan", "cna", "mofa-en", "mofa-zh", "nspp-zh", "nspp-en", "nspp-id", "moda-en", "moda-zh", "blog")
NOT_LISTED = ("print.php", "/press/clarification/")  # print views and other sections no listing links to
OPTIONAL_PARAMS = {"unitname", "postname"}  # NSPP links name an article with or without them


def same_article(url: str) -> str:
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in OPTIONAL_PARAMS])
    return urlunsplit(parts._replace(query=query))


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(port=0, articles=8) as server:
        yield server


@dataclass
class Harness:
    replica: ReplicaServer
    database_url: str
    config: Path

    def tidings(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["-c", str(self.config), *args], catch_exceptions=False)

    def store(self) -> Store:
        return Store.open(self.database_url)

    def listed_urls(self) -> set[str]:
        urls = {article["url"] for site in SITES for article in self.replica.articles(site)}
        return {same_article(url) for url in urls if not any(marker in url for marker in NOT_LISTED)}


@pytest.fixture
def harness(replica: ReplicaServer, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    replica.reset()
    replica.clear_log()
    monkeypatch.setenv("TIDINGS_REPLICA_URL", replica.base_url)
    monkeypatch.setenv("TIDINGS_REPLICA_DATABASE_URL", database_url)
    config = tmp_path / "replica.toml"
    config.write_text(REPLICA_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    return Harness(replica, database_url, config)


def stored_urls(store: Store) -> list[str]:
    return [entry.url for entry in store.list_entries(limit=None, include_duplicates=True)]


def test_a_crawl_stores_every_article_once_and_a_second_stores_nothing(harness: Harness) -> None:
    first = harness.tidings("crawl")
    assert first.exit_code == 0, first.stderr
    with harness.store() as store:
        urls = stored_urls(store)
        alerts_after_first = store.alert_counts()
    assert len(urls) == len(set(urls))
    assert harness.listed_urls() <= {same_article(url) for url in urls}
    with harness.store() as store:
        blog_languages = {entry.language for entry in store.list_entries(source_id="blog", limit=None)}
    assert blog_languages and all(language and language.startswith("en") for language in blog_languages)
    # The first run of each source is a quiet baseline: matched, never alerted, and the summary says so.
    assert alerts_after_first["sent"] == 0 and alerts_after_first["pending"] == 0
    assert "0 alerts sent" in first.stdout and "matches held back (baseline " in first.stdout

    harness.replica.clear_log()
    second = harness.tidings("crawl")
    assert second.exit_code == 0, second.stderr
    assert "0 new entries" in second.stdout and "0 alerts sent" in second.stdout
    with harness.store() as store:
        assert len(stored_urls(store)) == len(urls)
        assert store.alert_counts() == alerts_after_first
    gets = [entry for entry in harness.replica.log() if entry["method"] == "GET" and "robots.txt" not in entry["path"]]
    assert gets and all(entry["status"] == 304 for entry in gets), [e for e in gets if e["status"] != 304]


def test_a_published_ai_article_gives_one_new_entry_and_its_alert(harness: Harness) -> None:
    assert harness.tidings("crawl").exit_code == 0
    published = harness.replica.publish("focustaiwan", topic="ai")
    result = harness.tidings("crawl")
    assert result.exit_code == 0, result.stderr
    assert "1 new entries" in result.stdout and "1 alerts sent" in result.stdout
    assert published["title"] in result.stdout  # the console alert
    with harness.store() as store:
        entries = [e for e in store.list_entries(limit=None) if e.url == published["url"]]
        alerts = store.list_alerts(limit=1000)
    assert len(entries) == 1 and entries[0].story_id is not None
    ai_alerts = [alert for alert in alerts if alert.rule == "ai" and alert.entry_id == entries[0].id]
    assert len(ai_alerts) == 1 and ai_alerts[0].status == "sent" and len(alerts) == 1


def test_backfill_sends_nothing_and_alerts_drop_empties_the_queue(harness: Harness) -> None:
    assert harness.tidings("crawl", "focustaiwan", "cna").exit_code == 0
    harness.replica.publish("focustaiwan", topic="ai")
    backfill = harness.tidings("crawl", "focustaiwan", "cna", "--backfill", "20")
    assert backfill.exit_code == 0 and "0 alerts sent" in backfill.stdout and "backfill " in backfill.stdout
    for _ in range(3):
        harness.replica.publish("cna", topic="ai")
    queued = harness.tidings("crawl", "cna", "--no-alerts")
    assert queued.exit_code == 0
    with harness.store() as store:
        pending = store.alert_counts()["pending"]
    assert pending >= 1  # generated look-alike articles may be one story: one message
    dropped = harness.tidings("alerts", "drop")
    assert dropped.exit_code == 0 and f"{pending} pending alerts dropped" in dropped.stdout
    with harness.store() as store:
        assert store.alert_counts()["pending"] == 0


def test_an_edited_article_becomes_a_new_version_of_the_same_entry(harness: Harness) -> None:
    assert harness.tidings("crawl", "nspp-en").exit_code == 0
    with harness.store() as store:
        before = store.list_entries(source_id="nspp-en", limit=None)
    target = before[0]
    harness.replica.edit(target.url, append="Taiwan and Vietnam signed a new cooperation agreement on Friday.")
    config = load_config(harness.config)
    with harness.store() as store:  # the first re-check is due 15 minutes after the article was first seen
        later = datetime.now(UTC) + timedelta(minutes=16)
        summary = asyncio.run(crawl(config, store, select_sources(config, ("nspp-en",)), now=later))
    assert not summary.failed and summary.total("edited") == 1
    with harness.store() as store:
        after = store.list_entries(source_id="nspp-en", limit=None)
        versions = store.entry_versions(target.id)
    assert len(after) == len(before)
    assert len(versions) == 2
    assert "cooperation agreement on Friday" in versions[-1].text and versions[-1].change_class == "substantive"


@needs_shared
@pytest.mark.parametrize("seed", ["002", "004"])
def test_the_seed_export_reproduces_the_clean_seeds(harness: Harness, tmp_path: Path, seed: str) -> None:
    assert harness.tidings("crawl").exit_code == 0
    out = tmp_path / "export"
    assert harness.tidings("entries", "export", "--format", "seed", "--out", str(out)).exit_code == 0
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    url = harness.replica.seeds()[seed]
    exported = next(record for record in manifest if record["url"] == url)
    clean = next(CLEAN.glob(f"{seed}_*.txt")).read_text(encoding="utf-8")
    assert (out / exported["file"]).read_text(encoding="utf-8").splitlines() == clean.splitlines()


def test_a_malformed_config_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[sources.cna]\nintervall = "5m"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["-c", str(config), "crawl"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(config) in lines[0] and "sources.cna.intervall" in lines[0]


class _Documents(BaseHTTPRequestHandler):
    """A feed that links to a PDF and to an HTML article."""

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        pages = {
            "/feed.xml": (
                "application/rss+xml",
                f"""<rss version="2.0"><channel><title>docs</title>
                <item><title>Report</title><link>{base}/report.pdf</link></item>
                <item><title>Note</title><link>{base}/note.html</link></item></channel></rss>""".encode(),
            ),
            "/report.pdf": ("application/pdf", b"%PDF-1.4 not a web page"),
            "/note.html": (
                "text/html; charset=utf-8",
                b"<html><head><title>Note</title></head><body><article>"
                b"<h1>Note</h1><p>Taiwan and Japan agreed on closer cooperation in semiconductors and "
                b"artificial intelligence research this week, officials said.</p><p>The agreement covers "
                b"joint laboratories, exchanges of researchers and shared funding for ten years.</p>"
                b"</article></body></html>",
            ),
        }
        content_type, body = pages.get(self.path, ("text/plain", b"not found"))
        self.send_response(200 if self.path in pages else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_unreachable_sources_and_non_html_pages_are_reported_and_the_others_complete(harness: Harness) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Documents)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    docs = f"http://127.0.0.1:{server.server_address[1]}"
    harness.config.write_text(
        harness.config.read_text(encoding="utf-8")
        + f"""
[sources.down]
feed = "http://127.0.0.1:9/feed.xml"
allow_hosts = ["127.0.0.1:9"]

[sources.docs]
feed = "{docs}/feed.xml"
allow_hosts = ["{docs}"]
""",
        encoding="utf-8",
    )
    try:
        result = harness.tidings("crawl", "down", "docs", "focustaiwan")
    finally:
        server.shutdown()
    assert result.exit_code == 1  # a source failed
    errors = result.stderr.strip().splitlines()
    assert any(line.startswith("error: down: http://127.0.0.1:9/feed.xml") for line in errors), errors
    assert any(f"{docs}/report.pdf" in line and "not an HTML page" in line for line in errors), errors
    with harness.store() as store:
        assert {e.source_id for e in store.list_entries(limit=None)} == {"docs", "focustaiwan"}
        assert [e.url for e in store.list_entries(source_id="docs", limit=None)] == [f"{docs}/note.html"]


@pytest.fixture
def many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    """A replica with more articles than one list page holds, and a fresh SQLite store."""
    with ReplicaServer(port=0, articles=45) as server:
        database_url = f"sqlite:///{tmp_path / 'many.sqlite'}"
        monkeypatch.setenv("TIDINGS_REPLICA_URL", server.base_url)
        monkeypatch.setenv("TIDINGS_REPLICA_DATABASE_URL", database_url)
        yield Harness(server, database_url, REPLICA_CONFIG)


def test_backfill_walks_list_pagination_including_post_apis(many: Harness) -> None:
    assert many.tidings("crawl", "moda-zh").exit_code == 0
    with many.store() as store:
        first_page = store.count_entries()
    assert 0 < first_page < 45
    result = many.tidings("crawl", "moda-zh", "--backfill", "40")
    assert result.exit_code == 0, result.stderr
    with many.store() as store:
        assert store.count_entries() >= 40
    posts = [e for e in many.replica.log() if e["method"] == "POST" and "WebsiteList/NewsList" in e["path"]]
    assert len(posts) >= 2  # page 2 and beyond come from the POST API


def test_a_redesigned_site_falls_back_to_the_generic_extractor_and_is_reported_degraded(many: Harness) -> None:
    many.replica.redesign("focustaiwan")
    result = many.tidings("crawl", "focustaiwan")
    assert result.exit_code == 0, result.stderr
    assert "focustaiwan (degraded)" in result.stdout and "degraded (profile fell back to generic)" in result.stdout
    with many.store() as store:
        entries = store.list_entries(source_id="focustaiwan", limit=None)
    assert entries and all("Enditem" not in e.text and "We value your privacy" not in e.text for e in entries)
    listed = many.tidings("sources", "list")
    assert "degraded" in next(line for line in listed.stdout.splitlines() if line.strip().startswith("focustaiwan"))


def test_an_article_listed_by_two_discovery_entries_is_read_once_and_never_a_false_edit(many: Harness) -> None:
    result = many.tidings("crawl", "mofa-en", "--backfill", "200")  # the exports and the list page overlap
    assert result.exit_code == 0, result.stderr
    assert "0 edited" in result.stdout
    with many.store() as store:
        entries = store.list_entries(source_id="mofa-en", limit=None)
    assert entries and all(entry.version_count == 1 for entry in entries)
    fetched = [e["path"] for e in many.replica.log() if "News_Content.aspx" in e["path"]]
    assert len(fetched) == len(set(fetched))


def test_articles_taken_whole_from_an_open_data_export_keep_the_export_as_their_evidence(
    harness: Harness, tmp_path: Path
) -> None:
    assert harness.tidings("crawl", "mofa-en").exit_code == 0
    with harness.store() as store:
        current = {e.id: store.entry_versions(e.id)[-1] for e in store.list_entries(source_id="mofa-en", limit=None)}
        raws = {entry_id: store.raw_response(v.raw_response_id) for entry_id, v in current.items()
                if v.raw_response_id is not None}
        assert set(raws) == set(current)  # every article has the response its text came in
        from_exports = {entry_id: raw for entry_id, raw in raws.items() if "OpenData.aspx" in raw.record.url}
        stored_raws = store.raw_stats()[0]
    assert from_exports  # the replica's exports carry most of the site's articles
    exports = {raw.record.url for raw in from_exports.values()}
    shared = {raw.id for raw in from_exports.values()}
    assert len(shared) == len(exports)  # one stored copy of each export, shared by its articles
    assert stored_raws == len(shared) + len(raws) - len(from_exports)
    for raw in from_exports.values():
        assert raw.sha256 == hashlib.sha256(httpx.get(raw.record.url).content).hexdigest()
    entry_id = next(iter(from_exports))
    result = harness.tidings("entries", "evidence", str(entry_id), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / f"entry-{entry_id}.warc.gz.manifest.json").read_text(encoding="utf-8"))
    assert any(r["type"] == "response" and "OpenData.aspx" in r["uri"] for r in manifest["records"])


def test_an_idle_poll_in_a_long_lived_process_asks_the_database_little(harness: Harness) -> None:
    """What a daemon's poll costs when nothing changed: per source, one claim (it reads the state back), one read
    of its listings' validators, the re-check query and the outcome: no source row re-ensured, no state read
    twice, no transaction without a statement."""
    from sqlalchemy import event

    assert harness.tidings("crawl").exit_code == 0  # the baseline
    config = load_config(harness.config)
    sources = select_sources(config, [])
    with harness.store() as store:
        asyncio.run(crawl(config, store, sources, send_alerts=False))  # this process's first poll
        sent: list[str] = []
        event.listen(store._engine, "before_cursor_execute", lambda *args: sent.append(str(args[2])))
        summary = asyncio.run(crawl(config, store, sources, send_alerts=False))
    assert summary.total("new") == 0 and not summary.failed
    statements = [s for s in sent if not s.startswith("BEGIN")]
    assert len(statements) <= 4 * len(sources), statements  # claim, listings' validators, re-checks, outcome
    assert not [s for s in statements if s.startswith("INSERT INTO source")]
    if store.dialect == "sqlite":  # each BEGIN is a transaction; none without a statement
        begins = [i for i, s in enumerate(sent) if s.startswith("BEGIN")]
        assert all(i + 1 < len(sent) and not sent[i + 1].startswith("BEGIN") for i in begins), sent
        assert len(begins) <= 4 * len(sources), sent
