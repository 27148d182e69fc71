"""What a pass with nothing new loads: an idle `tidings crawl` imports neither the page path (extraction,
stories, versions, a listing's decoding and dates) nor the alert path (apprise, jinja2), nor the rule compiler
(rules compile on the first match), nor the web app, migrations, the language model or httpx's own CLI.

The benchmark (`python -m tests.bench.idle`) measures what this saves; this test keeps the modules out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.config import load_config
from crawler.errors import ConfigError
from crawler.pipeline.rulebook import RuleBook
from rules.match import Document
from tests.shared import ROOT
from tests.sites import ReplicaServer

# Modules an idle pass has no use for; each is imported on first real use (a new page, a due alert, a migration).
HEAVY = (
    "alembic", "apprise", "jinja2", "trafilatura", "selectolax", "feedparser", "py3langid", "numpy",
    "prometheus_client", "starlette", "uvicorn", "apscheduler", "rules.edits", "rules.stories", "rules.notify",
    "rules.render", "crawler.extract.page", "crawler.pipeline.articles", "crawler.web",
    "sqlalchemy.dialects.postgresql", "rules.match", "rules.compiled", "rules.query", "rules.text", "regex", "luqum",
    "opencc", "pygments", "rich.syntax", "crawler.extract.decode", "crawler.extract.cleanup", "crawler.extract.dates",
    "charset_normalizer",
)
SOURCES = ("focustaiwan", "mofa-en", "moda-en")  # a feed, a list page and a JSON API


def _tidings(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    probe = (
        "import sys, json\nfrom crawler.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n"
        "    code = exit.code\nelse:\n    code = 0\n"
        f"print(json.dumps({{'code': code, 'loaded': sorted(m for m in {HEAVY!r} if m in sys.modules)}}))"
    )
    return subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300)


def test_an_idle_crawl_imports_no_page_alert_web_or_migration_module(tmp_path: Path) -> None:
    with ReplicaServer(port=0, articles=3) as replica:
        env = {
            **os.environ,
            "TIDINGS_REPLICA_URL": replica.base_url,
            "TIDINGS_REPLICA_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}",
            "TIDINGS_HOME": str(tmp_path),
        }
        config = str(ROOT / "tests" / "sites" / "replica.toml")
        first = _tidings(env, "-c", config, "crawl", *SOURCES)
        stored = json.loads(first.stdout.splitlines()[-1])
        assert stored["code"] == 0, first.stdout + first.stderr
        assert "new entries" in first.stdout and " 0 new entries" not in first.stdout, first.stdout
        # Storing new UTF-8 pages of sources with a language needs no numpy (SimHash counts bits with
        # int.bit_count; only language detection, for a source without one, brings it) and no charset detector.
        assert not {"numpy", "py3langid", "charset_normalizer"} & set(stored["loaded"]), stored["loaded"]
        idle = _tidings(env, "-c", config, "crawl", *SOURCES)
        published = replica.publish("focustaiwan", topic="ai")
        alerted = _tidings(env, "-c", config, "crawl", *SOURCES)
    outcome = json.loads(idle.stdout.splitlines()[-1])
    assert outcome["code"] == 0, idle.stdout + idle.stderr
    assert " 0 new entries" in idle.stdout and "0 errors" in idle.stdout, idle.stdout
    assert outcome["loaded"] == [], f"an idle crawl imported {outcome['loaded']}"
    # An alert printed on the console (the only channel of this config) loads no notification library.
    sent = json.loads(alerted.stdout.splitlines()[-1])
    assert sent["code"] == 0 and "1 alerts sent" in alerted.stdout, alerted.stdout + alerted.stderr
    assert published["title"] in alerted.stdout
    # (jinja2 renders channels' own templates only: this config has none.)
    unused = {"apprise", "rules.notify", "jinja2"}
    assert "rules.render" in sent["loaded"] and not unused & set(sent["loaded"]), sent["loaded"]


# The daemon needs its scheduler, metrics and server, and `crawler.web.security` (the binding check) at start, and
# it compiles its rules at start (a broken rule must stop it before it runs, not on its first news).
NEEDED_BY_THE_DAEMON = ("prometheus_client", "uvicorn", "apscheduler", "crawler.web", "rules.match", "rules.compiled",
                        "rules.query", "rules.text", "regex", "luqum", "opencc")
# uvicorn runs with ws="none": the app has no WebSocket routes, so neither WebSocket implementation loads.
DAEMON_HEAVY = (*(m for m in HEAVY if m not in NEEDED_BY_THE_DAEMON), "crawler.web.app", "crawler.web.pages", "rich",
                "wsproto", "websockets", "uvicorn.protocols.websockets")


def test_an_idle_daemon_imports_no_web_app_page_or_alert_module(tmp_path: Path) -> None:
    """`tidings run` polling sources that bring nothing new: the web app (built on its first request), the page
    path and the alert path stay unloaded."""
    probe = (
        "import json, os, signal, sys, threading, time\nfrom crawler.cli import main\n"
        "def watch():\n    time.sleep(float(os.environ['PROBE_AFTER']))\n"
        f"    loaded = sorted(m for m in {DAEMON_HEAVY!r} if m in sys.modules)\n"
        "    open(os.environ['PROBE_OUT'], 'w').write(json.dumps(loaded))\n    os.kill(os.getpid(), signal.SIGTERM)\n"
        "threading.Thread(target=watch, daemon=True).start()\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
        "    pass\n"
    )
    text = (ROOT / "tests" / "sites" / "replica.toml").read_text(encoding="utf-8")
    lines: list[str] = []
    for line in text.replace("[settings]\n", "[settings]\nhealth_port = 0\n", 1).splitlines():
        lines.append(line)
        if line.startswith("[sources.") and line.strip("[]").split(".")[1] in SOURCES:
            lines += ['interval = "2s"', 'schedule = "fixed"']
        elif line.startswith("[sources."):
            lines.append("enabled = false")
    config = tmp_path / "daemon.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "loaded.json"
    with ReplicaServer(port=0, articles=3) as replica:
        env = {
            **os.environ,
            "TIDINGS_REPLICA_URL": replica.base_url,
            "TIDINGS_REPLICA_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}",
            "TIDINGS_HOME": str(tmp_path),
            "PROBE_AFTER": "8",
            "PROBE_OUT": str(out),
        }
        first = _tidings(env, "-c", str(config), "crawl")
        assert json.loads(first.stdout.splitlines()[-1])["code"] == 0, first.stdout + first.stderr
        done = subprocess.run([sys.executable, "-c", probe, "-c", str(config), "--log-level", "INFO", "run"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.exists(), done.stderr[-2000:]
    assert done.stderr.count("0 new, 0 edited") >= 2 * len(SOURCES), done.stderr[-2000:]  # a few idle polls each
    loaded = json.loads(out.read_text(encoding="utf-8"))
    assert loaded == [], f"an idle daemon imported {loaded}"


def test_a_broken_rule_is_found_on_the_first_match_or_at_once_when_checked(tmp_path: Path) -> None:
    """The rules compile lazily; `check=True` (rules list, a daemon's reload) and the first match name the rule
    exactly as the eager compile did."""
    path = tmp_path / "t.toml"
    path.write_text('[rules.broken]\nquery = "AI AND (cooperation"\n', encoding="utf-8")
    config = load_config(path)
    book = RuleBook.from_config(config)  # nothing compiled yet: no error
    with pytest.raises(ConfigError) as lazily:
        book.matches(Document(title="AI", body="cooperation"), "new")
    with pytest.raises(ConfigError) as at_once:
        RuleBook.from_config(config, check=True)
    assert str(lazily.value) == str(at_once.value)
    assert str(at_once.value).startswith(f"{path}: rules: rule 'broken': position")


def test_a_broken_rule_fails_the_sources_that_bring_pages_with_one_line(tmp_path: Path) -> None:
    with ReplicaServer(port=0, articles=2) as replica:
        config = tmp_path / "t.toml"
        config.write_text(
            f'[settings]\ndatabase_url = "sqlite:///{tmp_path / "t.db"}"\n'
            f'[sources.moda-en]\nbase_url = "{replica.base_url}/moda.gov.tw/"\nallow_hosts = ["{replica.base_url}"]\n'
            '[rules.broken]\nquery = "AI AND (cooperation"\n',
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["-c", str(config), "crawl"])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: moda-en: {config}: rules: rule 'broken': position 19: expected ')' to close the '(' "
                      "at position 7"], result.stderr


def test_a_daemon_with_a_broken_rule_does_not_start(tmp_path: Path) -> None:
    config = tmp_path / "t.toml"
    config.write_text(
        f'[settings]\ndatabase_url = "sqlite:///{tmp_path / "t.db"}"\nhealth_port = 0\n'
        '[rules.broken]\nquery = "AI AND (cooperation"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["-c", str(config), "run"])
    assert result.exit_code != 0, result.output
    assert f"{config}: rules: rule 'broken': position 19" in result.output + result.stderr
    assert "tidings: running" not in result.output + result.stderr  # it stopped before scheduling any source


# `sources list` prints one table: no JSON module, no emoji table (rich's console runs with emoji=False).
SOURCES_LIST_UNUSED = ("json", "rich._emoji_codes", "sqlalchemy", "httpx", "storage.store", "rules.match")


def test_sources_list_loads_no_json_emoji_or_database_layer(tmp_path: Path) -> None:
    probe = (
        "import sys\nfrom crawler.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n"
        "    code = exit.code\nelse:\n    code = 0\n"
        f"loaded = sorted(m for m in {SOURCES_LIST_UNUSED!r} if m in sys.modules)\n"
        "print('PROBE', code, loaded)"
    )
    env = {**os.environ, "TIDINGS_HOME": str(tmp_path)}
    env.pop("TIDINGS_CONFIG", None)
    done = subprocess.run([sys.executable, "-c", probe, "sources", "list"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("PROBE 0 "), done.stdout + done.stderr
    assert "focustaiwan" in done.stdout
    assert last == "PROBE 0 []", f"sources list imported {last.removeprefix('PROBE 0 ')}"


def test_printed_text_keeps_emoji_codes_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.cli import output

    output.console.print("Taiwan :flag_tw: pact :smile:")
    assert capsys.readouterr().out.strip() == "Taiwan :flag_tw: pact :smile:"


def test_a_missing_sniffio_is_remembered_and_an_installed_one_left_alone() -> None:
    """httpcore tries `import sniffio` at every lock it sets up; where sniffio is not installed each try searched
    sys.path again. The CLI remembers its absence (the import still fails, at once); an installed one is used."""
    probe = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'sniffio' else real(name, *a)\n"
        "import crawler.cli\n"
        "try:\n"
        "    import sniffio\n"
        "except ImportError:\n"
        "    print('missing', sys.modules['sniffio'])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "missing None"
    import importlib.util

    if importlib.util.find_spec("sniffio") is not None:  # installed here (selenium's trio needs it): left alone
        installed = "import crawler.cli, sys; print(sys.modules.get('sniffio', 'not loaded'))"
        here = subprocess.run([sys.executable, "-c", installed], capture_output=True, text=True, cwd=ROOT, check=True)
        assert here.stdout.strip() != "None"
