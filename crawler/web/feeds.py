"""Atom feeds: per rule, per source, per story, per search, and the (filtered) timeline.

Entry ids are tag: URIs made of `[web] feed_authority` and the entry id, so they never change; `<updated>` is the
time of the entry's current version, so an edited article shows up again as an updated entry in feed readers.
Text goes out as `type="text"`: a reader never renders a title or a body as HTML.

>>> tag_uri("tidings.localhost", "entry", 7)
'tag:tidings.localhost,2026:entry/7'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote
from xml.etree import ElementTree

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from crawler.extract.article import seed_body
from crawler.web.common import config, identifier, searcher, store, timeline_filter
from crawler.web.render import ATOM, BadRequest
from crawler.web.search_pages import query_of
from crawler.web.textview import inert, safe_url
from rules.errors import RulesError
from storage.view_records import TimelineFilter, TimelineRow

ATOM_NS = "http://www.w3.org/2005/Atom"
SUMMARY = 600
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TAG_YEAR = 2026  # part of every tag: URI; changing it would change every id


def tag_uri(authority: str, kind: str, key: object) -> str:
    return f"tag:{authority},{TAG_YEAR}:{kind}/{key}"


def _text(parent: ElementTree.Element, name: str, value: str, **attributes: str) -> None:
    element = ElementTree.SubElement(parent, name, attributes)
    element.text = _XML_INVALID.sub("\ufffd", inert(value))


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def atom(request: Request, *, kind: str, key: str, title: str, rows: Sequence[TimelineRow],
         texts: dict[int, str]) -> Response:
    """The Atom document of ``rows``."""
    authority = config(request).web.feed_authority
    base = str(request.base_url).rstrip("/")
    root = ElementTree.Element("feed", xmlns=ATOM_NS)
    _text(root, "id", tag_uri(authority, f"feed/{kind}", key))
    _text(root, "title", f"tidings: {title}", type="text")
    newest = max((row.updated_at for row in rows), default=datetime(TAG_YEAR, 1, 1, tzinfo=UTC))
    _text(root, "updated", _iso(newest))
    ElementTree.SubElement(root, "link", rel="self", href=str(request.url))
    ElementTree.SubElement(ElementTree.SubElement(root, "author"), "name").text = "tidings"
    for row in rows:
        _entry(root, row, texts.get(row.entry_id, ""), authority, base)
    body = ElementTree.tostring(root, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body, media_type=ATOM)


def _entry(root: ElementTree.Element, row: TimelineRow, text: str, authority: str, base: str) -> None:
    item = ElementTree.SubElement(root, "entry")
    _text(item, "id", tag_uri(authority, "entry", row.entry_id))
    _text(item, "title", row.title or f"(untitled entry {row.entry_id})", type="text")
    _text(item, "updated", _iso(row.updated_at))
    _text(item, "published", _iso(row.first_seen))
    ElementTree.SubElement(item, "link", rel="alternate", type="text/html", href=f"{base}/entries/{row.entry_id}")
    if original := safe_url(row.url):
        ElementTree.SubElement(item, "link", rel="related", href=original)
    for rule in row.rules:
        ElementTree.SubElement(item, "category", term=rule)
    body = seed_body(text, row.title, row.published)
    edited = f"[edited: {row.version_count} versions] " if row.version_count > 1 else ""
    _text(item, "summary", edited + (body[:SUMMARY] + ("…" if len(body) > SUMMARY else "")), type="text")
    ElementTree.SubElement(ElementTree.SubElement(item, "author"), "name").text = inert(row.source_id)


def _timeline_feed(request: Request, flt: TimelineFilter, kind: str, key: str, title: str) -> Response:
    db = store(request)
    rows = db.timeline(flt, limit=config(request).web.feed_size).rows
    return atom(request, kind=kind, key=key, title=title, rows=rows, texts=db.texts_of([r.entry_id for r in rows]))


def timeline_feed(request: Request) -> Response:
    return _timeline_feed(request, timeline_filter(request), "timeline", "all", "timeline")


def rule_feed(request: Request) -> Response:
    name = identifier("rule", request.path_params["name"]) or ""
    if name not in config(request).rules:
        raise HTTPException(404, f"no rule {name!r} in the config")
    return _timeline_feed(request, TimelineFilter(rule=name), "rule", name, f"rule {name}")


def source_feed(request: Request) -> Response:
    source_id = identifier("source", request.path_params["source_id"]) or ""
    return _timeline_feed(request, TimelineFilter(source_id=source_id), "source", source_id, f"source {source_id}")


def story_feed(request: Request) -> Response:
    story_id = request.path_params["story_id"]
    return _timeline_feed(request, TimelineFilter(story_id=story_id), "story", str(story_id), f"story {story_id}")


def search_feed(request: Request) -> Response:
    query = query_of(request)
    if not query:
        raise BadRequest("q is empty: give the query, e.g. /feeds/search.atom?q=@ai")
    try:
        result = searcher(request).search(query, timeline_filter(request), before=None,
                                          limit=config(request).web.feed_size)
    except RulesError as exc:
        raise BadRequest(str(exc)) from None
    db = store(request)
    rows = db.timeline_rows([hit.candidate.entry_id for hit in result.hits])
    texts = {hit.candidate.entry_id: hit.candidate.text for hit in result.hits}
    return atom(request, kind="search", key=quote(query, safe=""), title=f"search {query}", rows=rows, texts=texts)


def routes() -> list[BaseRoute]:
    return [
        Route("/feeds/timeline.atom", timeline_feed),
        Route("/feeds/rules/{name}.atom", rule_feed),
        Route("/feeds/sources/{source_id}.atom", source_feed),
        Route("/feeds/stories/{story_id:int}.atom", story_feed),
        Route("/feeds/search.atom", search_feed),
    ]
