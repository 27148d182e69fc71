"""`tidings serve` (the web app on its own, over the database) and `tidings token` (a secret and its hash)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from crawler.cli.context import Context, pass_context
from crawler.drivers import heap

if TYPE_CHECKING:
    from crawler.drivers.serving import AppContext


def daemon_app(context: AppContext) -> Any:
    """The app `tidings run` serves on settings.health_host/health_port (refused beyond loopback without a token).

    The binding is checked now; the app itself (Starlette, Jinja2, the pages) is built on its first request, so an
    idle daemon nobody browses or probes never loads it."""
    from crawler.drivers.serving import LazyApp
    from crawler.web.security import check_binding

    config = context.config()
    check_binding(config.settings.health_host, config.web, key="settings.health_host")

    def build() -> Any:
        from crawler.web import WebDeps, create_app

        return create_app(WebDeps(context.store, context.config, context.health, context.metrics,
                                  on_config_written=context.reload))

    return LazyApp(build)


@click.command("serve")
@click.option("--host", help="Address to listen on (default: [web] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: [web] port, 8788; 0 picks a free one).")
@pass_context
def serve_command(context: Context, host: str | None, port: int | None) -> None:
    """Serve the web app, the JSON API and the Atom feeds over the database, without crawling.

    For an install where cron runs `tidings crawl`. Listening beyond 127.0.0.1 needs [web] token_hash
    (see `tidings token`). Ctrl-C stops it.

    \b
    Example:
        tidings serve                          # http://127.0.0.1:8788/
        TIDINGS_WEB_TOKEN_HASH=... tidings serve --host 0.0.0.0 --port 8080
    """
    from crawler.drivers.health import HealthView, Metrics
    from crawler.drivers.serving import bind, url_of
    from crawler.web import WebDeps, create_app
    from crawler.web.security import check_binding

    config = context.config
    host = host or config.web.host
    port = config.web.port if port is None else port
    check_binding(host, config.web, key="--host" if host != config.web.host else "web.host")
    with context.store() as store:
        metrics = Metrics()
        metrics.watch_store(store)
        view = HealthView(store, dict, time.monotonic, datetime.now(UTC), grace=config.settings.run_timeout)
        app = create_app(WebDeps(store, lambda: config, view, metrics))
        try:
            sock = bind(host, port)
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        from crawler.cli import output  # here: the daemon imports this module for daemon_app, and prints no table

        output.say(f"web app on {url_of(sock)}/")
        heap.settle_after_startup()
        asyncio.run(_serve(app, sock))


async def _serve(app: Any, sock: Any) -> None:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", server_header=False, ws="none"))
    await server.serve(sockets=[sock])


@click.command("token")
def token_command() -> None:
    """Make a new random access token for the web app, and the hash to put in the config.

    Give the token to the people (or feed readers: HTTP Basic, any user name) who may use the app; put the
    hash in the environment and reference it from [web] token_hash. Only the hash is ever stored.

    \b
    Example:
        tidings token
        export TIDINGS_WEB_TOKEN_HASH='scrypt$16384$8$1$...'   # [web] token_hash = "${TIDINGS_WEB_TOKEN_HASH}"
    """
    import secrets

    from crawler.cli import output
    from crawler.web.security import hash_secret

    token = secrets.token_urlsafe(24)
    output.say(f"token: {token}")
    output.say(f"hash:  {hash_secret(token)}")
