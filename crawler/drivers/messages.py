"""What the dispatcher sends for a claimed group: the message, e-mail threading headers and a JSON payload.

A story's first message names every rule and every language and source of the story; a follow-up names what
it adds (one short line on chat channels and the console, a threaded reply by e-mail). Webhook and MQTT
channels get the structured payload; a channel's template still decides the text (and then no payload).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crawler.extract.article import seed_body
from rules.delivery import is_email, wants_payload
from rules.render import AlertView, Format, Message, render_digest, render_health, render_template
from rules.story_render import StoryView, carrier, render_story, story_payload, thread_headers
from storage import AlertItem, HealthAlert, MatchAlert, PendingAlert


@dataclass(frozen=True)
class Outgoing:
    message: Message
    headers: Mapping[str, str] = field(default_factory=dict)
    payload: Mapping[str, Any] | None = None


def outgoing(group: Sequence[PendingAlert], fmt: Format, template: str | None, urls: Sequence[str]) -> Outgoing:
    """A health alert alone, one story message, or a channel's digest (only match alerts are grouped)."""
    first = group[0]
    if isinstance(first, HealthAlert):
        return Outgoing(render_health(first.source_id, first.state, first.error, fmt))
    alerts = [alert for alert in group if isinstance(alert, MatchAlert)]
    if first.mode == "digest":
        return Outgoing(render_digest([view for alert in alerts for view in article_views(alert)], fmt))
    view = story_view(alerts[0])
    if template:
        return Outgoing(render_template(template, view.articles[0], fmt))
    email, json_payload = is_email(urls), wants_payload(urls)
    message = render_story(view, fmt, short=not email and not json_payload)
    headers = thread_headers(view) if email else {}
    payload = story_payload(view, message.body) if json_payload else None
    return Outgoing(message, headers, payload)


def flood_summary(group: Sequence[PendingAlert], fmt: Format) -> Outgoing:
    """The flood guard's one message for the alerts over a channel's allowance."""
    views = [view for alert in group if isinstance(alert, MatchAlert) for view in article_views(alert)]
    digest = render_digest(views, fmt)
    return Outgoing(Message(f"[tidings] flood guard: {len(group)} alerts in one message", digest.body, fmt))


def story_view(alert: MatchAlert) -> StoryView:
    """The message's view of a claimed alert: one article per entry (its rules together), the story's other
    carriers, the thread."""
    articles = tuple(article_views(alert))
    carried = {item.entry_id for item in alert.items}
    if alert.head_uid is None:
        others = [carrier(language, source) for entry_id, language, source in alert.story if entry_id not in carried]
        also_in = tuple(dict.fromkeys(others))
    else:
        also_in = tuple(dict.fromkeys(carrier(a.language, a.source) for a in articles))
    return StoryView(alert.uid, _kind(alert), alert.rules, articles, also_in, alert.story_id, alert.head_uid)


def _kind(alert: MatchAlert) -> str:
    kinds = {str(item.kind) for item in alert.items}
    if alert.head_uid is None:
        return alert.first.kind
    return kinds.pop() if len(kinds) == 1 and kinds != {"new"} else "follow-up"


def article_views(alert: MatchAlert) -> list[AlertView]:
    """One view per entry the alert carries, naming every rule that matched it, with all their evidence."""
    by_entry: dict[int, list[AlertItem]] = {}
    for item in alert.items:
        by_entry.setdefault(item.entry_id, []).append(item)
    return [_view(items) for items in by_entry.values()]


def _view(items: Sequence[AlertItem]) -> AlertView:
    first = items[0]
    evidence = tuple(e for item in items for e in item.evidence)
    return AlertView(
        rule=", ".join(dict.fromkeys(item.rule for item in items)),
        kind=first.kind,
        title=first.title or first.url or "(untitled)",
        url=first.url,
        source=first.source_id,
        language=first.language,
        published=first.published,
        body=seed_body(first.text, first.title, first.published),
        evidence=evidence,
        analysis=first.analysis,
        first_seen=first.first_seen.date().isoformat() if first.first_seen else None,
    )

