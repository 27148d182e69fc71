"""Edits you can see, end to end: real crawls of the replica (HTTP on 127.0.0.1, a real database on SQLite and
PostgreSQL), with the clock moved forward so that re-checks come due: a number edited, then punctuation, then the
page taken down and put back."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crawler.cli import main
from crawler.config import load_config
from crawler.drivers.crawl import CrawlSummary, crawl
from crawler.pipeline.wiring import select_sources
from storage import Store
from tests.sites import ReplicaServer

ROOT = Path(__file__).resolve().parents[1]
RULES = '''
[rules.watch]
query = "@ai"
on = "any"
channels = ["console"]

[rules.figures]
query = "@ai"
on = "edited"
edit_classes = ["number"]
channels = ["console"]
'''
TITLE = "Taiwan and Japan sign AI chip pact"
FIRST = "Taiwan will invest NT$1.25 trillion in AI chips over 5 years, the ministry said on Monday."
SECOND = "The plan covers 12 research centres in three cities."


@pytest.fixture(scope="module")
def replica() -> ReplicaServer:
    with ReplicaServer(port=0, articles=3) as server:
        yield server


@dataclass
class Clock:
    replica: ReplicaServer
    database_url: str
    config_path: Path
    now: datetime

    def crawl(self, after: timedelta = timedelta(0)) -> tuple[CrawlSummary, str]:
        self.now += after
        config = load_config(self.config_path)
        console = io.StringIO()
        with Store.open(self.database_url) as store:
            summary = asyncio.run(crawl(config, store, select_sources(config, ("focustaiwan",)), console=console,
                                        now=self.now))
        return summary, console.getvalue()

    def tidings(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["-c", str(self.config_path), *args], catch_exceptions=False)


@pytest.fixture
def clock(replica: ReplicaServer, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Clock:
    replica.reset()
    monkeypatch.setenv("TIDINGS_REPLICA_URL", replica.base_url)
    monkeypatch.setenv("TIDINGS_REPLICA_DATABASE_URL", database_url)
    config = tmp_path / "replica.toml"
    config.write_text((ROOT / "tests" / "sites" / "replica.toml").read_text(encoding="utf-8") + RULES, encoding="utf-8")
    return Clock(replica, database_url, config, datetime.now(UTC))


def alerts_of(output: str, kind: str) -> list[str]:
    """The console alerts of one kind (a story's first message "New ...", its follow-ups "edited:",
    "removed:"), each with its body."""
    blocks = [block for block in output.split("\n[tidings] ")[1:]]
    return [block for block in blocks if block.startswith(kind + " ")]


def test_a_number_edit_alerts_punctuation_does_not_a_removal_alerts_once_and_a_restore_is_recorded(
    clock: Clock,
) -> None:
    clock.crawl()
    published = clock.replica.publish("focustaiwan", title=TITLE, paragraphs=[FIRST, SECOND])
    url = published["url"]
    summary, out = clock.crawl(timedelta(minutes=1))
    assert summary.total("new") == 1 and len(alerts_of(out, "New")) == 1

    clock.replica.edit(url, paragraphs=[FIRST.replace("1.25", "1.5"), SECOND])
    summary, out = clock.crawl(timedelta(minutes=20))  # the first re-check: 15 minutes after first seen
    assert summary.total("edited") == 1 and summary.total("cosmetic") == 0
    edits = alerts_of(out, "edited:")  # one follow-up in the story's thread, for both rules that fired
    assert len(edits) == 1 and len(alerts_of(out, "New")) == 0
    assert "number: Taiwan will invest NT$[-1.25-]{+1.5+} trillion" in edits[0]

    clock.replica.edit(url, paragraphs=[FIRST.replace("1.25", "1.5").replace("Monday.", "Monday!"), SECOND])
    summary, out = clock.crawl(timedelta(hours=1))
    assert (summary.total("edited"), summary.total("cosmetic")) == (1, 1)
    assert "[tidings]" not in out  # no alert for punctuation

    clock.replica.remove(url)
    summary, out = clock.crawl(timedelta(hours=2))  # 3h10m after first seen: gone once, look again next run
    assert summary.total("removed") == 0 and not [e for r in summary.reports for e in r.errors]
    summary, out = clock.crawl(timedelta(minutes=10))
    assert summary.total("removed") == 1
    taken = alerts_of(out, "removed:")
    assert len(taken) == 1 and "taken down: " + TITLE in taken[0] and "NT$1.5 trillion" in taken[0]
    for later in (timedelta(hours=9), timedelta(days=1)):
        summary, out = clock.crawl(later)
        assert not [e for r in summary.reports for e in r.errors] and "[tidings]" not in out
        assert summary.total("removed") == 0

    clock.replica.restore(url)
    summary, out = clock.crawl(timedelta(days=2))  # the 3-day step
    assert summary.total("restored") == 1

    with Store.open(clock.database_url) as store:
        entry = store.find_entry(url)
        assert entry is not None and entry.removed_at is None and entry.version_count == 3
        classes = [v.change_class for v in store.entry_versions(entry.id)]
    assert classes == ["initial", "substantive", "cosmetic", "removed", "restored"]

    shown = clock.tidings("entries", "show", str(entry.id))
    assert shown.exit_code == 0, shown.output
    for part in (TITLE, "substantive", "cosmetic", "removed", "restored", "number", "watch", "console"):
        assert part in shown.output
    last = clock.tidings("entries", "diff", str(entry.id))  # the last edit: punctuation
    assert last.exit_code == 0, last.output
    assert " -> v3 " in last.output.splitlines()[0] and "cosmetic: punctuation" in last.output
    assert "Monday[-.-]{+!+}" in last.output and "[-1.25-]" not in last.output
    first = clock.tidings("entries", "diff", url, "1", "2")
    assert "NT$[-1.25-]{+1.5+} trillion" in first.output and "substantive: number" in first.output
    assert " -> v2 " in first.output.splitlines()[0]


def test_all_versions_export_in_every_format(clock: Clock, tmp_path: Path) -> None:
    clock.crawl()
    url = clock.replica.publish("focustaiwan", title=TITLE, paragraphs=[FIRST, SECOND])["url"]
    clock.crawl(timedelta(minutes=1))
    clock.replica.edit(url, paragraphs=[FIRST.replace("1.25", "1.5"), SECOND])
    clock.crawl(timedelta(minutes=20))
    clock.replica.edit(url, paragraphs=[FIRST.replace("1.25", "1.5").replace("Monday.", "Monday!"), SECOND])
    clock.crawl(timedelta(hours=1))
    for fmt in ("seed", "jsonl", "csv"):
        out = tmp_path / fmt
        result = clock.tidings("entries", "export", "--all-versions", "--format", fmt, "--out", str(out),
                               "--source", "focustaiwan")
        assert result.exit_code == 0, result.output
    manifest = [json.loads(line) for line in (tmp_path / "seed" / "manifest.jsonl").read_text().splitlines()]
    ours = [record for record in manifest if record["url"] == url]
    assert [(r["version"], r["change_class"]) for r in ours] == [(1, "initial"), (2, "substantive"), (3, "cosmetic")]
    assert all((tmp_path / "seed" / r["file"]).read_text().startswith(TITLE) for r in ours)
    assert all(r["file"].endswith(f"_v{r['version']}.txt") for r in ours)
    rows = [json.loads(line) for line in (tmp_path / "jsonl" / "entries.jsonl").read_text().splitlines()]
    assert [r["change_class"] for r in rows if r["url"] == url] == ["initial", "substantive", "cosmetic"]
    csv_text = (tmp_path / "csv" / "entries.csv").read_text()
    assert csv_text.splitlines()[0].startswith("id,") and "version" in csv_text.splitlines()[0]
    assert csv_text.count(url) >= 3


@pytest.mark.parametrize("how", ["410", "home"])
def test_a_page_gone_or_redirected_home_twice_is_removed_never_stored_as_an_edit(clock: Clock, how: str) -> None:
    clock.crawl()
    url = clock.replica.publish("focustaiwan", title=TITLE, paragraphs=[FIRST, SECOND])["url"]
    clock.crawl(timedelta(minutes=1))
    clock.replica.remove(url, how)
    first, _ = clock.crawl(timedelta(minutes=20))
    second, out = clock.crawl(timedelta(minutes=5))
    assert (first.total("removed"), second.total("removed")) == (0, 1)
    assert not [e for s in (first, second) for r in s.reports for e in r.errors]
    assert len(alerts_of(out, "removed:")) == 1
    with Store.open(clock.database_url) as store:
        entry = store.find_entry(url)
        assert entry is not None and entry.removed_at is not None
        assert [v.change_class for v in store.entry_versions(entry.id)] == ["initial", "removed"]


def test_a_server_error_is_never_a_removal(clock: Clock) -> None:
    clock.crawl()
    url = clock.replica.publish("focustaiwan", title=TITLE, paragraphs=[FIRST, SECOND])["url"]
    clock.crawl(timedelta(minutes=1))
    clock.replica.remove(url, "503")
    for later in (timedelta(minutes=20), timedelta(minutes=5), timedelta(minutes=5)):
        summary, out = clock.crawl(later)
        assert summary.total("removed") == 0 and "removed:" not in out
        assert any("503" in e for r in summary.reports for e in r.errors)  # an outage is reported, and retried
    clock.replica.restore(url)
    summary, _ = clock.crawl(timedelta(minutes=5))
    assert summary.total("removed") == 0 and summary.total("restored") == 0
    assert not [e for r in summary.reports for e in r.errors]
    with Store.open(clock.database_url) as store:
        entry = store.find_entry(url)
        assert entry is not None and entry.removed_at is None and entry.next_check_at is not None
        assert entry.next_check_at > clock.now


def test_crawl_recheck_looks_again_now_through_the_cli(clock: Clock) -> None:
    url = clock.replica.publish("focustaiwan", title=TITLE, paragraphs=[FIRST, SECOND])["url"]
    assert clock.tidings("crawl", "focustaiwan").exit_code == 0
    clock.replica.edit(url, paragraphs=[FIRST.replace("5 years", "6 years"), SECOND])
    assert "0 edited" in clock.tidings("crawl", "focustaiwan").output  # not due for 15 minutes
    result = clock.tidings("crawl", "focustaiwan", "--recheck")
    assert result.exit_code == 0 and "1 edited (0 cosmetic)" in result.output, result.output
    assert "[-5-]{+6+} years" in result.output  # the edit alert on the console leads with the diff
