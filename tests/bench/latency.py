"""Latency benchmark: publish-to-delivery time of the daemon (`tidings run`) polling the replica every 5 s.

    python -m tests.bench.latency [--quick] [--articles N] [--window SECONDS]

The replica (its own process) serves every built-in source and the blog; `tidings run` (a subprocess) polls each
source every 5 s (APScheduler adds up to 10 % jitter) and delivers alerts through apprise to a local webhook
(`json://127.0.0.1:PORT/hook`) that records arrival times. The harness publishes N articles on topic "ai" (the
default @ai rule matches them) at uniformly random times over the window, on random sites, and reports, per
article, publish -> delivery (first alert whose text carries the article's title), split into publish -> the
daemon's first fetch of the article (from the replica's request log: discovery) and that fetch -> delivery
(extract, store, match, outbox, dispatch). Full: 100 articles over 240 s; --quick: 20 over 60 s.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.bench.common import (
    Child,
    Replica,
    free_port,
    header,
    mib,
    percentile,
    replica_daemon_config,
    scrape_metrics,
    table,
    tidings_cmd,
    wait_port,
    workdir,
)

SITES = ("mofa-en", "mofa-zh", "nspp-zh", "nspp-en", "nspp-id", "moda-en", "moda-zh", "focustaiwan", "cna", "blog")
INTERVAL = 5.0


class Webhook:
    """A local HTTP endpoint that records (arrival time, body) of every POST."""

    def __init__(self) -> None:
        self.received: list[tuple[float, str]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append((time.time(), body.decode(errors="replace")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def delivered_at(article: dict[str, Any], received: list[tuple[float, str]]) -> float | None:
    title = str(article["title"])
    for at, body in received:
        try:
            text = json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            text = body
        if title in text or json.dumps(title, ensure_ascii=False).strip('"') in text:
            return at
    return None


def first_fetch(article: dict[str, Any], log: list[dict[str, Any]], after: float) -> float | None:
    times = [e["t"] for e in log if e["url"] == article["url"] and e["t"] >= after - 1]
    return min(times) if times else None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.latency", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 articles over 60 s")
    parser.add_argument("--articles", type=int)
    parser.add_argument("--window", type=float)
    args = parser.parse_args()
    count = args.articles or (20 if args.quick else 100)
    window = args.window or (60.0 if args.quick else 240.0)
    header(f"latency: {count} articles over {window:.0f} s, every source polled every {INTERVAL:g} s", args.quick)
    rng = random.Random(20261121)
    webhook = Webhook()
    with workdir("bench-latency-") as tmp, Replica(30) as replica:
        health = free_port()
        config = replica_daemon_config(
            tmp / "daemon.toml",
            db=tmp / "tidings.db",
            interval=INTERVAL,
            health_port=health,
            extra=f'[channels.hook]\nurl = "json://127.0.0.1:{webhook.port}/hook"\nformat = "text"\n',
        )
        env = {"TIDINGS_REPLICA_URL": replica.base_url, "TIDINGS_HOME": str(tmp)}
        daemon = Child(tidings_cmd(config, "run"), env=env, sample_every=1.0)
        wait_port(health)
        time.sleep(3 * INTERVAL)  # first runs store the replica's current articles (alerts for those are ignored)
        settled = len(webhook.received)
        start = time.time()
        offsets = sorted(rng.uniform(0, window) for _ in range(count))
        published = []
        for offset in offsets:
            time.sleep(max(0.0, start + offset - time.time()))
            info = replica.publish(rng.choice(SITES), topic="ai")
            published.append((time.time(), info))
        deadline = time.time() + 60
        while time.time() < deadline:
            if all(delivered_at(info, webhook.received[settled:]) for _, info in published):
                break
            time.sleep(1)
        metrics = scrape_metrics(health)
        measured = daemon.finish(terminate=True, timeout=60)
        log = replica.log()
    webhook.stop()
    rows, total, discover, process, missing = [], [], [], [], []
    for at, info in published:
        got = delivered_at(info, webhook.received[settled:])
        fetched = first_fetch(info, log, at)
        if got is None:
            missing.append(f"{info['site']} {info['url']}")
            continue
        total.append(got - at)
        if fetched is not None:
            discover.append(fetched - at)
            process.append(got - fetched)
    for name, values in (
        ("publish -> delivery", total),
        ("publish -> first fetch (discovery)", discover),
        ("first fetch -> delivery", process),
    ):
        rows.append(
            [
                name,
                len(values),
                percentile(values, 0.5),
                percentile(values, 0.95),
                max(values) if values else float("nan"),
            ]
        )
    print(table(["interval (s)", "n", "p50 s", "p95 s", "max s"], rows))
    rss_median, rss_max = measured.rss_after(10)
    print()
    print(
        table(
            ["daemon", "value"],
            [
                ["articles published / delivered", f"{len(published)} / {len(total)}"],
                ["webhook messages (all)", len(webhook.received)],
                ["CPU % of one core (mean)", measured.cpu_percent(skip=10)],
                ["RSS MiB median / max", f"{mib(rss_median):.0f} / {mib(rss_max):.0f}"],
                [
                    "schedule lag count / sum s",
                    f"{metrics.get('tidings_schedule_lag_seconds_count', 0):.0f} / "
                    f"{metrics.get('tidings_schedule_lag_seconds_sum', 0):.1f}",
                ],
                ["missed schedules", metrics.get("tidings_schedule_missed_total", 0)],
                ["exit code", measured.returncode],
            ],
        )
    )
    if missing:
        print(f"\nnot delivered within 60 s of the last publish: {missing}")
        print(measured.stderr[-3000:])


if __name__ == "__main__":
    main()
