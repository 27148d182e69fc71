"""The apprise wrapper: send one message to one channel's URLs and return the result as a value.

>>> Notifier().send(["invalid://"], Message("t", "b", "text")).ok
False
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import apprise
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.email.base import NotifyEmail

from rules.delivery import HTML_SCHEMES as _HTML_SCHEMES
from rules.delivery import Delivery as Delivery  # re-exported: the value lives where apprise is not imported
from rules.delivery import is_email as is_email
from rules.delivery import wants_payload as wants_payload
from rules.render import Format, Message
from rules.secrets import redact_url, remember_urls, scrub

_FORMATS = {
    "text": apprise.NotifyFormat.TEXT,
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "html": apprise.NotifyFormat.HTML,
}
_WEBHOOK_SCHEMES = ("json", "jsons", "xml", "xmls", "form", "forms")
_APPRISE_JSON_KEYS = ("version", "title", "message", "attachments", "type")
IDEMPOTENCY_HEADER = "X-Tidings-Alert-Id"
_MARKDOWN_SCHEMES = (
    "slack", "discord", "tgram", "matrix", "matrixs", "msteams", "ntfy", "ntfys", "mattermost", "rocket",
)


def redact(url: str) -> str:
    """A channel URL fit for logs and errors (apprise's privacy form; see rules.secrets).

    >>> redact("mailtos://user:pass@example.com")
    'mailtos://***@example.com/'
    """
    return redact_url(url)


def default_format(urls: Sequence[str]) -> Format:
    """HTML for email, Markdown for chat services that render it, plain text otherwise."""
    scheme = urls[0].split(":", 1)[0].lower() if urls else ""
    if scheme in _HTML_SCHEMES:
        return "html"
    if scheme in _MARKDOWN_SCHEMES:
        return "markdown"
    return "text"


class Notifier:
    """Sends messages through apprise. Synchronous: call it from a worker thread in async code."""

    def __init__(self, timeout: float = 20.0) -> None:
        self.timeout = timeout

    def send(
        self, urls: Sequence[str], message: Message, *, key: str | None = None,
        headers: Mapping[str, str] | None = None, payload: Mapping[str, Any] | None = None,
    ) -> Delivery:
        """Send `message` to every URL; `key` goes to webhook receivers as the `X-Tidings-Alert-Id` header.

        `headers` are added to e-mails (threading: Message-ID, In-Reply-To, References). `payload` is what JSON
        webhooks receive beside apprise's own fields (its `title` is then the payload's) and what MQTT
        receives as the whole message.
        """
        remember_urls(urls)
        for url in urls:
            plugin = apprise.Apprise.instantiate(with_key(url, key), asset=_asset())
            if plugin is None:
                return Delivery(False, f"invalid apprise URL {redact(url)} (see https://github.com/caronc/apprise/wiki)")
            delivery = self._send_one(plugin, message, headers or {}, payload)
            if not delivery.ok:
                return delivery
        return Delivery(True)

    def _send_one(
        self, plugin: Any, message: Message, headers: Mapping[str, str], payload: Mapping[str, Any] | None
    ) -> Delivery:
        title, body, fmt = message.title, message.body, message.format
        if isinstance(plugin, NotifyEmail):
            plugin.headers.update(headers)
        elif payload is not None and isinstance(plugin, NotifyJSON):
            plugin.payload_extras.update({k: v for k, v in payload.items() if k not in _APPRISE_JSON_KEYS})
            title = str(payload.get("title") or title)
        elif payload is not None and getattr(plugin, "protocol", None) == "mqtt":
            body, fmt = json.dumps(payload, ensure_ascii=False), "text"
        sender = apprise.Apprise(asset=_asset())
        sender.add(plugin)
        with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            try:
                ok = sender.notify(body=body, title=title, body_format=_FORMATS[fmt])
            except Exception as exc:
                return Delivery(False, scrub(f"{type(exc).__name__}: {exc}"))
            log_text = captured.getvalue()
        if ok:
            return Delivery(True)
        return Delivery(False, _last_lines(scrub(log_text)) or "apprise reported a failed delivery")


def _asset() -> apprise.AppriseAsset:
    """Sends run in the caller's thread: apprise's own pool (its per-service deadline, 2.x) is joined at exit, so
    one stuck receiver would keep a stopping daemon alive. The caller bounds each send (crawler/drivers/sending.py).
    """
    options: dict[str, Any] = {"async_mode": False}
    if hasattr(apprise.AppriseAsset, "_service_timeout"):  # apprise 2.x; 0 = no deadline of its own, no pool
        options["service_timeout"] = 0
    return apprise.AppriseAsset(**options)


def with_key(url: str, key: str | None) -> str:
    """Add the idempotency header to webhook URLs (apprise's `+Header=value` query syntax).

    >>> with_key("json://127.0.0.1:8080/hook", "tidings-alert-7")
    'json://127.0.0.1:8080/hook?+X-Tidings-Alert-Id=tidings-alert-7'
    >>> with_key("slack://T/B/C", "tidings-alert-7")
    'slack://T/B/C'
    """
    scheme = url.split(":", 1)[0].lower()
    if key is None or scheme not in _WEBHOOK_SCHEMES:
        return url
    return f"{url}{'&' if '?' in url else '?'}+{IDEMPOTENCY_HEADER}={key}"


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.split(" - ", 2)[-1] for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:])


def _own_message_id(body: str) -> str:
    """Apprise adds a random Message-ID after the headers it is given; keep ours (the first) when both exist.

    >>> _own_message_id("Message-ID: <a@x>\\nSubject: s\\nMessage-ID: <b@y>\\n\\nbody")
    'Message-ID: <a@x>\\nSubject: s\\n\\nbody'
    """
    head, blank, rest = body.partition("\n\n")
    lines = head.split("\n")
    found = [index for index, line in enumerate(lines) if line.lower().startswith("message-id:")]
    if len(found) < 2:
        return body
    del lines[found[-1]]
    return "\n".join(lines) + blank + rest


def _prepare_emails_with_own_id(*args: Any, **kwargs: Any) -> Iterator[Any]:
    for prepared in _apprise_prepare_emails(*args, **kwargs):
        yield dataclasses.replace(prepared, body=_own_message_id(prepared.body))


# E-mail threading needs a Message-ID we choose (follow-ups name it in In-Reply-To); apprise 2.x always makes a
# random one. Wrapping its message builder keeps ours; messages without our header are unchanged.
_apprise_prepare_emails = NotifyEmail.prepare_emails
NotifyEmail.prepare_emails = staticmethod(_prepare_emails_with_own_id)  # type: ignore[method-assign]
