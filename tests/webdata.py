"""Test data for the web app: a store with entries in three languages, an edit, matches, alerts; a config file
with a secret channel URL; the app over them (used by tests/test_web*.py and tests/bench/web.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.config import Config, load_config
from crawler.drivers.health import HealthView, Metrics
from crawler.web import WebDeps, create_app
from storage import ArticleRecord, MatchRecord, SaveOutcome, Store

NOW = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)
SECRET = "xoxb-SECRET-7f3a9c1d2e"
SECRET_URL = f"json://hook-user:{SECRET}@127.0.0.1:9/hooks/{SECRET}"
CONFIG = f"""# a config the app may edit: this comment must survive
[settings]
database_url = "{{database_url}}"

[sources.cna]
[sources.focustaiwan]
[sources.mofa-en]

[rules.ai]
query = "@ai"
channels = ["team"]

[rules.japan]
query = "日本 OR Japan"
channels = ["team"]

[channels.team]
url = "{SECRET_URL}"
{{extra}}
"""


def write_config(path: Path, database_url: str, extra: str = "") -> Config:
    path.write_text(CONFIG.format(database_url=database_url, extra=extra), encoding="utf-8")
    return load_config(path)


def save(store: Store, url: str, title: str, paragraphs: list[str], *, source: str = "cna", language: str = "zh",
         published: str = "2026-05-19", when: datetime = NOW) -> SaveOutcome:
    text = "\n".join([title, published, *paragraphs]) + "\n"
    record = ArticleRecord(source_id=source, url=url, canonical_url=url, title=title, text=text, language=language,
                           published=published, fetched_at=when)
    with store.unit_of_work() as uow:
        return uow.save_article(record, now=when)


def match(store: Store, outcome: SaveOutcome, rule: str, evidence: list[dict[str, object]], *,
          channel: str = "team") -> int:
    assert outcome.version_id is not None
    kind = "new" if outcome.kind == "new" else "edited"
    with store.unit_of_work() as uow:
        match_id = uow.add_match(MatchRecord(outcome.entry_id, outcome.version_id, rule, kind, evidence), now=NOW)
        assert match_id is not None
        uow.enqueue_alert(match_id, channel, mode="instant", due_at=NOW, now=NOW)
    return match_id


def fill(store: Store) -> dict[str, int]:
    """Entries: a Chinese one edited once (AI, 日本), an English one (Japan), an Indonesian one; matches and alerts."""
    for source in ("cna", "focustaiwan", "mofa-en"):
        store.ensure_source(source, kind=source, settings_hash="h")
    zh_title = "臺灣與日本簽署AI合作備忘錄"
    first = save(store, "https://www.cna.com.tw/news/1.aspx", zh_title,
                 ["外交部今天表示，臺灣與日本簽署人工智慧合作備忘錄。", "雙方將在半導體領域深化合作。"])
    edited = save(store, "https://www.cna.com.tw/news/1.aspx", zh_title,
                  ["外交部今天表示，臺灣與日本簽署人工智慧合作備忘錄，金額達5億元。", "雙方將在半導體領域深化合作。"],
                  when=NOW + timedelta(minutes=30))
    en = save(store, "https://focustaiwan.tw/politics/1", "Taiwan and Japan deepen AI cooperation",
              ["Taiwan and Japan signed a memorandum on artificial intelligence.", "The partnership covers chips."],
              source="focustaiwan", language="en", published="2026-05-18", when=NOW - timedelta(hours=1))
    other = save(store, "https://en.mofa.gov.tw/News.aspx?n=7", "Minister meets Paraguayan delegation",
                 ["The minister said the said visit was productive."], source="mofa-en", language="en",
                 published="2026-05-17", when=NOW - timedelta(hours=2))
    match(store, first, "ai", [{"term": "AI", "group": "ai", "field": "title", "start": 7, "end": 9, "text": "AI"}])
    match(store, edited, "ai", [{"term": "AI", "group": "ai", "field": "title", "start": 7, "end": 9, "text": "AI"}])
    match_id = match(store, en, "japan", [{"term": "Japan", "group": None, "field": "title", "start": 11, "end": 16,
                                            "text": "Japan"}])
    [alert] = [a for a in store.list_alerts(limit=100) if a.match_id == match_id]
    store.mark_failed(alert.id, error=f"POST {SECRET_URL} failed: 401 for token {SECRET}", now=NOW,
                      next_attempt_at=None)
    return {"zh": first.entry_id, "en": en.entry_id, "other": other.entry_id, "dead_alert": alert.id}


@dataclass
class Web:
    store: Store
    config: Config
    ids: dict[str, int]
    written: list[bool]


def build_app(store: Store, config_path: Path, *, extra: str = "") -> tuple[object, Web]:
    config = write_config(config_path, store.url, extra)
    holder = Web(store, config, {}, [])

    def reload() -> None:
        holder.config = load_config(config_path)
        holder.written.append(True)

    metrics = Metrics()
    metrics.watch_store(store)
    view = HealthView(store, dict, time.monotonic, NOW, grace=10.0)
    app = create_app(WebDeps(store, lambda: holder.config, view, metrics, on_config_written=reload))
    return app, holder
