"""One crawl over every kind of broken server at once: it finishes, reports each failure with its URL, and stores
what the healthy sources (and the servers that recover) publish."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from storage import Store
from tests.faults import FaultServer, ok, paced, redirect, reset_connection, sequence, slow_body, slow_headers, status
from tests.faults import truncated as truncated_body
from tests.sites import ReplicaServer
from tests.test_fetch import brotli_bomb, double_gzip_bomb, gzip_bomb, zstd_bomb

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
HTML = "text/html"


def page(title: str, body: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{body}</p><p>{body} This is the second paragraph of the story.</p></article></body></html>"
    )


GOOD = page("Taiwan and Japan sign AI pact", "Taiwan and Japan signed an agreement on AI research on Tuesday.")
LATER = page("Taiwan and Chile expand cooperation", "Taiwan and Chile agreed on Friday to expand cooperation on trade.")
BIG5 = page("台日簽署人工智慧合作協議", "台灣與日本週二簽署人工智慧研究合作協議，雙方將共同設立實驗室並交換研究人員。")
GB18030 = page(
    "台日签署人工智能合作协议", "台湾与日本周二签署人工智能研究合作协议，双方将共同设立实验室并交换研究人员。"
)

# case -> (handler of its article page, whether the crawl should store it)
CASES = {
    "slow-headers": (slow_headers(5.0), False),
    "slow-body": (slow_body(total=200_000, piece=100, interval=0.05), False),
    "reset": (reset_connection(), False),
    "truncated": (truncated_body(declared=10_000, sent=100), False),
    "500-then-200": (sequence(status(500), ok(GOOD.encode(), {"Content-Type": HTML})), True),
    "429-retry-after": (sequence(status(429, {"Retry-After": "1"}), ok(LATER.encode(), {"Content-Type": HTML})), True),
    "503-forever": (status(503), False),
    "redirect-loop": (redirect("/articles/redirect-loop"), False),
    "redirect-private": (redirect("http://169.254.169.254/latest/meta-data/"), False),
    "redirect-file": (redirect("file:///etc/passwd"), False),
    "gzip-bomb": (paced(gzip_bomb(), {"Content-Encoding": "gzip", "Content-Type": HTML}, 4096), False),
    "brotli-bomb": (paced(brotli_bomb(), {"Content-Encoding": "br", "Content-Type": HTML}), False),
    "zstd-bomb": (paced(zstd_bomb(), {"Content-Encoding": "zstd", "Content-Type": HTML}), False),
    "gzip-gzip": (paced(double_gzip_bomb(), {"Content-Encoding": "gzip, gzip", "Content-Type": HTML}), False),
    "50-mib": (paced(b"<p>" + b"x" * (50 * MiB), {"Content-Type": HTML}, 256 * 1024, 0.0), False),
    "wrong-type": (ok(b"\x89PNG\r\n\x1a\n not a page", {"Content-Type": "image/png"}), False),
    "invalid-utf8": (
        ok(
            b"<html><body><p>" + bytes(range(128, 256)) * 40 + b"</p></body></html>",
            {"Content-Type": "text/html; charset=utf-8"},
        ),
        False,
    ),
    "big5": (ok(BIG5.encode("big5"), {"Content-Type": HTML}), True),
    "gb18030": (ok(GB18030.encode("gb18030"), {"Content-Type": HTML}), True),
    "robots-disallowed": (ok(GOOD.encode(), {"Content-Type": HTML}), False),
}


def feed(url: str) -> bytes:
    return (
        f'<rss version="2.0"><channel><title>t</title><item><title>story</title><link>{url}</link></item>'
        "</channel></rss>"
    ).encode()


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        server.route("/robots.txt", ok(b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
        for case, (handler, _) in CASES.items():
            prefix = "/private" if case == "robots-disallowed" else "/articles"
            server.route(f"{prefix}/{case}", handler)
            server.route(
                f"/feeds/{case}.xml", ok(feed(server.url(f"{prefix}/{case}")), {"Content-Type": "application/rss+xml"})
            )
        yield server


def article_url(server: FaultServer, case: str) -> str:
    return server.url(f"{'/private' if case == 'robots-disallowed' else '/articles'}/{case}")


def test_a_crawl_over_every_fault_finishes_reports_each_url_and_stores_the_good(
    faults: FaultServer, tmp_path: Path
) -> None:
    database = tmp_path / "faults.sqlite"
    with ReplicaServer(port=0, articles=4) as replica:
        sources = "".join(
            f'\n[sources.{case}]\nfeed = "{faults.url(f"/feeds/{case}.xml")}"\nallow_hosts = ["{faults.url("/")}"]\n'
            for case in CASES
        )
        config = tmp_path / "faults.toml"
        config.write_text(
            f"""
[settings]
database_url = "sqlite:///{database}"
per_host_delay = 0.0
per_host_concurrency = 8
request_timeout = 1
max_body_bytes = {2 * MiB}
retries = 1

[sources.focustaiwan]
base_url = "{replica.base_url}/focustaiwan.tw/"
urls = {{ rss = "{replica.base_url}/feeds.feedburner.com/rsscna/engnews" }}
allow_hosts = ["{replica.base_url}"]
{sources}""",
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["-c", str(config), "crawl", "--no-alerts"], catch_exceptions=False)

    assert result.exit_code == 1  # sources failed, and the crawl still finished
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]  # not "warning: undated"
    for case, (_, stored) in CASES.items():
        url = article_url(faults, case)
        reported = [line for line in errors if url in line]
        assert bool(reported) != stored, f"{case}: {reported or 'not reported'}"
    with Store.open(f"sqlite:///{database}") as store:
        entries = {entry.source_id: entry for entry in store.list_entries(limit=None)}
        assert sum(1 for e in store.list_entries(limit=None) if e.source_id == "focustaiwan") >= 4
    assert {case for case, (_, stored) in CASES.items() if stored} <= set(entries)
    assert "人工智慧合作協議" in entries["big5"].text and "人工智能合作协议" in entries["gb18030"].text
    assert "Taiwan and Japan sign AI pact" in entries["500-then-200"].text
