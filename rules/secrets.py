"""Channel URLs carry tokens: never print, log or store one.

`redact_url` shows a channel URL the way apprise's own `url(privacy=True)` does (`slack://T...2/A...D/...`), and
as `scheme://***` when apprise cannot read it. `scrub` removes every token of every channel URL the process knows
from any text (an apprise log line, an error); `SecretFilter` does it to every log record, third-party ones too.

>>> remember_urls(["tgram://123456789:AABBccDDeeFF/12345"])
>>> scrub("POST https://api.telegram.org/bot123456789:AABBccDDeeFF/sendMessage")
'POST https://api.telegram.org/bot***:***/sendMessage'
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse
from collections.abc import Iterable

MASK = "***"
_secrets: set[str] = set()
_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None
_SPLIT = re.compile(r"[/:@?&=#,;+\s]+")
_CREDENTIALS = re.compile(r"(://)([^/@\s]+)@")


def _looks_secret(part: str) -> bool:
    """A token, not a word: long, or shorter but with digits (ids, tokens); host names are not secrets."""
    if "." in part and not any(char.isdigit() for char in part.replace(".", "")):
        return False
    return len(part) >= 12 or (len(part) >= 6 and any(char.isdigit() for char in part))


def url_secrets(url: str) -> set[str]:
    """The pieces of `url` that may be secrets: user, password, path segments, query values.

    >>> sorted(url_secrets("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"))
    ['A1BRTD4JD', 'T1JJ3T3L2', 'TIiajkdnlazkcOXrIdevi7FQ']
    """
    _, _, rest = url.partition("://")
    return {part for part in _SPLIT.split(urllib.parse.unquote(rest)) if _looks_secret(part)}


def remember_urls(urls: Iterable[str]) -> None:
    """Register the tokens of these channel URLs, so `scrub` and `SecretFilter` hide them from then on."""
    global _pattern
    new = {secret for url in urls for secret in url_secrets(url)}
    with _lock:
        if new <= _secrets:
            return
        _secrets.update(new)
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(map(re.escape, ordered)))


def scrub(text: str) -> str:
    """`text` with every known token masked, and any `user:password@` credentials too.

    >>> scrub("mailtos://user:pass@example.com")
    'mailtos://***@example.com'
    """
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _CREDENTIALS.sub(rf"\1{MASK}@", text)


def redact_url(url: str) -> str:
    """A channel URL fit to show: apprise's privacy form, else only its scheme.

    >>> redact_url("slack://bad")
    'slack://***'
    >>> redact_url("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js").startswith("discord://4...8/J...s/")
    True
    """
    import apprise  # lazily: the CLI imports this module at start-up

    remember_urls([url])
    try:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    except Exception:
        plugin = None
    shown = plugin.url(privacy=True) if plugin else None  # type: ignore[no-untyped-call]
    if not shown:
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        return f"{scheme[:20]}://{MASK}"
    return scrub(str(shown).split("?", 1)[0])


class SecretFilter(logging.Filter):
    """Masks channel tokens in every log record it sees (attach it to handlers, and to the apprise logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with the tokens masked; never drop a record."""
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def install_log_filter() -> None:
    """Put `SecretFilter` on the root logger's handlers and on apprise's logger."""
    secret_filter = SecretFilter()
    logging.getLogger("apprise").addFilter(secret_filter)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, SecretFilter) for existing in handler.filters):
            handler.addFilter(secret_filter)
