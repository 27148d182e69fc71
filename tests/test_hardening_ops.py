"""Issue 11, item 14: what an operator and a new user see.

`tidings status` exits 1 when a source is stale and always shows when each source is due; the daemon's one line
per run; a reload names what it changed; `rules list` refuses a broken query; `check -v` keeps its fetch block
apart from the text and names the right one of two sources on one host; a short Chinese blog post on the generic
path loses its byline, share and related-post lines.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.cli.output import when
from crawler.config import load_config
from crawler.drivers.daemon import reload_changes
from crawler.drivers.health import gather_status
from crawler.drivers.planner import Due, Planner, next_due
from crawler.extract.page import extract
from crawler.pipeline.run import settings_hash
from crawler.pipeline.values import RunReport
from crawler.pipeline.wiring import source_for_url
from storage import SourceState, Store
from tests.sites import ReplicaServer


def _config(tmp_path: Path, database_url: str, body: str = "") -> Path:
    path = tmp_path / "t.toml"
    path.write_text(f'[settings]\ndatabase_url = "{database_url}"\n[sources]\n{body}', encoding="utf-8")
    return path


def _ensure(store: Store, path: Path) -> None:
    for source in load_config(path).sources.values():
        store.ensure_source(source.id, kind=source.profile.id, settings_hash=settings_hash(source))


def test_status_exits_0_when_every_source_is_fresh_and_shows_when_each_is_due(
    tmp_path: Path, store: Store
) -> None:
    path = _config(tmp_path, store.url, '[sources.cna]\ninterval = "10m"\n')
    _ensure(store, path)
    now = datetime.now(UTC).replace(microsecond=0)
    store.record_source_result("cna", ok=True, error=None, degraded=False, now=now, next_due_at=None)
    result = CliRunner().invoke(main, ["-c", str(path), "status"])
    assert result.exit_code == 0, result.output
    assert when(now + timedelta(minutes=10), seconds=True) in result.output  # last run + interval
    assert "healthy" in result.output


def test_status_exits_1_when_a_source_is_stale(tmp_path: Path, store: Store) -> None:
    path = _config(tmp_path, store.url, '[sources.cna]\ninterval = "1m"\n')
    _ensure(store, path)
    long_ago = datetime.now(UTC) - timedelta(days=1)
    store.record_source_result("cna", ok=True, error=None, degraded=False, now=long_ago, next_due_at=None)
    result = CliRunner().invoke(main, ["-c", str(path), "status"])
    assert result.exit_code == 1, result.output
    assert "unhealthy: source cna: last success" in result.output


def test_next_due_is_the_backoff_when_later_than_the_plan_else_last_run_plus_the_planned_wait() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    config = load_config(None)
    source = replace(config.sources["cna"], interval=60.0, schedule="fixed")
    planner = Planner(config.settings, lambda since: [])
    state = SourceState("cna", "cna", "h", t, None, 0, None, None, None, None, False, False)
    assert next_due(source, state, planner, t) == Due(t + timedelta(seconds=60), "fixed interval")
    failing = replace(state, last_failure_at=t + timedelta(seconds=30), next_due_at=t + timedelta(hours=1),
                      consecutive_failures=2)
    assert next_due(source, failing, planner, t) == Due(t + timedelta(hours=1), "backing off after 2 failures")
    assert next_due(source, None, planner, t).at is None


def test_status_and_sources_list_show_the_same_next_due(tmp_path: Path, store: Store) -> None:
    path = _config(tmp_path, store.url, '[sources.cna]\ninterval = "10m"\nschedule = "fixed"\n')
    _ensure(store, path)
    now = datetime.now(UTC)
    store.record_source_result("cna", ok=False, error="down", degraded=False, now=now,
                               next_due_at=now + timedelta(hours=2))
    status = gather_status(load_config(path), store)
    assert status.sources[0].next_due is not None
    assert abs((status.sources[0].next_due - now - timedelta(hours=2)).total_seconds()) < 1
    listed = CliRunner().invoke(main, ["-c", str(path), "sources", "list"])
    assert listed.exit_code == 0, listed.output
    assert "in 120 min: backing off after 1 failure" in listed.output
    row = next(line for line in listed.output.splitlines() if line.strip().startswith("cna"))
    assert "failing (last error below)" in row  # the row says it; the error is whole under the table
    assert "cna: 1 failed run(s) in a row, last: down" in listed.output


def test_a_long_error_is_shown_whole_under_the_sources_table(tmp_path: Path, store: Store) -> None:
    path = _config(tmp_path, store.url, "[sources.cna]\n")
    _ensure(store, path)
    error = ("http://127.0.0.1:8765/www.cna.com.tw/cna2018api/api/WNewsList: the site's robots.txt could not be "
             "read: connection failed (ConnectError: All connection attempts failed); check the URL or retry later")
    store.record_source_result("cna", ok=False, error=error, degraded=False, now=datetime.now(UTC), next_due_at=None)
    listed = CliRunner().invoke(main, ["-c", str(path), "sources", "list"])
    assert listed.exit_code == 0, listed.output
    assert f"cna: 1 failed run(s) in a row, last: {error}" in listed.output


def test_status_of_a_never_run_source_says_due_now(tmp_path: Path, store: Store) -> None:
    path = _config(tmp_path, store.url, "[sources.cna]\n")
    status = gather_status(load_config(path), store)
    assert [row.next_due for row in status.sources] == [None]


def test_one_line_per_run_with_its_counts() -> None:
    report = RunReport("cna", new=3, edited=1, not_modified=12, errors=())
    assert report.line(1.23) == "source cna: 3 new, 1 edited, 12 not modified, 0 errors in 1.2s"
    failed = RunReport("cna", errors=("boom",), failed=True)
    assert failed.line(0.5) == "source cna: 0 new, 0 edited, 0 not modified, 1 errors in 0.5s (failed)"


def test_a_reload_names_the_sources_whose_settings_changed(tmp_path: Path) -> None:
    old = load_config(_config(tmp_path, "sqlite:///x.db", '[sources.cna]\n[sources.focustaiwan]\n'))
    new = load_config(_config(tmp_path, "sqlite:///x.db",
                              '[sources.cna]\nmax_articles = 5\n[sources.focustaiwan]\ninterval = "5m"\n'))
    line = reload_changes(old, new, [], [], ["focustaiwan"])
    assert line == ("added: -; removed: -; rescheduled: focustaiwan; settings changed: cna; rules unchanged")
    assert "settings changed: -" in reload_changes(old, old, [], [], [])


def test_rules_list_refuses_a_broken_query_naming_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[rules.broken]\nquery = "AI AND (cooperation"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["-c", str(path), "rules", "list"])
    assert result.exit_code == 2
    assert "rule 'broken'" in result.stderr and "position" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_url_on_a_shared_host_names_the_source_whose_listings_fit() -> None:
    config = load_config(None)
    assert source_for_url(config, "https://moda.gov.tw/press/press-releases/49993").id == "moda-zh"  # type: ignore[union-attr]
    assert source_for_url(config, "https://moda.gov.tw/en/press/press-releases/1986").id == "moda-en"  # type: ignore[union-attr]
    assert source_for_url(config, "https://nspp.mofa.gov.tw/nsppe/news.php?post=1").id == "nspp-en"  # type: ignore[union-attr]


def test_check_v_names_moda_zh_and_keeps_its_block_apart(tmp_path: Path) -> None:
    with ReplicaServer(port=0, articles=2) as replica:
        base = replica.base_url
        path = tmp_path / "t.toml"
        path.write_text(
            "".join(f'[sources.{sid}]\nbase_url = "{base}/moda.gov.tw/"\nallow_hosts = ["{base}"]\n'
                    for sid in ("moda-en", "moda-zh")),
            encoding="utf-8",
        )
        url = next(a["url"] for a in replica.articles("moda-zh"))
        result = CliRunner().invoke(main, ["-c", str(path), "check", "-v", url])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "source: moda-zh  method: profile" in lines
    assert lines[-1] == ""  # a blank line ends the block: the text that follows stands apart
    assert result.stdout.splitlines()[0] and not result.stdout.startswith(("url:", "source:"))


ZH_BLOG = """<html><head><title>台灣與印尼深化AI合作 - 小部落格</title></head><body>
<header><nav><a href="/">首頁</a> <a href="/about">關於</a></nav></header>
<article><h1>台灣與印尼深化AI合作</h1>
<p>作者：王小明</p>
<p>台灣與印尼本週在雅加達簽署人工智慧合作備忘錄，雙方將在半導體與數位人才培育上共同推動多項計畫。</p>
<p>分享經濟也是雙方討論的議題。</p>
<p>外交部表示，這項合作將有助於雙邊經貿關係，並為新南向政策注入新的動能。</p>
<p>分享：Facebook Twitter LINE</p><p>分享到 Facebook</p><p>責任編輯：李大華</p><p>標籤：AI、印尼、合作</p>
<p>延伸閱讀：台美科技對話登場</p><p>上一篇：台灣與泰國觀光交流</p><p>下一篇：數位部推動資安新制</p>
<p>相關文章</p><p>台灣與越南擴大供應鏈合作，雙方同意加速投資。</p>
</article><footer>© 2026 小部落格 版權所有</footer></body></html>"""


def test_a_short_chinese_blog_post_loses_byline_share_and_related_lines() -> None:
    article = extract(ZH_BLOG, "https://blog.example.tw/p/1", None).article
    assert article.paragraphs == (
        "台灣與印尼本週在雅加達簽署人工智慧合作備忘錄，雙方將在半導體與數位人才培育上共同推動多項計畫。",
        "分享經濟也是雙方討論的議題。",  # a sentence that starts with 分享 is text, not a share button
        "外交部表示，這項合作將有助於雙邊經貿關係，並為新南向政策注入新的動能。",
    )
    assert article.author == "王小明"


@pytest.mark.parametrize("line", ["By the way, the plan works.", "Share prices rose 3%.", "Tags are useful."])
def test_english_sentences_that_look_like_boilerplate_stay(line: str) -> None:
    from crawler.extract.cleanup import strip_generic_boilerplate

    assert strip_generic_boilerplate([line]) == ([line], None)
