"""The web app: server-rendered pages, a JSON API, Atom feeds, /healthz and /metrics (Starlette, Jinja2).

`create_app(WebDeps(...))` builds it; `tidings run` serves it on the health port, `tidings serve` on its own.
Both names are imported on first use, so that `crawler.web.security` alone (the daemon's start-up check) does not
load Starlette and Jinja2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.web.app import WebDeps, create_app

__all__ = ["WebDeps", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from crawler.web import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
