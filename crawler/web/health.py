"""`/healthz` and `/metrics`: the same JSON and Prometheus exposition as before, inside the app.

Both read the database in a worker thread under `[web] health_timeout`: a frozen database makes /healthz answer
503 on time (naming the database), never hang; the event loop is never blocked by it.
"""

from __future__ import annotations

import asyncio

from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from crawler.drivers.health import Verdict, check
from crawler.web.common import config, deps


async def healthz(request: Request) -> Response:
    timeout = config(request).web.health_timeout
    try:
        verdict = await asyncio.wait_for(asyncio.to_thread(check, deps(request).health), timeout)
    except TimeoutError:
        verdict = Verdict(False, (f"database: no answer within {timeout:g}s (web.health_timeout)",))
    return Response(verdict.body(), status_code=200 if verdict.healthy else 503, media_type="application/json")


async def metrics(request: Request) -> Response:
    registry = deps(request).metrics.registry
    timeout = config(request).web.health_timeout
    try:
        body = await asyncio.wait_for(asyncio.to_thread(generate_latest, registry), timeout)
    except TimeoutError:
        return Response(b"# the database did not answer in time\n", status_code=503, media_type="text/plain")
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def routes() -> list[BaseRoute]:
    return [Route("/healthz", healthz), Route("/metrics", metrics)]
