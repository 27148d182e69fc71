"""An ASGI app under uvicorn inside the running event loop: the daemon's web app (with /healthz and /metrics).

The drivers do not know the app: the CLI hands the daemon an ``AppFactory`` that builds it from an ``AppContext``.
The socket is bound before uvicorn starts, so a port in use is a clear error at once and port 0 picks a free one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from crawler.config import Config
from crawler.drivers.health import HealthView, Metrics
from storage import Store

log = logging.getLogger(__name__)
ASGIApp = Callable[..., Any]


@dataclass(frozen=True)
class AppContext:
    """What a running daemon offers the web app."""

    store: Store
    config: Callable[[], Config]
    health: HealthView
    metrics: Metrics
    reload: Callable[[], None]


AppFactory = Callable[[AppContext], ASGIApp]


class LazyApp:
    """An ASGI app built by ``build()`` on its first request (one import pause then), so that a daemon whose web
    app nobody opens never imports it. Later requests go straight to the built app."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = self._build()
        await self._app(scope, receive, send)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv6 when the host is an IPv6 address); raises OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this: without it a response written in two parts waits ~40 ms for the
        # client's delayed ACK (Nagle), on every request.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers: the daemon owns SIGTERM, SIGINT and SIGHUP."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """uvicorn serving ``app`` on ``sock`` as a task of the current event loop."""

    def __init__(self, app: ASGIApp, sock: socket.socket) -> None:
        self.sock = sock
        # ws="none": the app has no WebSocket routes, and uvicorn's "auto" loads a WebSocket stack (~1.6 MiB)
        config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False, server_header=False,
                                timeout_graceful_shutdown=5, ws="none")
        self.server = _QuietServer(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return url_of(self.sock)

    def start(self) -> WebServer:
        self.task = asyncio.get_running_loop().create_task(self.server.serve(sockets=[self.sock]))
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 10)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("web server: did not stop within 10 s")
        self.sock.close()
