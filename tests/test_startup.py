"""What a pass with nothing new loads: an idle `tidings crawl` imports neither the page path (extraction,
stories, versions) nor the alert path (apprise, jinja2), nor the web app, migrations or the language model.

The benchmark (`python -m tests.bench.idle`) measures what this saves; this test keeps the modules out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.shared import ROOT
from tests.sites import ReplicaServer

# Modules an idle pass has no use for; each is imported on first real use (a new page, a due alert, a migration).
HEAVY = (
    "alembic", "apprise", "jinja2", "trafilatura", "selectolax", "feedparser", "py3langid", "numpy",
    "prometheus_client", "starlette", "uvicorn", "apscheduler", "rules.edits", "rules.stories", "rules.notify",
    "rules.render", "crawler.extract.page", "crawler.pipeline.articles", "crawler.web",
    "sqlalchemy.dialects.postgresql",
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
        assert json.loads(first.stdout.splitlines()[-1])["code"] == 0, first.stdout + first.stderr
        assert "new entries" in first.stdout and " 0 new entries" not in first.stdout, first.stdout
        idle = _tidings(env, "-c", config, "crawl", *SOURCES)
    outcome = json.loads(idle.stdout.splitlines()[-1])
    assert outcome["code"] == 0, idle.stdout + idle.stderr
    assert " 0 new entries" in idle.stdout and "0 errors" in idle.stdout, idle.stdout
    assert outcome["loaded"] == [], f"an idle crawl imported {outcome['loaded']}"
