"""The web app over a real store (SQLite, and PostgreSQL when TIDINGS_TEST_DATABASE_URL is set): pages, API, feeds,
forms with CSRF, outbox actions, health under a frozen database; no secret in any answer."""

from __future__ import annotations

import re
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest

from tests.webdata import NOW, SECRET, SECRET_URL, Web, build_app, fill, save

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PAGES = ("/", "/?edited=1", "/?source=cna", "/?rule=ai", "/?language=en&from=2026-05-18&to=2026-05-19",
         "/search?q=日本", "/search?q=%40ai+AND+日本", "/search?q=Japan", "/rules", "/rules/ai", "/rules?try=日本",
         "/sources", "/sources?status=dead", "/stories", "/stories?min=2")
API = ("/api/entries", "/api/search?q=Japan", "/api/rules", "/api/rules/ai", "/api/sources", "/api/alerts",
       "/api/stories", "/openapi.json")
FEEDS = ("/feeds/timeline.atom", "/feeds/rules/ai.atom", "/feeds/sources/cna.atom", "/feeds/search.atom?q=Japan")


@pytest.fixture
def web(store: Any, tmp_path: Path) -> Iterator[tuple[TestClient, Web]]:
    app, holder = build_app(store, tmp_path / "tidings.toml")
    holder.ids = fill(store)
    with TestClient(app) as client:  # type: ignore[arg-type]
        yield client, holder


def csrf(client: TestClient, path: str = "/search?q=x") -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def every_answer(client: TestClient, ids: dict[str, int]) -> Iterator[tuple[str, Any]]:
    for path in (*PAGES, *API, *FEEDS, f"/entries/{ids['zh']}", f"/entries/{ids['en']}", f"/api/entries/{ids['zh']}",
                 f"/api/entries/{ids['en']}"):
        yield path, client.get(path)


def test_every_page_api_and_feed_answers_with_a_strict_policy(web: tuple[TestClient, Web]) -> None:
    client, holder = web
    for path, answer in every_answer(client, holder.ids):
        assert answer.status_code == 200, (path, answer.text[:500])
        assert "default-src 'none'" in answer.headers["content-security-policy"], path
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_no_secret_in_any_answer(web: tuple[TestClient, Web]) -> None:
    client, holder = web
    for path, answer in every_answer(client, holder.ids):
        assert SECRET not in answer.text and SECRET_URL not in answer.text, path
    dead = client.get("/api/alerts?status=dead").json()["items"]
    assert dead and "[secret]" in dead[0]["last_error"]


def test_timeline_newest_first_with_filters_and_cursor(web: tuple[TestClient, Web]) -> None:
    client, holder = web
    body = client.get("/api/entries").json()
    assert [item["id"] for item in body["items"]] == [holder.ids["zh"], holder.ids["en"], holder.ids["other"]]
    zh = body["items"][0]
    assert zh["edited"] and zh["versions"] == 2 and zh["rules"] == ["ai"] and zh["story"] is None
    first = client.get("/api/entries?limit=2").json()
    second = client.get(f"/api/entries?limit=2&cursor={first['next_cursor']}").json()
    assert [i["id"] for i in first["items"] + second["items"]] == [i["id"] for i in body["items"]]
    assert second["next_cursor"] is None
    assert [i["id"] for i in client.get("/api/entries?edited=1").json()["items"]] == [holder.ids["zh"]]
    assert [i["id"] for i in client.get("/api/entries?rule=japan").json()["items"]] == [holder.ids["en"]]
    assert [i["id"] for i in client.get("/api/entries?source=mofa-en").json()["items"]] == [holder.ids["other"]]
    assert [i["id"] for i in client.get("/api/entries?from=2026-05-18&language=en").json()["items"]] == [
        holder.ids["en"]]
    assert client.get("/api/entries?removed=1").json()["items"] == []
    assert client.get("/api/entries?cursor=nonsense!").status_code == 400
    page = client.get("/").text
    assert page.index("臺灣與日本簽署") < page.index("Taiwan and Japan deepen")
    assert '<link rel="alternate" type="application/atom+xml"' in page


def test_article_shows_versions_with_class_and_diff_matches_and_alerts(web: tuple[TestClient, Web]) -> None:
    client, holder = web
    page = client.get(f"/entries/{holder.ids['zh']}").text
    assert "Versions (2)" in page and "substantive" in page and "initial" in page
    assert "<ins>，金額達5億元</ins>" in page
    assert "<mark>AI</mark>" in page  # the current version's evidence, highlighted in the title
    assert "<td>team</td>" in page  # the alert's channel by name
    assert "<dt>Story</dt><dd>—</dd>" in page
    detail = client.get(f"/api/entries/{holder.ids['zh']}").json()
    assert [v["change_class"] for v in detail["version_list"]] == ["initial", "substantive"]
    assert detail["version_list"][0]["diff"] is None
    assert "+外交部今天表示，臺灣與日本簽署人工智慧合作備忘錄，金額達5億元。" in detail["version_list"][1]["diff"]
    assert detail["body"].startswith("外交部") and len(detail["matches"]) == 2
    assert client.get("/entries/999999").status_code == 404
    assert client.get("/api/entries/999999").json() == {"error": "no entry 999999"}


def test_search_in_the_rule_language_cjk_and_english(web: tuple[TestClient, Web]) -> None:
    client, holder = web
    ids = holder.ids

    def found(query: str) -> list[int]:
        return [item["id"] for item in client.get("/api/search", params={"q": query}).json()["items"]]

    assert found("日本") == [ids["zh"]]  # a two-character CJK term: a substring scan
    assert found("簽署人工智慧") == [ids["zh"]]  # a longer one: the trigram index
    assert found("台湾") == [ids["zh"]]  # Simplified finds Traditional
    assert found("@ai AND 日本") == [ids["zh"]]
    assert found("Japan") == [ids["en"]]
    assert found("japan OR 日本") == [ids["zh"], ids["en"]]
    assert found("@ai") == [ids["zh"], ids["en"]]
    assert found("said") == [ids["other"]]
    assert found("AI -Japan") == [ids["zh"]]
    assert found("title:memorandum") == []
    assert found("cooperat*") == [ids["en"]]
    page = client.get("/search", params={"q": "Japan"}).text
    assert "<mark>Japan</mark>" in page and 'rel="alternate"' in page
    bad = client.get("/api/search", params={"q": "(AI"})
    assert bad.status_code == 400 and "error" in bad.json()
    assert client.get("/search", params={"q": "(AI"}).status_code == 400


def test_rules_page_back_tests_by_publication_day(web: tuple[TestClient, Web], monkeypatch: pytest.MonkeyPatch) -> None:
    client, _ = web
    import crawler.web.searching as searching

    real = searching.backtest
    monkeypatch.setattr(searching, "backtest", lambda s, spec, days, today=None: real(s, spec, days, today=NOW.date()))
    import crawler.web.search_pages as search_pages

    monkeypatch.setattr(search_pages, "backtest", searching.backtest)
    rule = client.get("/api/rules/ai").json()
    assert rule["query"] == "@ai" and rule["channels"] == ["team"] and rule["mode"] == "instant"
    thirty = rule["backtest"][0]
    assert thirty["days"] == 30 and thirty["total"] == 2 and len(thirty["per_day"]) == 30
    assert {day["day"]: day["count"] for day in thirty["per_day"] if day["count"]} == {"2026-05-19": 1, "2026-05-18": 1}
    tried = client.get("/rules", params={"try": "said"}).text
    assert "1 match" in tried and "Minister meets" in tried


def test_save_a_search_as_a_rule_needs_the_csrf_token(web: tuple[TestClient, Web], tmp_path: Path) -> None:
    client, holder = web
    path = tmp_path / "tidings.toml"
    refused = client.post("/search/save", data={"name": "chips", "query": "半導體"})
    assert refused.status_code == 403
    refused = client.post("/search/save", data={"name": "chips", "query": "半導體", "csrf": "0" * 64})
    assert refused.status_code == 403
    saved = client.post("/search/save", data={"name": "chips", "query": "半導體", "csrf": csrf(client)},
                        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/rules/chips"
    text = path.read_text(encoding="utf-8")
    assert "# a config the app may edit: this comment must survive" in text and '[rules.chips]' in text
    assert holder.written == [True] and "chips" in holder.config.rules
    again = client.post("/search/save", data={"name": "chips", "query": "x", "csrf": csrf(client)})
    assert again.status_code == 400 and "already exists" in again.text
    invalid = client.post("/search/save", data={"name": "bad", "query": "(x", "csrf": csrf(client)})
    assert invalid.status_code == 400 and "chips" in path.read_text(encoding="utf-8")
    cross = client.post("/search/save", data={"name": "x2", "query": "x", "csrf": csrf(client)},
                        headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403


def test_outbox_retry_and_drop(web: tuple[TestClient, Web]) -> None:
    client, holder = web
    dead = holder.ids["dead_alert"]
    token = csrf(client, "/sources")
    assert client.post(f"/alerts/{dead}/retry", data={}).status_code == 403
    assert client.post(f"/alerts/{dead}/retry", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert holder.store.alert_view(dead).status == "pending"
    assert client.post(f"/alerts/{dead}/drop", data={"csrf": token}, follow_redirects=False).status_code == 303
    dropped = holder.store.alert_view(dead)
    assert dropped.status == "dead" and dropped.last_error == "dropped by a person in the web app"
    assert client.post("/alerts/424242/drop", data={"csrf": token}).status_code == 404


def test_feeds_have_stable_ids_and_updated_moves_on_an_edit(web: tuple[TestClient, Web]) -> None:
    client, holder = web
    before = feedparser.parse(client.get("/feeds/rules/japan.atom").content)
    assert before.bozo == 0 and before.feed.title == "tidings: rule japan"
    [item] = before.entries
    assert item.id == f"tag:tidings.localhost,2026:entry/{holder.ids['en']}"
    assert item.title == "Taiwan and Japan deepen AI cooperation" and item.link.endswith(f"/entries/{holder.ids['en']}")
    save(holder.store, "https://focustaiwan.tw/politics/1", "Taiwan and Japan deepen AI cooperation",
         ["Taiwan and Japan signed two memoranda on artificial intelligence.", "The partnership covers chips."],
         source="focustaiwan", language="en", published="2026-05-18", when=NOW + time_delta(hours=3))
    [after] = feedparser.parse(client.get("/feeds/rules/japan.atom").content).entries
    assert after.id == item.id and after.updated_parsed > item.updated_parsed
    assert "[edited: 2 versions]" in after.summary
    assert client.get("/feeds/rules/nope.atom").status_code == 404
    assert client.get("/feeds/search.atom").status_code == 400
    assert client.get("/feeds/stories/1.atom").status_code == 200


def time_delta(**kwargs: float) -> Any:
    from datetime import timedelta

    return timedelta(**kwargs)


def test_healthz_answers_in_time_when_the_database_is_frozen(
    web: tuple[TestClient, Web], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, holder = web
    ok = client.get("/healthz")
    assert ok.status_code == 200 and ok.json() == {"status": "ok", "problems": []}
    assert "tidings_alerts{status=\"dead\"} 1.0" in client.get("/metrics").text
    release = threading.Event()
    monkeypatch.setattr(type(holder.store), "source_states", lambda self: release.wait(30) and [])
    holder.config = holder.config.__class__(**{**holder.config.__dict__,
                                               "web": holder.config.web.model_copy(update={"health_timeout": 0.5})})
    started = time.monotonic()
    frozen = client.get("/healthz")
    release.set()
    assert time.monotonic() - started < 5
    assert frozen.status_code == 503
    assert frozen.json()["problems"] == ["database: no answer within 0.5s (web.health_timeout)"]


def test_timeline_pages_with_cursor_links(web: tuple[TestClient, Web]) -> None:
    client, _ = web
    first = client.get("/?limit=1").text
    link = re.search(r'rel="next" href="/\?([^"]+)"', first)
    assert link, first
    second = client.get("/?" + link.group(1).replace("&amp;", "&")).text
    assert "Taiwan and Japan deepen" in second and "Minister meets" not in second


def test_sources_page_and_api_show_the_next_due_time_status_shows(web: tuple[TestClient, Web], store: Any) -> None:
    """The web app's "Next run" is `crawler.drivers.planner.next_due`, as in `tidings status` and `sources list`:
    a failing source's backoff, not a blank "on schedule"."""
    from datetime import UTC, datetime, timedelta

    client, _ = web
    now = datetime.now(UTC)
    store.record_source_result("cna", ok=False, error="down", degraded=False, now=now,
                               next_due_at=now + timedelta(hours=2))
    items = {item["id"]: item for item in client.get("/api/sources").json()["items"]}
    due = datetime.fromisoformat(items["cna"]["next_due"])
    assert abs((due - now - timedelta(hours=2)).total_seconds()) < 1
    assert items["cna"]["next_due_reason"] == "backing off after 1 failure"
    page = client.get("/sources").text
    assert 'title="backing off after 1 failure"' in page
