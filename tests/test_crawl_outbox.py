"""`tidings crawl` says what it leaves in the outbox: an edit of an article alerted minutes ago waits for its
story's `story_hold` (so that a second edit or another language goes in the same follow-up), and a one-shot crawl
must not let that look like an alert that was lost."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crawler.cli import main
from tests.sites import ReplicaServer

RULES = '''
[rules.watch]
query = "@ai"
on = "both"
channels = ["console"]
'''


def test_a_held_follow_up_is_reported_with_when_it_is_due(database_url: str, tmp_path: Path) -> None:
    with ReplicaServer(port=0, articles=2) as replica:
        config = replica.write_config(tmp_path / "replica.toml", database_url, RULES)

        def crawl(*args: str) -> str:
            return CliRunner().invoke(main, ["-c", str(config), "crawl", "focustaiwan", *args],
                                      catch_exceptions=False).output

        crawl()  # the baseline
        article = replica.publish("focustaiwan", topic="ai")
        first = crawl()
        assert "New watch match" in first and "still in the outbox" not in first
        replica.edit(article["url"], append="The ministry will also not fund 12 new AI laboratories next year.")
        edited = crawl("--recheck")
    assert "1 edited" in edited
    assert "1 alert still in the outbox (the first at " in edited, edited
    assert "story_hold" in edited
