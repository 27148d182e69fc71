"""Secrets never leave the app: channel URLs (and their tokens), the database password, in any text shown.

Error messages stored by the dispatcher or a run may quote a URL; every such text passes through a Redactor.

>>> Redactor.of(["tgram://123456:ABCDEF-secret@chat/42"], ["postgresql://u:pw-long@db/x"]).clean(
...     "POST tgram://123456:ABCDEF-secret@chat/42 failed; token ABCDEF-secret")
'POST [secret] failed; token [secret]'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from crawler.config import Config

MIN_SECRET = 6  # shorter URL parts (a port, "chat", "api") are not worth hiding and would hide ordinary words
MASK = "[secret]"


def _parts(url: str) -> set[str]:
    found = {url}
    try:
        parts = urlsplit(url)
    except ValueError:
        return found
    found |= {parts.username or "", parts.password or "", parts.netloc}
    found |= set(re.split(r"[/:@]", parts.netloc + parts.path))
    found |= {value for _, value in parse_qsl(parts.query)}
    return {part for part in found if len(part) >= MIN_SECRET}


@dataclass(frozen=True)
class Redactor:
    secrets: tuple[str, ...]

    @classmethod
    def of(cls, channel_urls: Iterable[str], other_urls: Iterable[str] = ()) -> Redactor:
        """Hide channel URLs and their parts; of other URLs (the database's) only the password."""
        found: set[str] = set()
        for url in channel_urls:
            found |= _parts(url)
        for url in other_urls:
            password = urlsplit(url).password
            found |= {url, password} if password else set()
        return cls(tuple(sorted(found, key=len, reverse=True)))  # longest first: a URL before its parts

    @classmethod
    def for_config(cls, config: Config) -> Redactor:
        urls = [url for channel in config.channels.values() for url in channel.urls]
        return cls.of(urls, [config.database_url])

    def clean(self, text: str | None) -> str | None:
        if not text:
            return text
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text
