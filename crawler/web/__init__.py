"""The web app: server-rendered pages, a JSON API, Atom feeds, /healthz and /metrics (Starlette, Jinja2).

`create_app(WebDeps(...))` builds it; `tidings run` serves it on the health port, `tidings serve` on its own.
"""

from crawler.web.app import WebDeps, create_app

__all__ = ["WebDeps", "create_app"]
