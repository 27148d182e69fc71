"""A fault-injection HTTP/1.1 server on 127.0.0.1 for the fetcher's tests.

It runs its own event loop in a thread, so the client under test cannot delay it, and records what
arrived (with server-side times) and how many body bytes each response actually put on the wire.

>>> with FaultServer() as server:
...     server.route("/hello", ok(b"hi"))
...     url = server.url("/hello")
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType

Handler = Callable[["Request", "Connection"], Awaitable[None]]


@dataclass(frozen=True)
class Request:
    """One request as the server saw it; `arrived` is time.monotonic() when its head was complete."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes
    arrived: float

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass
class Exchange:
    """What the server did for one request: bytes of body it managed to write, and whether all of them."""

    request: Request
    body_bytes_sent: int = 0
    completed: bool = False
    finished: float | None = None


class Connection:
    """The handler's side of one client connection."""

    def __init__(self, writer: asyncio.StreamWriter, exchange: Exchange) -> None:
        self.writer = writer
        self.exchange = exchange
        self.keep_alive = True

    async def send_head(self, status: int, headers: Mapping[str, str]) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await self.writer.drain()

    async def send_body(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()
        self.exchange.body_bytes_sent += len(data)

    async def respond(self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
        head = {"Content-Length": str(len(body)), **(headers or {})}
        await self.send_head(status, head)
        if body:
            await self.send_body(body)
        self.exchange.completed = True

    def reset(self) -> None:
        """Abort the connection with a TCP RST."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()
        self.keep_alive = False

    def close(self) -> None:
        self.writer.close()
        self.keep_alive = False


class FaultServer:
    """Routes paths to handlers; unknown paths get 404. Use as a context manager (starts a thread)."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.exchanges: list[Exchange] = []
        self.active = 0
        self.max_active = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> FaultServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=5)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def requests_to(self, path: str) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.request.path == path]

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in asyncio.all_tasks(self._loop):
            if task is not asyncio.current_task():
                task.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await _read_request(reader)) is not None:
                exchange = Exchange(request)
                self.exchanges.append(exchange)
                connection = Connection(writer, exchange)
                await self._handle(request, connection)
                exchange.finished = time.monotonic()
                if not connection.keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            return
        finally:
            if not writer.is_closing():
                writer.close()

    async def _handle(self, request: Request, connection: Connection) -> None:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            handler = self.routes.get(request.path, _not_found)
            await handler(request, connection)
        finally:
            self.active -= 1


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    arrived = time.monotonic()
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Request(method, target, headers, body, arrived)


async def _not_found(request: Request, connection: Connection) -> None:
    await connection.respond(404, b"not found", {"Content-Type": "text/plain"})


_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


# ---- handler factories -------------------------------------------------------------------------------


def ok(body: bytes, headers: Mapping[str, str] | None = None) -> Handler:
    """200 with `body` (Content-Type text/html unless given)."""

    async def handler(request: Request, connection: Connection) -> None:
        await connection.respond(200, body, {"Content-Type": "text/html", **(headers or {})})

    return handler


def status(code: int, headers: Mapping[str, str] | None = None, body: bytes = b"") -> Handler:
    async def handler(request: Request, connection: Connection) -> None:
        await connection.respond(code, body, headers)

    return handler


def redirect(location: str, code: int = 302) -> Handler:
    return status(code, {"Location": location})


def sequence(*handlers: Handler) -> Handler:
    """The first call gets the first handler, and so on; the last one repeats."""
    calls = 0

    async def handler(request: Request, connection: Connection) -> None:
        nonlocal calls
        chosen = handlers[min(calls, len(handlers) - 1)]
        calls += 1
        await chosen(request, connection)

    return handler


def slow_headers(delay: float) -> Handler:
    async def handler(request: Request, connection: Connection) -> None:
        await asyncio.sleep(delay)
        await connection.respond(200, b"late")

    return handler


def slow_body(total: int, piece: int, interval: float) -> Handler:
    """Declares `total` bytes, then sends `piece` bytes every `interval` seconds."""

    async def handler(request: Request, connection: Connection) -> None:
        await connection.send_head(200, {"Content-Length": str(total), "Content-Type": "text/plain"})
        for _ in range(total // piece):
            await connection.send_body(b"x" * piece)
            await asyncio.sleep(interval)
        connection.exchange.completed = True

    return handler


def reset_connection() -> Handler:
    async def handler(request: Request, connection: Connection) -> None:
        connection.reset()

    return handler


def truncated(declared: int, sent: int) -> Handler:
    async def handler(request: Request, connection: Connection) -> None:
        await connection.send_head(200, {"Content-Length": str(declared), "Content-Type": "text/plain"})
        await connection.send_body(b"y" * sent)
        connection.close()

    return handler


def paced(payload: bytes, headers: Mapping[str, str], piece: int = 16 * 1024, interval: float = 0.002) -> Handler:
    """Sends `payload` (Content-Length known) in pieces, pausing between them, so an early abort shows."""

    async def handler(request: Request, connection: Connection) -> None:
        await connection.send_head(200, {"Content-Length": str(len(payload)), **headers})
        for start in range(0, len(payload), piece):
            await connection.send_body(payload[start : start + piece])
            await asyncio.sleep(interval)
        connection.exchange.completed = True

    return handler


def streamed(pieces: Callable[[], Iterable[bytes]], headers: Mapping[str, str], interval: float = 0.002) -> Handler:
    """Sends the body from `pieces()` with chunked transfer encoding, pausing between pieces."""

    async def handler(request: Request, connection: Connection) -> None:
        await connection.send_head(200, {"Transfer-Encoding": "chunked", **headers})
        for data in pieces():
            if data:
                await connection.send_body(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                await asyncio.sleep(interval)
        await connection.send_body(b"0\r\n\r\n")
        connection.exchange.completed = True

    return handler
