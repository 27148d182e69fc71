"""The outcome of one alert delivery, and what a channel's URLs say about it (e-mail, a JSON payload).

Kept apart from `rules.notify` (the apprise wrapper): printing an alert on the console, and recording any
outcome, needs neither apprise nor the HTTP and e-mail libraries it loads (~7 MiB).

>>> Delivery(False, "timeout").ok
False
>>> is_email(["mailtos://user:pass@example.com"]), wants_payload(["jsons://hooks.example.com/x"])
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HTML_SCHEMES = ("mailto", "mailtos")
PAYLOAD_SCHEMES = ("json", "jsons", "mqtt", "mqtts")


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send: ok, or the error apprise reported (URLs with secrets redacted)."""

    ok: bool
    error: str | None = None


def wants_payload(urls: Sequence[str]) -> bool:
    """Webhook (json://, jsons://) and MQTT channels receive a JSON payload."""
    return any(url.split(":", 1)[0].lower() in PAYLOAD_SCHEMES for url in urls)


def is_email(urls: Sequence[str]) -> bool:
    return any(url.split(":", 1)[0].lower() in HTML_SCHEMES for url in urls)
