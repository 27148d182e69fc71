"""robots.txt per RFC 9309, parsed by protego, cached per scheme + host + port.

The cache does not fetch by itself: it is given a `RobotsLoader` (the Fetcher's, so robots.txt requests go
through politeness, URL safety and the stats like any other request).

>>> rules = RobotsRules.from_answer(RobotsAnswer(200, b"User-agent: *\\nDisallow: /private/\\n"))
>>> rules.allows("https://example.com/private/x", "tidings"), rules.allows("https://example.com/", "tidings")
(False, True)
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from protego import Protego

from crawler.errors import FetchError
from crawler.fetch.urlsafety import parse_url

MAX_ROBOTS_BYTES = 500 * 1024
ERROR_TTL_CAP = 600.0  # an unreachable robots.txt is retried after at most 10 minutes, not a day


class RobotsDisallowed(FetchError):
    """robots.txt forbids fetching this URL."""


@dataclass(frozen=True)
class RobotsAnswer:
    """What fetching /robots.txt gave: the final status (None when unreachable) and up to 500 KiB of body.

    >>> RobotsAnswer(None, b"").status is None
    True
    """

    status: int | None
    body: bytes
    failure: str | None = None  # why it was unreachable: the fetch error (timeout, connection refused, ...)


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one robots.txt, or a blanket verdict (allow all / disallow all).

    >>> RobotsRules.from_answer(RobotsAnswer(503, b"")).allows("https://example.com/", "tidings")
    False
    >>> RobotsRules.from_answer(RobotsAnswer(404, b"")).allows("https://example.com/", "tidings")
    True
    """

    parser: Any = None  # a protego.Protego; None means the blanket verdict below
    allow_all: bool = True
    failure: str | None = None  # for the disallow-all verdict: what went wrong reading robots.txt

    @classmethod
    def from_answer(cls, answer: RobotsAnswer) -> RobotsRules:
        """RFC 9309 §2.3.1: 2xx => parse; 4xx => allow all; 5xx or unreachable => disallow all.

        >>> RobotsRules.from_answer(RobotsAnswer(503, b"")).failure
        'the server answered HTTP 503'
        """
        if answer.status is None:
            return cls(allow_all=False, failure=answer.failure or "unreachable")
        if answer.status >= 500:
            return cls(allow_all=False, failure=f"the server answered HTTP {answer.status}")
        if answer.status >= 400 or not 200 <= answer.status < 300:
            return cls(allow_all=True)
        text = answer.body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="ignore")
        return cls(parser=Protego.parse(text))

    @property
    def is_error_verdict(self) -> bool:
        """True for the disallow-all verdict of an unreachable robots.txt (cached only briefly)."""
        return self.parser is None and not self.allow_all

    def allows(self, url: str, agent: str) -> bool:
        """Whether `agent` (the product token, e.g. "tidings") may fetch `url`."""
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, agent))

    def crawl_delay(self, agent: str) -> float | None:
        """The Crawl-delay for `agent` in seconds, if the file sets one."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay is not None else None


RobotsLoader = Callable[[str], Awaitable[RobotsAnswer]]


@functools.lru_cache(maxsize=1024)
def robots_url(url: str) -> str:
    """The robots.txt URL that governs `url` (kept for the last 1,024 URLs: each fetch asks twice), from the URL
    as the fetch parsed it already (`parse_url`).

    >>> robots_url("HTTPS://Example.com:8443/a/b?c=1")
    'https://example.com:8443/robots.txt'
    """
    return str(parse_url(url).copy_with(path="/robots.txt", query=None, fragment=None))


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups match against.

    >>> agent_token("tidings/0.1 (+https://github.com/tidings/tidings)")
    'tidings'
    """
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


class RobotsCache:
    """robots.txt rules per origin, loaded once (concurrent callers share the load) and kept for `ttl`.

    >>> async def demo() -> bool:
    ...     async def load(url: str) -> RobotsAnswer:
    ...         return RobotsAnswer(200, b"User-agent: *\\nDisallow: /")
    ...     rules = await RobotsCache(load).rules_for("https://example.com/x")
    ...     return rules.allows("https://example.com/x", "a")
    >>> asyncio.run(demo())
    False
    """

    def __init__(self, loader: RobotsLoader, *, ttl: float = 86400.0, clock: Callable[[], float] = time.monotonic):
        self._loader = loader
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[float, RobotsRules]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules_for(self, url: str) -> RobotsRules:
        """The rules governing `url`, fetching robots.txt if not cached or expired."""
        key = robots_url(url)
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._entries.get(key)
            if cached is not None and cached[0] > self._clock():
                return cached[1]
            rules = RobotsRules.from_answer(await self._loader(key))
            ttl = min(self._ttl, ERROR_TTL_CAP) if rules.is_error_verdict else self._ttl
            self._entries[key] = (self._clock() + ttl, rules)
            return rules

    def peek(self, url: str) -> RobotsRules | None:
        """The cached rules for `url`'s origin, if any (even expired), without fetching."""
        cached = self._entries.get(robots_url(url))
        return cached[1] if cached is not None else None
