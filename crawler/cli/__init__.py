"""The `tidings` command line: parse, call, print. Every command's help has an example.

Each command lives in a module of this package and is imported only when it runs (see `LazyGroup`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys

import click

from crawler.cli.context import Context, LazyGroup
from crawler.drivers import heap
from rules.secrets import install_log_filter

# pydantic looks for plugins in the metadata of every installed package when it builds its first model (tens of ms
# at each start in a large environment); tidings uses none. Set PYDANTIC_DISABLE_PLUGINS="" to let it look.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
# httpx's __init__ imports its own command line (`httpx._main`: rich's progress bars and syntax highlighting,
# pygments) whenever click and rich are installed, as they are here; tidings never runs it. A None entry makes
# that import fail as it does where they are missing, and httpx keeps its stub `httpx.main` (~50 ms, ~3 MiB).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
# httpcore asks sniffio which event loop runs at every lock and event it sets up (~80 per idle pass of the built-in
# sources). Where sniffio is not installed (anyio no longer needs it), each ask was a failed import searching every
# sys.path entry again (~60 us). Its absence is remembered once: the import still fails, at once, and httpcore
# takes asyncio, as it did.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

COMMANDS = {
    "crawl": "crawler.cli.crawl:crawl_command",
    "check": "crawler.cli.crawl:check_command",
    "diff": "crawler.cli.diff:diff_command",
    "run": "crawler.cli.daemon:run_command",
    "status": "crawler.cli.daemon:status_command",
    "sources": "crawler.cli.sources:sources_group",
    "entries": "crawler.cli.entries:entries_group",
    "db": "crawler.cli.entries:db_group",
    "rules": "crawler.cli.alerts:rules_group",
    "alerts": "crawler.cli.alerts:alerts_group",
    "stories": "crawler.cli.stories:stories_group",
    "notify": "crawler.cli.alerts:notify_group",
    "init": "crawler.cli.init:init_command",
    "serve": "crawler.cli.web:serve_command",
    "token": "crawler.cli.web:token_command",
}

# What `tidings --help` lists, so that listing imports no command module (tests/test_cli.py checks they agree).
SUMMARIES = {
    "crawl": "One pass over the sources (all enabled ones, or SOURCE_IDS), then deliver due alerts.",
    "check": "Fetch and extract one page; print the article in the seed schema.",
    "run": "Run the daemon: every source on its schedule, alerts delivered within seconds.",
    "status": "Sources (last success, failures, next due, stale), the alert outbox and the last runs, from the "
              "database.",
    "sources": "The configured sources.",
    "entries": "The stored articles: list, show one with its versions, diff two versions, export.",
    "diff": "Classify the edit from OLD to NEW: every change with its class and the sentence around it.",
    "db": "The database.",
    "rules": "The alert rules.",
    "alerts": "The alert outbox.",
    "stories": "Stories: every stored entry joins one (the same event in other sources and languages).",
    "notify": "Notification channels.",
    "init": "Write a commented example config to PATH (default ./tidings.toml).",
    "serve": "Serve the web app, the JSON API and the Atom feeds over the database, without crawling.",
    "token": "Make a new random access token for the web app, and the hash to put in the config.",
}


@click.group(cls=LazyGroup, lazy=COMMANDS, summaries=SUMMARIES)
@click.option("--config", "-c", "config_path", envvar="TIDINGS_CONFIG", type=click.Path(dir_okay=False),
              help="Config file (default: ./tidings.toml if present, else the built-in defaults).")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.version_option(package_name="tidings")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """tidings: watch MOFA, MODA, CNA and Focus Taiwan (and any site), store every article once with its
    edits, and alert on new AI or partnership items.

    \b
    Example:
        tidings crawl                 # one pass over every built-in source
        tidings -c tidings.toml run   # the daemon
    """
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_filter()  # channel tokens never reach a log line, apprise's own debug lines included
    if log_level.upper() != "DEBUG":
        # Each retry is logged by stamina as a warning; the crawl summary already reports what finally failed.
        logging.getLogger("stamina").setLevel(logging.ERROR)
    ctx.obj = Context(config_path)


def entry() -> None:
    """The `tidings` console script (and `python -m crawler`): this process is tidings' own, so the commands that
    crawl or serve may tune its garbage collector after start-up (crawler.drivers.heap)."""
    heap.own_process()
    main()
