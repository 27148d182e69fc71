"""Access and inertness: an XSS corpus renders inert in every page, feed and API answer; beyond loopback the app
refuses to start without a token hash, and every request without the token is refused."""

from __future__ import annotations

import base64
import re
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import pytest

from crawler.errors import ConfigError
from crawler.web.security import check_binding, hash_secret, is_loopback, verify_secret
from crawler.websettings import WebSettings
from tests.webdata import Web, build_app, fill, match, save

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

XSS = [
    "<script>alert('t')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "<a href=\"javascript:alert(1)\">x</a>",
    "\u202egnp.exe",  # RTL override
    "</title><script>alert(2)</script>",
    "]]><x/>&amp;&#x3c;script&#x3e;",
]
EVIL_TITLE = "".join(XSS[:3]) + " \u202eAI evil\u2066"
TOKEN = "correct horse battery staple"


def evil(store: Any) -> int:
    store.ensure_source("cna", kind="cna", settings_hash="h")
    outcome = save(store, "https://www.cna.com.tw/news/evil.aspx", EVIL_TITLE, XSS, language="zh")
    save(store, "javascript:alert(1)", "javascript link " + XSS[4], ["<b>bold</b> AI"], language="en")
    match(store, outcome, "ai", [{"term": "AI", "group": "ai", "field": "title", "start": 0, "end": 8,
                                  "text": "<script>"}])
    return outcome.entry_id


@pytest.fixture
def app(store: Any, tmp_path: Path) -> Iterator[tuple[TestClient, Web, int]]:
    application, holder = build_app(store, tmp_path / "t.toml")
    fill(store)
    entry_id = evil(store)
    with TestClient(application) as client:  # type: ignore[arg-type]
        yield client, holder, entry_id


class _Elements(HTMLParser):
    """Every element and attribute as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _no_live_markup(text: str, where: str) -> None:
    parser = _Elements()
    parser.feed(text)
    for tag, attrs in parser.found:
        assert tag not in ("script", "img", "svg", "iframe", "object"), (where, tag)
        for name, value in attrs:
            assert not name.startswith("on"), (where, tag, name)
            assert not (name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript")), (
                where, tag, value)
    assert "\u202e" not in text and "\u2066" not in text, where


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def test_the_xss_corpus_is_inert_in_every_page_feed_and_api_answer(app: tuple[TestClient, Web, int]) -> None:
    client, _, entry_id = app
    pages = ["/", "/?rule=ai", f"/entries/{entry_id}", "/search?q=evil", "/search?q=%3Cscript%3E",
             "/search?q=javascript", "/rules?try=evil", "/rules/ai", "/sources", "/search?q=%22%3E%3Cimg"]
    for path in pages:
        answer = client.get(path)
        assert answer.status_code in (200, 400), path
        _no_live_markup(answer.text, path)
    page = client.get(f"/entries/{entry_id}").text
    assert "&lt;script&gt;" in page and "[U+202E]" in page
    feeds = ("/feeds/timeline.atom", "/feeds/rules/ai.atom", "/feeds/sources/cna.atom", "/feeds/search.atom?q=evil")
    for path in feeds:
        answer = client.get(path)
        _no_live_markup(answer.text, path)
        parsed = feedparser.parse(answer.content)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        for item in parsed.entries:
            assert item.title_detail.type == "text/plain" and item.summary_detail.type == "text/plain"
    for path in ("/api/entries", f"/api/entries/{entry_id}", "/api/search?q=evil", "/api/rules/ai"):
        answer = client.get(path)
        assert answer.headers["content-type"] == "application/json"
        _no_live_markup(answer.text, path)
        assert "<" not in answer.text and ">" not in answer.text, path
        assert "/api/rules" in path or EVIL_TITLE in _strings(answer.json()), path  # the data itself is kept


def test_a_javascript_url_is_never_a_link(app: tuple[TestClient, Web, int]) -> None:
    client, _, _ = app
    [row] = [i for i in client.get("/api/entries").json()["items"] if i["url"].startswith("javascript")]
    page = client.get(f"/entries/{row['id']}").text
    assert 'href="javascript' not in page and "javascript:alert(1)" in page  # shown as text only


def test_binding_beyond_loopback_needs_a_token_hash() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.5.0.1") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")
    check_binding("127.0.0.1", WebSettings(), key="web.host")
    with pytest.raises(ConfigError, match=r"web.host = '0.0.0.0' is reachable from other machines.*tidings token"):
        check_binding("0.0.0.0", WebSettings(), key="web.host")
    check_binding("0.0.0.0", WebSettings(token_hash=hash_secret("x", n=16)), key="web.host")
    with pytest.raises(ConfigError, match=r"web\.token_hash: not a password hash"):
        check_binding("127.0.0.1", WebSettings(token_hash="plaintext"), key="web.host")


def test_secret_hashes() -> None:
    encoded = hash_secret(TOKEN, n=16)
    assert encoded.startswith("scrypt$16$8$1$") and TOKEN not in encoded
    assert verify_secret(TOKEN, encoded) and not verify_secret(TOKEN + "x", encoded)
    assert not verify_secret(TOKEN, "scrypt$16$8$1$zz$zz") and not verify_secret(TOKEN, "md5$x")
    import hashlib

    digest = hashlib.pbkdf2_hmac("sha256", TOKEN.encode(), bytes.fromhex("00ff"), 1000).hex()
    pbkdf2 = f"pbkdf2_sha256$1000$00ff${digest}"
    assert verify_secret(TOKEN, pbkdf2)


@pytest.fixture
def guarded(store: Any, tmp_path: Path) -> Iterator[TestClient]:
    extra = f'[web]\ntoken_hash = "{hash_secret(TOKEN, n=16)}"\nread_token_hash = "{hash_secret("reader", n=16)}"\n'
    application, _ = build_app(store, tmp_path / "t.toml", extra=extra)
    fill(store)
    with TestClient(application, base_url="http://192.0.2.10") as client:  # type: ignore[arg-type]
        yield client


def test_requests_without_the_token_are_refused(guarded: TestClient) -> None:
    for path in ("/api/entries", "/api/search?q=AI", "/feeds/rules/ai.atom", "/openapi.json"):
        answer = guarded.get(path)
        assert answer.status_code == 401 and "Bearer" in answer.headers["www-authenticate"], path
        assert guarded.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    for path in ("/", "/entries/1", "/sources", "/search?q=AI"):
        answer = guarded.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path
    assert guarded.post("/search/save", data={"name": "x", "query": "y"}).status_code == 401
    assert guarded.get("/healthz").status_code == 200 and guarded.get("/metrics").status_code == 200


def test_the_token_opens_the_app_by_bearer_basic_or_session(guarded: TestClient) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert guarded.get("/api/entries", headers=bearer).status_code == 200
    basic = base64.b64encode(f"reader-app:{TOKEN}".encode()).decode()
    assert guarded.get("/feeds/rules/ai.atom", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    form = guarded.get("/login").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)  # type: ignore[union-attr]
    wrong = guarded.post("/login", data={"csrf": csrf, "token": "nope", "next": "/sources"})
    assert wrong.status_code == 401
    signed = guarded.post("/login", data={"csrf": csrf, "token": TOKEN, "next": "//evil.example/"},
                          follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    assert guarded.get("/sources").status_code == 200


def test_the_read_token_only_reads(guarded: TestClient) -> None:
    reader = {"Authorization": "Bearer reader"}
    assert guarded.get("/api/entries", headers=reader).status_code == 200
    assert guarded.get("/feeds/timeline.atom", headers=reader).status_code == 200
    refused = guarded.post("/alerts/1/retry", headers=reader, data={})
    assert refused.status_code == 403


