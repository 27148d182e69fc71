"""Sources (health, last runs), the alert outbox by status with retry and drop, and subscribing by URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from crawler.config import Config, Source
from crawler.discover.subscribe import SubscribeError, subscribe
from crawler.drivers.planner import Due, Planner, next_due
from crawler.errors import ConfigError
from crawler.web.common import checked_form, config, deps, form_text, identifier, int_param, redactor, store
from crawler.web.render import page
from storage import RunRow, SourceState, Store
from storage.view_records import AlertView

RUNS_SHOWN = 5
ALERTS_SHOWN = 50
STATUSES = ("pending", "sending", "sent", "dead")
DROPPED = "dropped by a person in the web app"


@dataclass(frozen=True)
class SourceHealth:
    source: Source
    state: SourceState | None
    runs: tuple[RunRow, ...]
    due: Due  # when it runs next and why: the same `next_due` as `tidings status` and `sources list`


def source_health(cfg: Config, db: Store) -> list[SourceHealth]:
    now = datetime.now(UTC)
    states = {state.source_id: state for state in db.source_states()}
    planner = Planner(cfg.settings, lambda since: db.publication_times(since=since))
    return [SourceHealth(source, states.get(source_id), tuple(db.runs_of(source_id, limit=RUNS_SHOWN)),
                         next_due(source, states.get(source_id), planner, now))
            for source_id, source in sorted(cfg.sources.items())]


def outbox_context(request: Request) -> dict[str, Any]:
    status = identifier("status", request.query_params.get("status"))
    if status is not None and status not in STATUSES:
        raise HTTPException(400, f"status={status!r}: one of {', '.join(STATUSES)}")
    db = store(request)
    alerts: list[AlertView] = db.outbox(status=status, limit=ALERTS_SHOWN)
    clean = redactor(request).clean
    return {"status": status, "counts": db.alert_counts(), "alerts": [(a, clean(a.last_error)) for a in alerts]}


def sources(request: Request) -> Response:
    cfg = config(request)
    clean = redactor(request).clean
    return page(request, "sources.html", title="Sources", sources=source_health(cfg, store(request)), clean=clean,
                statuses=STATUSES, can_write=cfg.path is not None, **outbox_context(request))


async def _alert_action(request: Request, action: str) -> Response:
    await checked_form(request)
    alert_id = int_param(request.path_params["alert_id"], "alert")
    db = store(request)
    found = await run_in_threadpool(db.alert_view, alert_id)
    if found is None:
        raise HTTPException(404, f"no alert {alert_id}")
    now = datetime.now(UTC)
    if action == "retry":
        await run_in_threadpool(lambda: db.retry_alerts(now=now, alert_ids=[alert_id]))
    elif found.status in ("pending", "dead"):
        await run_in_threadpool(lambda: db.mark_failed(alert_id, error=DROPPED, now=now, next_attempt_at=None))
    else:
        raise HTTPException(409, f"alert {alert_id} is {found.status}: only pending or dead alerts can be dropped")
    return RedirectResponse("/sources#outbox", status_code=303)


async def retry(request: Request) -> Response:
    return await _alert_action(request, "retry")


async def drop(request: Request) -> Response:
    return await _alert_action(request, "drop")


async def add_source(request: Request) -> Response:
    form = await checked_form(request)
    cfg = deps(request).config()
    if cfg.path is None:
        raise HTTPException(409, "tidings runs on its built-in defaults: start it with -c FILE to add sources")
    url, name = form_text(form, "url"), form_text(form, "name", required=False)
    try:
        found = await subscribe(url, cfg.path, config=cfg, name=name or None)
    except (SubscribeError, ConfigError) as exc:
        raise HTTPException(400, str(exc)) from None
    if deps(request).on_config_written is not None:
        deps(request).on_config_written()  # type: ignore[misc]
    return RedirectResponse(f"/sources?added={found.name}#source-{found.name}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/sources", sources),
        Route("/sources/add", add_source, methods=["POST"]),
        Route("/alerts/{alert_id:int}/retry", retry, methods=["POST"]),
        Route("/alerts/{alert_id:int}/drop", drop, methods=["POST"]),
    ]
