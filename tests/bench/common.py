"""Shared helpers of the side-by-side benchmarks: the replica as a subprocess, measured subprocesses, a byte-counting
proxy, SQLite row diffs and plain-text tables.

Every tool under test runs as its own process and is measured from outside: `os.wait4()` gives that child's exact
user+system CPU seconds and peak RSS (`ru_maxrss`), and a psutil sampler gives its CPU % and RSS over time. The
replica runs in another subprocess, so its own CPU is never charged to the tool (on 2 cores they do compete).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


# --- the replica, in its own process ---------------------------------------------------------------------


class Replica:
    """`python -m tests.sites` in a subprocess; the admin API over HTTP (publish, log, reset)."""

    def __init__(self, articles: int) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "tests.sites", "--port", str(self.port), "--articles", str(articles)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_port(self.port)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def admin(self, method: str, name: str, body: dict[str, Any] | None = None, query: str = "") -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}/_admin/{name}{query}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    def publish(self, site: str, **kw: Any) -> dict[str, Any]:
        return dict(self.admin("POST", "publish", {"site": site, **kw}))

    def log(self) -> list[dict[str, Any]]:
        return list(self.admin("GET", "log"))

    def clear_log(self) -> None:
        self.admin("DELETE", "log")

    def articles(self, site: str) -> list[dict[str, Any]]:
        return list(self.admin("GET", "articles", query=f"?site={site}"))

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- measured subprocesses -------------------------------------------------------------------------------


@dataclass
class Measured:
    """One finished child process: wall seconds, exact CPU and peak RSS (wait4), and psutil samples."""

    returncode: int
    wall: float
    cpu: float  # user + system seconds of the child itself
    peak_rss: int  # bytes
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (t, cpu seconds so far, rss)
    stdout: str = ""
    stderr: str = ""

    def cpu_percent(self, skip: float = 0.0) -> float:
        """Mean CPU % (of one core) between the sample at `skip` seconds and the last one."""
        points = [s for s in self.samples if s[0] >= skip]
        if len(points) < 2:
            return 100.0 * self.cpu / self.wall if self.wall else 0.0
        (t0, c0, _), (t1, c1, _) = points[0], points[-1]
        return 100.0 * (c1 - c0) / (t1 - t0) if t1 > t0 else 0.0

    def rss_after(self, skip: float) -> tuple[int, int]:
        """(median, max) RSS of the samples taken after `skip` seconds."""
        values = [s[2] for s in self.samples if s[0] >= skip] or [self.peak_rss]
        return int(statistics.median(values)), max(values)


class Child:
    """A child process measured from outside. `finish()` waits for it (or stops it with SIGTERM first)."""

    def __init__(
        self, cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT, sample_every: float = 0.5
    ) -> None:
        self.out = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish())
        self.err = tempfile.TemporaryFile()  # noqa: SIM115
        self.start = time.monotonic()
        self.proc = subprocess.Popen(
            list(cmd), cwd=cwd, env={**os.environ, **(env or {})}, stdout=self.out, stderr=self.err
        )
        self.samples: list[tuple[float, float, int]] = []
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, args=(sample_every,), daemon=True)
        self._sampler.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _sample(self, every: float) -> None:
        try:
            process = psutil.Process(self.proc.pid)
            while not self._done.wait(every):
                with process.oneshot():
                    times, rss = process.cpu_times(), process.memory_info().rss
                self.samples.append((time.monotonic() - self.start, times.user + times.system, rss))
        except psutil.Error:
            pass

    def finish(self, terminate: bool = False, timeout: float | None = None) -> Measured:
        if terminate:
            self.proc.terminate()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.monotonic() > deadline:
                self.proc.kill()
                deadline = None
            time.sleep(0.02)
        wall = time.monotonic() - self.start
        self._done.set()
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.out.seek(0)
        self.err.seek(0)
        stdout, stderr = self.out.read().decode(errors="replace"), self.err.read().decode(errors="replace")
        self.out.close()
        self.err.close()
        return Measured(
            returncode=self.proc.returncode,
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            peak_rss=usage.ru_maxrss * 1024,
            samples=list(self.samples),
            stdout=stdout,
            stderr=stderr,
        )


def run_measured(cmd: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 900.0) -> Measured:
    return Child(cmd, env=env).finish(timeout=timeout)


def tidings_cmd(config: Path, *args: str) -> list[str]:
    return [PYTHON, "-m", "crawler", "-c", str(config), *args]


# --- a byte-counting TCP proxy ---------------------------------------------------------------------------


class CountingProxy:
    """Forwards 127.0.0.1:port to the replica and counts the bytes on the wire both ways (headers included)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.up = 0
        self.down = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(self._pipe(reader, up_writer, "up"), self._pipe(up_reader, writer, "down"))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, way: str) -> None:
        try:
            while chunk := await reader.read(65536):
                if way == "up":
                    self.up += len(chunk)
                else:
                    self.down += len(chunk)
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def reset(self) -> None:
        self.up = self.down = self.connections = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


# --- SQLite: what a run wrote ----------------------------------------------------------------------------


def snapshot(db: Path) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """Every row of every table, keyed by rowid (or the whole row for WITHOUT ROWID tables)."""
    out: dict[str, dict[Any, tuple[Any, ...]]] = {}
    if not db.exists():
        return out
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            try:
                rows = conn.execute(f'SELECT rowid, * FROM "{table}"').fetchall()
                out[table] = {row[0]: tuple(row[1:]) for row in rows}
            except sqlite3.OperationalError:
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
                out[table] = {row: row for row in rows}
    finally:
        conn.close()
    return out


def row_changes(
    before: dict[str, dict[Any, tuple[Any, ...]]], after: dict[str, dict[Any, tuple[Any, ...]]]
) -> dict[str, tuple[int, int, int]]:
    """Per table: (inserted, updated, deleted) rows between two snapshots. Tables with no change are left out."""
    changes = {}
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        inserted = sum(1 for key in new if key not in old)
        deleted = sum(1 for key in old if key not in new)
        updated = sum(1 for key in new if key in old and new[key] != old[key])
        if inserted or updated or deleted:
            changes[table] = (inserted, updated, deleted)
    return changes


def total_changes(changes: dict[str, tuple[int, int, int]]) -> int:
    return sum(sum(v) for v in changes.values())


# --- output ---------------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table (readable in a terminal, pasted as is into RESULTS.md)."""
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    return "\n".join([line, rule, *body])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def mib(n: float) -> float:
    return n / 1024 / 1024


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def header(title: str, quick: bool) -> None:
    import platform

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(
        f"# {title} ({'quick' if quick else 'full'}): commit {commit.stdout.strip()}, "
        f"{psutil.cpu_count()} cores, {mib(psutil.virtual_memory().total) / 1024:.0f} GiB, "
        f"Python {platform.python_version()}",
        flush=True,
    )


# --- the daemon -----------------------------------------------------------------------------------------


def replica_daemon_config(
    path: Path, *, db: Path, interval: float, health_port: int, extra: str = "", sources: str | None = None
) -> Path:
    """tests/sites/replica.toml with a database in the temp dir, every source at `interval` seconds, a health port,
    a 1 s dispatch interval and `extra` appended; `sources` replaces all the `[sources.*]` tables."""
    text = (ROOT / "tests" / "sites" / "replica.toml").read_text(encoding="utf-8")
    settings_end = text.index("[sources.")
    head, tail = text[:settings_end], text[settings_end:]
    head = head.replace(
        'database_url = "${TIDINGS_REPLICA_DATABASE_URL:-sqlite:///replica.db}"', f'database_url = "sqlite:///{db}"'
    )
    head += f"health_port = {health_port}\ndispatch_interval = 1\n\n"
    if sources is None:
        tail = "\n".join(
            line + (f"\ninterval = {interval:g}" if line.startswith("[sources.") else "") for line in tail.splitlines()
        )
    else:
        tail = sources
    path.write_text(head + tail + "\n" + extra, encoding="utf-8")
    return path


def scrape_metrics(port: int) -> dict[str, float]:
    """The daemon's /metrics as {name{labels}: value} (lines without a value are skipped)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            text = response.read().decode()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            with suppress(ValueError):
                out[name] = float(value)
    return out
