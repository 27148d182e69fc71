"""`tidings stories list|show|split|join` on a store where two entries are one story."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from crawler.cli import main
from crawler.pipeline.stories import link_entry
from storage import ArticleRecord, Store

NOW = datetime(2026, 6, 2, 4, tzinfo=UTC)
TEXT = ("Foreign Minister Lin Chia-lung (林佳龍) and Paraguayan Foreign Minister Rubén Ramírez Lezcano signed an AI "
        "cooperation agreement in Taipei. Taiwan will invest US$25 million over four years and train 1,200 engineers.")


def save(store: Store, url: str, title: str, text: str) -> int:
    rec = ArticleRecord("cna", url, url, title, f"{title}\n2026-06-02\n{text}\n", language="en",
                        published="2026-06-02", fetched_at=NOW)
    with store.unit_of_work() as uow:
        outcome = uow.save_article(rec, now=NOW)
        link_entry(uow, rec, outcome, now=NOW)
    return outcome.entry_id


def test_list_show_split_join(store: Store, database_url: str, tmp_path: Path) -> None:
    store.ensure_source("cna", kind="cna", settings_hash="x")
    first = save(store, "https://a.example/1", "Taiwan, Paraguay sign AI pact", TEXT)
    second = save(store, "https://b.example/2", "Paraguay and Taiwan sign AI deal", TEXT.replace("signed", "inked"))
    story = store.get_entry(first).story_id  # type: ignore[union-attr]
    assert story is not None and store.get_entry(second).story_id == story  # type: ignore[union-attr]
    config = tmp_path / "t.toml"
    config.write_text(f'[settings]\ndatabase_url = "{database_url}"\n', encoding="utf-8")

    def tidings(*args: str) -> str:
        result = CliRunner().invoke(main, ["-c", str(config), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    [listed] = [json.loads(line) for line in tidings("stories", "list", "--json").splitlines()]
    assert listed["id"] == story and [m["entry_id"] for m in listed["members"]] == [first, second]
    shown = tidings("stories", "show", str(story))
    assert "first of the story" in shown and "by auto" in shown
    assert "now alone in story" in tidings("stories", "split", str(second))
    alone = store.get_entry(second).story_id  # type: ignore[union-attr]
    assert alone not in (None, story)
    save(store, "https://b.example/2", "Paraguay and Taiwan sign AI deal", TEXT + " Edited.")  # relinking keeps it
    assert store.get_entry(second).story_id == alone  # type: ignore[union-attr]
    assert "joined story" in tidings("stories", "join", str(second), str(story))
    members = store.get_story(story).members  # type: ignore[union-attr]
    assert [(m.entry_id, m.linked_by) for m in members] == [(first, "auto"), (second, "user")]
