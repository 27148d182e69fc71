"""What the route modules share: the app's dependencies, filters from query strings, checked forms, the searcher."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from crawler.config import Config
from crawler.web.redact import Redactor
from crawler.web.render import BadRequest
from crawler.web.searching import Searcher
from crawler.web.security import CSRF_FIELD, Access
from storage import Store
from storage.view_records import TimelineFilter

if TYPE_CHECKING:
    from crawler.web.app import WebDeps

_ID = re.compile(r"^[A-Za-z0-9_.~-]{1,100}$")
FILTER_KEYS = ("source", "language", "rule", "from", "to", "edited", "removed")


def deps(request: Request) -> WebDeps:
    found: WebDeps = request.app.state.deps
    return found


def store(request: Request) -> Store:
    return deps(request).store


def config(request: Request) -> Config:
    return deps(request).config()


def redactor(request: Request) -> Redactor:
    return Redactor.for_config(config(request))


def searcher(request: Request) -> Searcher:
    cfg = config(request)
    tags = {source_id: source.tags for source_id, source in cfg.sources.items()}
    return Searcher(store(request), cfg.groups, tags, cfg.web.search_scan_limit)


def _day(name: str, value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise BadRequest(f"{name}={value[:40]!r}: not a date (write YYYY-MM-DD)") from None


def _flag(value: str | None) -> bool:
    return value in ("1", "true", "on", "yes")


def identifier(name: str, value: str | None) -> str | None:
    """A source id, rule name or language code from a query string (None when empty)."""
    if not value:
        return None
    if not _ID.match(value):
        raise BadRequest(f"{name}={value[:40]!r}: not a valid name")
    return value


def timeline_filter(request: Request) -> TimelineFilter:
    """The filter a query string asks for (?source=&language=&rule=&from=&to=&edited=1&removed=1)."""
    q = request.query_params
    return TimelineFilter(
        source_id=identifier("source", q.get("source")), language=identifier("language", q.get("language")),
        rule=identifier("rule", q.get("rule")), published_from=_day("from", q.get("from")),
        published_to=_day("to", q.get("to")), edited=_flag(q.get("edited")), removed=_flag(q.get("removed")),
    )


def filter_query(request: Request) -> dict[str, str]:
    """The filter parameters present in the request, to carry into links (next page, feeds)."""
    return {key: value for key in FILTER_KEYS if (value := request.query_params.get(key))}


def page_size(request: Request, default: int) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 500:
        raise BadRequest(f"limit={raw[:20]!r}: give a number from 1 to 500")
    return int(raw)


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after its CSRF token was checked against the browser's cookie."""
    form = await request.form()
    access: Access = request.app.state.access
    token = form.get(CSRF_FIELD)
    if not access.csrf_valid(request.state.csrf_cookie, token if isinstance(token, str) else None):
        raise HTTPException(403, "the form's security token is missing or expired: reload the page and try again")
    return form


def form_text(form: FormData, name: str, *, required: bool = True) -> str:
    value = form.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise BadRequest(f"the form field {name!r} is empty")
    return text


def int_param(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name}={str(value)[:20]!r}: not a number") from None
