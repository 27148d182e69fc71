"""Sending without waiting on the slowest channel: a time limit per send, channels delivered side by side.

apprise is synchronous and a receiver that trickles one byte every few seconds never trips its socket timeouts,
so each send runs in a thread of its own and is waited for at most `timeout` seconds: an overrun is a failed
attempt (retried with the outbox's backoff), and the thread is left to finish by itself (a daemon thread, so it
never holds up the exit; not a pool thread, so a stuck channel never starves other work). Each channel's
messages go out in order; different channels go out at the same time and never wait for one another.

The notification library (apprise, through `rules.notify`) is imported on the first send only: a pass with
nothing to deliver does without it (`LazyNotifier`).

>>> import asyncio
>>> from rules.delivery import Delivery
>>> asyncio.run(send_with_timeout(lambda: Delivery(True), 1.0, what="channel x")).ok
True
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from rules.delivery import Delivery
    from rules.notify import Notifier
    from rules.render import Message

R = TypeVar("R")
SEND_TIMEOUT = 20.0  # seconds per send: rules.notify.Notifier's default


class Sender(Protocol):
    """What the dispatcher sends through: `rules.notify.Notifier`, or a `LazyNotifier` that makes one."""

    @property
    def timeout(self) -> float: ...

    def send(
        self, urls: Sequence[str], message: Message, *, key: str | None = None,
        headers: Mapping[str, str] | None = None, payload: Mapping[str, Any] | None = None,
    ) -> Delivery: ...


class LazyNotifier:
    """A `rules.notify.Notifier` made on the first send, so that a crawl or a daemon with nothing to deliver never
    imports apprise (and the HTTP and e-mail libraries it loads).

    >>> LazyNotifier(timeout=5).timeout
    5
    """

    def __init__(self, timeout: float = SEND_TIMEOUT) -> None:
        self.timeout = timeout
        self._notifier: Notifier | None = None

    def send(
        self, urls: Sequence[str], message: Message, *, key: str | None = None,
        headers: Mapping[str, str] | None = None, payload: Mapping[str, Any] | None = None,
    ) -> Delivery:
        """`Notifier.send` (see there)."""
        if self._notifier is None:
            from rules.notify import Notifier

            self._notifier = Notifier(self.timeout)
        return self._notifier.send(urls, message, key=key, headers=headers, payload=payload)


async def send_with_timeout(send: Callable[[], Delivery], timeout: float, *, what: str) -> Delivery:
    """`send()` in its own daemon thread; a failed Delivery if it has not returned after `timeout` seconds.

    >>> import time
    >>> from rules.delivery import Delivery
    >>> asyncio.run(send_with_timeout(lambda: time.sleep(2) or Delivery(True), 0.1, what="channel slow")).error
    'channel slow: no answer within 0.1 s (a slow or stuck receiver); tried again later'
    """
    from rules.delivery import Delivery

    loop = asyncio.get_running_loop()
    answer: asyncio.Future[Delivery] = loop.create_future()

    def work() -> None:
        try:
            result = send()
        except Exception as exc:  # Notifier.send returns values; this is a bug's last line of defence
            result = Delivery(False, f"{what}: {type(exc).__name__}")
        with contextlib.suppress(RuntimeError):  # the loop is gone (the process stops): nobody waits any more
            loop.call_soon_threadsafe(_settle, answer, result)

    threading.Thread(target=work, name="tidings-send", daemon=True).start()
    try:
        return await asyncio.wait_for(asyncio.shield(answer), timeout)
    except TimeoutError:
        return Delivery(False, f"{what}: no answer within {timeout:g} s (a slow or stuck receiver); tried again later")


def _settle(answer: asyncio.Future[Delivery], result: Delivery) -> None:
    if not answer.done():
        answer.set_result(result)


class Lanes(Generic[R]):
    """One lane per channel: each lane sends its messages in order, lanes run side by side. A caller claims work
    only for channels whose lane is idle (`busy()`), so a slow channel holds back nothing but itself."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[list[R]]] = {}
        self.results: list[R] = []

    def busy(self) -> frozenset[str]:
        """The channels still sending."""
        self._collect()
        return frozenset(channel for channel, task in self._tasks.items() if not task.done())

    def start(self, channel: str, works: Sequence[Callable[[], Awaitable[R]]]) -> None:
        """Send `works` on `channel`'s lane (which must be idle), one after the other."""
        assert channel not in self.busy(), f"channel {channel!r} is still sending"

        async def lane() -> list[R]:
            return [await work() for work in works]

        self._tasks[channel] = asyncio.ensure_future(lane())

    async def wait_any(self) -> None:
        """Until one busy lane is done."""
        pending = [task for task in self._tasks.values() if not task.done()]
        if pending:
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        self._collect()

    async def finish(self) -> list[R]:
        """Every lane done; all results."""
        await asyncio.gather(*self._tasks.values())
        self._collect()
        return self.results

    def _collect(self) -> None:
        for channel, task in list(self._tasks.items()):
            if task.done():
                self.results.extend(task.result())
                del self._tasks[channel]


async def bounded(work: Coroutine[Any, Any, None], seconds: float, say: Callable[[str], None]) -> None:
    """`work`, cut off after `seconds` (the last dispatch at shutdown: SIGTERM must stop the daemon in time).
    Rows it had claimed stay in the outbox and go out after their claim, from this daemon's next start or another.
    """
    try:
        await asyncio.wait_for(work, seconds)
    except TimeoutError:
        say(f"the last alert delivery was cut off after {seconds:.0f}s; its alerts stay in the outbox")
