"""Request/response values shared by the site renderers and the HTTP server."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    host: str  # the real host segment, e.g. "focustaiwan.tw"
    path: str  # the real path, e.g. "/business/202512020024"
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]
    base: str  # "http://127.0.0.1:PORT"

    def form(self) -> dict[str, Any]:
        """The body as a form or JSON object (clients send either)."""
        text = self.body.decode("utf-8", "replace").strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
                return data if isinstance(data, dict) else {}
            except ValueError:
                return {}
        from urllib.parse import parse_qs

        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


@dataclass
class Response:
    status: int = 200
    ctype: str = "text/html; charset=utf-8"
    body: bytes = b""
    last_modified: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)


def html_page(text: str, modified: datetime | None) -> Response:
    return Response(body=text.encode("utf-8"), last_modified=modified)


def json_response(data: object, modified: datetime | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    return Response(ctype="application/json; charset=utf-8", body=body, last_modified=modified)


def xml_response(text: str, modified: datetime | None, ctype: str = "application/rss+xml; charset=utf-8") -> Response:
    return Response(ctype=ctype, body=text.encode("utf-8"), last_modified=modified)


def not_found() -> Response:
    return Response(404, "text/plain; charset=utf-8", b"404 Not Found")


def esc(s: str) -> str:
    return html.escape(s, quote=True)


def cdata(s: str) -> str:
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def to_int(v: object, default: int) -> int:
    try:
        return int(str(v))
    except ValueError:
        return default
