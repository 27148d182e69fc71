"""Alert messages: title, source, language, date, the matched terms highlighted in a snippet, and the link.

The body format follows the channel: plain text, Markdown or HTML. Page text is untrusted: it is escaped for
the format (HTML entities; Markdown punctuation) and never interpreted as a template.

>>> view = AlertView(rule="ai", kind="new", title="AI pact", url="https://x.tw/1", source="cna",
...                  language="en", published="2026-01-02", body="Taiwan signs an AI pact.",
...                  evidence=({"field": "body", "start": 14, "end": 16, "term": "AI"},))
>>> print(render_alert(view, "text").body.splitlines()[-1])
https://x.tw/1
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from rules import render_edits
from rules.safetext import TITLE_CHARS, neutralise_mentions, safe_text, visible_controls

if TYPE_CHECKING:  # jinja2 (~1 MiB) renders channels' own templates only: imported by the first of them
    from jinja2.sandbox import ImmutableSandboxedEnvironment

log = logging.getLogger(__name__)

Format = Literal["text", "markdown", "html"]
SNIPPET_CHARS = 280
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")  # characters that format inline text


@dataclass(frozen=True)
class AlertView:
    """What a message says about one match (built by the dispatcher from the stored alert)."""

    rule: str
    kind: str
    title: str
    url: str
    source: str
    language: str | None
    published: str | None
    body: str
    evidence: tuple[Mapping[str, Any], ...] = ()
    analysis: Mapping[str, Any] | None = None  # an edit's analysis (EditAnalysis.to_json())
    first_seen: str | None = None


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    format: Format


def safe_view(view: AlertView) -> AlertView:
    """The view with its page text made safe: title capped, controls visible, mentions neutralised; the body
    cut to what a snippet can show (so the matching offsets into it still hold)."""
    body = view.body[: max((int(e.get("end", 0)) for e in view.evidence), default=0) + SNIPPET_CHARS * 2]
    return AlertView(
        rule=view.rule, kind=view.kind, title=safe_text(view.title, TITLE_CHARS), url=visible_controls(view.url),
        source=view.source, language=view.language, published=view.published, body=body, evidence=view.evidence,
        analysis=view.analysis, first_seen=view.first_seen,
    )


def render_alert(view: AlertView, fmt: Format) -> Message:
    """One match as one message."""
    view = safe_view(view)
    prefix = {"edited": "Edited", "removed": "Taken down"}.get(view.kind, "New")
    title = f"[tidings] {prefix} {view.rule} match: {view.title}"
    return Message(title=title, body=_alert_body(view, fmt), format=fmt)


def render_template(template: str, view: AlertView, fmt: Format) -> Message:
    """A channel's own template, rendered in jinja2's immutable sandbox (autoescaped for HTML).

    The page's text is data, never template source. A template that fails or reaches for something the sandbox
    refuses falls back to the built-in message, so an alert is never lost to a template.

    >>> view = AlertView("ai", "new", "AI pact", "https://x.tw/1", "cna", "en", None, "An AI pact.")
    >>> render_template("{{ title }} <{{ url }}>", view, "text").body
    'AI pact <https://x.tw/1>'
    """
    from jinja2 import TemplateError
    from markupsafe import Markup

    view = safe_view(view)
    values = {
        "rule": view.rule, "kind": view.kind, "title": view.title, "url": view.url, "source": view.source,
        "language": view.language or "", "published": view.published or "", "terms": _terms(view),
        "snippet": Markup(snippet(view, fmt)) if fmt == "html" else snippet(view, fmt),
        "diff": Markup(_change(view, fmt)) if fmt == "html" else _change(view, fmt),
        "first_seen": view.first_seen or "",
    }
    try:
        body = _environment(fmt == "html").from_string(template).render(values)
    except (TemplateError, ValueError, TypeError, AttributeError) as exc:
        log.warning("channel template failed (%s); sending the built-in message instead", exc)
        return render_alert(view, fmt)
    return Message(title=render_alert(view, fmt).title, body=body, format=fmt)


@cache
def _environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(autoescape=autoescape)


def render_digest(views: Sequence[AlertView], fmt: Format) -> Message:
    """Several matches as one message, grouped by rule."""
    by_rule: dict[str, list[AlertView]] = {}
    for view in map(safe_view, views):
        by_rule.setdefault(view.rule, []).append(view)
    sections = [_digest_section(rule, items, fmt) for rule, items in by_rule.items()]
    joiner = "<hr>" if fmt == "html" else "\n\n"
    return Message(title=f"[tidings] digest: {len(views)} matches", body=joiner.join(sections), format=fmt)


def render_health(source: str, state: str, error: str | None, fmt: Format) -> Message:
    """A source started failing, or recovered."""
    if state == "failing":
        title = f"[tidings] source {source} is failing"
        text = f"Source {source} has failed several runs in a row. Last error: {error or 'unknown'}"
    else:
        title = f"[tidings] source {source} recovered"
        text = f"Source {source} is working again."
    return Message(title=title, body=_escape(text, fmt), format=fmt)


def _alert_body(view: AlertView, fmt: Format) -> str:
    """An edit leads with what changed, a removal with the notice; then title, facts, snippet, files and link."""
    meta = f"{view.source} · {view.language or 'und'} · {view.published or 'no date'} · terms: {_terms(view)}"
    lines = [_strong(view.title, fmt), _escape(meta, fmt), snippet(view, fmt), *_attachment_lines(view, fmt),
             _link(view.url, fmt)]
    if change := _change(view, fmt):
        lines.insert(0, change)
    return "<br>\n".join(lines) if fmt == "html" else "\n".join(lines)


def what_changed(view: AlertView, fmt: Format) -> str:
    """The diff of an edit or the notice of a removal, made safe and escaped for the format; "" otherwise."""
    return _change(safe_view(view), fmt)


def _change(view: AlertView, fmt: Format) -> str:
    """What changed (rules.render_edits): the diff of an edit, the notice of a removal, else nothing."""
    if view.kind == "removed":
        return render_edits.removal_notice(view.title, view.first_seen, view.body, fmt)
    analysis = render_edits.analysis_of(view.analysis) if view.kind == "edited" else None
    return render_edits.edit_diff(analysis, fmt) if analysis is not None else ""


def _attachment_lines(view: AlertView, fmt: Format) -> list[str]:
    """One line per attachment that matched: its name, the text around the first hit, its link."""
    lines, seen = [], set()
    for e in view.evidence:
        url = e.get("attachment")
        if e.get("field") != "attachment" or not url or url in seen:
            continue
        seen.add(url)
        name = _escape(f"In attachment {e.get('attachment_name') or url}:", fmt)
        around = _escape(str(e.get("context") or e.get("text") or ""), fmt)
        lines.append(f"{name} {around} {_link(str(url), fmt)}")
    return lines


def _digest_section(rule: str, views: Sequence[AlertView], fmt: Format) -> str:
    header = _strong(f"{rule} ({len(views)})", fmt)
    items = [f"{_escape(v.title, fmt)} ({_escape(v.source, fmt)}): {_link(v.url, fmt)}" for v in views]
    if fmt == "html":
        return header + "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    bullet = "- " if fmt == "markdown" else "* "
    return "\n".join([header, *(bullet + item for item in items)])


def _terms(view: AlertView) -> str:
    terms = dict.fromkeys(str(term) for e in view.evidence if (term := e.get("text") or e.get("term")))
    return ", ".join(terms) or "-"


def snippet(view: AlertView, fmt: Format, width: int = SNIPPET_CHARS) -> str:
    """Text around the first body hit, every hit inside it highlighted for the format."""
    hits = sorted((int(e["start"]), int(e["end"])) for e in view.evidence if e.get("field") == "body")
    if not hits:
        return _escape(_shorten(view.body, width), fmt)
    start = max(0, hits[0][0] - width // 3)
    end = min(len(view.body), start + width)
    parts, cursor = [], start
    for hit_start, hit_end in hits:
        if hit_start < cursor or hit_end > end:
            continue
        parts.append(_escape(view.body[cursor:hit_start], fmt))
        parts.append(_mark(view.body[hit_start:hit_end], fmt))
        cursor = hit_end
    parts.append(_escape(view.body[cursor:end], fmt))
    text = "".join(parts).replace("\n", " ")
    return ("…" if start else "") + text + ("…" if end < len(view.body) else "")


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _escape(text: str, fmt: Format) -> str:
    text = neutralise_mentions(visible_controls(text))
    if fmt == "html":
        return html.escape(text)
    if fmt == "markdown":
        return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text


def _mark(text: str, fmt: Format) -> str:
    if fmt == "html":
        return f"<mark>{html.escape(text)}</mark>"
    if fmt == "markdown":
        return f"**{_escape(text, fmt)}**"
    return f"«{_escape(text, fmt)}»"


def _strong(text: str, fmt: Format) -> str:
    if fmt == "html":
        return f"<b>{html.escape(text)}</b>"
    if fmt == "markdown":
        return f"**{_escape(text, fmt)}**"
    return _escape(text, fmt)


def _link(url: str, fmt: Format) -> str:
    if fmt == "html":
        return f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>'
    if fmt == "markdown":
        return f"<{url}>" if " " not in url and ">" not in url else _escape(url, fmt)
    return url
