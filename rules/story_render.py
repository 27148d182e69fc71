"""Messages per story: the first message names every rule that matched and every language and source carrying
the story; a follow-up names what was added (a short line on chat channels); webhooks get a JSON payload.

>>> first = AlertView("ai, partnership", "new", "AI pact", "https://x.tw/1", "focustaiwan", "en", None, "An AI pact.")
>>> view = StoryView("u1", "new", ("ai", "partnership"), (first,), ("中文 (CNA)",), 3, None)
>>> print(render_story(view, "text").body.splitlines()[-1])
also in: 中文 (CNA)
>>> later = AlertView("ai", "new", "AI 協議", "https://x.tw/2", "cna", "zh-Hant", None, "AI 協議。")
>>> print(render_story(StoryView("u2", "follow-up", ("ai",), (later,), (), 3, "u1"), "text", short=True).body)
↳ also in 中文 (CNA): AI 協議 https://x.tw/2
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rules.render import AlertView, Format, Message, _link, render_alert, what_changed
from rules.render import _escape as _esc

LANGUAGES = {"zh": "中文", "en": "English", "id": "Bahasa Indonesia", "ja": "日本語", "ko": "한국어", "th": "ไทย",
             "vi": "Tiếng Việt", "es": "Español", "fr": "Français", "de": "Deutsch", "tl": "Tagalog"}
SOURCES = {"cna": "CNA", "focustaiwan": "Focus Taiwan", "mofa": "MOFA", "moda": "MODA", "nspp": "NSPP"}
THREAD_DOMAIN = "tidings.invalid"
"""The right-hand side of our Message-IDs: a name that is no host (RFC 6761), so they never collide."""


@dataclass(frozen=True)
class StoryView:
    """One message of a story's thread on one channel: the articles it carries (one view per article, the
    first is the main one), the other languages and sources of the story, and its place in the thread."""

    alert_id: str
    kind: str  # new / edited / removed / follow-up
    rules: tuple[str, ...]
    articles: tuple[AlertView, ...]
    also_in: tuple[str, ...]
    story_id: int | None
    follow_up_of: str | None  # the alert id of the thread's first message


def language_name(code: str | None) -> str:
    """ "中文" for zh-Hant, "Bahasa Indonesia" for id; the code itself when unknown."""
    if not code:
        return "und"
    return LANGUAGES.get(code.split("-")[0].lower(), code)


def source_label(source_id: str) -> str:
    """A short name: "NSPP" for nspp-id, "CNA" for cna; a custom source's id."""
    return SOURCES.get(source_id.split("-")[0], source_id)


def carrier(language: str | None, source_id: str) -> str:
    """ "中文 (CNA)". """
    return f"{language_name(language)} ({source_label(source_id)})"


def link_reason(reason: str, score: float | None, evidence: str | None, linked_by: str) -> str:
    """Why an entry is in its story, in one line: what `tidings stories show` and the story page print.

    >>> link_reason("new", None, None, "auto")
    'first of the story'
    >>> link_reason("anchors", 0.8312, '{"shared": {"names": ["Lin Chia-lung"], "day": "2026-06-18"}}', "auto")
    'anchors 0.83 by auto (names: Lin Chia-lung; day: 2026-06-18)'
    >>> link_reason("user", 1.0, '{"moved_from": 12}', "user"), link_reason("user", 1.0, '{"split_from": 12}', "user")
    ('joined by a person (from story 12)', 'split off by a person (from story 12)')
    """
    if reason == "new":
        return "first of the story"
    found = json.loads(evidence) if evidence else {}
    if linked_by == "user" and isinstance(found, dict):
        action = "split off" if "split_from" in found else "joined"
        origin = found.get("split_from", found.get("moved_from"))
        return f"{action} by a person" + (f" (from story {origin})" if origin is not None else "")
    shown = "" if score is None else f" {score:.2f}"
    shared = found.get("shared", found) if isinstance(found, dict) else {}
    details = "; ".join(f"{key}: {', '.join(map(str, values)) if isinstance(values, list) else values}"
                        for key, values in shared.items())
    return f"{reason}{shown} by {linked_by}" + (f" ({details})" if details else "")


def render_story(view: StoryView, fmt: Format, *, short: bool = False) -> Message:
    """The message; ``short`` gives a follow-up as one line (chat channels)."""
    main = view.articles[0]
    if view.follow_up_of is None:
        prefix = "Edited" if view.kind == "edited" else "Removed" if view.kind == "removed" else "New"
        title = f"[tidings] {prefix} {', '.join(view.rules)} match: {main.title}"
    else:
        title = f"[tidings] {_follow_up_phrase(view)}: {main.title}"
    if short and view.follow_up_of is not None:
        return Message(title=title, body=_line(view, fmt), format=fmt)
    return Message(title=title, body=_full_body(view, fmt), format=fmt)


def _follow_up_phrase(view: StoryView) -> str:
    if view.kind == "edited":
        return "edited"
    if view.kind == "removed":
        return "removed"
    return "also in " + ", ".join(dict.fromkeys(carrier(a.language, a.source) for a in view.articles))


def _line(view: StoryView, fmt: Format) -> str:
    """One line; an edit or a removal adds what changed under it (the diff, the notice)."""
    items = [f"{_esc(a.title, fmt)} {_link(a.url, fmt)}" for a in view.articles]
    line = f"↳ {_esc(_follow_up_phrase(view), fmt)}: " + "; ".join(items)
    changes = [change for a in view.articles if (change := what_changed(a, fmt))]
    return ("<br>\n" if fmt == "html" else "\n").join([line, *changes])


def _full_body(view: StoryView, fmt: Format) -> str:
    joiner = "<br>\n" if fmt == "html" else "\n"
    parts = [render_alert(article, fmt).body for article in view.articles]
    lines = [("<hr>" if fmt == "html" else "\n").join(parts), _esc(f"rules: {', '.join(view.rules)}", fmt)]
    if view.also_in:
        lines.append(_esc("also in: " + ", ".join(view.also_in), fmt))
    return joiner.join(lines)


def story_payload(view: StoryView, text: str) -> dict[str, Any]:
    """The JSON a webhook or MQTT channel receives: the main article, the thread, the terms and the text."""
    main = view.articles[0]
    return {
        "alert_id": view.alert_id, "story_id": view.story_id, "follow_up_of": view.follow_up_of,
        "rules": list(view.rules), "kind": view.kind, "url": main.url, "title": main.title, "source": main.source,
        "language": main.language, "published": main.published, "terms": terms(main.evidence),
        "also_in": list(view.also_in), "articles": [_article(a) for a in view.articles], "text": text,
    }


def _article(view: AlertView) -> dict[str, Any]:
    return {"url": view.url, "title": view.title, "source": view.source, "language": view.language,
            "published": view.published, "rules": view.rule.split(", "), "terms": terms(view.evidence)}


def terms(evidence: Sequence[Any]) -> list[dict[str, Any]]:
    """Matched terms with their field and offsets."""
    keys = ("term", "text", "field", "start", "end", "group")
    return [{key: item[key] for key in keys if key in item} for item in evidence]


def thread_headers(view: StoryView) -> dict[str, str]:
    """E-mail threading: a Message-ID per message; follow-ups answer the story's first message."""
    own = f"<{view.alert_id}@{THREAD_DOMAIN}>"
    if view.follow_up_of is None:
        return {"Message-ID": own}
    first = f"<{view.follow_up_of}@{THREAD_DOMAIN}>"
    return {"Message-ID": own, "In-Reply-To": first, "References": first}
