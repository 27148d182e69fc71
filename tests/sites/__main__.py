"""`python -m tests.sites --port PORT [--articles N] [--host 127.0.0.1]`: serve the replica until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from .server import ReplicaServer


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m tests.sites", description=__doc__)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--articles", type=int, default=30, help="generated articles per site")
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()
    with ReplicaServer(port=args.port, articles=args.articles, host=args.host) as server:
        print(server.base_url, flush=True)
        for k, v in server.seeds().items():
            print(f"seed {k}: {v}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
