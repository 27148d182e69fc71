"""`tidings run` (the daemon) and `tidings status` (what the database says about it)."""

from __future__ import annotations

from datetime import datetime

import click
from rich.table import Table

from crawler.cli.context import Context, console, pass_context
from crawler.drivers import daemon
from crawler.drivers.health import SourceStatus, Status, gather_status


@click.command("run")
@pass_context
def run_command(context: Context) -> None:
    """Run the daemon: every source on its schedule, alerts delivered within seconds.

    Health and metrics on http://<health_host>:<health_port>/healthz and /metrics. SIGTERM or Ctrl-C stops it
    after the running source runs finish (25 s at most); SIGHUP reloads the config. Several daemons may share
    one PostgreSQL database; on SQLite only one runs at a time.

    \b
    Example:
        tidings -c /etc/tidings/tidings.toml run
        kill -HUP $(pidof -s tidings)     # reload the config
    """
    daemon.run(context.config_path)


@click.command("status")
@pass_context
def status_command(context: Context) -> None:
    """Sources (last success, failures, next due, stale), the alert outbox and the last runs, from the database.

    Works whether or not a daemon is running.

    \b
    Example:
        tidings -c /etc/tidings/tidings.toml status
    """
    with context.store() as store:
        status = gather_status(context.config, store)
    _print_status(status)


def _print_status(status: Status) -> None:
    table = Table("source", "interval", "last success", "failures", "next due", "lease", "state", box=None,
                  title="sources")
    for source in status.sources:
        table.add_row(*_source_row(source))
    console.print(table)
    console.print("alerts: " + ", ".join(f"{name} {count}" for name, count in status.alerts.items()), markup=False)
    runs = Table("source", "started", "seconds", "new", "edits", "304", "requests", "errors", box=None,
                 title="last runs")
    for run in status.runs:
        seconds = f"{(run.finished_at - run.started_at).total_seconds():.1f}" if run.finished_at else "running"
        runs.add_row(run.source_id, _when(run.started_at), seconds, str(run.new_entries), str(run.edits),
                     str(run.not_modified), str(run.requests), str(run.errors))
    console.print(runs)
    verdict = "healthy" if not status.problems else f"unhealthy: {'; '.join(status.problems)}"
    console.print(verdict, markup=False)


def _source_row(source: SourceStatus) -> list[str]:
    state = source.state
    if state is None:
        return [source.source_id, f"{source.interval:g}s", "never", "0", "-", "-", source.problem or "not run yet"]
    health = "degraded" if state.degraded else "ok"
    if state.consecutive_failures:
        health = f"failing: {state.last_error or ''}"[:80]
    if source.problem:
        health = f"stale; {health}"
    return [source.source_id, f"{source.interval:g}s", _when(state.last_success_at), str(state.consecutive_failures),
            _when(state.next_due_at), state.lease_owner or "-", health]


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"
