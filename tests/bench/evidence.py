"""Evidence benchmark: what keeping the raw HTTP responses costs, and how long `db vacuum` takes to thin them.

    python -m tests.bench.evidence [--quick] [--articles N]

The replica serves N generated articles per site (1,000 full = about 10,000 in all; 100 with --quick). One
`tidings crawl --backfill` (keep_raw = "all", the default) stores them; then, per stored version: the raw body as
received, the body as stored (zstd), and the whole SQLite file. For the vacuum, every raw response gets one
older copy that no current version points at (a synthetic history: one superseded fetch per version), and
`tidings db vacuum` with keep_raw = "latest" is timed from outside as it deletes exactly those.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from tests.bench.common import ROOT, Replica, header, mib, run_measured, table, tidings_cmd, workdir

REPLICA_TOML = ROOT / "tests" / "sites" / "replica.toml"


def crawl(replica: Replica, tmp: Path, db: Path, backfill: int) -> float:
    env = {"TIDINGS_REPLICA_URL": replica.base_url, "TIDINGS_REPLICA_DATABASE_URL": f"sqlite:///{db}",
           "TIDINGS_HOME": str(tmp)}
    measured = run_measured(tidings_cmd(REPLICA_TOML, "crawl", "--backfill", str(backfill), "--no-alerts"), env=env)
    if measured.returncode not in (0, 1):
        raise RuntimeError(f"tidings crawl failed ({measured.returncode}): {measured.stderr[-2000:]}")
    return measured.wall


def sizes(db: Path) -> dict[str, float]:
    with sqlite3.connect(db) as conn:
        versions = conn.execute("SELECT count(*), count(raw_response_id) FROM version").fetchone()
        raw = conn.execute("SELECT count(*), coalesce(sum(body_size), 0), coalesce(sum(stored_size), 0), "
                           "coalesce(sum(length(headers) + length(request_headers)), 0) FROM raw_response").fetchone()
        text = conn.execute("SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM version").fetchone()[0]
    return {"versions": versions[0], "with_raw": versions[1], "raw": raw[0], "body": raw[1], "stored": raw[2],
            "headers": raw[3], "text": text, "file": db.stat().st_size}


def add_superseded_copies(db: Path) -> int:
    """One older copy of every raw response, referenced by nothing: what "latest" must delete."""
    columns = ("url, method, request_headers, http_version, status, reason, headers, body, body_codec, body_size, "
               "stored_size, body_decoded, sha256")
    with sqlite3.connect(db) as conn:
        conn.execute(f"INSERT INTO raw_response ({columns}, fetched_at) "
                     f"SELECT {columns}, datetime(fetched_at, '-1 day') FROM raw_response")
        return int(conn.execute("SELECT count(*) FROM raw_response").fetchone()[0])


def vacuum(tmp: Path, db: Path) -> tuple[float, str]:
    config = tmp / "vacuum.toml"
    config.write_text(f'[settings]\ndatabase_url = "sqlite:///{db}"\nkeep_raw = "latest"\n', encoding="utf-8")
    measured = run_measured(tidings_cmd(config, "db", "vacuum"), env={"TIDINGS_HOME": str(tmp)})
    if measured.returncode != 0:
        raise RuntimeError(f"tidings db vacuum failed: {measured.stderr[-2000:]}")
    return measured.wall, measured.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.evidence", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 articles per site (about 1,000 in all)")
    parser.add_argument("--articles", type=int, help="generated articles per site (default 1000, quick 100)")
    args = parser.parse_args()
    per_site = args.articles or (100 if args.quick else 1000)
    header(f"evidence: {per_site} generated articles per site", args.quick)
    with workdir("bench-evidence-") as tmp, Replica(per_site) as replica:
        db = tmp / "evidence.db"
        wall = crawl(replica, tmp, db, per_site * 10 + 1000)
        s = sizes(db)
        per = max(1, s["with_raw"])
        print(table(
            ["versions", "with a raw response", "crawl wall s", "raw body B/version", "stored (zstd) B/version",
             "headers B/version", "text B/version", "SQLite file B/version", "compression"],
            [[s["versions"], s["with_raw"], wall, s["body"] / per, s["stored"] / per, s["headers"] / per,
              s["text"] / max(1, s["versions"]), s["file"] / max(1, s["versions"]),
              f"{s['body'] / max(1, s['stored']):.1f}x"]],
        ))
        total = add_superseded_copies(db)
        seconds, said = vacuum(tmp, db)
        print()
        print(table(["raw responses before", "db vacuum (keep_raw = latest) wall s", "file MiB after", "said"],
                    [[total, seconds, mib(db.stat().st_size), said]]))


if __name__ == "__main__":
    main()
