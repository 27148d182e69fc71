"""Search (`/search?q=`), saving a search as a rule, and the rules with their back-tests and a query to try."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from crawler.config import rule_channels
from crawler.configedit import add_rule
from crawler.errors import ConfigError
from crawler.web.common import checked_form, config, deps, filter_query, form_text, page_size, searcher, timeline_filter
from crawler.web.render import decode_key, page
from crawler.web.searching import Backtest, SearchPage, backtest
from rules.errors import RulesError
from rules.match import RuleSpec

MAX_QUERY = 2000


def query_of(request: Request, name: str = "q") -> str:
    query = (request.query_params.get(name) or "").strip()
    if len(query) > MAX_QUERY:
        raise HTTPException(400, f"the query is longer than {MAX_QUERY} characters")
    return query


def run_search(request: Request, query: str, limit: int) -> tuple[SearchPage | None, str | None]:
    """The page of results, or the rule language's error message."""
    if not query:
        return None, None
    try:
        return searcher(request).search(query, timeline_filter(request),
                                        before=decode_key(request.query_params.get("cursor")), limit=limit), None
    except RulesError as exc:
        return None, str(exc)


def search(request: Request) -> Response:
    query = query_of(request)
    result, error = run_search(request, query, page_size(request, config(request).web.page_size))
    filters = filter_query(request)
    feed = "/feeds/search.atom?" + urlencode({"q": query, **filters}) if query else None
    return page(request, "search.html", 400 if error else 200, title=f"Search: {query}" if query else "Search",
                query=query, result=result, error=error, feed=feed, params=urlencode({"q": query, **filters}),
                sources=sorted(config(request).sources), filters=filters)


async def save_search(request: Request) -> Response:
    form = await checked_form(request)
    cfg = deps(request).config()
    name, query = form_text(form, "name"), form_text(form, "query")
    if cfg.path is None:
        raise HTTPException(409, "tidings runs on its built-in defaults: start it with -c FILE to save rules")
    try:
        await run_in_threadpool(add_rule, cfg.path, name, query)
    except ConfigError as exc:
        raise HTTPException(400, str(exc)) from None
    if deps(request).on_config_written is not None:
        deps(request).on_config_written()  # type: ignore[misc]
    return RedirectResponse(f"/rules/{name}", status_code=303)


def rule_list(request: Request) -> Response:
    cfg = config(request)
    query = query_of(request, "try")
    tried: list[Backtest] = []
    error = None
    if query:
        try:
            tried = [backtest(searcher(request), RuleSpec("try", query), days) for days in cfg.web.backtest_days]
        except RulesError as exc:
            error = str(exc)
    rules = [(name, rule, rule_channels(rule, cfg)) for name, rule in sorted(cfg.rules.items())]
    return page(request, "rules.html", 400 if error else 200, title="Rules", rules=rules, query=query,
                tried=tried, error=error)


def rule_context(request: Request, name: str) -> dict[str, Any]:
    cfg = config(request)
    rule = cfg.rules.get(name)
    if rule is None:
        raise HTTPException(404, f"no rule {name!r} in the config")
    spec = RuleSpec(name, rule.query, rule.sources, rule.languages)
    tests = [backtest(searcher(request), spec, days) for days in cfg.web.backtest_days]
    return {"name": name, "rule": rule, "channels": rule_channels(rule, cfg), "tests": tests}


def rule_detail(request: Request) -> Response:
    context = rule_context(request, request.path_params["name"])
    return page(request, "rule.html", title=f"Rule {context['name']}", feed=f"/feeds/rules/{context['name']}.atom",
                **context)


def routes() -> list[BaseRoute]:
    return [
        Route("/search", search),
        Route("/search/save", save_search, methods=["POST"]),
        Route("/rules", rule_list),
        Route("/rules/{name}", rule_detail),
    ]
