"""The app factory: routes of every area, the access guard, security headers, error pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from crawler.config import Config
from crawler.drivers.health import HealthView, Metrics
from crawler.web import api, feeds, health, pages, search_pages, sources_pages, story_pages
from crawler.web.render import BadRequest, json_response, page
from crawler.web.security import CSRF_COOKIE, SECURITY_HEADERS, SESSION_COOKIE, Access, new_csrf_cookie
from storage import Store

STATIC = Path(__file__).parent / "static"
OPEN_PATHS = ("/healthz", "/metrics", "/login", "/static/")
MACHINE_PATHS = ("/api/", "/feeds/", "/openapi.json")


@dataclass(frozen=True)
class WebDeps:
    """What the app needs from its host (`tidings run` or `tidings serve`)."""

    store: Store
    config: Callable[[], Config]  # the current config (the daemon reloads it on SIGHUP)
    health: HealthView
    metrics: Metrics
    on_config_written: Callable[[], None] | None = None  # after the app wrote the config file (the daemon reloads)


def _is_machine(path: str) -> bool:
    return path.startswith(MACHINE_PATHS)


class Guard(BaseHTTPMiddleware):
    """Access and CSRF cookies on every request, security headers on every response."""

    def __init__(self, app: Any, access: Access) -> None:
        super().__init__(app)
        self.access = access

    def grant(self, request: Request) -> str:
        if self.access.open:
            return "full"
        session = request.cookies.get(SESSION_COOKIE)
        if session and self.access.session_valid(session):
            return "full"
        header = request.headers.get("authorization")
        return self.access.grant_for_header(header) if header else "none"

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = None if cookie else new_csrf_cookie()
        request.state.csrf_cookie = cookie
        request.state.csrf = self.access.csrf_token(cookie or fresh or "")
        request.state.grant = grant = self.grant(request)
        response = await self._answer(request, call_next, grant)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if fresh is not None and not _is_machine(request.url.path):
            response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="strict")
        return response

    async def _answer(self, request: Request, call_next: RequestResponseEndpoint, grant: str) -> Response:
        path, method = request.url.path, request.method
        if not path.startswith(OPEN_PATHS):
            if grant == "none":
                return _refuse(request)
            if grant == "read" and method not in ("GET", "HEAD"):
                return PlainTextResponse("this token may only read\n", status_code=403)
        if method == "POST" and not _same_origin(request):
            return PlainTextResponse("cross-site form posts are refused\n", status_code=403)
        return await call_next(request)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _refuse(request: Request) -> Response:
    if _is_machine(request.url.path) or request.method != "GET":
        return PlainTextResponse("a token is required: Authorization: Bearer <token>\n", status_code=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="tidings", Basic realm="tidings"'})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
    if _is_machine(request.url.path):
        return json_response({"error": detail}, status)
    return page(request, "error.html", status, title=f"{status}", message=detail)


def routes() -> list[BaseRoute]:
    return [
        *health.routes(), *pages.routes(), *story_pages.routes(), *search_pages.routes(), *sources_pages.routes(),
        *feeds.routes(), *api.routes(), Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]


def create_app(deps: WebDeps) -> Starlette:
    """The ASGI app over ``deps``; the access policy comes from the config's `[web]` table."""
    access = Access(deps.config().web)
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        HTTPException: _http_error, BadRequest: _http_error,
    }
    app = Starlette(routes=routes(), middleware=[Middleware(Guard, access=access)], exception_handlers=handlers)
    app.state.deps = deps
    app.state.access = access
    return app
