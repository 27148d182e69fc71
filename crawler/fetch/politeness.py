"""Per-host politeness: a concurrency cap and a minimum spacing between request starts.

>>> async def demo() -> None:
...     gate = HostGate(concurrency=1)
...     async with gate.slot("example.com", delay=0.0):
...         pass
>>> asyncio.run(demo())
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class HostGate:
    """Admits requests to a host at most `concurrency` at a time and `delay` seconds apart, start to start.

    Every admitted start reserves the next allowed start time for its host, so waiting callers are spaced
    out in arrival order; the reservation happens without an `await` in between, so it needs no lock.

    >>> gate = HostGate(concurrency=2, clock=lambda: 100.0)
    >>> gate.reserve("example.com", 1.5), gate.reserve("example.com", 1.5)
    (100.0, 101.5)
    """

    def __init__(self, concurrency: int = 1, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep):
        self._concurrency = max(1, concurrency)
        self._clock = clock
        self._sleep = sleep
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, host: str, delay: float) -> AsyncIterator[None]:
        """Wait for a free slot and for this host's next allowed start, then hold the slot."""
        semaphore = self._semaphores.setdefault(host, asyncio.Semaphore(self._concurrency))
        async with semaphore:
            start = self.reserve(host, delay)
            wait = start - self._clock()
            if wait > 0:
                await self._sleep(wait)
            yield

    def reserve(self, host: str, delay: float) -> float:
        """Claim the next start time for `host` and push the one after it `delay` seconds later."""
        start = max(self._clock(), self._next_start.get(host, float("-inf")))
        self._next_start[host] = start + max(0.0, delay)
        return start


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None.

    >>> parse_retry_after("3")
    3.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))
