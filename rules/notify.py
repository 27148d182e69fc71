"""The apprise wrapper: send one message to one channel's URLs and return the result as a value.

>>> Notifier().send(["invalid://"], Message("t", "b", "text")).ok
False
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import apprise

from rules.render import Format, Message
from rules.secrets import redact_url, remember_urls, scrub

_FORMATS = {
    "text": apprise.NotifyFormat.TEXT,
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "html": apprise.NotifyFormat.HTML,
}
_HTML_SCHEMES = ("mailto", "mailtos")
_WEBHOOK_SCHEMES = ("json", "jsons", "xml", "xmls", "form", "forms")
IDEMPOTENCY_HEADER = "X-Tidings-Alert-Id"
_MARKDOWN_SCHEMES = (
    "slack", "discord", "tgram", "matrix", "matrixs", "msteams", "ntfy", "ntfys", "mattermost", "rocket",
)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send: ok, or the error apprise reported (URLs with secrets redacted)."""

    ok: bool
    error: str | None = None


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

    def send(self, urls: Sequence[str], message: Message, *, key: str | None = None) -> Delivery:
        """Send `message` to every URL; `key` goes to webhook receivers as the `X-Tidings-Alert-Id` header."""
        remember_urls(urls)
        sender = apprise.Apprise()
        for url in urls:
            if not sender.add(with_key(url, key)):
                return Delivery(False, f"invalid apprise URL {redact(url)} (see https://github.com/caronc/apprise/wiki)")
        with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            try:
                ok = sender.notify(body=message.body, title=message.title, body_format=_FORMATS[message.format])
            except Exception as exc:
                return Delivery(False, scrub(f"{type(exc).__name__}: {exc}"))
            log_text = captured.getvalue()
        if ok:
            return Delivery(True)
        return Delivery(False, _last_lines(scrub(log_text)) or "apprise reported a failed delivery")


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
