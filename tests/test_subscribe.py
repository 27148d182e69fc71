"""Subscribing by URL against local sites: a feed named by <link rel="alternate">, a feed at a usual path, a page
without a feed (a list page); the config file keeps everything else; OPML in and out."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import listparser
import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.config import load_config
from crawler.discover.subscribe import export_opml, import_opml, source_name, subscribe
from crawler.errors import ConfigError

RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Example Blog</title><link>http://x/</link>'
       b"<item><title>One</title><link>http://x/1</link></item></channel></rss>")
ATOM = (b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Site Two</title>'
        b"<id>tag:x,2026:f</id><updated>2026-01-01T00:00:00Z</updated></feed>")
PAGE = b"<html><head><title>%s</title>%s</head><body><main><a href='/news/1'>One</a></main></body></html>"
SITES: dict[str, dict[str, tuple[str, bytes]]] = {
    "linked": {"/blog/": ("text/html", PAGE % (b"Blog", b'<link rel="alternate" type="application/rss+xml" '
                                                       b'href="/blog/feed.xml">')),
               "/blog/feed.xml": ("application/rss+xml", RSS)},
    "usual": {"/": ("text/html", PAGE % (b"Two", b"")), "/atom.xml": ("application/atom+xml", ATOM)},
    "none": {"/news/": ("text/html", PAGE % (b"News of Three", b""))},
}
CONFIG = """# my sources: keep this comment
[settings]
allow_private_networks = true
respect_robots = false

[sources.blog]   # kept too
feed = "https://blog.example/feed/"
"""


class Site:
    def __init__(self, pages: dict[str, tuple[str, bytes]]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                found = pages.get(self.path)
                self.send_response(200 if found else 404)
                body = found[1] if found else b"not found"
                self.send_header("Content-Type", found[0] if found else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def sites() -> Iterator[dict[str, Site]]:
    running = {name: Site(pages) for name, pages in SITES.items()}
    yield running
    for site in running.values():
        site.close()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "tidings.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _add(url: str, path: Path, name: str | None = None) -> Any:
    return asyncio.run(subscribe(url, path, config=load_config(path), name=name))


def test_a_feed_named_by_the_page(sites: dict[str, Site], config_file: Path) -> None:
    added = _add(sites["linked"].base + "/blog/", config_file)
    assert added.name == "127-0-0-1" and added.found.kind == "rss"
    assert added.found.url == sites["linked"].base + "/blog/feed.xml"
    text = config_file.read_text(encoding="utf-8")
    assert text.startswith("# my sources: keep this comment") and "[sources.blog]   # kept too" in text
    config = load_config(config_file)
    assert set(config.sources) == {"blog", "127-0-0-1"}
    assert config.sources["127-0-0-1"].profile.model.name == "Example Blog"


def test_a_feed_at_a_usual_path_and_a_list_page_without_one(sites: dict[str, Site], config_file: Path) -> None:
    usual = _add(sites["usual"].base + "/", config_file, name="two")
    assert usual.found == usual.found.__class__("rss", sites["usual"].base + "/atom.xml", "Site Two")
    page = _add(sites["none"].base + "/news/", config_file, name="three")
    assert page.found.kind == "list"
    [entry] = load_config(config_file).sources["three"].profile.discover
    assert entry.kind == "list" and entry.url == sites["none"].base + "/news/" and entry.link and "main a" in entry.link
    with pytest.raises(ConfigError, match=r"\[sources.two\] already exists"):
        _add(sites["usual"].base + "/", config_file, name="two")


def test_the_cli_adds_a_source(sites: dict[str, Site], config_file: Path) -> None:
    result = CliRunner().invoke(main, ["-c", str(config_file), "sources", "add", sites["linked"].base + "/blog/",
                                       "--name", "example"])
    assert result.exit_code == 0, result.output
    assert "added source example: feed" in result.output
    assert "example" in load_config(config_file).sources


def test_opml_round_trip(config_file: Path, tmp_path: Path) -> None:
    opml = tmp_path / "in.opml"
    opml.write_text("""<?xml version="1.0"?><opml version="2.0"><head><title>reader</title></head><body>
      <outline text="News"><outline type="rss" text="Alpha" xmlUrl="https://alpha.example/rss.xml"/>
      <outline type="rss" text="Blog again" xmlUrl="https://blog.example/feed/"/></outline></body></opml>""",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["-c", str(config_file), "sources", "import", str(opml)])
    assert result.exit_code == 0, result.output
    assert "1 source(s) added" in result.output  # the blog's feed was already a source
    config = load_config(config_file)
    assert config.sources["alpha-example"].profile.model.name == "Alpha"
    exported = CliRunner().invoke(main, ["-c", str(config_file), "sources", "export"]).output
    feeds = {feed["url"] for feed in listparser.parse(exported)["feeds"]}
    assert feeds == {"https://alpha.example/rss.xml", "https://blog.example/feed/"}
    assert import_opml(exported, config_file, config=load_config(config_file)) == []


def test_export_of_the_builtin_sources_lists_them_all() -> None:
    text = export_opml(load_config(None))
    parsed = listparser.parse(text)
    assert parsed["bozo"] == 0 and len(parsed["feeds"]) >= 1
    assert 'title="cna"' in text and "htmlUrl=" in text
    assert source_name("https://www.cna.com.tw/list", {"cna-com-tw"}) == "cna-com-tw-2"
