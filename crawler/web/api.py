"""The JSON API under /api/ (read-only; the same data as the pages) and its OpenAPI description.

Lists are newest first and paged by an opaque ``cursor``: pass the ``next_cursor`` of one answer to get the next
page; ``next_cursor`` is null on the last page. Errors are ``{"error": "..."}`` with a 4xx status.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from crawler.config import rule_channels
from crawler.extract.article import seed_body
from crawler.web.common import config, int_param, page_size, redactor, searcher, store, timeline_filter
from crawler.web.openapi import OPENAPI
from crawler.web.render import BadRequest, decode_key, encode_key, json_response
from crawler.web.search_pages import query_of, rule_context
from crawler.web.searching import Backtest, Hit
from crawler.web.sources_pages import outbox_context, source_health
from crawler.web.textview import unified
from rules.errors import RulesError
from storage.view_records import AlertView, EntryDetail, TimelineFilter, TimelineRow


def entry_json(row: TimelineRow) -> dict[str, Any]:
    return {
        "id": row.entry_id, "title": row.title, "url": row.url, "source": row.source_id, "language": row.language,
        "published": row.published, "first_seen": row.first_seen, "updated": row.updated_at,
        "versions": row.version_count, "edited": row.edited, "rules": list(row.rules), "story": row.story_id,
        "removed_at": row.removed_at,
        "links": {"html": f"/entries/{row.entry_id}", "api": f"/api/entries/{row.entry_id}"},
    }


def alert_json(alert: AlertView, error: str | None) -> dict[str, Any]:
    fields = asdict(alert)
    fields["last_error"] = error
    return fields


def detail_json(detail: EntryDetail, request: Request) -> dict[str, Any]:
    clean = redactor(request).clean
    versions, previous = [], None
    for version in detail.versions:
        versions.append({"id": version.id, "fetched_at": version.fetched_at, "change_class": version.change_class,
                         "content_hash": version.content_hash, "text": version.text,
                         "files": list(version.files),
                         "diff": unified(previous, version.text) if previous is not None and not version.is_marker
                         else None})
        previous = previous if version.is_marker else version.text
    return {
        **entry_json(detail.entry), "author": detail.author, "canonical_url": detail.canonical_url,
        "duplicate_of": detail.duplicate_of, "text": detail.text,
        "body": seed_body(detail.text, detail.entry.title, detail.entry.published), "version_list": versions,
        "matches": [asdict(match) for match in detail.matches],
        "alerts": [alert_json(alert, clean(alert.last_error)) for alert in detail.alerts],
        "story_members": [asdict(member) for member in detail.story],
    }


def _page(items: list[Any], next_cursor: str | None) -> Response:
    return json_response({"items": items, "next_cursor": next_cursor})


def entries(request: Request) -> Response:
    result = store(request).timeline(timeline_filter(request), before=decode_key(request.query_params.get("cursor")),
                                     limit=page_size(request, config(request).web.page_size))
    return _page([entry_json(row) for row in result.rows], encode_key(result.next_key) if result.next_key else None)


def entry(request: Request) -> Response:
    detail = store(request).entry_detail(request.path_params["entry_id"])
    if detail is None:
        raise HTTPException(404, f"no entry {request.path_params['entry_id']}")
    return json_response(detail_json(detail, request))


def stories(request: Request) -> Response:
    cursor = request.query_params.get("cursor")
    limit = page_size(request, config(request).web.page_size)
    ids = store(request).story_ids(before_id=int_param(cursor, "cursor") if cursor else None, limit=limit)
    items = [{"story": story_id, "links": {"api": f"/api/stories/{story_id}"}} for story_id in ids]
    return _page(items, str(ids[-1]) if len(ids) == limit else None)


def story(request: Request) -> Response:
    story_id = request.path_params["story_id"]
    rows = store(request).timeline(TimelineFilter(story_id=story_id), limit=500).rows
    if not rows:
        raise HTTPException(404, f"no story {story_id}")
    languages = sorted({row.language or "und" for row in rows})
    return json_response({"story": story_id, "languages": languages, "entries": [entry_json(row) for row in rows]})


def hit_json(hit: Hit) -> dict[str, Any]:
    found = hit.candidate
    return {"id": found.entry_id, "title": found.title, "source": found.source_id, "language": found.language,
            "published": found.published, "first_seen": found.first_seen, "updated": found.updated_at,
            "evidence": [asdict(e) for e in hit.evidence], "snippet": "".join(s.text for s in hit.snippet),
            "links": {"html": f"/entries/{found.entry_id}", "api": f"/api/entries/{found.entry_id}"}}


def search(request: Request) -> Response:
    query = query_of(request)
    if not query:
        raise BadRequest("q is empty: give a query in the rule language, e.g. ?q=@ai AND 日本")
    try:
        result = searcher(request).search(query, timeline_filter(request),
                                          before=decode_key(request.query_params.get("cursor")),
                                          limit=page_size(request, config(request).web.page_size))
    except RulesError as exc:
        raise BadRequest(str(exc)) from None
    return json_response({"query": query, "items": [hit_json(hit) for hit in result.hits],
                          "next_cursor": encode_key(result.next_key) if result.next_key else None,
                          "scanned": result.scanned, "complete": result.complete})


def rule_json(name: str, request: Request) -> dict[str, Any]:
    cfg = config(request)
    rule = cfg.rules[name]
    return {"name": name, "query": rule.query, "channels": list(rule_channels(rule, cfg)), "mode": rule.mode,
            "on": rule.on, "sources": list(rule.sources), "languages": list(rule.languages),
            "links": {"api": f"/api/rules/{name}", "feed": f"/feeds/rules/{name}.atom"}}


def backtest_json(test: Backtest) -> dict[str, Any]:
    return {"days": test.days, "total": test.total, "per_day": [asdict(day) for day in test.per_day],
            "examples": [hit_json(hit) for hit in test.examples], "scanned": test.scanned, "complete": test.complete}


def rules(request: Request) -> Response:
    return json_response({"items": [rule_json(name, request) for name in sorted(config(request).rules)]})


def rule(request: Request) -> Response:
    context = rule_context(request, request.path_params["name"])
    return json_response({**rule_json(context["name"], request),
                          "backtest": [backtest_json(test) for test in context["tests"]]})


def sources(request: Request) -> Response:
    clean = redactor(request).clean
    items = []
    for health in source_health(config(request), store(request)):
        state = asdict(health.state) if health.state else None
        if state:
            state["last_error"] = clean(state["last_error"])
            state.pop("lease_owner", None)
        runs = [{**asdict(run), "error": clean(run.error)} for run in health.runs]
        items.append({"id": health.source.id, "interval": health.source.interval, "language": health.source.language,
                      "tags": list(health.source.tags), "state": state, "runs": runs,
                      "next_due": health.due.at.isoformat() if health.due.at else None,
                      "next_due_reason": health.due.reason})
    return json_response({"items": items})


def alerts(request: Request) -> Response:
    context = outbox_context(request)
    cursor = request.query_params.get("cursor")
    limit = page_size(request, config(request).web.page_size)
    rows = store(request).outbox(status=context["status"], before_id=int_param(cursor, "cursor") if cursor else None,
                                 limit=limit)
    clean = redactor(request).clean
    items = [alert_json(alert, clean(alert.last_error)) for alert in rows]
    return json_response({"counts": context["counts"], "items": items,
                          "next_cursor": str(rows[-1].id) if len(rows) == limit else None})


def openapi(request: Request) -> Response:
    return json_response(OPENAPI)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/entries", entries), Route("/api/entries/{entry_id:int}", entry),
        Route("/api/stories", stories), Route("/api/stories/{story_id:int}", story),
        Route("/api/search", search), Route("/api/rules", rules), Route("/api/rules/{name}", rule),
        Route("/api/sources", sources), Route("/api/alerts", alerts), Route("/openapi.json", openapi),
    ]
