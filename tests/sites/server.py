"""The replica HTTP server: `http://127.0.0.1:PORT/<real host>/<real path>`, an admin API, and ReplicaServer."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .catalog import Catalog
from .model import SITE_IDS, etag_of, rfc1123
from .sites import blog, cna, focustaiwan, moda, mofa, nspp
from .web import Request, Response, json_response, not_found

HANDLERS = {
    "focustaiwan.tw": focustaiwan.handle,
    "feeds.feedburner.com": focustaiwan.handle,
    "www.cna.com.tw": cna.handle,
    "en.mofa.gov.tw": mofa.handle,
    "www.mofa.gov.tw": mofa.handle,
    "nspp.mofa.gov.tw": nspp.handle,
    "moda.gov.tw": moda.handle,
    "ipfs.moda.gov.tw": moda.handle,
    "www-api.moda.gov.tw": moda.handle,
    "blog.example": blog.handle,
}
STARTED = datetime(2026, 1, 1, tzinfo=UTC)
REPLICA_TOML = Path(__file__).with_name("replica.toml")
ROBOTS = b"User-agent: *\nDisallow: /_admin/\nAllow: /\n"
GIF = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")


class Replica:
    """The state behind the server: the catalogue and the request log."""

    def __init__(self, articles: int = 30) -> None:
        self.catalog = Catalog(articles)
        self.files: dict[str, tuple[str, bytes, int]] = {}  # "/host/path" -> (Content-Type, body, status)
        self.log: list[dict[str, Any]] = []
        self.log_lock = threading.Lock()

    # -- routing ------------------------------------------------------------------------------------------
    def dispatch(self, req: Request) -> Response:
        if req.host == "" and req.path == "/robots.txt":
            return Response(ctype="text/plain; charset=utf-8", body=ROBOTS, last_modified=STARTED)
        if req.path == "/robots.txt" and req.host in HANDLERS:
            if req.host == "moda.gov.tw":
                return not_found()
            return Response(ctype="text/plain; charset=utf-8", body=b"User-agent: *\nAllow: /\n", last_modified=STARTED)
        if (served := self.files.get(f"/{req.host}{req.path}")) is not None:
            ctype, body, status = served
            return Response(status, ctype, body, STARTED)
        if req.host == "image.taiwantoday.tw" or req.host == "imgcdn.cna.com.tw":
            return Response(ctype="image/gif", body=GIF, last_modified=STARTED)
        handler = HANDLERS.get(req.host)
        if handler is None:
            return not_found()
        with self.catalog.lock:  # renders are short; publish/edit/reset must not interleave with one
            return handler(self.catalog, req) or not_found()

    # -- admin --------------------------------------------------------------------------------------------
    def admin(self, method: str, name: str, query: dict[str, str], body: dict[str, Any], base: str) -> Response:
        cat = self.catalog
        try:
            if name == "articles" and method == "GET":
                site = query.get("site", "")
                if site not in cat.sites:
                    return _status(json_response({"error": f"unknown site {site!r}", "sites": list(SITE_IDS)}), 400)
                limit = int(query.get("limit", "0") or 0)
                offset = int(query.get("offset", "0") or 0)
                full = query.get("full", "") in ("1", "true")
                return json_response(self.articles(site, base, limit, offset, full))
            if name == "seeds" and method == "GET":
                return json_response(self.seeds(base))
            if name == "publish" and method == "POST":
                a = cat.publish(**body)
                return json_response(cat.info(a, base, full=True))
            if name == "edit" and method == "POST":
                a = cat.edit(**body)
                return json_response(cat.info(a, base, full=True))
            if name == "remove" and method == "POST":
                a = cat.remove(body["url"], str(body.get("how", "404")))
                return json_response(cat.info(a, base))
            if name == "restore" and method == "POST":
                a = cat.restore(body["url"])
                return json_response(cat.info(a, base))
            if name == "redesign" and method == "POST":
                cat.redesign(body["site"], bool(body.get("enabled", True)))
                return json_response({"site": body["site"], "enabled": bool(body.get("enabled", True))})
            if name == "log" and method == "GET":
                with self.log_lock:
                    return json_response(list(self.log))
            if name == "log" and method == "DELETE":
                self.clear_log()
                return json_response({"cleared": True})
            if name == "reset" and method == "POST":
                cat.reset()
                self.clear_log()
                return json_response({"reset": True})
        except (KeyError, TypeError, ValueError) as e:
            return _status(json_response({"error": f"{type(e).__name__}: {e}"}), 400)
        return not_found()

    def articles(
        self, site: str, base: str, limit: int = 0, offset: int = 0, full: bool = False
    ) -> list[dict[str, Any]]:
        cat = self.catalog
        with cat.lock:
            st = cat.sites[site]
            n = limit or st.total()
            return [cat.info(a, base, full) for a in st.page(offset, n)]

    def seeds(self, base: str) -> dict[str, str]:
        return {k: base + self.catalog.seed_path(a) for k, a in self.catalog.seeds().items()}

    def clear_log(self) -> None:
        with self.log_lock:
            self.log.clear()

    def record(self, entry: dict[str, Any]) -> None:
        with self.log_lock:
            self.log.append(entry)


def _status(r: Response, status: int) -> Response:
    r.status = status
    return r


def conditional(req_headers: dict[str, str], r: Response) -> Response:
    """Add ETag/Last-Modified to a 200 GET answer, and turn it into a 304 when the client's copy is current."""
    if r.status != 200:
        return r
    etag = etag_of(r.body)
    r.headers["ETag"] = etag
    if r.last_modified is not None:
        r.headers["Last-Modified"] = rfc1123(r.last_modified)
    inm = req_headers.get("if-none-match")
    ims = req_headers.get("if-modified-since")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        fresh = etag in tags or "*" in tags
    elif ims is not None and r.last_modified is not None:
        try:
            fresh = r.last_modified.replace(microsecond=0) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            fresh = False
    else:
        fresh = False
    if fresh:
        return Response(304, r.ctype, b"", r.last_modified, r.headers)
    return r


class Handler(BaseHTTPRequestHandler):
    server_version = "replica/1.0"
    protocol_version = "HTTP/1.1"
    replica: Replica  # set on the subclass made per server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle + delayed ACK cost 40 ms a request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        t = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        segs = parts.path.split("/", 2)
        host = segs[1] if len(segs) > 1 else ""
        real = "/" + segs[2] if len(segs) > 2 else ""
        if (host and "." not in host and host != "_admin") or parts.path == "/robots.txt":
            host, real = "", parts.path
        addr = self.server.server_address
        base = f"http://{self.headers.get('Host') or f'{addr[0]}:{addr[1]}'}"
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        if host == "_admin":
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            r = (
                self.replica.admin(self.command, real.strip("/"), query, body, base)
                if isinstance(body, dict)
                else _status(json_response({"error": "body must be a JSON object"}), 400)
            )
        else:
            req = Request(self.command, host, real or "/", query, raw, headers, base)
            try:
                r = self.replica.dispatch(req)
            except Exception as e:  # a replica bug must show as a 500, not as a dropped connection
                r = Response(500, "text/plain; charset=utf-8", f"500 {type(e).__name__}: {e}".encode())
            if self.command in ("GET", "HEAD"):
                r = conditional(headers, r)
            self.replica.record(
                {
                    "t": t,
                    "method": self.command,
                    "path": real + (f"?{parts.query}" if parts.query else ""),
                    "host": host,
                    "status": r.status,
                    "if_none_match": headers.get("if-none-match"),
                    "if_modified_since": headers.get("if-modified-since"),
                    "url": base + self.path,
                }
            )
        self.send_response(r.status)
        self.send_header("Content-Type", r.ctype)
        for k, v in r.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(r.body)))
        self.end_headers()
        if self.command != "HEAD" and r.status != 304:
            self.wfile.write(r.body)

    do_GET = do_POST = do_HEAD = do_DELETE = do_PUT = _serve


class ReplicaServer:
    """The replica sites on 127.0.0.1, in a daemon thread. Use as a context manager or call start()/stop()."""

    def __init__(self, port: int = 0, articles: int = 30, host: str = "127.0.0.1") -> None:
        self.replica = Replica(articles)
        handler = type("BoundHandler", (Handler,), {"replica": self.replica})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = host, self.httpd.server_address[1]
        self.thread: threading.Thread | None = None

    def start(self) -> ReplicaServer:
        if self.thread is None:
            self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="replica", daemon=True)
            self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.httpd.shutdown()
            self.thread.join(5)
            self.thread = None
        self.httpd.server_close()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """`url("focustaiwan.tw/business/202512020024")` -> the replica URL of that real address."""
        path = path.split("://", 1)[-1]
        return f"{self.base_url}/{path.lstrip('/')}"

    def write_config(self, path: Path, database_url: str, extra: str = "") -> Path:
        """`tests/sites/replica.toml` pointed at this server and `database_url`, with `extra` TOML after it."""
        text = REPLICA_TOML.read_text(encoding="utf-8")
        text = text.replace("${TIDINGS_REPLICA_URL:-http://127.0.0.1:8000}", self.base_url)
        text = text.replace("${TIDINGS_REPLICA_DATABASE_URL:-sqlite:///replica.db}", database_url)
        path.write_text(text + extra, encoding="utf-8")
        return path

    def seeds(self) -> dict[str, str]:
        return self.replica.seeds(self.base_url)

    def articles(self, site: str, limit: int = 0, full: bool = False) -> list[dict[str, Any]]:
        return self.replica.articles(site, self.base_url, limit, 0, full)

    def publish(self, site: str, **kw: Any) -> dict[str, Any]:
        return self.replica.catalog.info(self.replica.catalog.publish(site, **kw), self.base_url, full=True)

    def edit(self, url: str, **kw: Any) -> dict[str, Any]:
        return self.replica.catalog.info(self.replica.catalog.edit(url, **kw), self.base_url, full=True)

    def remove(self, url: str, how: str = "404") -> dict[str, Any]:
        return self.replica.catalog.info(self.replica.catalog.remove(url, how), self.base_url)

    def restore(self, url: str) -> dict[str, Any]:
        return self.replica.catalog.info(self.replica.catalog.restore(url), self.base_url)

    def redesign(self, site: str, enabled: bool = True) -> None:
        self.replica.catalog.redesign(site, enabled)

    def put_file(self, path: str, body: bytes, ctype: str, status: int = 200) -> str:
        """Serve `body` at the replica path `/host/path` (an attachment); returns its URL."""
        self.replica.files[path] = (ctype, body, status)
        return self.base_url + path

    def remove_file(self, path: str, status: int = 404) -> None:
        """The file is gone: 404 (or 410)."""
        self.replica.files[path] = ("text/plain; charset=utf-8", b"gone", status)

    def log(self) -> list[dict[str, Any]]:
        with self.replica.log_lock:
            return list(self.replica.log)

    def clear_log(self) -> None:
        self.replica.clear_log()

    def reset(self) -> None:
        self.replica.catalog.reset()
        self.replica.files.clear()
        self.replica.clear_log()
