"""Jinja2 for the pages (autoescaped, bidi controls made visible in every value), page keys, JSON bodies.

>>> key = decode_key(encode_key((datetime(2026, 1, 2, 3, 4, tzinfo=UTC), 42)))
>>> key[1], key[0].isoformat()
(42, '2026-01-02T03:04:00+00:00')
>>> json_bytes({"t": "<script>\\u202e"})
b'{"t":"\\\\u003cscript\\\\u003e\\\\u202e"}'
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from crawler.web.textview import BIDI_CONTROLS, inert, safe_url

TEMPLATES = Path(__file__).parent / "templates"
ATOM = "application/atom+xml; charset=utf-8"


class BadRequest(Exception):
    """A request parameter that cannot be used; its message says which and why."""


def _when(value: datetime | None) -> str:
    return "—" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      finalize=inert, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(safe_url=safe_url, when=_when, key=lambda key: encode_key(key) if key else "")
    return env


ENV = environment()


def page(request: Request, template_name: str, status: int = 200, /, **context: Any) -> HTMLResponse:
    """Render a template with what every page needs (the CSRF token, the page's feed link)."""
    template = ENV.get_template(template_name)
    body = template.render(request=request, csrf=getattr(request.state, "csrf", ""),
                           signed_in=getattr(request.state, "grant", "none") == "full", **context)
    return HTMLResponse(body, status_code=status)


def encode_key(key: tuple[datetime, int]) -> str:
    """A page key as an opaque cursor."""
    raw = f"{key[0].astimezone(UTC).isoformat()}|{key[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key(cursor: str | None) -> tuple[datetime, int] | None:
    """The page key of a cursor; BadRequest when it was not made by ``encode_key``."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, entry_id = raw.partition("|")
        return datetime.fromisoformat(when).astimezone(UTC), int(entry_id)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(f"cursor {cursor[:40]!r} is not a cursor this app made (use next_cursor as given)") from None


_JSON_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in ("<", ">", "&", *BIDI_CONTROLS)}


def json_bytes(value: Any) -> bytes:
    """Compact JSON in which ``<``, ``>``, ``&`` and bidi controls are escaped: inert even if sniffed as HTML."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)
    return text.translate(_JSON_ESCAPES).encode()


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def json_response(value: Any, status: int = 200) -> Response:
    return Response(json_bytes(value), status_code=status, media_type="application/json")
