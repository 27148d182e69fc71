"""Deliver due alerts from the outbox: claim, render, send through apprise (or print), record the outcome.

A row is claimed before it is sent and marked sent right after, so a crash loses nothing: a claimed row whose
claim expired is claimed again. Failures retry with exponential backoff and jitter, then the row is dead
(`tidings alerts list --status dead`, `tidings alerts retry`). Digest rows of one channel go out as one message.
A story's first message and its follow-ups are threaded (see `crawler.drivers.messages`); more than
`flood_max` alerts to one channel within `flood_window` become one summary message.
"""

from __future__ import annotations

import hashlib
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, TextIO

from crawler.config import CONSOLE, Config
from crawler.drivers.sending import Lanes, Sender, send_with_timeout
from storage import MatchAlert, PendingAlert, Store

if TYPE_CHECKING:  # rendering and sending load jinja2 and apprise: imported when an alert is delivered
    from crawler.drivers.messages import Outgoing
    from rules.delivery import Delivery
    from rules.render import Format

CLAIM_BATCH = 100
CLAIM_LEASE_SECONDS = 300.0


def claim_batch(lease: float, send_timeout: float) -> int:
    """How many alerts to claim at once so that sending all of them fits in the lease.

    >>> claim_batch(900, 20), claim_batch(5, 20)
    (45, 1)
    """
    return max(1, min(CLAIM_BATCH, int(lease // send_timeout)))


@dataclass(frozen=True)
class DispatchReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    messages: int = 0
    flood: int = 0  # alerts folded into a flood guard's summary message

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(
            self.sent + other.sent, self.failed + other.failed, self.dead + other.dead,
            self.messages + other.messages, self.flood + other.flood,
        )


@dataclass(frozen=True)
class Dispatcher:
    """Everything delivery needs; `console` is where the built-in console channel prints."""

    store: Store
    config: Config
    notifier: Sender  # a rules.notify.Notifier, or a LazyNotifier that makes one on the first send
    owner: str = "tidings"
    console: TextIO | None = None
    jitter: Callable[[], float] = random.random
    claim_lease: float = CLAIM_LEASE_SECONDS  # a process killed mid-send leaves its rows to others after this
    claim_batch: int = CLAIM_BATCH  # small enough that sending a batch fits in the lease

    async def run_once(self, now: datetime | None = None) -> DispatchReport:
        """Send every alert that is due (now, or at `now`); return the counts. Each channel is its own lane:
        rows are claimed only for channels not still sending, so a slow channel never holds back the others."""
        lanes: Lanes[DispatchReport] = Lanes()
        while True:
            moment = now or datetime.now(UTC)
            claimed = self.store.claim_alerts(
                self.owner, now=moment, limit=self.claim_batch, lease_seconds=self.claim_lease,
                skip_channels=lanes.busy(),
            )
            for channel, groups in _by_channel(self._flood_guard(_groups(claimed), moment)).items():
                lanes.start(channel, [partial(self._deliver, group, moment, summary=flood) for group, flood in groups])
            if not claimed:
                if not lanes.busy():
                    break
                await lanes.wait_any()
        return sum(await lanes.finish(), DispatchReport())

    def _flood_guard(
        self, groups: list[list[PendingAlert]], now: datetime
    ) -> list[tuple[list[PendingAlert], bool]]:
        """Instant match alerts beyond a channel's allowance in the window become one summary per channel."""
        settings = self.config.settings
        allowance: dict[str, int] = {}
        kept: list[tuple[list[PendingAlert], bool]] = []
        overflow: dict[str, list[PendingAlert]] = {}
        for group in groups:
            first = group[0]
            if not isinstance(first, MatchAlert) or first.mode == "digest":
                kept.append((group, False))
                continue
            if first.channel not in allowance:
                since = now - timedelta(seconds=settings.flood_window)
                allowance[first.channel] = settings.flood_max - self.store.count_sent(first.channel, since=since)
            allowance[first.channel] -= 1
            if allowance[first.channel] >= 0:
                kept.append((group, False))
            else:
                overflow.setdefault(first.channel, []).extend(group)
        return kept + [(rows, True) for rows in overflow.values()]

    async def _deliver(self, group: Sequence[PendingAlert], now: datetime, *, summary: bool = False) -> DispatchReport:
        from crawler.drivers.messages import flood_summary, outgoing
        from rules.delivery import Delivery

        channel = group[0].channel
        if channel != CONSOLE and channel not in self.config.channels:
            gone = Delivery(False, f"channel {channel!r} is not configured any more")
            return self._record(group, gone, now, final=True)
        urls = () if channel == CONSOLE else self.config.channels[channel].urls
        if summary:
            out = flood_summary(group, self._format(channel))
        else:
            out = outgoing(group, self._format(channel), self._template(channel), urls)
        key = idempotency_key(group)
        delivery = await send_with_timeout(lambda: self._send(channel, out, key), self.notifier.timeout,
                                           what=f"channel {channel}")
        report = self._record(group, delivery, now, final=False)
        return report + DispatchReport(flood=len(group)) if summary and delivery.ok else report

    def _format(self, channel: str) -> Format:
        if channel == CONSOLE:
            return "text"
        from rules.notify import default_format

        settings = self.config.channels[channel]
        return settings.format or default_format(settings.urls)

    def _template(self, channel: str) -> str | None:
        return None if channel == CONSOLE else self.config.channels[channel].template

    def _send(self, channel: str, out: Outgoing, key: str) -> Delivery:
        message = out.message
        if channel == CONSOLE:
            stream = self.console or sys.stdout
            stream.write(f"\n{message.title}\n{message.body}\n")
            stream.flush()
            from rules.delivery import Delivery

            return Delivery(True)
        return self.notifier.send(self.config.channels[channel].urls, message, key=key, headers=out.headers,
                                  payload=out.payload)

    def _record(
        self, group: Sequence[PendingAlert], delivery: Delivery, now: datetime, *, final: bool
    ) -> DispatchReport:
        if delivery.ok:
            for alert in group:
                self.store.mark_sent(alert.alert_id, now=now)
            return DispatchReport(sent=len(group), messages=1)
        dead = 0
        for alert in group:
            next_attempt = None if final else self._next_attempt(alert.attempts, now)
            dead += next_attempt is None
            error = delivery.error or "failed"
            self.store.mark_failed(alert.alert_id, error=error, now=now, next_attempt_at=next_attempt)
        return DispatchReport(failed=len(group), dead=dead)

    def _next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """Exponential backoff with full jitter; None once the attempts are used up (the row is dead)."""
        settings = self.config.settings
        if attempts >= settings.alert_max_attempts:
            return None
        ceiling = min(settings.alert_retry_max, settings.alert_retry_base * 2 ** (attempts - 1))
        return now + timedelta(seconds=ceiling * (0.5 + self.jitter() / 2))


def _by_channel(groups: list[tuple[list[PendingAlert], bool]]) -> dict[str, list[tuple[list[PendingAlert], bool]]]:
    """(group, is a flood summary) per channel, in order."""
    lanes: dict[str, list[tuple[list[PendingAlert], bool]]] = {}
    for group, summary in groups:
        lanes.setdefault(group[0].channel, []).append((group, summary))
    return lanes


def idempotency_key(group: Sequence[PendingAlert]) -> str:
    """The same key every time this message is (re)sent, so a receiver can drop a repeat: the alert's globally
    unique id (a digest's: a hash of its alerts' ids).

    Delivery is at least once: a process killed after a channel accepted a message but before it was marked
    sent sends it again. Webhook receivers see the key as the `X-Tidings-Alert-Id` header.

    >>> from datetime import datetime, UTC
    >>> from storage import HealthAlert
    >>> alert = HealthAlert(alert_id=7, uid="0b5c", channel="hook", mode="instant", attempts=1,
    ...                     created_at=datetime.now(UTC), source_id="cna", state="failing", error="DNS")
    >>> idempotency_key([alert])
    '0b5c'
    """
    ids = sorted(alert.uid for alert in group)
    if len(ids) == 1:
        return ids[0]
    return "tidings-digest-" + hashlib.sha256(",".join(ids).encode()).hexdigest()[:16]


def _groups(alerts: Sequence[PendingAlert]) -> list[list[PendingAlert]]:
    """Instant alerts one by one; a channel's digest alerts together."""
    groups: list[list[PendingAlert]] = []
    digests: dict[str, list[PendingAlert]] = {}
    for alert in alerts:
        if isinstance(alert, MatchAlert) and alert.mode == "digest":
            digests.setdefault(alert.channel, []).append(alert)
        else:
            groups.append([alert])
    return groups + list(digests.values())
