"""The OpenAPI 3.1 description of the JSON API, written by hand (served at /openapi.json)."""

from __future__ import annotations

from typing import Any

_CURSOR = {"name": "cursor", "in": "query", "schema": {"type": "string"},
           "description": "the next_cursor of the previous page"}
_LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}
_FILTERS = [{"name": name, "in": "query", "schema": {"type": kind}, "description": text} for name, kind, text in (
    ("source", "string", "a source id"), ("language", "string", "a language code (en matches en-US)"),
    ("rule", "string", "entries a rule matched"), ("from", "string", "published on or after (YYYY-MM-DD)"),
    ("to", "string", "published on or before (YYYY-MM-DD)"), ("edited", "boolean", "only entries edited since"),
    ("removed", "boolean", "only entries removed from their site"))]
_PAGE = {"type": "object", "required": ["items", "next_cursor"], "properties": {
    "items": {"type": "array", "items": {"type": "object"}}, "next_cursor": {"type": ["string", "null"]}}}


def _get(summary: str, parameters: list[dict[str, Any]], schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": parameters, "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema or {"type": "object"}}}},
        "400": {"description": "a parameter cannot be used", "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Error"}}}},
        "401": {"description": "a token is required (Authorization: Bearer <token>)"}}}}


def _path(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "tidings", "version": "1", "description": "What tidings found: entries with their versions "
             "and diffs, stories, search in the rule language, rules with back-tests, sources and the alert outbox."},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                            "basic": {"type": "http", "scheme": "basic"}},
        "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}},
    },
    "security": [{"bearer": []}, {"basic": []}, {}],
    "paths": {
        "/api/entries": _get("Entries, newest first (no duplicates)", [_CURSOR, _LIMIT, *_FILTERS], _PAGE),
        "/api/entries/{id}": _get("One entry: text, every version with its change class and diff, matches, alerts",
                                  [_path("id", "integer")]),
        "/api/stories": _get("Stories (the same event across sources and languages)", [_CURSOR, _LIMIT], _PAGE),
        "/api/stories/{id}": _get("One story's entries and languages", [_path("id", "integer")]),
        "/api/search": _get("Search in the rule language (e.g. `@ai AND 日本`), newest first, with evidence",
                            [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                             _CURSOR, _LIMIT, *_FILTERS], _PAGE),
        "/api/rules": _get("The configured rules", []),
        "/api/rules/{name}": _get("One rule with its back-tests (matches per day by publication date)",
                                  [_path("name")]),
        "/api/sources": _get("Sources: health and their last runs", []),
        "/api/alerts": _get("The alert outbox, newest first; counts per status",
                            [{"name": "status", "in": "query", "schema": {
                                "enum": ["pending", "sending", "sent", "dead"]}}, _CURSOR, _LIMIT], _PAGE),
    },
}
