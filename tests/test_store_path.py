"""The per-article store path (issue #16): the raw response stored with its version, validators read in bulk,
statements built once, a URL parsed once per fetch. Store tests run on every configured database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.discover.listings import PageRequest
from crawler.fetch.robots import robots_url
from crawler.fetch.urlsafety import UnsafeURL, parse_url
from crawler.fetch.values import Fetched
from crawler.pipeline.context import HttpMemory
from storage import ArticleRecord, HttpState, Store
from storage.dedup import canonical_url
from storage.evidence_records import RawResponseRecord

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _article(url: str, text: str) -> ArticleRecord:
    return ArticleRecord(source_id="s", url=url, canonical_url=canonical_url(url), title=text.split("\n")[0],
                         text=text, fetched_at=NOW)


def _raw(url: str, body: bytes) -> RawResponseRecord:
    return RawResponseRecord(url, "GET", (("User-Agent", "t"),), "HTTP/1.1", 200, "OK",
                             (("Content-Type", "text/html"),), body, fetched_at=NOW)


def test_the_raw_response_goes_in_with_a_new_version_and_only_then(store: Store) -> None:
    store.ensure_source("s", kind="custom", settings_hash="h")
    url = "https://x.tw/a/1"
    with store.unit_of_work() as uow:
        first = uow.save_article(_article(url, "Title\nfirst text"), now=NOW, raw=_raw(url, b"<p>first</p>" * 50))
        twin = uow.save_article(_article("https://x.tw/b/1", "Title\nfirst text"), now=NOW,
                                raw=_raw("https://x.tw/b/1", b"<p>twin</p>"))
    with store.unit_of_work() as uow:
        same = uow.save_article(_article(url, "Title\nfirst text"), now=NOW, raw=_raw(url, b"<p>again</p>"))
        edited = uow.save_article(_article(url, "Title\nsecond text"), now=NOW, raw=_raw(url, b"<p>second</p>"))
    with store.unit_of_work() as uow:
        back = uow.save_article(_article(url, "Title\nfirst text"), now=NOW, raw=_raw(url, b"<p>first again</p>"))
    assert (first.kind, twin.kind, same.kind, edited.kind, back.kind) == (
        "new", "duplicate", "unchanged", "edited", "edited")
    assert back.version_id == first.version_id  # A -> B -> A: the older version is current again
    versions = {v.id: v for v in store.entry_versions(first.entry_id)}
    assert store.raw_response(versions[edited.version_id or 0].raw_response_id or 0).record.body == b"<p>second</p>"
    newest = store.raw_response(versions[first.version_id or 0].raw_response_id or 0)
    assert newest.record.body == b"<p>first again</p>"  # pointed at the newest response of that text
    twin_version = store.entry_versions(twin.entry_id)[0]
    assert store.raw_response(twin_version.raw_response_id or 0).record.body == b"<p>twin</p>"
    assert store.raw_stats()[0] == 4  # the unchanged save kept none


def test_http_states_reads_many_urls_at_once(store: Store) -> None:
    urls = [f"https://x.tw/{n}" for n in range(1200)]  # more than one IN (...) chunk
    for url in urls[::100]:
        store.put_http_state(url, etag=f'"{url}"', last_modified=None, body_hash="h", status=200, fetched_at=NOW)
    store.put_http_state(urls[0], etag='"new"', last_modified="Tue", body_hash="h2", status=200, fetched_at=NOW)
    found = store.http_states([*urls, urls[0]])
    assert sorted(found) == sorted(urls[::100])
    assert (found[urls[0]].etag, found[urls[0]].last_modified, found[urls[0]].body_hash) == ('"new"', "Tue", "h2")
    assert found[urls[100]] == store.get_http_state(urls[100])


def _fetched(url: str, etag: str) -> Fetched:
    return Fetched(url=url, final_url=url, status=200, headers={"etag": etag}, content=b"<p>x</p>",
                   content_type="text/html", charset=None, not_modified=False, etag=etag, last_modified=None,
                   body_hash="b", redirects=(), attempts=1, elapsed=0.0)


def test_a_run_reads_its_articles_validators_in_one_go(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    known, fresh = "https://x.tw/known", "https://x.tw/fresh"
    store.put_http_state(known, etag='"1"', last_modified=None, body_hash="b1", status=200, fetched_at=NOW)
    memory = HttpMemory(store, NOW)
    memory.preload([known, fresh])
    asked: list[str] = []

    def counted(url: str) -> HttpState | None:
        asked.append(url)
        return Store.get_http_state(store, url)

    monkeypatch.setattr(store, "get_http_state", counted)
    validators = memory.validators(PageRequest(known), known)
    assert validators is not None and validators.etag == '"1"'
    assert memory.validators(PageRequest(fresh), fresh) is None
    assert asked == []  # both answered from the one preload query
    memory.remember(fresh, _fetched(fresh, '"2"'))
    again = memory.validators(PageRequest(fresh), fresh)
    assert again is not None and again.etag == '"2"' and asked == [fresh]  # remembered since: read again


def test_a_url_is_parsed_once_and_a_bad_one_is_never_kept() -> None:
    url = "https://example.com/news/1?id=2"
    assert parse_url(url) is parse_url(url)
    assert robots_url(url) == "https://example.com/robots.txt"
    for _ in range(2):
        with pytest.raises(UnsafeURL):
            parse_url("http://[::1")
