"""The timeline, an article with its versions and diffs, and signing in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from crawler.extract.article import seed_body
from crawler.web.common import checked_form, config, filter_query, form_text, page_size, store, timeline_filter
from crawler.web.redact import Redactor
from crawler.web.render import decode_key, page
from crawler.web.security import SESSION_COOKIE, Access
from crawler.web.textview import DiffLine, diff_lines, diff_summary, highlight, paragraphs
from storage.queries import has_stories
from storage.view_records import EntryDetail, MatchView, VersionView


def timeline(request: Request) -> Response:
    cfg = config(request)
    flt = timeline_filter(request)
    result = store(request).timeline(flt, before=decode_key(request.query_params.get("cursor")),
                                     limit=page_size(request, cfg.web.page_size))
    query = filter_query(request)
    feed = (f"/feeds/rules/{flt.rule}.atom" if flt.rule else f"/feeds/sources/{flt.source_id}.atom"
            if flt.source_id else "/feeds/timeline.atom" + (f"?{urlencode(query)}" if query else ""))
    return page(request, "timeline.html", title="Timeline", rows=result.rows, next_key=result.next_key,
                filters=query, flt=flt, sources=sorted(cfg.sources), rules=sorted(cfg.rules), feed=feed,
                page_query=urlencode({**query, **_limit(request)}), has_removed=False)


def _limit(request: Request) -> dict[str, str]:
    limit = request.query_params.get("limit")
    return {"limit": limit} if limit else {}


@dataclass(frozen=True)
class VersionShown:
    version: VersionView
    number: int
    diff: tuple[DiffLine, ...]
    summary: dict[str, int]
    matches: tuple[MatchView, ...]


def _versions(detail: EntryDetail) -> list[VersionShown]:
    shown, previous = [], None
    for number, version in enumerate(detail.versions, start=1):
        diff = tuple(diff_lines(previous.text, version.text)) if previous is not None and not version.is_marker else ()
        matches = tuple(m for m in detail.matches if m.version_id == version.id)
        shown.append(VersionShown(version, number, diff, diff_summary(diff), matches))
        previous = previous if version.is_marker else version
    return shown[::-1]


def _spans(matches: tuple[MatchView, ...], field: str) -> list[tuple[int, int]]:
    return [(int(e["start"]), int(e["end"])) for m in matches for e in m.evidence if e.get("field") == field]


def article_context(detail: EntryDetail, redact: Redactor) -> dict[str, Any]:
    """What the article page (and its API twin) shows: highlighted current text, versions, alerts, story."""
    row = detail.entry
    current_id = detail.versions[-1].id if detail.versions else None
    current = tuple(m for m in detail.matches if m.version_id == current_id)
    body = seed_body(detail.text, row.title, row.published)
    alerts = [(alert, redact.clean(alert.last_error)) for alert in detail.alerts]
    return {
        "row": row, "detail": detail, "title_segments": highlight(row.title or "", _spans(current, "title")),
        "body": paragraphs(body, _spans(current, "body")), "versions": _versions(detail), "alerts": alerts,
        "stories": has_stories(), "rules": sorted({m.rule for m in detail.matches}),
    }


def article(request: Request) -> Response:
    entry_id = request.path_params["entry_id"]
    detail = store(request).entry_detail(entry_id)
    if detail is None:
        raise HTTPException(404, f"no entry {entry_id}")
    context = article_context(detail, Redactor.for_config(config(request)))
    feed = f"/feeds/stories/{detail.entry.story_id}.atom" if detail.entry.story_id else (
        f"/feeds/sources/{detail.entry.source_id}.atom")
    return page(request, "article.html", title=detail.entry.title or f"Entry {entry_id}", feed=feed, **context)


def login_form(request: Request) -> Response:
    return page(request, "login.html", title="Sign in", next=_next(request.query_params.get("next")), error=None)


def _next(target: str | None) -> str:
    """Only a path on this site (never `//evil.example` or a scheme)."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


async def login(request: Request) -> Response:
    form = await checked_form(request)
    access: Access = request.app.state.access
    target = _next(form_text(form, "next", required=False))
    if access.open or access.grant_for_token(form_text(form, "token", required=False)) != "full":
        return page(request, "login.html", 401, title="Sign in", next=target, error="That token is not valid.")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, access.new_session(), max_age=int(access.web.session_lifetime),
                        httponly=True, samesite="strict")
    return response


async def logout(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def routes() -> list[BaseRoute]:
    return [
        Route("/", timeline),
        Route("/entries/{entry_id:int}", article),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]
