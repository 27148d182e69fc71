"""The health verdict behind `/healthz` (served by the web app, `crawler.web.health`), the metrics behind
`/metrics`, and what `tidings status` shares with them.

`/healthz` answers 200 when the scheduler's heartbeat is fresh, the database answers, and every source's last
success is recent (or the source has not had its chance yet); otherwise 503 with a JSON body naming each problem.
`/metrics` is the Prometheus text format: counters kept by this process, gauges read from the database on each
scrape (so with several daemons on PostgreSQL every process reports the shared state).

>>> from datetime import UTC, datetime, timedelta
>>> now = datetime(2026, 1, 1, tzinfo=UTC)
>>> stale_sources({"cna": 60.0}, {"cna": now - timedelta(hours=1)}, now=now, started_at=now, grace=30.0)
['source cna: last success 3600s ago (allowed 210s)']
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, cast

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from crawler.config import Config
from crawler.drivers.planner import Planner, longest_wait, next_due
from crawler.pipeline.owner import owner_is_dead
from crawler.pipeline.values import RunReport
from storage import RunRow, SourceState, Store

log = logging.getLogger(__name__)

STALE_AFTER_INTERVALS = 3
HEARTBEAT_SECONDS = 5.0
HEARTBEAT_MAX_AGE = 6 * HEARTBEAT_SECONDS
DATABASE_TIMEOUT = 2.0  # /healthz answers within this (plus a little) whatever the database does; Docker waits 4 s
T = TypeVar("T")


def allowed_age(interval: float, grace: float) -> float:
    """How old a source's last success may be before the daemon is unhealthy: 3 intervals plus a grace.

    >>> allowed_age(60.0, 30.0)
    210.0
    """
    return STALE_AFTER_INTERVALS * interval + grace


def stale_sources(
    intervals: Mapping[str, float],
    last_success: Mapping[str, datetime | None],
    *,
    now: datetime,
    started_at: datetime | None,
    grace: float,
) -> list[str]:
    """One line per source whose last success is too old; `started_at=None` means "no daemon age" (status)."""
    problems = []
    for source_id, interval in sorted(intervals.items()):
        limit = allowed_age(interval, grace)
        success = last_success.get(source_id)
        if success is not None:
            age = (now - success).total_seconds()
            if age > limit:
                problems.append(f"source {source_id}: last success {age:.0f}s ago (allowed {limit:.0f}s)")
        elif started_at is None or (now - started_at).total_seconds() > limit:
            problems.append(f"source {source_id}: no successful run yet (allowed {limit:.0f}s)")
    return problems


class DatabaseNotAnswering(Exception):
    """A health read did not come back within its timeout (a frozen database server, a stuck disk)."""


class DatabaseProbe:
    """Database reads for /healthz and /metrics, each in a daemon thread, waited for at most `timeout` seconds,
    at most one in flight: a frozen database (SIGSTOP, a dead network) costs one stuck thread, never the endpoint."""

    def __init__(self, timeout: float = DATABASE_TIMEOUT) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._pending: tuple[threading.Event, float] | None = None

    def read(self, fetch: Callable[[], T]) -> T:
        """`fetch()`'s result, or DatabaseNotAnswering after `timeout` (or at once while an earlier read hangs)."""
        with self._lock:
            if self._pending is not None and not self._pending[0].is_set():
                waited = time.monotonic() - self._pending[1]
                raise DatabaseNotAnswering(f"database not answering (a read has waited {waited:.0f}s)")
            done, box = threading.Event(), _Box[T]()
            self._pending = (done, time.monotonic())
        threading.Thread(target=box.fill, args=(fetch, done), name="tidings-health-db", daemon=True).start()
        if not done.wait(self.timeout):
            raise DatabaseNotAnswering(f"database not answering within {self.timeout:g}s")
        return box.value()


class _Box(Generic[T]):
    """The result or the exception of one read, handed from its thread."""

    def __init__(self) -> None:
        self._result: T | None = None
        self._error: BaseException | None = None

    def fill(self, fetch: Callable[[], T], done: threading.Event) -> None:
        try:
            self._result = fetch()
        except BaseException as exc:  # handed to the waiting caller, which re-raises it
            self._error = exc
        finally:
            done.set()

    def value(self) -> T:
        if self._error is not None:
            raise self._error
        return cast(T, self._result)


@dataclass(frozen=True)
class HealthView:
    """What the endpoint needs to know about the daemon, without knowing the daemon."""

    store: Store
    intervals: Callable[[], Mapping[str, float]]
    heartbeat: Callable[[], float]
    started_at: datetime
    grace: float
    probe: DatabaseProbe = field(default_factory=DatabaseProbe)


@dataclass(frozen=True)
class Verdict:
    healthy: bool
    problems: tuple[str, ...]

    def body(self) -> bytes:
        return json.dumps({"status": "ok" if self.healthy else "unhealthy", "problems": list(self.problems)}).encode()


def check(view: HealthView) -> Verdict:
    """The /healthz verdict: scheduler heartbeat, database, source freshness."""
    problems = []
    heartbeat_age = time.monotonic() - view.heartbeat()
    if heartbeat_age > HEARTBEAT_MAX_AGE:
        problems.append(f"scheduler: no heartbeat for {heartbeat_age:.0f}s (the event loop is stuck or stopped)")
    try:
        states = {state.source_id: state.last_success_at for state in view.probe.read(view.store.source_states)}
    except DatabaseNotAnswering as exc:
        problems.append(f"database: {exc}")
    except Exception as exc:  # any driver error means "the database does not answer"
        problems.append(f"database: {type(exc).__name__}: {exc}".splitlines()[0])
    else:
        problems += stale_sources(
            view.intervals(), states, now=datetime.now(UTC), started_at=view.started_at, grace=view.grace
        )
    return Verdict(not problems, tuple(problems))


@dataclass
class Metrics:
    """This process's counters, and a collector that reads the shared state from the database per scrape."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.runs = Counter("tidings_runs", "Source runs by outcome (ok, failed, timeout, skipped)",
                            ["source", "outcome"], registry=r)
        self.requests = Counter("tidings_requests", "HTTP requests made by runs", ["source"], registry=r)
        self.bytes = Counter("tidings_bytes", "Bytes downloaded by runs", ["source"], registry=r)
        self.not_modified = Counter("tidings_not_modified", "304 Not Modified answers", ["source"], registry=r)
        self.new_entries = Counter("tidings_new_entries", "New entries stored", ["source"], registry=r)
        self.edits = Counter("tidings_edits", "Edits of stored entries by class (substantive, cosmetic)",
                             ["source", "class"], registry=r)
        self.removals = Counter("tidings_removals", "Stored pages found taken down", ["source"], registry=r)
        self.restorations = Counter("tidings_restorations", "Taken-down pages back again", ["source"], registry=r)
        self.alerts_enqueued = Counter("tidings_alerts_enqueued", "Alerts put in the outbox", ["source"], registry=r)
        self.alerts_sent = Counter("tidings_alerts_sent", "Alerts delivered by this process", registry=r)
        self.alerts_failed = Counter("tidings_alerts_failed", "Failed delivery attempts by this process", registry=r)
        self.run_seconds = Histogram("tidings_run_duration_seconds", "Source run duration", registry=r,
                                     buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600))
        self.schedule_lag = Histogram("tidings_schedule_lag_seconds", "Job start minus its scheduled time",
                                      registry=r, buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60))
        self.schedule_missed = Counter("tidings_schedule_missed", "Scheduled runs dropped (misfire)", registry=r)

    def record_run(self, report: RunReport, seconds: float) -> None:
        source = report.source_id
        outcome = "skipped" if report.skipped else "failed" if report.failed else "ok"
        self.runs.labels(source, outcome).inc()
        if report.skipped:
            return
        self.run_seconds.observe(seconds)
        for counter, value in ((self.requests, report.requests), (self.bytes, report.bytes),
                               (self.not_modified, report.not_modified), (self.new_entries, report.new),
                               (self.removals, report.removed), (self.restorations, report.restored),
                               (self.alerts_enqueued, report.alerts)):
            counter.labels(source).inc(value)
        self.edits.labels(source, "substantive").inc(report.edited - report.cosmetic)
        self.edits.labels(source, "cosmetic").inc(report.cosmetic)

    def watch_store(self, store: Store, probe: DatabaseProbe | None = None) -> None:
        self.registry.register(StoreCollector(store, probe or DatabaseProbe()))


class StoreCollector:
    """Gauges from the database: alerts per status, per-source last success, failures, degraded."""

    def __init__(self, store: Store, probe: DatabaseProbe) -> None:
        self.store, self.probe = store, probe

    def describe(self) -> list[Any]:
        return []  # collected lazily: no database access at registration

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            counts, states = self.probe.read(lambda: (self.store.alert_counts(), self.store.source_states()))
        except Exception as exc:  # a scrape must not fail because the database is away; /healthz says so
            log.warning("metrics: the database did not answer: %s", str(exc).splitlines()[0] if str(exc) else exc)
            return
        alerts = GaugeMetricFamily("tidings_alerts", "Alerts in the outbox by status", labels=["status"])
        for status, count in counts.items():
            alerts.add_metric([status], count)
        success = GaugeMetricFamily("tidings_source_last_success_timestamp_seconds",
                                    "Unix time of the source's last successful run", labels=["source"])
        failures = GaugeMetricFamily("tidings_source_consecutive_failures", "Failed runs in a row", labels=["source"])
        degraded = GaugeMetricFamily("tidings_source_degraded", "1 when the profile fell back to generic",
                                     labels=["source"])
        for state in states:
            if state.last_success_at is not None:
                success.add_metric([state.source_id], state.last_success_at.timestamp())
            failures.add_metric([state.source_id], state.consecutive_failures)
            degraded.add_metric([state.source_id], float(state.degraded))
        yield from (alerts, success, failures, degraded)


# --- `tidings status` ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceStatus:
    """One configured source as the database sees it."""

    source_id: str
    interval: float
    state: SourceState | None
    problem: str | None
    next_due: datetime | None = None  # None: due now (never run)
    lease_live: bool = False  # a live process holds the lease now


@dataclass(frozen=True)
class Status:
    """What `tidings status` prints: sources, the outbox, the last runs, and the health problems."""

    sources: tuple[SourceStatus, ...]
    alerts: Mapping[str, int]
    runs: tuple[RunRow, ...]
    running: frozenset[str] = frozenset()  # sources whose lease a live process holds: their open run is running

    def run_state(self, run: RunRow) -> str:
        """`finished`, `running`, or `interrupted` (never finished, and no live process holds its source)."""
        if run.finished_at is not None:
            return "finished"
        latest = next((r for r in self.runs if r.source_id == run.source_id), None)
        return "running" if run.source_id in self.running and latest is run else "interrupted"

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(source.problem for source in self.sources if source.problem)


def gather_status(
    config: Config, store: Store, *, now: datetime | None = None, runs: int = 10, planner: Planner | None = None
) -> Status:
    """The same facts as /healthz and /metrics, read from the database (the daemon may be stopped). Next due
    times are `crawler.drivers.planner.next_due` (with `planner`, else one over the store's publication times)."""
    now = now or datetime.now(UTC)
    planner = planner or Planner(config.settings, lambda since: store.publication_times(since=since))
    states = {state.source_id: state for state in store.source_states()}
    grace = config.settings.run_timeout
    rows = []
    for source_id, source in config.sources.items():
        state = states.get(source_id)
        success = {source_id: state.last_success_at if state else None}
        wait = longest_wait(source, config.settings)
        problems = stale_sources({source_id: wait}, success, now=now, started_at=None, grace=grace)
        rows.append(SourceStatus(source_id, source.interval, state, problems[0] if problems else None,
                                 next_due(source, state, planner, now).at,
                                 state is not None and holds_live_lease(state, now)))
    running = frozenset(source_id for source_id, state in states.items() if holds_live_lease(state, now))
    return Status(tuple(rows), store.alert_counts(), tuple(store.last_runs(runs)), running)


def holds_live_lease(state: SourceState, now: datetime) -> bool:
    """A process holds the source's lease, unexpired, and is not known to be dead (a kill -9, a full disk)."""
    until = state.lease_until
    if state.lease_owner is None or until is None or owner_is_dead(state.lease_owner):
        return False
    return until.replace(tzinfo=until.tzinfo or UTC) > now
