"""`tidings run`: the long-running daemon. APScheduler runs every source at its interval, a dispatcher delivers alerts.

Each source is one job (`max_instances=1`, coalesced, jittered) calling the same `pipeline.run_source()` as
`tidings crawl`, cut off after `settings.run_timeout`; a source in failure backoff (`next_due_at` in the future) is
skipped until then. The dispatcher runs every `settings.dispatch_interval` and right after a run that queued
alerts. SIGTERM/SIGINT: take no new work, let running runs finish for up to `shutdown_grace()`, dispatch once
more, exit 0. SIGHUP: reload the config; an invalid one is logged and the running one stays.

Several daemons share one PostgreSQL database (source leases and outbox claims make each unit of work one
process's); on SQLite a second daemon refuses to start (`single_daemon_lock`).

>>> sqlite_file("sqlite:////var/lib/tidings/tidings.db")
PosixPath('/var/lib/tidings/tidings.db')
>>> sqlite_file("postgresql+psycopg://tidings@db/tidings") is None
True
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobSubmissionEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import Config, Settings, Source, load_config
from crawler.drivers import heap
from crawler.drivers.dispatch import Dispatcher
from crawler.drivers.dispatch import claim_batch as claim_batch  # re-exported: tests use it
from crawler.drivers.health import HEARTBEAT_SECONDS, HealthView, Metrics
from crawler.drivers.planner import Planner, longest_wait
from crawler.drivers.sending import LazyNotifier, bounded
from crawler.drivers.serving import AppContext, AppFactory, WebServer, bind
from crawler.drivers.turns import JITTER_FRACTION, JITTER_MAX, claim_turn
from crawler.errors import TidingsError
from crawler.extract.template import TemplateMemories
from crawler.fetch.client import Fetcher
from crawler.pipeline.rulebook import RuleBook
from crawler.pipeline.run import run_source
from crawler.pipeline.values import RunOptions
from crawler.pipeline.wiring import fetch_policy, owner_id, run_options
from storage import DatabaseLockedError, StorageError, Store
from storage import single_daemon_lock as database_lock
from storage import sqlite_file as sqlite_file  # re-exported: the docstring and tests use it

log = logging.getLogger(__name__)
runs_log = logging.getLogger(__name__ + ".runs")  # one INFO line per run; shown at the default log level

SHUTDOWN_GRACE_MAX = 25.0  # below Docker's and systemd's stop timeouts (deploy/ gives 30 s and 45 s)
STOP_RESERVE = 3.0  # of those 25 s, kept for stopping the web app and exiting after the last alert delivery
STARTUP_SPREAD = 5.0  # first runs are spread over at least this many seconds ...
STARTUP_PER_SOURCE = 0.25  # ... and this much per source (up to the interval): no thundering herd at start
SOURCE_JOB = "source:"
RESTART_SETTINGS = ("database_url", "health_host", "health_port", "user_agent", "per_host_delay",
                    "per_host_concurrency", "request_timeout", "max_body_bytes", "allow_private_networks",
                    "respect_robots", "retries")


class DaemonError(TidingsError):
    """The daemon cannot start (another daemon on the same SQLite file, a port in use, ...)."""


def shutdown_grace(settings: Settings) -> float:
    """How long SIGTERM waits for running source runs: `run_timeout`, at most 25 s.

    >>> shutdown_grace(Settings(run_timeout=600))
    25.0
    """
    return min(settings.run_timeout, SHUTDOWN_GRACE_MAX)


@contextmanager
def single_daemon_lock(database_url: str) -> Iterator[None]:
    """On SQLite, one daemon per database file (storage holds the lock, naming this process); a second refuses."""
    try:
        with database_lock(database_url, owner_id()):
            yield
    except DatabaseLockedError as exc:
        raise DaemonError(str(exc)) from None


class Daemon:
    """One `tidings run` process: the scheduler, its jobs, the health endpoint, signal handling."""

    def __init__(self, config: Config, store: Store, fetcher: Fetcher, *, config_arg: str | None,
                 app_factory: AppFactory, stderr: TextIO = sys.stderr, console: TextIO | None = None) -> None:
        self.config = config
        self.app_factory = app_factory
        self.rulebook = RuleBook.from_config(config, check=True)  # a broken rule stops it here, not on its first news
        self.store, self.fetcher, self.config_arg = store, fetcher, config_arg
        self.planner = Planner(config.settings, lambda since: store.publication_times(since=since))
        self.stderr, self.console = stderr, console
        self.owner = owner_id()
        self.notifier = LazyNotifier()  # apprise is imported on the first alert
        self.metrics = Metrics()
        self.templates = TemplateMemories()  # each source's recent page lines, for this daemon's life
        self.started_at = datetime.now(UTC)
        self.heartbeat_at = time.monotonic()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.running: set[asyncio.Task[Any]] = set()
        self.stopping = False
        self._stop = asyncio.Event()
        self._dispatch_task: asyncio.Task[None] | None = None
        self._dispatch_again = False

    @property
    def options(self) -> RunOptions:
        return run_options(self.config, owner=self.owner)

    def say(self, line: str) -> None:
        """Lifecycle lines on stderr, whatever the log level (tests and operators read them)."""
        self.stderr.write(f"tidings: {line}\n")
        self.stderr.flush()

    # --- life cycle -------------------------------------------------------------------------------------

    async def serve(self) -> None:
        """Run until SIGTERM/SIGINT, then shut down gracefully."""
        self._install_signals()
        web = self._start_web()
        self.scheduler.add_listener(self._on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        self.scheduler.start()
        self._schedule_all()
        self.say(f"running {len(self.config.sources)} sources as {self.owner}")
        try:
            await self._stop.wait()
            await self._shutdown()
        finally:
            await web.stop()

    def _start_web(self) -> WebServer:
        """The web app (with /healthz and /metrics) on settings.health_host:health_port, in this event loop."""
        settings = self.config.settings
        self.metrics.watch_store(self.store)
        view = HealthView(self.store, self._intervals, lambda: self.heartbeat_at, self.started_at,
                          grace=settings.run_timeout)
        app = self.app_factory(AppContext(self.store, lambda: self.config, view, self.metrics, self.reload))
        try:
            sock = bind(settings.health_host, settings.health_port)
        except OSError as exc:
            raise DaemonError(f"settings.health_port: cannot listen on {settings.health_host}:"
                              f"{settings.health_port}: {exc.strerror} (pick another port, or 0 for any)") from None
        web = WebServer(app, sock).start()
        self.say(f"health on {web.url}")
        self.say(f"web app on {web.url}/")
        return web

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, sig.name)
        loop.add_signal_handler(signal.SIGHUP, self.reload)

    def request_stop(self, reason: str = "stop requested") -> None:
        if not self._stop.is_set():
            self.say(f"{reason}: stopping (waiting up to {shutdown_grace(self.config.settings):.0f}s for runs)")
        self._stop.set()

    async def _shutdown(self) -> None:
        self.stopping = True
        self.scheduler.pause()
        deadline = time.monotonic() + SHUTDOWN_GRACE_MAX - STOP_RESERVE
        pending = set(self.running)
        if pending:
            _, late = await asyncio.wait(pending, timeout=shutdown_grace(self.config.settings))
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await bounded(self._final_dispatch(), max(0.5, deadline - time.monotonic()), self.say)
        self.scheduler.shutdown(wait=False)
        self.say("stopped")

    async def _final_dispatch(self) -> None:
        if self._dispatch_task is not None:
            await asyncio.gather(self._dispatch_task, return_exceptions=True)
        await self._dispatch_once()

    # --- jobs -------------------------------------------------------------------------------------------

    def _schedule_all(self) -> None:
        for source in self.config.sources.values():
            self._schedule_source(source)
        self._schedule_dispatch()
        self.scheduler.add_job(self._heartbeat, IntervalTrigger(seconds=HEARTBEAT_SECONDS), id="heartbeat",
                               max_instances=1, coalesce=True, replace_existing=True)

    def _schedule_source(self, source: Source) -> None:
        interval = source.interval
        spread = min(interval, max(STARTUP_SPREAD, STARTUP_PER_SOURCE * len(self.config.sources)))
        first = datetime.now(UTC) + timedelta(seconds=random.uniform(0, spread))
        jitter = min(interval * JITTER_FRACTION, JITTER_MAX)
        # APScheduler 3 only adds jitter, and counts the next run from the jittered one: take half of it off
        # the period so that a source configured at 60 s is polled every 60 s on average, not 63 s.
        self.scheduler.add_job(
            self._source_job, IntervalTrigger(seconds=interval - jitter / 2, jitter=jitter),
            args=[source.id], id=SOURCE_JOB + source.id, name=source.id, max_instances=1, coalesce=True,
            misfire_grace_time=max(1, int(interval)), next_run_time=first, replace_existing=True,
        )

    def _schedule_dispatch(self) -> None:
        self.scheduler.add_job(self._dispatch_job, IntervalTrigger(seconds=self.config.settings.dispatch_interval),
                               id="dispatch", max_instances=1, coalesce=True, misfire_grace_time=60,
                               next_run_time=datetime.now(UTC), replace_existing=True)

    async def _heartbeat(self) -> None:
        self.heartbeat_at = time.monotonic()

    def _intervals(self) -> dict[str, float]:
        settings = self.config.settings
        return {source_id: longest_wait(source, settings) for source_id, source in self.config.sources.items()}

    def _on_event(self, event: JobEvent) -> None:
        if not event.job_id.startswith(SOURCE_JOB):
            return
        if isinstance(event, JobSubmissionEvent):
            late = (datetime.now(UTC) - event.scheduled_run_times[-1]).total_seconds()
            self.metrics.schedule_lag.observe(max(0.0, late))
        elif event.code in (EVENT_JOB_MISSED, EVENT_JOB_MAX_INSTANCES):  # too late, or the last run still going
            self.metrics.schedule_missed.inc()

    async def _source_job(self, source_id: str) -> None:
        source = self.config.sources.get(source_id)
        if source is None or self.stopping:
            return
        turn = self._claim_turn(source)
        if turn is None:  # another daemon has this turn, or the source backs off: quietly, not a failure
            return
        task = asyncio.current_task()
        assert task is not None
        self.running.add(task)
        try:
            await self._run(source, turn)
        finally:
            self.running.discard(task)

    def _claim_turn(self, source: Source) -> datetime | None:
        """This tick's turn on the schedule all daemons share (`claim_turn`); the next due time, or None."""
        try:
            return claim_turn(self.store, source, self.planner, datetime.now(UTC), self.metrics)
        except StorageError:
            return datetime.now(UTC)  # the run itself reports the database's failure, in one line

    async def _run(self, source: Source, turn: datetime | None = None) -> None:
        started = time.monotonic()
        try:
            report = await run_source(source, fetcher=self.fetcher, store=self.store, rulebook=self.rulebook,
                                      options=replace(self.options, next_due=turn), templates=self.templates)
        except asyncio.CancelledError:
            if not self.stopping:
                raise
            log.warning("source %s: run cut off by shutdown after %.0fs", source.id, time.monotonic() - started)
            return
        seconds = time.monotonic() - started
        self.metrics.record_run(report, seconds)
        runs_log.info("%s", report.line(seconds))
        self._plan_next(source)
        if report.timed_out:
            self.metrics.runs.labels(source.id, "timeout").inc()
        if report.failed:
            log.warning("source %s failed: %s", source.id, "; ".join(report.errors[:3]))
        if report.alerts:
            self.request_dispatch()

    def _plan_next(self, source: Source) -> None:
        """Adaptive polling: the next run when the source's publication profile says (a fixed one keeps its own)."""
        if source.schedule == "fixed" or self.stopping:
            return
        now = datetime.now(UTC)
        planned = self.planner.next_poll(source, now)
        job = self.scheduler.get_job(SOURCE_JOB + source.id)
        if job is not None and planned.adapted:  # while learning, the jittered fixed interval goes on
            job.modify(next_run_time=now + timedelta(seconds=planned.seconds))
            log.info("source %s: next run in %.0fs (%s)", source.id, planned.seconds, planned.reason)

    # --- dispatch ---------------------------------------------------------------------------------------

    async def _dispatch_job(self) -> None:
        self.request_dispatch()

    def request_dispatch(self) -> None:
        """Deliver due alerts soon; one dispatch at a time, re-run once if asked again meanwhile."""
        if self._dispatch_task is not None and not self._dispatch_task.done():
            self._dispatch_again = True
            return
        self._dispatch_task = asyncio.get_running_loop().create_task(self._dispatch_loop())

    async def _dispatch_loop(self) -> None:
        self._dispatch_again = True
        while self._dispatch_again:
            self._dispatch_again = False
            await self._dispatch_once()

    async def _dispatch_once(self) -> None:
        settings = self.config.settings
        dispatcher = Dispatcher(self.store, self.config, self.notifier, owner=self.owner, console=self.console,
                                claim_lease=settings.lease,
                                claim_batch=claim_batch(settings.lease, self.notifier.timeout))
        try:
            report = await dispatcher.run_once()
        except StorageError as exc:  # a full disk, the database away: one line; the next tick tries again
            log.error("dispatcher: %s; retrying in %.0fs", exc, settings.dispatch_interval)
            return
        except Exception:  # a bug: its traceback; the next tick tries again
            log.exception("dispatcher failed; retrying in %.0fs", settings.dispatch_interval)
            return
        self.metrics.alerts_sent.inc(report.sent)
        self.metrics.alerts_failed.inc(report.failed)

    # --- reload -----------------------------------------------------------------------------------------

    def reload(self) -> None:
        """SIGHUP: read the config again; keep the running one when the new one is invalid."""
        try:
            config = load_config(self.config_arg)
            rulebook = RuleBook.from_config(config, check=True)  # a broken rule keeps the running config
        except TidingsError as exc:
            log.error("reload failed, the running config stays in effect: %s", exc)
            self.say(f"reload failed, keeping the running config: {exc}")
            return
        self._warn_about_restart(self.config.settings, config.settings)
        old, self.config, self.rulebook = self.config, config, rulebook
        self.planner = Planner(config.settings, lambda since: self.store.publication_times(since=since))
        added, removed, changed = self._reschedule(old, config)
        self.say(f"reloaded {config.path or 'the built-in defaults'}: {len(config.sources)} sources "
                 f"({reload_changes(old, config, added, removed, changed)})")

    def _reschedule(self, old: Config, new: Config) -> tuple[list[str], list[str], list[str]]:
        removed = sorted(set(old.sources) - set(new.sources))
        for source_id in removed:
            self.scheduler.remove_job(SOURCE_JOB + source_id)
        added = sorted(set(new.sources) - set(old.sources))
        changed = sorted(source_id for source_id in set(new.sources) & set(old.sources)
                         if new.sources[source_id].interval != old.sources[source_id].interval
                         or new.sources[source_id].schedule != old.sources[source_id].schedule)
        for source_id in added + changed:
            self._schedule_source(new.sources[source_id])
        if new.settings.dispatch_interval != old.settings.dispatch_interval:
            self._schedule_dispatch()
        return added, removed, changed

    def _warn_about_restart(self, old: Settings, new: Settings) -> None:
        for key in RESTART_SETTINGS:
            if getattr(old, key) != getattr(new, key):
                self.say(f"settings.{key} changed: restart tidings to apply it (the old value stays in effect)")


def reload_changes(old: Config, new: Config, added: list[str], removed: list[str], rescheduled: list[str]) -> str:
    """What a reload changed: sources added, removed, rescheduled (a new interval), and those whose other
    settings changed (they apply from each source's next run), and whether the rules changed."""
    kept = sorted(set(old.sources) & set(new.sources))
    settings = [source_id for source_id in kept
                if old.sources[source_id] != new.sources[source_id] and source_id not in rescheduled]
    parts = [f"added: {', '.join(added) or '-'}", f"removed: {', '.join(removed) or '-'}",
             f"rescheduled: {', '.join(rescheduled) or '-'}",
             f"settings changed: {', '.join(settings) or '-'}",
             f"rules {'changed' if old.rules != new.rules else 'unchanged'}"]
    return "; ".join(parts)


def run(config_arg: str | None, *, app_factory: AppFactory, stderr: TextIO = sys.stderr) -> None:
    """Load the config, take the single-daemon lock (SQLite), open the store, serve until stopped."""
    config = load_config(config_arg)
    if logging.getLogger().getEffectiveLevel() <= logging.WARNING:  # --log-level ERROR silences them
        runs_log.setLevel(logging.INFO)
    with single_daemon_lock(config.database_url), Store.open(config.database_url) as store:
        heap.settle_after_startup()
        asyncio.run(_serve(config, store, config_arg, app_factory, stderr))


async def _serve(config: Config, store: Store, config_arg: str | None, app_factory: AppFactory,
                 stderr: TextIO) -> None:
    async with Fetcher(fetch_policy(config.settings)) as fetcher:
        await Daemon(config, store, fetcher, config_arg=config_arg, app_factory=app_factory, stderr=stderr).serve()
