"""`tidings run` (the daemon) and `tidings status` (what the database says about it)."""

from __future__ import annotations

import sys

import click

from crawler.cli.context import Context, pass_context


@click.command("run")
@pass_context
def run_command(context: Context) -> None:
    """Run the daemon: every source on its schedule, alerts delivered within seconds.

    The web app (timeline, articles, search, rules, sources, the JSON API under /api/, Atom feeds) and
    /healthz and /metrics on http://<health_host>:<health_port>/. SIGTERM or Ctrl-C stops it
    after the running source runs finish (25 s at most); SIGHUP reloads the config. Several daemons may share
    one PostgreSQL database; on SQLite only one runs at a time.

    \b
    Example:
        tidings -c /etc/tidings/tidings.toml run
        kill -HUP $(pidof -s tidings)     # reload the config
    """
    from crawler.cli.web import daemon_app
    from crawler.drivers import daemon

    daemon.run(context.config_path, app_factory=daemon_app)


@click.command("status")
@pass_context
def status_command(context: Context) -> None:
    """Sources (last success, failures, next due, stale), the alert outbox and the last runs, from the database.

    Works whether or not a daemon is running. Exits 1 when a source is stale (no success for three intervals
    plus the run timeout), so a cron job or a monitoring check can alert on it.

    \b
    Example:
        tidings -c /etc/tidings/tidings.toml status
    """
    from crawler.cli import output
    from crawler.drivers.health import gather_status

    with context.store() as store:
        status = gather_status(context.config, store)
    output.status_report(status)
    if status.problems:
        sys.exit(1)
